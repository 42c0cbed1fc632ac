/** Chart ranges, the data/chart query they turn into, and what to say when aggregated. */
import type { ChartQuery } from "../api/aio";
import type { ChartResponse } from "../api/types";

export type RangeName = "1h" | "24h" | "7d" | "30d" | "custom";

export const RANGES: { name: Exclude<RangeName, "custom">; label: string; hours: number }[] = [
  { name: "1h", label: "1 h", hours: 1 },
  { name: "24h", label: "24 h", hours: 24 },
  { name: "7d", label: "7 d", hours: 24 * 7 },
  { name: "30d", label: "30 d", hours: 24 * 30 },
];

/** The server never returns more than this many chart points (rest-api.md §6.4). */
export const MAX_CHART_POINTS = 480;

export interface TimeWindow {
  start: Date;
  end: Date;
}

/** The window of a named range, of a number of hours before now, or the custom one. */
export function rangeWindow(range: RangeName | number, now: Date, custom?: TimeWindow): TimeWindow {
  if (typeof range === "number") {
    const hours = Number.isFinite(range) && range > 0 ? range : 24;
    return { start: new Date(now.getTime() - hours * 3_600_000), end: now };
  }
  if (range === "custom") {
    if (!custom) throw new Error("a custom range needs a start and an end");
    if (custom.start.getTime() >= custom.end.getTime()) {
      throw new Error("The start of the range must be before its end.");
    }
    return custom;
  }
  const spec = RANGES.find((r) => r.name === range);
  const hours = spec ? spec.hours : 24;
  return { start: new Date(now.getTime() - hours * 3_600_000), end: now };
}

/** The query of a window: raw points first; aggregated when raw would be truncated. */
export function chartQuery(window: TimeWindow, raw: boolean): ChartQuery {
  const query: ChartQuery = {
    start_time: window.start.toISOString(),
    end_time: window.end.toISOString(),
  };
  if (raw) query.raw = true;
  return query;
}

/**
 * Whether a raw answer may be shown as is: the server caps raw answers at
 * MAX_CHART_POINTS, so a full answer may hide points and the chart must aggregate.
 */
export function rawIsComplete(chart: ChartResponse): boolean {
  return chart.data.length < MAX_CHART_POINTS;
}

export function formatMinutes(minutes: number): string {
  if (minutes <= 0) return "raw";
  const units: [number, string][] = [
    [1440, "day"],
    [60, "hour"],
    [1, "minute"],
  ];
  for (const [size, name] of units) {
    if (minutes % size === 0) {
      const n = minutes / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${minutes} minutes`;
}

const FIELD_WORDS: Record<string, string> = {
  avg: "average",
  min: "minimum",
  max: "maximum",
  sum: "sum",
  count: "count",
  first: "first value",
  last: "last value",
  median: "median",
  val: "last value",
  val_count: "count",
};

/** The words of an aggregated chart's badge and of its explanation. */
export function aggregationText(
  aggregation: { field: string; minutes: number; note?: string | null },
  points: number,
  band: boolean,
): { badge: string; full: string } {
  const field = FIELD_WORDS[aggregation.field] ?? aggregation.field;
  const bucket = formatMinutes(aggregation.minutes);
  return {
    badge: `Aggregated: ${field} of ${bucket}`,
    full:
      `Aggregated: each point is the ${field} of ${bucket} of data (${points} points)` +
      (band ? "; the shaded band spans each bucket's minimum to maximum" : "") +
      ". Zoom in or pick a shorter range to see every value." +
      (aggregation.note ? ` ${aggregation.note}` : ""),
  };
}

/** The note shown under an aggregated chart; null when every point is shown. */
export function aggregationNote(chart: ChartResponse | null): string | null {
  if (!chart || chart.parameters.raw) return null;
  const field = FIELD_WORDS[chart.parameters.field] ?? chart.parameters.field;
  const bucket = formatMinutes(chart.parameters.resolution);
  return (
    `Aggregated: each point is the ${field} of ${bucket} of data ` +
    `(${chart.data.length} points). Zoom in or pick a shorter range to see every value.`
  );
}

/** uPlot columns (seconds, numbers) from a chart answer; non-numeric values become gaps. */
export function chartSeries(chart: ChartResponse): [number[], (number | null)[]] {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (const [at, value] of chart.data) {
    const t = Date.parse(at);
    if (Number.isNaN(t)) continue;
    xs.push(t / 1000);
    const n = typeof value === "number" ? value : value === null ? NaN : Number(value);
    ys.push(Number.isFinite(n) ? n : null);
  }
  return [xs, ys];
}

/** A zoom selection (uPlot seconds) as a custom window, or null when too small. */
export function windowFromSelection(fromSec: number, toSec: number): TimeWindow | null {
  if (!Number.isFinite(fromSec) || !Number.isFinite(toSec) || toSec - fromSec < 1) return null;
  return { start: new Date(Math.floor(fromSec * 1000)), end: new Date(Math.ceil(toSec * 1000)) };
}

/** Value for an <input type="datetime-local"> in the browser's zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

export function fromLocalInput(text: string): Date | null {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The series of a window: raw points when they all fit, else the server's aggregation
 * (so a chart is never silently truncated).
 */
export async function loadChartData(
  fetchChart: (query: ChartQuery) => Promise<ChartResponse>,
  window: TimeWindow,
): Promise<ChartResponse> {
  const raw = await fetchChart(chartQuery(window, true));
  if (rawIsComplete(raw)) return raw;
  return fetchChart(chartQuery(window, false));
}
