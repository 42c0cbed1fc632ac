/** The Actions page: every action with its trigger, an enabled switch and its last run. */
import { useState } from "react";
import { Link } from "react-router-dom";
import type { Action, Actions } from "../api/actions";
import { useAuth } from "../auth";
import { RunStatus } from "../actions/RunList";
import { useActions } from "../actions/useActions";
import { Empty, ErrorBox, Loading } from "../components/States";
import { triggerSummary } from "../lib/actionDraft";
import { formatTime, relativeTime } from "../lib/format";
import { useAsync } from "../lib/useAsync";

function LastRun({ actions, id, timeZone }: { actions: Actions; id: number; timeZone: string }) {
  const runs = useAsync(() => actions.runs(id), [actions, id]);
  if (runs.error) return <span className="muted small">unknown</span>;
  if (!runs.data) return <span className="muted small">…</span>;
  const [last] = runs.data;
  if (!last) return <span className="muted small">never</span>;
  return (
    <span title={formatTime(last.started_at, timeZone)} data-testid={`action-last-run-${id}`}>
      <RunStatus status={last.status} /> {relativeTime(last.started_at)}
    </span>
  );
}

function EnabledSwitch({ action, actions, onChange }: { action: Action; actions: Actions; onChange: (a: Action) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Shown switched at once; switched back if the server refuses.
  const toggle = async (enabled: boolean) => {
    setBusy(true);
    setError(null);
    onChange({ ...action, enabled });
    try {
      onChange(await actions.setEnabled(action.id, enabled));
    } catch (err) {
      onChange(action);
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <label className="check">
        <input
          type="checkbox"
          data-testid={`action-enabled-${action.id}`}
          checked={action.enabled}
          disabled={busy}
          onChange={(e) => void toggle(e.target.checked)}
        />{" "}
        <span className="sr-only">{action.name}: </span>
        {action.enabled ? "on" : "off"}
      </label>
      {error && (
        <div className="form-error small" role="alert">
          {error}
        </div>
      )}
    </>
  );
}

export default function ActionsPage() {
  const actions = useActions();
  const { session } = useAuth();
  const timeZone = session?.user.time_zone || "UTC";
  const list = useAsync(() => actions.list(), [actions]);
  const replace = (changed: Action) =>
    list.setData((old) => (old ?? []).map((a) => (a.id === changed.id ? changed : a)));

  return (
    <div className="page">
      <div className="page-head">
        <h1>Actions</h1>
        <div className="page-actions">
          <Link to="/actions/new" className="btn btn-primary" data-testid="action-create-open">
            New action
          </Link>
        </div>
      </div>
      {list.loading && !list.data && <Loading />}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.length === 0 && (
        <Empty title="No actions yet">
          <p>
            An action sends an email, calls a webhook, publishes a value or writes a log line when a
            feed&apos;s value crosses a limit, or on a schedule. Create one with <strong>New action</strong>.
          </p>
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="actions-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Trigger</th>
                <th>Enabled</th>
                <th>Last run</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((a) => (
                <tr key={a.id} data-testid={`action-row-${a.id}`} data-name={a.name}>
                  <td>
                    <Link to={`/actions/${a.id}`}>{a.name}</Link>
                  </td>
                  <td className="mono" data-testid={`action-trigger-${a.id}`}>
                    {triggerSummary(a.trigger)}
                  </td>
                  <td>
                    <EnabledSwitch action={a} actions={actions} onChange={replace} />
                  </td>
                  <td>
                    <LastRun actions={actions} id={a.id} timeZone={timeZone} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
