import "./matchMedia";
import { describe, expect, it } from "vitest";
import { chartOptions, isCompact, withAlpha } from "../src/lib/chartOptions";
import type { ChartLook, ChartSeries } from "../src/lib/chartOptions";

const colors = { text: "#555", grid: "#eee", series: (i: number) => ["#0f7b6c", "#d9480f"][i % 2] };
const one: ChartSeries[] = [{ label: "Temp" }];

function build(look: ChartLook = {}, series = one, width = 800, height = 300) {
  return chartOptions({ width, height, series, look, colors, zoomable: true });
}

describe("chartOptions", () => {
  it("shrinks type and ticks in small charts but keeps a y axis sized to its labels", () => {
    expect(isCompact(300, 300)).toBe(true);
    expect(isCompact(800, 120)).toBe(true);
    expect(isCompact(800, 300)).toBe(false);
    const small = build({}, one, 300, 120);
    const large = build();
    expect(small.axes?.[1].font).toMatch(/^10px/);
    expect(large.axes?.[1].font).toMatch(/^12px/);
    expect(typeof small.axes?.[1].size).toBe("function");
    expect(small.legend?.show).toBe(false); // the legend is a row above the plot
  });

  it("draws stepped lines and bars", () => {
    expect(build().series[1].paths).toBeUndefined();
    expect(typeof build({ steppedLine: true }).series[1].paths).toBe("function");
    const bars = build({ style: "bars" }).series[1];
    expect(typeof bars.paths).toBe("function");
    expect(bars.fill).toBe(withAlpha("#0f7b6c", 0.6));
    expect(bars.points?.show).toBe(false);
    // uPlot's own rule decides when points show (always for a lone point): no show key.
    expect(build().series[1].points).not.toHaveProperty("show");
  });

  it("turns grid lines off, bounds y and makes it logarithmic", () => {
    expect(build({ gridLines: false }).axes?.[1].grid?.show).toBe(false);
    expect(build().axes?.[1].grid?.show).toBe(true);
    const bounded = build({ yAxisMin: 0, yAxisMax: 100 }).scales?.y;
    const range = bounded?.range as (u: unknown, a: number, b: number) => [number, number];
    expect(range(null, 10, 20)).toEqual([0, 100]);
    expect(build({ yAxisMin: 0 }).scales?.y?.range).toBeDefined();
    expect(build({ yAxisScale: "log" }).scales?.y?.distr).toBe(3);
    expect(build({ yAxisLabel: "°C" }).axes?.[1].label).toBe("°C");
  });

  it("adds a hidden series pair and a band for each aggregated series", () => {
    const series: ChartSeries[] = [
      { label: "A", band: { min: 3, max: 4 } },
      { label: "B" },
    ];
    const opts = build({}, series);
    expect(opts.series).toHaveLength(5);
    expect(opts.series[3].stroke).toBe("transparent");
    expect(opts.bands).toEqual([{ series: [4, 3], fill: withAlpha("#0f7b6c", 0.18) }]);
  });

  it("adds alpha to hex colours only", () => {
    expect(withAlpha("#0f7b6c", 0.5)).toBe("#0f7b6c80");
    expect(withAlpha("rgb(1,2,3)", 0.5)).toBe("rgb(1,2,3)");
  });
});

describe("chartOptions time window", () => {
  const range = (opts: ReturnType<typeof build>, xs: number[], min: number | null, max: number | null) =>
    (opts.scales?.x?.range as (u: unknown, a: number | null, b: number | null) => [number, number])(
      { data: [xs, xs.map(() => 1)] },
      min,
      max,
    );

  it("spans the window asked for, widened to points outside it, and labels the x axis", () => {
    const opts = chartOptions({ width: 800, height: 300, series: one, look: { xAxisLabel: "Time" }, colors, zoomable: false, xWindow: () => [1000, 4600] });
    // One point: uPlot pads its max by 86,400,000 (years, in seconds); the window stands.
    expect(range(opts, [2000], 2000, 2000 + 86_400_000)).toEqual([1000, 4600]);
    expect(range(opts, [500, 5000], 500, 5000)).toEqual([500, 5000]);
    expect(range(opts, [], null, null)).toEqual([1000, 4600]);
    expect(opts.axes?.[0].label).toBe("Time");
  });


  it("leaves the x range to uPlot without a window", () => {
    expect(build().scales?.x?.range).toBeUndefined();
    expect(build().axes?.[0].label).toBeUndefined();
  });
});
