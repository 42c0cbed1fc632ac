/** "Try on the last day / week": the form's action replayed over stored points, without
 * saving or sending anything. */
import { useState } from "react";
import type { ActionBody, Actions, DryRun } from "../api/actions";
import { formatTime } from "../lib/format";
import { DryRunTimeline } from "./DryRunTimeline";

const RANGES = [
  { id: "day", label: "Try on the last day", hours: 24 },
  { id: "week", label: "Try on the last week", hours: 24 * 7 },
];
const SHOWN = 100;

function Result({ result, timeZone }: { result: DryRun; timeZone: string }) {
  const missed = result.points.filter((p) => !p.fired);
  const fired = result.points.filter((p) => p.fired);
  const count = result.points.length;
  return (
    <div className="dry-run-result" data-testid="dry-run-result">
      <p role="status">
        It would have fired <strong data-testid="dry-run-fired">{result.fired}</strong>{" "}
        {result.fired === 1 ? "time" : "times"}
        {result.due.length === 0 && ` on ${count} ${count === 1 ? "point" : "points"}`}, from{" "}
        {formatTime(result.start_time, timeZone)} to {formatTime(result.end_time, timeZone)}.
      </p>
      {(count > 0 || result.due.length > 0) && <DryRunTimeline result={result} />}
      {fired.length + result.due.length > 0 && (
        <>
          <h4>Fired</h4>
          <ul className="dry-run-list" data-testid="dry-run-fired-list">
            {fired.slice(-SHOWN).map((p, i) => (
              <li key={i}>
                {formatTime(p.fired_at ?? p.at, timeZone)}: <span className="mono">{p.value}</span> — {p.reason}
              </li>
            ))}
            {result.due.slice(-SHOWN).map((t) => (
              <li key={t}>{formatTime(t, timeZone)}</li>
            ))}
          </ul>
        </>
      )}
      {missed.length > 0 && (
        <>
          <h4>Not fired{missed.length > SHOWN && ` (the last ${SHOWN} of ${missed.length})`}</h4>
          <ul className="dry-run-list" data-testid="dry-run-missed">
            {missed.slice(-SHOWN).map((p, i) => (
              <li key={i}>
                {formatTime(p.at, timeZone)}: <span className="mono">{p.value}</span> — {p.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function DryRunPanel({
  actions,
  body,
  onError,
  timeZone,
}: {
  actions: Actions;
  /** The form's action as it stands, or null when the form shows why it cannot be sent. */
  body: () => ActionBody | null;
  /** A refusal of the server (422 naming a field), shown on the form. */
  onError: (error: unknown) => void;
  timeZone: string;
}) {
  const [result, setResult] = useState<DryRun | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (hours: number) => {
    const action = body();
    if (!action) return;
    setBusy(true);
    setResult(null);
    try {
      setResult(await actions.dryRun(action, new Date(Date.now() - hours * 3_600_000).toISOString()));
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="dry-run" aria-label="Dry run" data-testid="dry-run">
      <div className="inline-form">
        {RANGES.map((r) => (
          <button
            key={r.id}
            type="button"
            className="btn btn-small"
            data-testid={`action-dry-run-${r.id}`}
            disabled={busy}
            onClick={() => void run(r.hours)}
          >
            {r.label}
          </button>
        ))}
        <span className="small muted">Replays stored values; sends nothing.</span>
      </div>
      {result && <Result result={result} timeZone={timeZone} />}
    </section>
  );
}
