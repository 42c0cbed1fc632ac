import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import type { Feed } from "../api/types";
import { useAio, useAuth } from "../auth";
import { FeedForm } from "../components/FeedForm";
import { Confirm } from "../components/Modal";
import { SharedWithMe } from "../components/SharedWithMe";
import { FirstValueHelp } from "../components/FirstValueHelp";
import { Empty, ErrorBox, Loading } from "../components/States";
import { formatTime, formatValue, relativeTime } from "../lib/format";
import { live, topicOf } from "../lib/live";
import { useAsync } from "../lib/useAsync";

export function FeedsPage() {
  const aio = useAio();
  const { session } = useAuth();
  const feeds = useAsync(() => aio.feeds(), [aio.username]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Feed | null>(null);
  const [deleting, setDeleting] = useState<Feed | null>(null);
  const [filter, setFilter] = useState("");
  const [, setTick] = useState(0);
  const { setData } = feeds;

  // Keep "last value" live and "3 s ago" fresh.
  const keys = useMemo(() => (feeds.data ?? []).map((f) => f.key).join(","), [feeds.data]);
  useEffect(() => {
    if (!keys) return;
    const offs = keys.split(",").map((key) =>
      live.subscribe(topicOf(aio.username, key), (datum) =>
        setData((old) =>
          (old ?? []).map((f) =>
            f.key === key
              ? { ...f, last_value: datum.value, last_value_at: datum.created_at, status: "online" }
              : f,
          ),
        ),
      ),
    );
    return () => offs.forEach((off) => off());
  }, [keys, aio.username, setData]);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, []);

  const shown = (feeds.data ?? []).filter(
    (f) =>
      !filter ||
      f.name.toLowerCase().includes(filter.toLowerCase()) ||
      f.key.includes(filter.toLowerCase()),
  );

  return (
    <div className="page">
      <div className="page-head">
        <h1>Feeds</h1>
        <div className="page-actions">
          {(feeds.data?.length ?? 0) > 5 && (
            <input
              type="search"
              aria-label="Filter feeds"
              placeholder="Filter…"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          )}
          <button
            type="button"
            className="btn btn-primary"
            data-testid="feed-create-open"
            onClick={() => setCreating(true)}
          >
            New feed
          </button>
        </div>
      </div>
      {feeds.loading && !feeds.data && <Loading />}
      {feeds.error && <ErrorBox error={feeds.error} onRetry={feeds.reload} />}
      {feeds.data && feeds.data.length === 0 && (
        <Empty title="No feeds yet">
          <p>
            A feed holds the values one sensor or control sends over time. Create one with{" "}
            <strong>New feed</strong>, or just send a value:
          </p>
          <FirstValueHelp />
        </Empty>
      )}
      {feeds.data && feeds.data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="feeds-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Last value</th>
                <th>Last update</th>
                <th>Status</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((f) => (
                <tr key={f.id} data-testid={`feed-row-${f.key}`}>
                  <td>
                    <Link to={`/feeds/${encodeURIComponent(f.key)}`}>{f.name}</Link>
                    {f.visibility === "public" && <span className="badge">public</span>}
                  </td>
                  <td className="mono">{f.key}</td>
                  <td className="value-cell" data-testid={`feed-last-value-${f.key}`}>
                    {formatValue(f.last_value, { unit: f.unit_symbol })}
                  </td>
                  <td title={formatTime(f.last_value_at, session?.user.time_zone)}>
                    {relativeTime(f.last_value_at)}
                  </td>
                  <td>
                    <span className={`status status-${f.status === "online" ? "on" : "off"}`}>
                      {f.status === "online" ? "online" : "no data"}
                    </span>
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      data-testid={`feed-edit-${f.key}`}
                      onClick={() => setEditing(f)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger-outline"
                      data-testid={`feed-delete-${f.key}`}
                      onClick={() => setDeleting(f)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <SharedWithMe models={["feed", "group"]} />
      {creating && (
        <FeedForm
          onClose={() => setCreating(false)}
          onSubmit={async (values) => {
            const feed = await aio.createFeed(values);
            setCreating(false);
            feeds.setData((old) => [...(old ?? []), feed]);
          }}
        />
      )}
      {editing && (
        <FeedForm
          feed={editing}
          onClose={() => setEditing(null)}
          onSubmit={async (values) => {
            const feed = await aio.updateFeed(editing.key, values);
            setEditing(null);
            feeds.setData((old) => (old ?? []).map((f) => (f.id === feed.id ? { ...f, ...feed } : f)));
          }}
        />
      )}
      {deleting && (
        <Confirm
          title="Delete feed"
          testId="feed-delete-confirm"
          message={
            <p>
              Delete <strong>{deleting.name}</strong> and all of its data? Devices that publish to{" "}
              <code>{deleting.key}</code> will create it again, empty.
            </p>
          }
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await aio.deleteFeed(deleting.key);
            feeds.setData((old) => (old ?? []).filter((f) => f.id !== deleting.id));
            setDeleting(null);
          }}
        />
      )}
    </div>
  );
}
