/**
 * The Monitor page: what the server is doing with the account — live {user}/errors and
 * {user}/throttle notices, the data rate against its limit, an MQTT ban while one runs, the
 * recent activity log and the recent runs of actions.
 */
import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { RunStatus } from "../actions/RunList";
import { useActions } from "../actions/useActions";
import { addNotice, isUnlimited, Monitor, rateShare, recentRuns } from "../api/monitor";
import type { Throttle } from "../api/monitor";
import { useAuth } from "../auth";
import { ErrorBox, Loading } from "../components/States";
import { formatTime } from "../lib/format";
import { live } from "../lib/live";
import type { LiveNotice, LiveStatus } from "../lib/live";
import { useAsync } from "../lib/useAsync";

const RATE_REFRESH_MS = 5_000;

function kindOf(topic: string): "errors" | "throttle" {
  return topic.endsWith("/throttle") ? "throttle" : "errors";
}

function Notices({ notices, status }: { notices: LiveNotice[]; status: LiveStatus }) {
  return (
    <section className="card" aria-labelledby="monitor-notices-title">
      <h2 id="monitor-notices-title">
        Notices{" "}
        <span className="muted small" data-testid="monitor-live-status" data-status={status}>
          {status === "open" ? "live" : status}
        </span>
      </h2>
      <p className="muted small">
        Refused publishes and subscriptions, bans and throttling, as devices see them on{" "}
        <code>errors</code> and <code>throttle</code>. Shown from the moment this page opened.
      </p>
      {notices.length === 0 ? (
        <p className="muted small" data-testid="monitor-notices-empty">
          Nothing yet.
        </p>
      ) : (
        <ul className="notice-list" data-testid="monitor-notices">
          {notices.map((n, i) => (
            <li key={`${n.at}-${notices.length - i}`} data-testid="monitor-notice" data-kind={kindOf(n.topic)}>
              <span className="status status-off">
                {kindOf(n.topic)}
              </span>{" "}
              <span className="muted small">{formatTime(n.at)}</span> <span className="mono">{n.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Rate({ throttle }: { throttle: Throttle }) {
  const unlimited = isUnlimited(throttle);
  const share = rateShare(throttle);
  return (
    <section className="card" aria-labelledby="monitor-rate-title">
      <h2 id="monitor-rate-title">Data rate</h2>
      <p data-testid="monitor-rate" data-used={throttle.active_data_rate} data-limit={throttle.data_rate_limit}>
        <strong>{throttle.active_data_rate}</strong>{" "}
        {unlimited ? "points in the last minute (no limit)" : `of ${throttle.data_rate_limit} points a minute`}
      </p>
      {!unlimited && (
        <progress max={1} value={share} aria-label="Share of the data rate used" className="rate-bar" />
      )}
      <h3>MQTT ban</h3>
      {throttle.mqtt_ban_error_message ? (
        <p className="form-error" role="alert" data-testid="monitor-ban">
          {throttle.mqtt_ban_error_message}
        </p>
      ) : (
        <p className="muted small" data-testid="monitor-no-ban">
          No ban now.
        </p>
      )}
      <p className="muted small">
        Bans in the last hour: {throttle.hourly_ban_rate}; in the last minute: {throttle.authentication_rate}{" "}
        connection attempts, {throttle.subscribe_authorization_rate} subscribes,{" "}
        {throttle.publish_authorization_rate} refused publishes.
      </p>
    </section>
  );
}

export default function MonitorPage() {
  const { session } = useAuth();
  const username = session?.user.username ?? "";
  const timeZone = session?.user.time_zone || "UTC";
  const monitor = useMemo(() => new Monitor(username), [username]);
  const actions = useActions();
  const [notices, setNotices] = useState<LiveNotice[]>([]);
  const [status, setStatus] = useState<LiveStatus>(live.status);
  const throttle = useAsync(() => monitor.throttle(), [monitor]);
  const activities = useAsync(() => monitor.activities(), [monitor]);
  const runs = useAsync(() => recentRuns(actions), [actions]);
  const reloadThrottle = throttle.reload;

  useEffect(() => {
    const offStatus = live.onStatus((s) => setStatus(s));
    const off = live.onNotice((n) => {
      setNotices((old) => addNotice(old, n));
      reloadThrottle();
    });
    setStatus(live.status);
    return () => {
      off();
      offStatus();
    };
  }, [reloadThrottle]);

  useEffect(() => {
    const timer = setInterval(reloadThrottle, RATE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reloadThrottle]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Monitor</h1>
        <div className="page-actions">
          <button
            type="button"
            className="btn"
            data-testid="monitor-refresh"
            onClick={() => {
              throttle.reload();
              activities.reload();
              runs.reload();
            }}
          >
            Refresh
          </button>
        </div>
      </div>
      <Notices notices={notices} status={status} />
      {throttle.error ? (
        <ErrorBox error={throttle.error} onRetry={throttle.reload} />
      ) : throttle.data ? (
        <Rate throttle={throttle.data} />
      ) : (
        <Loading />
      )}
      <section className="card" aria-labelledby="monitor-runs-title">
        <h2 id="monitor-runs-title">Recent action runs</h2>
        {runs.error ? (
          <ErrorBox error={runs.error} onRetry={runs.reload} />
        ) : !runs.data ? (
          <Loading />
        ) : runs.data.length === 0 ? (
          <p className="muted small" data-testid="monitor-runs-empty">
            No runs yet.
          </p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="monitor-runs">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Action</th>
                  <th>Value</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((r) => (
                  <tr key={r.id} data-testid={`monitor-run-${r.id}`} data-status={r.status}>
                    <td>{formatTime(r.started_at, timeZone)}</td>
                    <td>
                      <Link to={`/actions/${r.action_id}`}>{r.action_name}</Link>
                    </td>
                    <td className="mono">{r.trigger_value ?? "—"}</td>
                    <td>
                      <RunStatus status={r.status} />
                      {r.error && <span className="run-failed small"> {r.error}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="monitor-activities-title">
        <h2 id="monitor-activities-title">Recent activity</h2>
        {activities.error ? (
          <ErrorBox error={activities.error} onRetry={activities.reload} />
        ) : !activities.data ? (
          <Loading />
        ) : activities.data.length === 0 ? (
          <p className="muted small">Nothing created, changed or deleted yet.</p>
        ) : (
          <ul className="activity-list" data-testid="monitor-activities">
            {activities.data.map((a) => (
              <li key={a.id}>
                <span className="muted small">{formatTime(a.created_at, timeZone)}</span> {a.action}{" "}
                {a.model.toLowerCase()}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
