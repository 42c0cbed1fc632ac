import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import type { AlignedData } from "uplot";
import type { ChartResponse, Datum, Feed, WebhookReceiver } from "../api/types";
import { useAio, useAuth } from "../auth";
import { FeedForm } from "../components/FeedForm";
import { MapView } from "../components/MapView";
import { Confirm } from "../components/Modal";
import { CopyButton } from "../components/Snippet";
import { ErrorBox, FormError, Loading } from "../components/States";
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
import { formatTime, formatValue, relativeTime } from "../lib/format";
import { located } from "../lib/geo";
import { live, topicOf } from "../lib/live";
import { useAsync } from "../lib/useAsync";
import { FirstValueHelp } from "./Feeds";

const PAGE_SIZE = 25;

function FeedChart({ feed, timeZone, version }: { feed: Feed; timeZone: string; version: number }) {
  const aio = useAio();
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

function DataTable({
  feed,
  timeZone,
  version,
  onChanged,
}: {
  feed: Feed;
  timeZone: string;
  version: number;
  onChanged: () => void;
}) {
  const aio = useAio();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const page = useAsync(
    () => aio.data(feed.key, { limit: PAGE_SIZE, before: cursor }),
    [aio, feed.key, cursor, cursors.length === 1 ? version : 0],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState<string[] | null>(null);
  const items = page.data?.items ?? [];

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section className="card section">
      <h2>
        Data
        <a
          className="btn btn-small"
          data-testid="data-download-csv"
          href={`/ui/api/feeds/${encodeURIComponent(feed.key)}/data.csv`}
          download={`${feed.key}.csv`}
        >
          Download CSV
        </a>
      </h2>
      {page.error && <ErrorBox error={page.error} onRetry={page.reload} />}
      {page.loading && !page.data && <Loading />}
      {page.data && items.length === 0 && cursors.length === 1 && (
        <p className="muted">No data yet. Add a value above, or send one from a device:</p>
      )}
      {page.data && items.length === 0 && cursors.length === 1 && <FirstValueHelp feed={feed.key} />}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="data-table">
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    checked={items.length > 0 && items.every((d) => selected.has(d.id))}
                    onChange={(e) =>
                      setSelected(e.target.checked ? new Set(items.map((d) => d.id)) : new Set())
                    }
                  />
                </th>
                <th>Time</th>
                <th>Value</th>
                <th>Location</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-testid={`data-row-${d.id}`}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select point ${d.id}`}
                      data-testid={`data-select-${d.id}`}
                      checked={selected.has(d.id)}
                      onChange={() => toggle(d.id)}
                    />
                  </td>
                  <td title={d.created_at}>{formatTime(d.created_at, timeZone)}</td>
                  <td className="value-cell" title={d.value}>
                    {d.value}
                  </td>
                  <td className="mono small">
                    {d.lat !== null && d.lon !== null ? `${d.lat}, ${d.lon}` : ""}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="btn btn-small btn-danger-outline"
                      data-testid={`data-delete-${d.id}`}
                      onClick={() => setConfirming([d.id])}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <span className="muted small">
              {page.data?.total !== null && page.data?.total !== undefined
                ? `${page.data.total} points in total`
                : ""}
              {selected.size > 0 && (
                <button
                  type="button"
                  className="btn btn-small btn-danger-outline"
                  style={{ marginLeft: "0.5rem" }}
                  data-testid="data-delete-selected"
                  onClick={() => setConfirming([...selected])}
                >
                  Delete {selected.size} selected
                </button>
              )}
            </span>
            <span className="page-actions">
              <button
                type="button"
                className="btn btn-small"
                data-testid="data-page-newer"
                disabled={cursors.length === 1}
                onClick={() => setCursors((c) => c.slice(0, -1))}
              >
                ← Newer
              </button>
              <span className="small">Page {cursors.length}</span>
              <button
                type="button"
                className="btn btn-small"
                data-testid="data-page-older"
                disabled={!page.data?.next}
                onClick={() => page.data?.next && setCursors((c) => [...c, page.data!.next])}
              >
                Older →
              </button>
            </span>
          </div>
        </div>
      )}
      {items.length === 0 && cursors.length > 1 && (
        <button type="button" className="btn btn-small" onClick={() => setCursors([null])}>
          Back to the newest
        </button>
      )}
      {confirming && (
        <Confirm
          title={confirming.length === 1 ? "Delete point" : `Delete ${confirming.length} points`}
          testId="data-delete-confirm"
          message={<p>This removes the point{confirming.length === 1 ? "" : "s"} for good.</p>}
          onCancel={() => setConfirming(null)}
          onConfirm={async () => {
            for (const id of confirming) await aio.deleteDatum(feed.key, id);
            setConfirming(null);
            setSelected(new Set());
            page.reload();
            onChanged();
          }}
        />
      )}
    </section>
  );
}

function AddValue({ feed, onAdded }: { feed: Feed; onAdded: (d: Datum) => void }) {
  const aio = useAio();
  const [value, setValue] = useState("");
  const [lat, setLat] = useState("");
  const [lon, setLon] = useState("");
  const [withLocation, setWithLocation] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (value === "") {
      setError("Type a value first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const location =
        withLocation && lat !== "" && lon !== "" ? { lat: Number(lat), lon: Number(lon) } : undefined;
      const datum = await aio.addData(feed.key, value, location);
      setValue("");
      onAdded(datum);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card section">
      <h2>Add a value</h2>
      <form className="inline-form" onSubmit={submit}>
        <div style={{ flex: 1 }}>
          <label htmlFor="data-add-value">Value</label>
          <input
            id="data-add-value"
            data-testid="data-add-value"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            placeholder="42"
          />
        </div>
        {withLocation && (
          <>
            <div>
              <label htmlFor="data-add-lat">Latitude</label>
              <input id="data-add-lat" data-testid="data-add-lat" inputMode="decimal" size={9} value={lat} onChange={(e) => setLat(e.target.value)} />
            </div>
            <div>
              <label htmlFor="data-add-lon">Longitude</label>
              <input id="data-add-lon" data-testid="data-add-lon" inputMode="decimal" size={9} value={lon} onChange={(e) => setLon(e.target.value)} />
            </div>
          </>
        )}
        <button className="btn btn-primary" data-testid="data-add-submit" disabled={busy}>
          Add
        </button>
      </form>
      <label className="check small" style={{ marginTop: "0.4rem" }}>
        <input type="checkbox" checked={withLocation} onChange={(e) => setWithLocation(e.target.checked)} />
        With a location
      </label>
      <FormError error={error} />
    </section>
  );
}

function Webhooks({ feed }: { feed: Feed }) {
  const aio = useAio();
  const list = useAsync(() => aio.webhooks(feed.key), [aio, feed.key]);
  const [revoking, setRevoking] = useState<WebhookReceiver | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="card section">
      <h2>
        Webhooks
        <button
          type="button"
          className="btn btn-small"
          data-testid="webhook-create"
          onClick={async () => {
            setError(null);
            try {
              const r = await aio.createWebhook(feed.key);
              list.setData((old) => [...(old ?? []), r]);
            } catch (err) {
              setError(err instanceof Error ? err.message : String(err));
            }
          }}
        >
          New webhook URL
        </button>
      </h2>
      <p className="help">
        Anyone holding a webhook URL can add values to this feed without a key: POST JSON{" "}
        <code>{'{"value": …}'}</code> to it, any body to <code>…/raw</code>, or nothing to{" "}
        <code>…/notify</code>.
      </p>
      <FormError error={error} />
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.length === 0 && <p className="muted small">No webhook URLs.</p>}
      {list.data?.map((r) => (
        <div key={r.id} className="key-box" style={{ marginBottom: "0.4rem" }} data-testid={`webhook-${r.id}`}>
          <code className="small">{r.url}</code>
          <CopyButton text={r.url} />
          <button
            type="button"
            className="btn btn-small btn-danger-outline"
            data-testid={`webhook-revoke-${r.id}`}
            onClick={() => setRevoking(r)}
          >
            Revoke
          </button>
        </div>
      ))}
      {revoking && (
        <Confirm
          title="Revoke webhook URL"
          confirmLabel="Revoke"
          testId="webhook-revoke-confirm"
          message={<p>Senders using this URL will get 404 from now on.</p>}
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            await aio.deleteWebhook(feed.key, revoking.id);
            list.setData((old) => (old ?? []).filter((r) => r.id !== revoking.id));
            setRevoking(null);
          }}
        />
      )}
    </section>
  );
}

function LocationMap({ feed, version }: { feed: Feed; version: number }) {
  const aio = useAio();
  const recent = useAsync(() => aio.data(feed.key, { limit: 1000 }), [aio, feed.key, version]);
  const points = useMemo(
    () =>
      located(recent.data?.items ?? [])
        .reverse()
        .map((d) => ({ lat: d.lat, lon: d.lon, label: `${d.value} at ${d.created_at}` })),
    [recent.data],
  );
  if (!points.length) return null;
  return (
    <section className="card section">
      <h2>Location</h2>
      <MapView points={points} testId="feed-map" />
      <p className="help">
        Newest of {points.length} located point{points.length === 1 ? "" : "s"}:{" "}
        {points[points.length - 1].lat}, {points[points.length - 1].lon}
      </p>
    </section>
  );
}

export default function FeedPage() {
  const { key = "" } = useParams();
  const aio = useAio();
  const { session } = useAuth();
  const navigate = useNavigate();
  const timeZone = session?.user.time_zone || "UTC";
  const feed = useAsync(() => aio.feed(key), [aio, key]);
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const bump = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { setData } = feed;

  // New points (ours or live) refresh table and chart, at most every 700 ms.
  const changed = useCallback(() => {
    if (bump.current) return;
    bump.current = setTimeout(() => {
      bump.current = null;
      setVersion((v) => v + 1);
    }, 700);
  }, []);
  useEffect(() => () => {
    if (bump.current) clearTimeout(bump.current);
  }, []);

  const feedKey = feed.data?.key;
  useEffect(() => {
    if (!feedKey) return;
    return live.subscribe(topicOf(aio.username, feedKey), (datum) => {
      setData((old) =>
        old ? { ...old, last_value: datum.value, last_value_at: datum.created_at, status: "online" } : old,
      );
      changed();
    });
  }, [aio.username, feedKey, setData, changed]);

  if (feed.loading && !feed.data) return <Loading />;
  if (feed.error || !feed.data) {
    return (
      <div className="page">
        <div className="breadcrumb">
          <Link to="/feeds">Feeds</Link>
        </div>
        <ErrorBox error={feed.error ?? "Feed not found"} onRetry={feed.reload} />
      </div>
    );
  }
  const f = feed.data;
  return (
    <div className="page">
      <div className="breadcrumb">
        <Link to="/feeds">Feeds</Link> / <span className="mono">{f.key}</span>
      </div>
      <div className="page-head">
        <h1>{f.name}</h1>
        <div className="page-actions">
          <button type="button" className="btn" data-testid="feed-edit" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className="btn btn-danger-outline"
            data-testid="feed-delete"
            onClick={() => setDeleting(true)}
          >
            Delete
          </button>
        </div>
      </div>
      <div className="feed-grid">
        <div>
          <FeedChart feed={f} timeZone={timeZone} version={version} />
          <DataTable feed={f} timeZone={timeZone} version={version} onChanged={changed} />
        </div>
        <div>
          <section className="card section">
            <h2>Latest</h2>
            <div className="big-value" data-testid="feed-last-value">
              {formatValue(f.last_value, { unit: f.unit_symbol })}
            </div>
            <p className="muted small" title={formatTime(f.last_value_at, timeZone)}>
              {f.last_value_at ? `updated ${relativeTime(f.last_value_at)}` : "no data yet"}
            </p>
            <dl className="kv small">
              <dt>Key</dt>
              <dd className="mono">{f.key}</dd>
              <dt>Visibility</dt>
              <dd>{f.visibility}</dd>
              <dt>History</dt>
              <dd>{f.history ? "kept" : "latest value only"}</dd>
              {f.description && (
                <>
                  <dt>About</dt>
                  <dd>{f.description}</dd>
                </>
              )}
              <dt>MQTT topic</dt>
              <dd className="mono">
                {aio.username}/feeds/{f.key}
              </dd>
            </dl>
          </section>
          <AddValue feed={f} onAdded={changed} />
          <LocationMap feed={f} version={version} />
          <Webhooks feed={f} />
        </div>
      </div>
      {editing && (
        <FeedForm
          feed={f}
          onClose={() => setEditing(false)}
          onSubmit={async (values) => {
            const updated = await aio.updateFeed(f.key, values);
            setEditing(false);
            if (updated.key !== f.key) navigate(`/feeds/${encodeURIComponent(updated.key)}`, { replace: true });
            else feed.setData((old) => (old ? { ...old, ...updated } : updated));
          }}
        />
      )}
      {deleting && (
        <Confirm
          title="Delete feed"
          testId="feed-delete-confirm"
          message={
            <p>
              Delete <strong>{f.name}</strong> and all its data?
            </p>
          }
          onCancel={() => setDeleting(false)}
          onConfirm={async () => {
            await aio.deleteFeed(f.key);
            navigate("/feeds");
          }}
        />
      )}
    </div>
  );
}
