/**
 * How one feed's chart series is fetched: every raw point of the window up to a large bound
 * (RAW_POINT_LIMIT), else the server's aggregates, with the minimum and maximum of each
 * bucket for a band. The browser draws tens of thousands of points without trouble; the
 * server's aggregated answer is capped at MAX_CHART_POINTS.
 */
import type { ChartQuery, PointsPage, PointsQuery } from "../api/aio";
import type { ChartResponse } from "../api/types";
import { chartQuery, MAX_CHART_POINTS } from "./chartRange";
import type { TimeWindow } from "./chartRange";

/** Raw points drawn before the server is asked to aggregate. */
export const RAW_POINT_LIMIT = 20_000;
/** Points asked for in one request of the /data route (its own maximum). */
export const PAGE_SIZE = 1000;

export type { PointsPage, PointsQuery };

/** Where a chart reads from: the signed-in API, a public dashboard, a test double. */
export interface ChartSource {
  chart(key: string, query: ChartQuery, signal?: AbortSignal): Promise<ChartResponse>;
  /** Raw points page by page (the /data route). Without it, raw points come from the chart
   * route, which answers at most MAX_CHART_POINTS of them. */
  points?(key: string, query: PointsQuery, signal?: AbortSignal): Promise<PointsPage>;
}

export interface Aggregation {
  /** The chart API's field: avg, sum, min, max, val, val_count. */
  field: string;
  /** Minutes per point. */
  minutes: number;
  /** The server's word on why its buckets are coarser than asked, if it said. */
  note?: string | null;
}

export interface LoadedSeries {
  /** Seconds since the epoch, ascending. */
  xs: number[];
  ys: (number | null)[];
  /** The minimum and maximum of each bucket, when aggregated and asked for. */
  band: { min: (number | null)[]; max: (number | null)[] } | null;
  aggregation: Aggregation | null;
  /** rawDataOnly, and the window holds more points than were drawn (the newest are). */
  truncated: boolean;
}

export interface LoadOptions {
  /** The aggregate drawn as the line: "avg" unless said. */
  field?: string;
  /** Also fetch min and max of each bucket when aggregated (default true). */
  band?: boolean;
  /** Never aggregate: draw at most `rawLimit` newest raw points. */
  rawDataOnly?: boolean;
  rawLimit?: number;
  signal?: AbortSignal;
}

/** A chart value as a number; anything else becomes a gap. */
export function toPlotNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

function rawSeries(rows: { created_at: string; value: unknown }[], truncated: boolean): LoadedSeries {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (const row of rows) {
    const t = Date.parse(row.created_at);
    if (Number.isNaN(t)) continue;
    xs.push(t / 1000);
    ys.push(toPlotNumber(row.value));
  }
  return { xs, ys, band: null, aggregation: null, truncated };
}

/** Pages of raw points, newest first, until `limit` or the window's start. */
async function pagedPoints(
  source: ChartSource & Required<Pick<ChartSource, "points">>,
  key: string,
  window: TimeWindow,
  limit: number,
  first: PointsPage | null,
  signal?: AbortSignal,
): Promise<{ rows: PointsPage["items"]; more: boolean }> {
  const rows: PointsPage["items"] = [];
  const seen = new Set<string>();
  const base = { start_time: window.start.toISOString(), end_time: window.end.toISOString() };
  let page = first ?? (await source.points(key, { ...base, limit: PAGE_SIZE }, signal));
  for (;;) {
    let added = 0;
    for (const item of page.items) {
      // A source paging by time repeats the boundary point: count it once.
      if (item.id !== undefined) {
        if (seen.has(item.id)) continue;
        seen.add(item.id);
      }
      rows.push(item);
      added++;
    }
    if (rows.length >= limit) {
      return { rows: rows.slice(0, limit), more: rows.length > limit || page.next !== null };
    }
    if (!page.next || added === 0) return { rows, more: false };
    page = await source.points(key, { ...base, limit: PAGE_SIZE, cursor: page.next }, signal);
  }
}

/** The number of points in a window, from the chart route's per-bucket counts. */
async function countPoints(source: ChartSource, key: string, window: TimeWindow, signal?: AbortSignal) {
  const counts = await source.chart(key, { ...chartQuery(window, false), field: "val_count" }, signal);
  return counts.data.reduce((sum, [, n]) => sum + (toPlotNumber(n) ?? 0), 0);
}

/** The aggregated series, with its band when asked. */
async function aggregated(
  source: ChartSource,
  key: string,
  window: TimeWindow,
  field: string,
  band: boolean,
  signal?: AbortSignal,
): Promise<LoadedSeries> {
  const query = chartQuery(window, false);
  const ask = (f: string) => source.chart(key, { ...query, field: f }, signal);
  const wanted = band && !["min", "max", "val_count"].includes(field);
  const [main, lows, highs] = await Promise.all([
    ask(field),
    wanted ? ask("min") : null,
    wanted ? ask("max") : null,
  ]);
  const series = rawSeries(
    main.data.map(([at, value]) => ({ created_at: at, value })),
    false,
  );
  if (lows && highs) {
    const byTime = (c: ChartResponse) => new Map(c.data.map(([at, v]) => [Date.parse(at) / 1000, toPlotNumber(v)]));
    const min = byTime(lows);
    const max = byTime(highs);
    series.band = {
      min: series.xs.map((x) => min.get(x) ?? null),
      max: series.xs.map((x) => max.get(x) ?? null),
    };
  }
  const { field: used, resolution, note } = main.parameters;
  series.aggregation = { field: used, minutes: resolution, note: note ?? null };
  return series;
}

/** One feed's series over a window: raw when it fits (or rawDataOnly), else aggregated. */
export async function loadSeries(
  source: ChartSource,
  key: string,
  window: TimeWindow,
  options: LoadOptions = {},
): Promise<LoadedSeries> {
  const { field = "avg", band = true, rawDataOnly = false, rawLimit = RAW_POINT_LIMIT, signal } = options;
  if (!source.points) {
    const raw = await source.chart(key, chartQuery(window, true), signal);
    const complete = raw.data.length < MAX_CHART_POINTS;
    if (complete || rawDataOnly) {
      return rawSeries(raw.data.map(([at, value]) => ({ created_at: at, value })), !complete);
    }
    return aggregated(source, key, window, field, band, signal);
  }
  const paged = source as ChartSource & Required<Pick<ChartSource, "points">>;
  const base = { start_time: window.start.toISOString(), end_time: window.end.toISOString() };
  // The count comes from the server's summaries, which outlive raw points: more counted than
  // the raw pages hold means part of the window is only left as aggregates.
  const [first, total] = await Promise.all([
    paged.points(key, { ...base, limit: Math.min(PAGE_SIZE, rawLimit) }, signal),
    rawDataOnly ? null : countPoints(source, key, window, signal),
  ]);
  if (total !== null && total > rawLimit) return aggregated(source, key, window, field, band, signal);
  const { rows, more } = await pagedPoints(paged, key, window, rawLimit, first, signal);
  if (total !== null && rows.length < total) return aggregated(source, key, window, field, band, signal);
  return rawSeries(rows.reverse(), more);
}
