/** A feed's points, newest first, paged; the owner can delete some and download them all. */
import { useState } from "react";
import type { Aio } from "../api/aio";
import type { Feed } from "../api/types";
import { Confirm } from "../components/Modal";
import { ErrorBox, Loading } from "../components/States";
import { formatTime } from "../lib/format";
import { useAsync } from "../lib/useAsync";
import { FirstValueHelp } from "../components/FirstValueHelp";

const PAGE_SIZE = 25;

export function DataTable({
  aio,
  feed,
  timeZone,
  version,
  onChanged,
  readOnly = false,
}: {
  aio: Aio;
  feed: Feed;
  timeZone: string;
  version: number;
  onChanged: () => void;
  /** Someone else's feed: no selection, deleting, CSV export or first-value help. */
  readOnly?: boolean;
}) {
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
        {!readOnly && (
          <a
            className="btn btn-small"
            data-testid="data-download-csv"
            href={`/ui/api/feeds/${encodeURIComponent(feed.key)}/data.csv`}
            download={`${feed.key}.csv`}
          >
            Download CSV
          </a>
        )}
      </h2>
      {page.error && <ErrorBox error={page.error} onRetry={page.reload} />}
      {page.loading && !page.data && <Loading />}
      {page.data && items.length === 0 && cursors.length === 1 && readOnly && (
        <p className="muted">No data yet.</p>
      )}
      {page.data && items.length === 0 && cursors.length === 1 && !readOnly && (
        <>
          <p className="muted">No data yet. Add a value above, or send one from a device:</p>
          <FirstValueHelp feed={feed.key} />
        </>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="data-table">
            <thead>
              <tr>
                {!readOnly && (
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
                )}
                <th>Time</th>
                <th>Value</th>
                <th>Location</th>
                {!readOnly && (
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-testid={`data-row-${d.id}`}>
                  {!readOnly && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select point ${d.id}`}
                        data-testid={`data-select-${d.id}`}
                        checked={selected.has(d.id)}
                        onChange={() => toggle(d.id)}
                      />
                    </td>
                  )}
                  <td title={d.created_at}>{formatTime(d.created_at, timeZone)}</td>
                  <td className="value-cell" title={d.value}>
                    {d.value}
                  </td>
                  <td className="mono small">
                    {d.lat !== null && d.lon !== null ? `${d.lat}, ${d.lon}` : ""}
                  </td>
                  {!readOnly && (
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
                  )}
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
