/**
 * The series of a time chart of one or more feeds, loaded, kept current and shaped for
 * TimeChart: the one hook of the feed page's chart and the dashboard's line chart block.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import type { AlignedData } from "uplot";
import { loadSeries } from "./chartLoad";
import type { Aggregation, ChartSource, LoadedSeries } from "./chartLoad";
import { rangeWindow } from "./chartRange";
import type { RangeName, TimeWindow } from "./chartRange";
import type { SeriesBand } from "./chartOptions";

/** An aggregated chart asks again this long after a live point arrives. */
export const AGGREGATED_RELOAD_MS = 5000;

export interface ChartSeriesOptions {
  /** Aio (signed in), PublicApi (public dashboard) or any ChartSource. */
  source: ChartSource;
  /** One series per key, in this order. */
  feedKeys: string[];
  /** A named range, or a number of hours up to now. */
  range: RangeName | number;
  /** The window when `range` is "custom". */
  custom?: TimeWindow | null;
  /** The aggregate drawn when there are too many points: "avg" unless said. */
  field?: string;
  /** Draw the minimum-maximum band of each bucket when aggregated (default true). */
  band?: boolean;
  /** Adafruit IO's `rawDataOnly`: never aggregate; draw at most `rawLimit` newest points. */
  rawDataOnly?: boolean;
  /** Raw points drawn before aggregating (default RAW_POINT_LIMIT, 20,000). */
  rawLimit?: number;
  /** Change it to load again (new data arrived). */
  version?: number;
}

export interface ChartSeriesResult {
  /** x (seconds), one column per feed in `feedKeys` order, then the band columns. */
  data: AlignedData;
  /** Per feed, the data columns of its band (TimeChart's `ChartSeries.band`). */
  bands: (SeriesBand | undefined)[];
  /** How the first aggregated feed was aggregated; null when every point is drawn. */
  aggregation: Aggregation | null;
  /** rawDataOnly and the window held more points than were drawn. */
  truncated: boolean;
  /** Points drawn, over all feeds. */
  points: number;
  /** The window last loaded, in seconds (null before the first load): TimeChart's xWindow,
   * so the time axis spans the range asked for, not just the points found. */
  xWindow: [number, number] | null;
  /** Loaded, and no feed has a number to plot. */
  empty: boolean;
  loading: boolean;
  error: Error | null;
  reload(): void;
  /** A live point: appended to a raw series; an aggregated one loads again a bit later. */
  addPoint(key: string, at: string, value: unknown): void;
}

/** The columns of several series on one time axis (see ChartSeriesResult.data). */
export function joinSeries(all: (LoadedSeries | undefined)[]): { data: AlignedData; bands: (SeriesBand | undefined)[] } {
  const tables: AlignedData[] = all.map((s) =>
    s ? (s.band ? [s.xs, s.ys, s.band.min, s.band.max] : [s.xs, s.ys]) : [[], []],
  );
  if (!tables.length) return { data: [[]], bands: [] };
  const joined = tables.length === 1 ? tables[0] : uPlot.join(tables);
  const values: AlignedData[number][] = [];
  const extra: AlignedData[number][] = [];
  const bands: (SeriesBand | undefined)[] = [];
  let column = 1;
  for (const table of tables) {
    values.push(joined[column]);
    if (table.length === 4) {
      const at = tables.length + 1 + extra.length;
      extra.push(joined[column + 1], joined[column + 2]);
      bands.push({ min: at, max: at + 1 });
    } else {
      bands.push(undefined);
    }
    column += table.length - 1;
  }
  return { data: [joined[0], ...values, ...extra] as AlignedData, bands };
}

export function useChartSeries(options: ChartSeriesOptions): ChartSeriesResult {
  const { source, feedKeys, range, custom, field, band, rawDataOnly, rawLimit, version } = options;
  const keys = feedKeys.join("\u0000");
  const customKey = custom ? `${custom.start.getTime()}-${custom.end.getTime()}` : "";
  const [loaded, setLoaded] = useState<Record<string, LoadedSeries>>({});
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | null>(null);
  const [span, setSpan] = useState<TimeWindow | null>(null);
  const [tick, setTick] = useState(0);
  const later = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    const list = keys ? keys.split("\u0000") : [];
    setLoading(true);
    const window = rangeWindow(range, new Date(), custom ?? undefined);
    const opts = { field, band, rawDataOnly, rawLimit, signal: abort.signal };
    void Promise.allSettled(list.map((key) => loadSeries(source, key, window, opts))).then((results) => {
      if (abort.signal.aborted) return;
      const next: Record<string, LoadedSeries> = {};
      let failure: Error | null = null;
      results.forEach((r, i) => {
        if (r.status === "fulfilled") next[list[i]] = r.value;
        else failure ??= r.reason instanceof Error ? r.reason : new Error(String(r.reason));
      });
      setLoaded(next);
      setSpan(window);
      setError(failure);
      setLoading(false);
    });
    return () => abort.abort();
    // `custom` is compared by its times (customKey).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, keys, range, customKey, field, band, rawDataOnly, rawLimit, version, tick]);

  useEffect(
    () => () => {
      if (later.current) clearTimeout(later.current);
    },
    [],
  );

  const reload = useCallback(() => setTick((n) => n + 1), []);

  const addPoint = useCallback((key: string, at: string, value: unknown) => {
    const t = Date.parse(at) / 1000;
    if (Number.isNaN(t)) return;
    setLoaded((old) => {
      const s = old[key];
      if (!s || s.aggregation) {
        later.current ??= setTimeout(() => {
          later.current = null;
          setTick((n) => n + 1);
        }, AGGREGATED_RELOAD_MS);
        return old;
      }
      if (s.xs.length && s.xs[s.xs.length - 1] >= t) return old;
      const n = typeof value === "number" ? value : Number(value);
      const y = value !== null && value !== "" && Number.isFinite(n) ? n : null;
      return { ...old, [key]: { ...s, xs: [...s.xs, t], ys: [...s.ys, y] } };
    });
  }, []);

  return useMemo(() => {
    const all = feedKeys.map((k) => loaded[k]);
    const { data, bands } = joinSeries(all);
    const present = all.filter((s): s is LoadedSeries => !!s);
    return {
      data,
      bands,
      aggregation: present.find((s) => s.aggregation)?.aggregation ?? null,
      truncated: present.some((s) => s.truncated),
      points: present.reduce((n, s) => n + s.xs.length, 0),
      xWindow: span ? [span.start.getTime() / 1000, span.end.getTime() / 1000] : null,
      empty: !loading && !present.some((s) => s.ys.some((v) => v !== null)),
      loading,
      error,
      reload,
      addPoint,
    };
    // feedKeys is compared by its keys.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded, keys, loading, error, span, reload, addPoint]);
}
