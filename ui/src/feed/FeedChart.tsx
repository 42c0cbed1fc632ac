/** A feed's chart: range buttons, a custom range, drag to zoom, the aggregation note. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { AlignedData } from "uplot";
import type { Aio } from "../api/aio";
import type { ChartResponse, Feed } from "../api/types";
import { ErrorBox, FormError } from "../components/States";
import { TimeChart } from "../components/TimeChart";
import {
  aggregationNote,
  chartSeries,
  fromLocalInput,
  loadChartData,
  RANGES,
  rangeWindow,
  toLocalInput,
  windowFromSelection,
} from "../lib/chartRange";
import type { RangeName, TimeWindow } from "../lib/chartRange";
import { formatTime } from "../lib/format";

export function FeedChart({
  aio,
  feed,
  timeZone,
  version,
}: {
  aio: Aio;
  feed: Feed;
  timeZone: string;
  version: number;
}) {
  const [range, setRange] = useState<RangeName>("24h");
  const [custom, setCustom] = useState<TimeWindow | null>(null);
  const [showCustom, setShowCustom] = useState(false);
  const [from, setFrom] = useState(toLocalInput(new Date(Date.now() - 86_400_000)));
  const [to, setTo] = useState(toLocalInput(new Date()));
  const [customError, setCustomError] = useState<string | null>(null);
  const [chart, setChart] = useState<ChartResponse | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const window = rangeWindow(range, new Date(), custom ?? undefined);
      const result = await loadChartData((q) => aio.chart(feed.key, q), window);
      if (mine !== generation.current) return;
      setChart(result);
      setError(null);
    } catch (err) {
      if (mine !== generation.current) return;
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [aio, feed.key, range, custom]);

  // Reload on range change and (debounced by the caller's version) on new data.
  useEffect(() => {
    void load();
  }, [load, version]);

  const data = useMemo<AlignedData>(() => (chart ? chartSeries(chart) : [[], []]), [chart]);
  const note = aggregationNote(chart);
  const numeric = data[1].some((v) => v !== null && v !== undefined);

  const pick = (name: RangeName) => {
    setCustom(null);
    setShowCustom(false);
    setRange(name);
  };
  const applyCustom = (e: FormEvent) => {
    e.preventDefault();
    const start = fromLocalInput(from);
    const end = fromLocalInput(to);
    if (!start || !end || start >= end) {
      setCustomError("Choose a start before the end.");
      return;
    }
    setCustomError(null);
    setCustom({ start, end });
    setRange("custom");
  };

  return (
    <section className="card section">
      <h2>
        Chart
        {loading && <span className="spinner" aria-label="Loading chart" />}
      </h2>
      <div className="chart-toolbar">
        <div className="btn-group" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button
              key={r.name}
              type="button"
              className="btn btn-small"
              data-testid={`chart-range-${r.name}`}
              aria-pressed={range === r.name}
              onClick={() => pick(r.name)}
            >
              {r.label}
            </button>
          ))}
          <button
            type="button"
            className="btn btn-small"
            data-testid="chart-range-custom"
            aria-pressed={range === "custom"}
            onClick={() => setShowCustom((s) => !s)}
          >
            Custom
          </button>
        </div>
        {range === "custom" && custom && (
          <span className="muted small">
            {formatTime(custom.start.toISOString(), timeZone)} – {formatTime(custom.end.toISOString(), timeZone)}{" "}
            <button type="button" className="btn btn-small" onClick={() => pick("24h")}>
              Reset zoom
            </button>
          </span>
        )}
      </div>
      {showCustom && (
        <form className="inline-form" onSubmit={applyCustom} style={{ marginBottom: "0.5rem" }}>
          <div>
            <label htmlFor="chart-from">From</label>
            <input
              id="chart-from"
              data-testid="chart-custom-from"
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="chart-to">To</label>
            <input
              id="chart-to"
              data-testid="chart-custom-to"
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
            />
          </div>
          <button className="btn btn-primary btn-small" data-testid="chart-custom-apply">
            Show
          </button>
          <FormError error={customError} />
        </form>
      )}
      {error && <ErrorBox error={error} onRetry={() => void load()} />}
      <div className="chart-box">
        <TimeChart
          testId="feed-chart"
          data={data}
          series={[{ label: feed.unit_symbol ? `${feed.name} (${feed.unit_symbol})` : feed.name }]}
          timeZone={timeZone}
          onZoom={(a, b) => {
            const w = windowFromSelection(a, b);
            if (!w) return;
            setCustom(w);
            setFrom(toLocalInput(w.start));
            setTo(toLocalInput(w.end));
            setRange("custom");
          }}
        />
        {chart && !loading && !numeric && (
          <div className="chart-empty">
            {chart.data.length === 0
              ? "No data in this time range."
              : "The values in this range are not numbers, so there is nothing to plot."}
          </div>
        )}
      </div>
      {note && (
        <p className="chart-note" data-testid="chart-aggregated-note">
          {note}
        </p>
      )}
      <p className="help">Drag across the chart to zoom in.</p>
    </section>
  );
}
