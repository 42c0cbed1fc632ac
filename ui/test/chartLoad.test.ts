import "./matchMedia";
import { describe, expect, it, vi } from "vitest";
import type { ChartQuery, PointsQuery } from "../src/api/aio";
import type { ChartResponse } from "../src/api/types";
import { loadSeries, PAGE_SIZE, RAW_POINT_LIMIT } from "../src/lib/chartLoad";
import type { ChartSource } from "../src/lib/chartLoad";
import { rangeWindow } from "../src/lib/chartRange";
import { joinSeries } from "../src/lib/useChartSeries";

const now = new Date("2026-05-01T12:00:00Z");
const day = rangeWindow("24h", now);

/** A feed of `count` points, one a second before `now`, served like the server does. */
function fakeSource(count: number, paged = true): ChartSource & { calls: string[] } {
  const at = (i: number) => new Date(now.getTime() - (count - i) * 1000).toISOString();
  const calls: string[] = [];
  const chart = vi.fn(async (_key: string, q: ChartQuery): Promise<ChartResponse> => {
    const field = q.raw ? "value" : (q.field ?? "avg");
    calls.push(`chart:${field}`);
    const rows: [string, string][] = q.raw
      ? Array.from({ length: Math.min(count, 480) }, (_, i) => [at(count - Math.min(count, 480) + i), String(i)])
      : Array.from({ length: 288 }, (_, i) => [new Date(day.start.getTime() + i * 300_000).toISOString(),
          field === "val_count" ? String(Math.floor(count / 288) + (i < count % 288 ? 1 : 0)) : field === "min" ? "1" : field === "max" ? "9" : "5"]);
    return {
      feed: { id: 1, key: "t", name: "T" },
      parameters: { start_time: "", end_time: "", resolution: q.raw ? 0 : 5, hours: 24, field, raw: !!q.raw },
      columns: ["date", field],
      data: rows,
    };
  });
  const points = async (_key: string, q: PointsQuery) => {
    calls.push("points");
    const end = q.cursor ? Number(q.cursor) : count;
    const startIdx = Math.max(0, end - q.limit);
    const items = [];
    for (let i = end - 1; i >= startIdx; i--) items.push({ id: `p${i}`, created_at: at(i), value: String(i) });
    return { items, next: startIdx > 0 ? String(startIdx) : null };
  };
  return paged ? { chart, points, calls } : { chart, calls };
}

describe("loadSeries", () => {
  it("draws one page of raw points, counted to be all there are", async () => {
    const source = fakeSource(300);
    const s = await loadSeries(source, "t", day);
    expect(source.calls.sort()).toEqual(["chart:val_count", "points"]);
    expect(s.xs).toHaveLength(300);
    expect(s.aggregation).toBeNull();
    expect(s.xs[0]).toBeLessThan(s.xs[299]);
  });

  it("draws a day of one point a minute raw, not as 288 averages", async () => {
    const source = fakeSource(1440);
    const s = await loadSeries(source, "t", day);
    expect(s.aggregation).toBeNull();
    expect(s.xs).toHaveLength(1440);
    expect(source.calls.sort()).toEqual(["chart:val_count", "points", "points"]);
    expect(new Set(s.xs).size).toBe(1440);
  });

  it("aggregates past the raw bound, with a min-max band", async () => {
    const source = fakeSource(RAW_POINT_LIMIT + PAGE_SIZE);
    const s = await loadSeries(source, "t", day);
    expect(s.aggregation).toEqual({ field: "avg", minutes: 5, note: null });
    expect(s.xs).toHaveLength(288);
    expect(s.band?.min[0]).toBe(1);
    expect(s.band?.max[0]).toBe(9);
    expect(source.calls.sort()).toEqual(["chart:avg", "chart:max", "chart:min", "chart:val_count", "points"]);
  });

  it("aggregates when raw points have expired but their summaries remain", async () => {
    const source = fakeSource(300);
    const points = source.points!;
    source.points = async (k, q) => ({ ...(await points(k, q)), items: [], next: null });
    const s = await loadSeries(source, "t", day);
    expect(s.aggregation?.field).toBe("avg");
  });

  it("rawDataOnly never aggregates: the newest points up to the bound", async () => {
    const source = fakeSource(5000);
    const s = await loadSeries(source, "t", day, { rawDataOnly: true, rawLimit: 2500 });
    expect(s.aggregation).toBeNull();
    expect(s.truncated).toBe(true);
    expect(s.xs).toHaveLength(2500);
    expect(source.calls).not.toContain("chart:val_count");
  });

  it("without paging, uses the chart route's raw answer, then aggregates", async () => {
    expect((await loadSeries(fakeSource(100, false), "t", day)).xs).toHaveLength(100);
    const s = await loadSeries(fakeSource(1000, false), "t", day, { band: false });
    expect(s.aggregation?.field).toBe("avg");
    expect(s.band).toBeNull();
  });
});

describe("joinSeries", () => {
  it("puts values first and band columns after them", () => {
    const a = { xs: [1, 2], ys: [10, 20], band: { min: [9, 19], max: [11, 21] }, aggregation: null, truncated: false };
    const b = { xs: [2, 3], ys: [5, 6], band: null, aggregation: null, truncated: false };
    const { data, bands } = joinSeries([a, b]);
    expect(data[0]).toEqual([1, 2, 3]);
    expect(data[1]).toEqual([10, 20, undefined]);
    expect(data[2]).toEqual([undefined, 5, 6]);
    expect(data[3]).toEqual([9, 19, undefined]);
    expect(bands).toEqual([{ min: 3, max: 4 }, undefined]);
  });
});
