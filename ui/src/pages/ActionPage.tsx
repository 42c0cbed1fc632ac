/** One action: what it does, Run now with the run's outputs, its run history, delete. */
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import type { Action, ActionRun, Actions } from "../api/actions";
import { useAuth } from "../auth";
import { RunList, RunOutputs, RunStatus } from "../actions/RunList";
import { useActions } from "../actions/useActions";
import { Confirm } from "../components/Modal";
import { ErrorBox, FormError, Loading } from "../components/States";
import { OUTPUT_TYPES, triggerSummary } from "../lib/actionDraft";
import { useAsync } from "../lib/useAsync";

const POLL_MS = 5_000;

function RunNow({ actions, action, onRun }: { actions: Actions; action: Action; onRun: (run: ActionRun) => void }) {
  const [run, setRun] = useState<ActionRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      const made = await actions.runNow(action.id);
      setRun(made);
      onRun(made);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card section" aria-label="Run now">
      <button type="button" className="btn btn-primary" data-testid="action-run-now" disabled={busy} onClick={() => void go()}>
        Run now
      </button>{" "}
      <span className="small muted">Runs the outputs with the trigger feed&apos;s last value, enabled or not.</span>
      <FormError error={error} />
      {run && (
        <div className="run-result" role="status" data-testid="action-run-result" data-status={run.status}>
          <p>
            <RunStatus status={run.status} /> with value <span className="mono">{run.trigger_value ?? "—"}</span>
          </p>
          <RunOutputs run={run} />
        </div>
      )}
    </section>
  );
}

function Summary({ action }: { action: Action }) {
  const label = (type: string) => OUTPUT_TYPES.find((t) => t.value === type)?.label ?? type;
  return (
    <dl className="kv card section" data-testid="action-summary">
      <dt>Trigger</dt>
      <dd className="mono">{triggerSummary(action.trigger)}</dd>
      <dt>Delay</dt>
      <dd>{action.delay_seconds ? `${action.delay_seconds} s (${action.delay_mode})` : "none"}</dd>
      <dt>Cooldown</dt>
      <dd>{action.cooldown_seconds} s</dd>
      <dt>Outputs</dt>
      <dd>{action.outputs.map((o) => label(o.type)).join(", ")}</dd>
      <dt>Enabled</dt>
      <dd>{action.enabled ? "yes" : "no"}</dd>
    </dl>
  );
}

export default function ActionPage() {
  const { id = "" } = useParams();
  const actions = useActions();
  const navigate = useNavigate();
  const { session } = useAuth();
  const timeZone = session?.user.time_zone || "UTC";
  const action = useAsync(() => actions.get(id), [actions, id]);
  const runs = useAsync(() => actions.runs(id), [actions, id]);
  const [deleting, setDeleting] = useState(false);
  const { reload } = runs;

  // Runs of the trigger arrive without this page asking: look again every few seconds.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [reload]);

  if (action.error) return <div className="page"><ErrorBox error={action.error} onRetry={action.reload} /></div>;
  if (!action.data) return <Loading />;
  const a = action.data;
  return (
    <div className="page" data-testid="action-page" data-id={a.id}>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/actions">Actions</Link> / {a.name}
      </nav>
      <div className="page-head">
        <h1>{a.name}</h1>
        <div className="page-actions">
          <Link to={`/actions/${a.id}/edit`} className="btn" data-testid="action-edit">
            Edit
          </Link>
          <button type="button" className="btn btn-danger-outline" data-testid="action-delete" onClick={() => setDeleting(true)}>
            Delete
          </button>
        </div>
      </div>
      <Summary action={a} />
      <RunNow actions={actions} action={a} onRun={(made) => runs.setData((old) => [made, ...(old ?? [])])} />
      <section className="card section" aria-labelledby="runs-heading">
        <h2 id="runs-heading">Runs</h2>
        {runs.error && <ErrorBox error={runs.error} onRetry={reload} />}
        {runs.data ? <RunList runs={runs.data} timeZone={timeZone} /> : !runs.error && <Loading />}
      </section>
      {deleting && (
        <Confirm
          title="Delete action"
          testId="action-delete-confirm"
          message={
            <p>
              Delete <strong>{a.name}</strong> and its runs? It stops at once.
            </p>
          }
          onCancel={() => setDeleting(false)}
          onConfirm={async () => {
            await actions.remove(a.id);
            navigate("/actions");
          }}
        />
      )}
    </div>
  );
}
