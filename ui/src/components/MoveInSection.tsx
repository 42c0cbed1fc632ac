/** Settings: move an Adafruit IO account into this one. The server reads it in the
 * background (from the operator's Adafruit IO server); this polls how far it got. */
import { useCallback, useEffect, useState } from "react";
import type { FormEvent } from "react";
import { api } from "../api/client";
import { describeImport } from "./ExportSection";
import { FormError } from "./States";

export interface MoveInJob {
  state: "running" | "done" | "failed" | "interrupted";
  message: string;
  report: Record<string, number>;
  started_at: string;
  updated_at: string;
}

interface MoveInStatus {
  job: MoveInJob | null;
  source: string;
}

const POLL_MS = 1_500;

/** The line shown for a job. */
export function jobLine(job: MoveInJob): string {
  if (job.state === "done") return `Done: ${describeImport(job.report)}.`;
  if (job.state === "failed") return `Failed: ${job.message}`;
  if (job.state === "interrupted") return "Interrupted (the server restarted). Start it again: what is here already is skipped.";
  return `Working: ${job.message}`;
}

export function MoveInSection() {
  const [status, setStatus] = useState<MoveInStatus | null>(null);
  const [username, setUsername] = useState("");
  const [key, setKey] = useState("");
  const [since, setSince] = useState("");
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setStatus(await api.get<MoveInStatus>("/ui/api/import-aio"));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const running = status?.job?.state === "running";
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [running, load]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const body = { username: username.trim(), key: key.trim(), ...(since ? { since } : {}) };
      setStatus(await api.post<MoveInStatus>("/ui/api/import-aio", body));
      setKey("");
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="card section">
      <h2>Move in from Adafruit IO</h2>
      <p className="help">
        Brings your feeds, groups, dashboards and every stored point from {status?.source ?? "Adafruit IO"} into
        this account. Your key is used for this import only and never stored. It runs on the server: you may
        leave this page.
      </p>
      <form onSubmit={submit} className="form" noValidate>
        <div className="form-row">
          <div>
            <label htmlFor="move-in-username">Adafruit IO username</label>
            <input
              id="move-in-username"
              data-testid="move-in-username"
              autoComplete="off"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="move-in-key">Adafruit IO key</label>
            <input
              id="move-in-key"
              data-testid="move-in-key"
              type="password"
              autoComplete="off"
              value={key}
              onChange={(e) => setKey(e.target.value)}
            />
          </div>
        </div>
        <label htmlFor="move-in-since">Only points from (optional)</label>
        <input
          id="move-in-since"
          data-testid="move-in-since"
          type="date"
          value={since}
          onChange={(e) => setSince(e.target.value)}
        />
        <FormError error={error} />
        {status?.job && (
          <p className="help" role="status" data-testid="move-in-status" data-state={status.job.state}>
            {jobLine(status.job)}
          </p>
        )}
        <div className="form-actions">
          <button className="btn btn-primary" data-testid="move-in-submit" disabled={running}>
            {running ? "Moving in…" : "Move in"}
          </button>
        </div>
      </form>
    </section>
  );
}
