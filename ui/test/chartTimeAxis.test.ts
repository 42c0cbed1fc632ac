// @vitest-environment jsdom
// The time axis of a chart with a window (a dashboard line chart's history), in a real uPlot.
import "./matchMedia";
import uPlot from "uplot";
import { afterEach, describe, expect, it } from "vitest";
import { chartOptions } from "../src/lib/chartOptions";

// jsdom draws nothing: a 2D context whose every method does nothing lets uPlot run.
HTMLCanvasElement.prototype.getContext = function () {
  return new Proxy({}, { get: (_t, name) => (name === "measureText" ? () => ({ width: 10 }) : () => undefined) });
} as unknown as HTMLCanvasElement["getContext"];
(globalThis as { Path2D?: unknown }).Path2D ??= class {
  moveTo() {}
  lineTo() {}
  rect() {}
  arc() {}
  bezierCurveTo() {}
  closePath() {}
  addPath() {}
};

const colors = { text: "#555", grid: "#eee", series: () => "#0f7b6c" };
const plots: uPlot[] = [];

afterEach(() => {
  for (const plot of plots.splice(0)) plot.destroy();
});

async function xRange(data: uPlot.AlignedData, xWindow?: () => [number, number] | null) {
  const opts = chartOptions({ width: 600, height: 300, series: [{ label: "T" }], look: {}, colors, zoomable: false, xWindow });
  const plot = new uPlot(opts, data, document.body);
  plots.push(plot);
  await new Promise((done) => setTimeout(done, 10));
  return [plot.scales.x.min, plot.scales.x.max];
}

describe("chart time axis", () => {
  it("spans the window around a single point, not the years uPlot pads it with", async () => {
    expect(await xRange([[5000], [12]], () => [1000, 8200])).toEqual([1000, 8200]);
    const [min, max] = await xRange([[5000], [12]]);
    expect(max! - min!).toBeGreaterThan(365 * 86_400); // what the window prevents
  });

  it("widens the window to points outside it and keeps it with no points", async () => {
    expect(await xRange([[500, 9000], [1, 2]], () => [1000, 8200])).toEqual([500, 9000]);
    expect(await xRange([[], []], () => [1000, 8200])).toEqual([1000, 8200]);
  });
});
