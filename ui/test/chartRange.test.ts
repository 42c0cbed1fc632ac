import { describe, expect, it, vi } from "vitest";
import type { ChartResponse } from "../src/api/types";
import {
  aggregationNote,
  chartQuery,
  chartSeries,
  formatMinutes,
  loadChartData,
  MAX_CHART_POINTS,
  rangeWindow,
  rawIsComplete,
  windowFromSelection,
} from "../src/lib/chartRange";

const now = new Date("2026-05-01T12:00:00Z");

function chart(rows: number, raw: boolean, resolution = 0, field = raw ? "value" : "avg"): ChartResponse {
  return {
    feed: { id: 1, key: "t", name: "T" },
    parameters: { start_time: "", end_time: "", resolution, hours: 1, field, raw },
    columns: ["date", field],
    data: Array.from({ length: rows }, (_, i) => [new Date(now.getTime() + i * 1000).toISOString(), String(i)]),
  };
}

describe("rangeWindow / chartQuery", () => {
  it("turns each range into start/end times", () => {
    const hours = { "1h": 1, "24h": 24, "7d": 168, "30d": 720 } as const;
    for (const [name, h] of Object.entries(hours)) {
      const w = rangeWindow(name as keyof typeof hours, now);
      expect(w.end).toEqual(now);
      expect(now.getTime() - w.start.getTime()).toBe(h * 3_600_000);
    }
  });

  it("uses the custom window and refuses an empty one", () => {
    const custom = { start: new Date("2026-04-01T00:00:00Z"), end: new Date("2026-04-02T00:00:00Z") };
    expect(rangeWindow("custom", now, custom)).toBe(custom);
    expect(() => rangeWindow("custom", now, { start: custom.end, end: custom.start })).toThrow();
  });

  it("sends ISO times, raw only when asked", () => {
    const w = rangeWindow("1h", now);
    expect(chartQuery(w, false)).toEqual({
      start_time: "2026-05-01T11:00:00.000Z",
      end_time: "2026-05-01T12:00:00.000Z",
    });
    expect(chartQuery(w, true).raw).toBe(true);
  });
});

describe("loadChartData", () => {
  it("shows raw points when they all fit", async () => {
    const fetchChart = vi.fn(async (_q: { raw?: boolean }) => chart(10, true));
    const result = await loadChartData(fetchChart, rangeWindow("24h", now));
    expect(fetchChart).toHaveBeenCalledTimes(1);
    expect(fetchChart.mock.calls[0][0]).toMatchObject({ raw: true });
    expect(result.parameters.raw).toBe(true);
    expect(aggregationNote(result)).toBeNull();
  });

  it("aggregates when a raw answer is full (it could be truncated)", async () => {
    const fetchChart = vi.fn(async (q: { raw?: boolean }) =>
      q.raw ? chart(MAX_CHART_POINTS, true) : chart(336, false, 30),
    );
    const result = await loadChartData(fetchChart, rangeWindow("7d", now));
    expect(fetchChart).toHaveBeenCalledTimes(2);
    expect(fetchChart.mock.calls[1][0].raw).toBeUndefined();
    expect(rawIsComplete(chart(MAX_CHART_POINTS, true))).toBe(false);
    expect(aggregationNote(result)).toBe(
      "Aggregated: each point is the average of 30 minutes of data (336 points). Zoom in or pick a shorter range to see every value.",
    );
  });
});

describe("aggregation note and series", () => {
  it("names the bucket size", () => {
    expect(formatMinutes(1)).toBe("1 minute");
    expect(formatMinutes(60)).toBe("1 hour");
    expect(formatMinutes(120)).toBe("2 hours");
    expect(formatMinutes(1440)).toBe("1 day");
    expect(formatMinutes(90)).toBe("90 minutes");
    expect(aggregationNote(chart(5, false, 60, "max"))).toMatch(/maximum of 1 hour/);
  });

  it("makes uPlot columns, non-numbers as gaps", () => {
    const c = chart(3, true);
    c.data[1][1] = "hello";
    c.data[2][1] = null;
    const [xs, ys] = chartSeries(c);
    expect(xs[0]).toBe(now.getTime() / 1000);
    expect(ys).toEqual([0, null, null]);
  });

  it("turns a drag selection into a window", () => {
    expect(windowFromSelection(100, 100.5)).toBeNull();
    expect(windowFromSelection(1000, 2000)).toEqual({ start: new Date(1_000_000), end: new Date(2_000_000) });
  });
});
