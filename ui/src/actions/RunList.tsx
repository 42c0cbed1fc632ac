/** Runs of an action: when, why, the value, the status, and what each output did. */
import type { ActionRun } from "../api/actions";
import { formatTime } from "../lib/format";

const REASONS: Record<ActionRun["reason"], string> = {
  data: "new data",
  schedule: "schedule",
  run: "run now",
};

export function RunStatus({ status }: { status: ActionRun["status"] }) {
  const tone = status === "ok" ? "on" : "off";
  return <span className={`status status-${tone} run-status-${status}`}>{status}</span>;
}

export function RunOutputs({ run }: { run: ActionRun }) {
  return (
    <ul className="run-outputs">
      {run.outputs.map((o, i) => (
        <li key={i} data-testid={`run-${run.id}-output-${i}`} data-ok={o.ok}>
          <span aria-label={o.ok ? "done" : "failed"} className={o.ok ? "run-ok" : "run-failed"}>
            {o.ok ? "✓" : "✗"}
          </span>{" "}
          <strong>{o.type}</strong>: {o.detail}
        </li>
      ))}
      {run.error && <li className="run-failed">{run.error}</li>}
    </ul>
  );
}

export function RunList({ runs, timeZone }: { runs: ActionRun[]; timeZone: string }) {
  if (runs.length === 0) {
    return (
      <p className="muted small" data-testid="runs-empty">
        No runs yet. It runs when its trigger fires, or now with <strong>Run now</strong>.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table" data-testid="runs-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Reason</th>
            <th>Value</th>
            <th>Status</th>
            <th>Outputs</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-testid={`run-${r.id}`} data-status={r.status} data-reason={r.reason}>
              <td>{formatTime(r.started_at, timeZone)}</td>
              <td>{REASONS[r.reason]}</td>
              <td className="mono">{r.trigger_value ?? "—"}</td>
              <td>
                <RunStatus status={r.status} />
              </td>
              <td>
                <RunOutputs run={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
