/** A feed's latest value and its facts (key, visibility, history, MQTT topic). */
import type { ReactNode } from "react";
import type { Feed } from "../api/types";
import { formatTime, formatValue, relativeTime } from "../lib/format";

export function LatestCard({
  feed,
  owner,
  timeZone,
  children,
}: {
  feed: Feed;
  owner: string;
  timeZone: string;
  /** More `<dt>`/`<dd>` pairs, shown first. */
  children?: ReactNode;
}) {
  return (
    <section className="card section">
      <h2>Latest</h2>
      <div className="big-value" data-testid="feed-last-value">
        {formatValue(feed.last_value, { unit: feed.unit_symbol })}
      </div>
      <p className="muted small" title={formatTime(feed.last_value_at, timeZone)}>
        {feed.last_value_at ? `updated ${relativeTime(feed.last_value_at)}` : "no data yet"}
      </p>
      <dl className="kv small">
        {children}
        <dt>Key</dt>
        <dd className="mono">{feed.key}</dd>
        <dt>Visibility</dt>
        <dd>{feed.visibility}</dd>
        <dt>History</dt>
        <dd>{feed.history ? "kept" : "latest value only"}</dd>
        {feed.description && (
          <>
            <dt>About</dt>
            <dd>{feed.description}</dd>
          </>
        )}
        <dt>MQTT topic</dt>
        <dd className="mono">
          {owner}/feeds/{feed.key}
        </dd>
      </dl>
    </section>
  );
}
