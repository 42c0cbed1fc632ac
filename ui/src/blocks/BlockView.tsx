/** Rendering of every block type; values come in through `feeds`, writes go out by `source`. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { FormEvent, KeyboardEvent as ReactKeyboardEvent } from "react";
import uPlot from "uplot";
import type { AlignedData } from "uplot";
import type { Block, Datum } from "../api/types";
import { MapView } from "../components/MapView";
import { TimeChart } from "../components/TimeChart";
import { aggregationNote, chartSeries, loadChartData, rangeWindow } from "../lib/chartRange";
import type { RangeName } from "../lib/chartRange";
import {
  cssColor,
  formatTime,
  formatValue,
  gaugeFraction,
  imageSource,
  indicatorOn,
  numProp,
  prop,
  toggleState,
  toNumber,
  yes,
} from "../lib/format";
import { located } from "../lib/geo";
import { GaugeDial } from "./Gauge";
import type { DataSource, FeedState } from "./source";

export interface BlockProps {
  block: Block;
  feeds: FeedState[];
  source: DataSource;
  editing: boolean;
  onPublished?: (key: string, datum: Datum | null, value: string) => void;
}

function decimals(block: Block): number | null {
  const d = block.properties?.decimalPlaces;
  if (d === undefined || d === null || d === "") return null;
  const n = Number(d);
  return Number.isFinite(n) ? n : null;
}

function fontStyle(block: Block) {
  const size = toNumber(prop(block.properties, "fontSize"));
  return size ? { fontSize: `${Math.min(96, Math.max(8, size))}px` } : undefined;
}

function NoFeed({ readOnly = false }: { readOnly?: boolean }) {
  return (
    <p className="muted small">
      {readOnly ? "This block's feed is private." : "No feed chosen. Edit the block to pick one."}
    </p>
  );
}

/** Post a value; returns an error message or null. */
function usePublish(source: DataSource, feed: FeedState | undefined) {
  const [error, setError] = useState<string | null>(null);
  const publish = useCallback(
    async (value: string) => {
      if (!source.publish || !feed) return;
      setError(null);
      try {
        await source.publish(feed.key, value);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    },
    [source, feed],
  );
  return { publish, error, readOnly: !source.publish };
}

function PublishError({ error }: { error: string | null }) {
  return error ? (
    <p className="form-error small" role="alert">
      {error}
    </p>
  ) : null;
}

function GaugeBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const min = numProp(block.properties, "minValue", 0);
  const max = numProp(block.properties, "maxValue", 100);
  const text = formatValue(feed.value, { decimals: decimals(block) });
  return (
    <div className="gauge">
      <GaugeDial
        fraction={gaugeFraction(feed.value, min, max)}
        text=""
        label=""
        min={min}
        max={max}
      />
      <div className="block-value" style={{ marginTop: "-2.2em" }}>
        <span data-testid={`block-value-${block.id}`}>{text}</span>
        {feed.unit && feed.value !== null && <span className="muted small"> {feed.unit}</span>}
      </div>
      {prop(block.properties, "label") && <div className="block-sub">{prop(block.properties, "label")}</div>}
    </div>
  );
}

function TextBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [draft, setDraft] = useState("");
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (draft === "") return;
    await publish(draft);
    setDraft("");
  };
  return (
    <>
      <div className="block-value" style={fontStyle(block)}>
        <span data-testid={`block-value-${block.id}`}>{formatValue(feed.value, { decimals: decimals(block) })}</span>
        {feed.unit && feed.value !== null && <span className="muted small"> {feed.unit}</span>}
      </div>
      {!readOnly && (
        <form className="slider-row" onSubmit={submit}>
          <input
            aria-label={`Send text to ${feed.name}`}
            data-testid={`text-input-${block.id}`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="Send…"
            style={{ flex: 1, minWidth: 0 }}
          />
          <button className="btn btn-small" data-testid={`text-send-${block.id}`}>
            Send
          </button>
        </form>
      )}
      <PublishError error={error} />
    </>
  );
}

function MultilineTextBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  return (
    <pre
      className="stream"
      style={{ ...fontStyle(block), whiteSpace: "pre-wrap", fontFamily: "inherit" }}
      data-testid={`block-value-${block.id}`}
    >
      {feed.value ?? "—"}
    </pre>
  );
}

interface StreamLine {
  id: string;
  feed: string;
  value: string;
  at: string;
}

function StreamBlock({ block, feeds, source }: BlockProps) {
  const [lines, setLines] = useState<StreamLine[]>([]);
  const seen = useRef(new Set<string>());
  const keys = feeds.map((f) => f.key).join(",");
  const names = useMemo(() => new Map(feeds.map((f) => [f.key, f.name])), [feeds]);

  useEffect(() => {
    let cancelled = false;
    seen.current = new Set();
    Promise.all(
      keys
        .split(",")
        .filter(Boolean)
        .map((key) => source.data(key, 30).then((items) => items.map((d) => ({ key, d }))).catch(() => [])),
    ).then((parts) => {
      if (cancelled) return;
      const all = parts
        .flat()
        .map(({ key, d }) => ({ id: `${key}:${d.id}`, feed: key, value: d.value, at: d.created_at }))
        .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
        .slice(0, 100);
      setLines((current) => {
        const merged = [...current, ...all].filter((l) => {
          if (seen.current.has(l.id)) return false;
          seen.current.add(l.id);
          return true;
        });
        return merged.sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, 100);
      });
    });
    return () => {
      cancelled = true;
    };
  }, [keys, source]);

  // Live points arrive through feeds[].latest.
  const latestIds = feeds.map((f) => (f.latest ? `${f.key}:${f.latest.id}` : "")).join(",");
  useEffect(() => {
    const fresh: StreamLine[] = [];
    for (const f of feeds) {
      if (!f.latest) continue;
      const id = `${f.key}:${f.latest.id}`;
      if (seen.current.has(id)) continue;
      seen.current.add(id);
      fresh.push({ id, feed: f.key, value: f.latest.value, at: f.latest.created_at });
    }
    if (fresh.length) setLines((old) => [...fresh, ...old].slice(0, 100));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [latestIds]);

  if (!feeds.length) return <NoFeed readOnly={!source.publish} />;
  const showTime = yes(block.properties, "showTimestamp");
  const showName = yes(block.properties, "showName") && feeds.length > 0;
  return (
    <ul className="stream" style={fontStyle(block)} data-testid={`block-value-${block.id}`} aria-live="polite">
      {lines.length === 0 && <li className="muted">Waiting for values…</li>}
      {lines.map((l) => (
        <li key={l.id}>
          {showTime && <time dateTime={l.at}>{formatTime(l.at, source.timeZone).split(", ").pop()}</time>}
          {showName && <span className="muted">{names.get(l.feed) ?? l.feed}</span>}
          <span>{l.value}</span>
        </li>
      ))}
    </ul>
  );
}

function ToggleBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const onText = prop(block.properties, "onText", "ON") || "ON";
  const offText = prop(block.properties, "offText", "OFF") || "OFF";
  const state = toggleState(feed.value, onText, offText);
  return (
    <>
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={state === true}
        aria-label={`${feed.name}: ${state ? onText : offText}`}
        data-testid={`toggle-${block.id}`}
        disabled={readOnly}
        onClick={() => void publish(state ? offText : onText)}
      />
      <div className="block-sub" data-testid={`block-value-${block.id}`}>
        {feed.value ?? "—"}
      </div>
      <PublishError error={error} />
    </>
  );
}

function MomentaryBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [pressed, setPressed] = useState(false);
  const down = useRef(false);
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const value = prop(block.properties, "value", "1");
  const release = prop(block.properties, "release", "0");
  const press = () => {
    if (down.current) return;
    down.current = true;
    setPressed(true);
    void publish(value);
  };
  const letGo = () => {
    if (!down.current) return;
    down.current = false;
    setPressed(false);
    if (release !== "") void publish(release);
  };
  const key = (e: ReactKeyboardEvent, isDown: boolean) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    if (isDown && !e.repeat) press();
    if (!isDown) letGo();
  };
  return (
    <>
      <button
        type="button"
        className={`btn momentary${pressed ? " pressed" : ""}`}
        data-testid={`button-${block.id}`}
        disabled={readOnly}
        onPointerDown={press}
        onPointerUp={letGo}
        onPointerLeave={letGo}
        onKeyDown={(e) => key(e, true)}
        onKeyUp={(e) => key(e, false)}
      >
        {prop(block.properties, "text", "PRESS") || "PRESS"}
      </button>
      <div className="block-sub" data-testid={`block-value-${block.id}`}>
        {feed.value ?? "—"}
      </div>
      <PublishError error={error} />
    </>
  );
}

function SliderBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const min = numProp(block.properties, "min", 0);
  const max = numProp(block.properties, "max", 100);
  const step = numProp(block.properties, "step", 1) || 1;
  const current = toNumber(feed?.value ?? null);
  const [draft, setDraft] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  // A new value from the feed wins over a stale draft.
  useEffect(() => {
    if (!timer.current) setDraft(null);
  }, [feed?.value]);
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const shown = draft ?? current ?? min;
  const change = (n: number) => {
    setDraft(n);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void publish(String(n));
    }, 250);
  };
  return (
    <>
      {prop(block.properties, "label") && <div className="block-sub">{prop(block.properties, "label")}</div>}
      <div className="slider-row">
        <span className="small muted">{min}</span>
        <input
          type="range"
          min={min}
          max={max}
          step={step}
          value={Math.min(max, Math.max(min, shown))}
          disabled={readOnly}
          aria-label={`${feed.name} value`}
          data-testid={`slider-${block.id}`}
          onChange={(e) => change(Number(e.target.value))}
        />
        <span className="small muted">{max}</span>
      </div>
      <div className="block-value" style={{ fontSize: "1.3rem" }}>
        <span data-testid={`block-value-${block.id}`}>{draft !== null ? String(draft) : (feed.value ?? "—")}</span>
      </div>
      <PublishError error={error} />
    </>
  );
}

function NumberPadBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [draft, setDraft] = useState("");
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (draft === "" || toNumber(draft) === null) return;
    await publish(draft);
    setDraft("");
  };
  const press = (k: string) => setDraft((d) => (k === "±" ? (d.startsWith("-") ? d.slice(1) : `-${d}`) : d + k));
  return (
    <>
      <div className="block-sub">
        Current: <span data-testid={`block-value-${block.id}`}>{feed.value ?? "—"}</span>
      </div>
      <form className="slider-row" onSubmit={submit}>
        <input
          inputMode="decimal"
          aria-label={`Number for ${feed.name}`}
          data-testid={`numpad-input-${block.id}`}
          value={draft}
          disabled={readOnly}
          onChange={(e) => setDraft(e.target.value.replace(/[^0-9.eE+-]/g, ""))}
          style={{ flex: 1, minWidth: 0 }}
        />
        <button className="btn btn-small btn-primary" data-testid={`numpad-send-${block.id}`} disabled={readOnly}>
          Send
        </button>
      </form>
      {!readOnly && (
        <div className="numpad" style={{ marginTop: "0.3rem" }}>
          {["7", "8", "9", "4", "5", "6", "1", "2", "3", "±", "0", "."].map((k) => (
            <button key={k} type="button" className="btn btn-small" onClick={() => press(k)}>
              {k}
            </button>
          ))}
          <button type="button" className="btn btn-small" onClick={() => setDraft((d) => d.slice(0, -1))}>
            ⌫
          </button>
          <button type="button" className="btn btn-small" onClick={() => setDraft("")}>
            C
          </button>
        </div>
      )}
      <PublishError error={error} />
    </>
  );
}

function ColorBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [draft, setDraft] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const color = draft ?? cssColor(feed.value) ?? "#000000";
  const change = (value: string) => {
    setDraft(value);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void publish(value).then(() => setDraft(null));
    }, 300);
  };
  return (
    <>
      <div className="color-swatch" style={{ background: color }} />
      <div className="slider-row" style={{ marginTop: "0.3rem" }}>
        <input
          type="color"
          aria-label={`Colour for ${feed.name}`}
          data-testid={`color-${block.id}`}
          value={color}
          disabled={readOnly}
          onChange={(e) => change(e.target.value)}
        />
        <span className="mono" data-testid={`block-value-${block.id}`}>
          {feed.value ?? "—"}
        </span>
      </div>
      <PublishError error={error} />
    </>
  );
}

function IndicatorBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const on = indicatorOn(feed.value, prop(block.properties, "operator"), prop(block.properties, "conditionValue"));
  const onColor = cssColor(prop(block.properties, "onColor")) ?? "#22c55e";
  const offColor = cssColor(prop(block.properties, "offColor")) ?? "#6b7280";
  return (
    <>
      <div
        className="indicator-light"
        role="img"
        aria-label={on ? "on" : "off"}
        data-testid={`indicator-${block.id}`}
        data-on={on}
        style={{ background: on ? onColor : offColor, boxShadow: on ? `0 0 12px ${onColor}` : undefined }}
      />
      <div className="block-sub" data-testid={`block-value-${block.id}`} data-on={on}>
        {feed.value ?? "—"}
      </div>
    </>
  );
}

function ImageBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const src = imageSource(feed.value);
  if (!src) {
    return (
      <p className="muted small" data-testid={`block-value-${block.id}`}>
        {feed.value ? "The latest value is not an image URL or base64 image." : "No image yet."}
      </p>
    );
  }
  return <img className="block-image" src={src} alt={`Latest image of ${feed.name}`} data-testid={`block-value-${block.id}`} />;
}

function hoursOf(block: Block, fallback: number): number {
  const h = numProp(block.properties, "historyHours", fallback);
  return h > 0 ? h : fallback;
}

function rangeFor(hours: number): { range: RangeName; window: { start: Date; end: Date } } {
  const end = new Date();
  return { range: "custom", window: { start: new Date(end.getTime() - hours * 3_600_000), end } };
}

function MapBlock({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const [points, setPoints] = useState<{ lat: number; lon: number; label: string }[]>([]);
  const key = feed?.key;
  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    const since = Date.now() - hoursOf(block, 24) * 3_600_000;
    source
      .data(key, 1000)
      .then((items) => {
        if (cancelled) return;
        const recent = items.filter((d) => Date.parse(d.created_at) >= since);
        setPoints(
          located(recent)
            .reverse()
            .map((d) => ({ lat: d.lat, lon: d.lon, label: `${d.value} at ${d.created_at}` })),
        );
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [key, source, block]);
  const latest = feed?.latest;
  useEffect(() => {
    if (!latest || latest.lat === null || latest.lon === null) return;
    const lat = Number(latest.lat);
    const lon = Number(latest.lon);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
    setPoints((old) => [...old, { lat, lon, label: `${latest.value} at ${latest.created_at}` }].slice(-1000));
  }, [latest]);
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const last = points[points.length - 1];
  return (
    <>
      <div style={{ flex: 1, minHeight: 0 }}>
        <MapView points={points} testId={`map-${block.id}`} />
      </div>
      <div className="block-sub mono" data-testid={`block-value-${block.id}`}>
        {last ? `${last.lat}, ${last.lon}` : "no location yet"}
      </div>
    </>
  );
}

interface Series {
  xs: number[];
  ys: (number | null)[];
}

function LineChartBlock({ block, feeds, source }: BlockProps) {
  const hours = hoursOf(block, 24);
  const keys = feeds.map((f) => f.key).join(",");
  const [series, setSeries] = useState<Record<string, Series>>({});
  const [notes, setNotes] = useState<string[]>([]);
  const [aggregated, setAggregated] = useState<Set<string>>(new Set());
  const [tick, setTick] = useState(0);
  const refetch = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    let cancelled = false;
    const { range, window } = rangeFor(hours);
    Promise.all(
      keys
        .split(",")
        .filter(Boolean)
        .map((key) =>
          loadChartData((q) => source.chart(key, q), rangeWindow(range, new Date(), window))
            .then((chart) => ({ key, chart }))
            .catch(() => null),
        ),
    ).then((results) => {
      if (cancelled) return;
      const next: Record<string, Series> = {};
      const agg = new Set<string>();
      const texts: string[] = [];
      for (const r of results) {
        if (!r) continue;
        const [xs, ys] = chartSeries(r.chart);
        next[r.key] = { xs, ys };
        if (!r.chart.parameters.raw) {
          agg.add(r.key);
          const note = aggregationNote(r.chart);
          if (note) texts.push(note.split(".")[0]);
        }
      }
      setSeries(next);
      setAggregated(agg);
      setNotes([...new Set(texts)]);
    });
    return () => {
      cancelled = true;
    };
  }, [keys, hours, source, tick]);

  useEffect(() => () => {
    if (refetch.current) clearTimeout(refetch.current);
  }, []);

  const latestIds = feeds.map((f) => (f.latest ? f.latest.id : "")).join(",");
  useEffect(() => {
    for (const f of feeds) {
      if (!f.latest) continue;
      const t = Date.parse(f.latest.created_at) / 1000;
      const v = toNumber(f.latest.value);
      if (aggregated.has(f.key)) {
        if (!refetch.current) {
          refetch.current = setTimeout(() => {
            refetch.current = null;
            setTick((n) => n + 1);
          }, 5000);
        }
        continue;
      }
      setSeries((old) => {
        const s = old[f.key] ?? { xs: [], ys: [] };
        if (s.xs.length && s.xs[s.xs.length - 1] >= t) return old;
        return { ...old, [f.key]: { xs: [...s.xs, t], ys: [...s.ys, v] } };
      });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [latestIds]);

  const data = useMemo<AlignedData>(() => {
    const tables = feeds.map((f) => {
      const s = series[f.key] ?? { xs: [], ys: [] };
      return [s.xs, s.ys] as AlignedData;
    });
    if (!tables.length) return [[]];
    if (tables.length === 1) return tables[0];
    return uPlot.join(tables);
  }, [feeds, series]);

  if (!feeds.length) return <NoFeed readOnly={!source.publish} />;
  const yMin = toNumber(prop(block.properties, "yAxisMin"));
  const yMax = toNumber(prop(block.properties, "yAxisMax"));
  const last = feeds.map((f) => `${f.name}: ${f.value ?? "—"}`).join(" · ");
  return (
    <>
      <TimeChart
        data={data}
        series={feeds.map((f) => ({ label: f.unit ? `${f.name} (${f.unit})` : f.name }))}
        height="fill"
        timeZone={source.timeZone}
        yRange={yMin !== null || yMax !== null ? [yMin, yMax] : undefined}
        testId={`chart-${block.id}`}
      />
      <div className="sr-only" data-testid={`block-value-${block.id}`}>
        {last}
      </div>
      {notes.length > 0 && (
        <div className="help" data-testid={`block-aggregated-${block.id}`}>
          {notes.join("; ")}
        </div>
      )}
    </>
  );
}

export function BlockBody(props: BlockProps) {
  switch (props.block.visual_type) {
    case "gauge":
    case "line_gauge":
      return <GaugeBlock {...props} />;
    case "text":
      return <TextBlock {...props} />;
    case "multiline_text":
    case "rich_text":
      return <MultilineTextBlock {...props} />;
    case "stream":
      return <StreamBlock {...props} />;
    case "toggle_button":
      return <ToggleBlock {...props} />;
    case "momentary_button":
      return <MomentaryBlock {...props} />;
    case "slider":
      return <SliderBlock {...props} />;
    case "number_pad":
      return <NumberPadBlock {...props} />;
    case "color_picker":
      return <ColorBlock {...props} />;
    case "indicator":
      return <IndicatorBlock {...props} />;
    case "map":
      return <MapBlock {...props} />;
    case "image":
      return <ImageBlock {...props} />;
    case "line_chart":
      return <LineChartBlock {...props} />;
    case "divider":
      return <hr className="divider" />;
    default: {
      const feed = props.feeds[0];
      return (
        <>
          <div className="block-value">
            <span data-testid={`block-value-${props.block.id}`}>{formatValue(feed?.value)}</span>
          </div>
          <div className="block-sub">{props.block.visual_type} blocks are shown as plain values here.</div>
        </>
      );
    }
  }
}
