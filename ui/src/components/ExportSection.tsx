/** Settings: the whole account as a zip (feeds, groups, dashboards, every point), and such
 * a zip imported back (into this account; what it has already is skipped). */
import { useState } from "react";
import type { FormEvent } from "react";
import { api } from "../api/client";
import { FormError } from "./States";

type Report = Record<string, number>;

const KINDS = ["groups", "feeds", "dashboards", "blocks", "points"];

/** "3 feeds (1 there already), 2,345 points" */
export function describeImport(report: Report): string {
  return KINDS.map((kind) => {
    const there = report[`${kind}_existing`] ?? 0;
    const notes = there ? [`${there.toLocaleString()} there already`] : [];
    if (kind === "points" && report.points_expired) {
      notes.push(`${report.points_expired.toLocaleString()} older than the retention`);
    }
    const count = `${(report[kind] ?? 0).toLocaleString()} ${kind}`;
    return notes.length ? `${count} (${notes.join(", ")})` : count;
  }).join(", ");
}

export function ExportSection() {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) {
      setError("Choose a zip made by Download everything.");
      return;
    }
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const result = await api.post<{ imported: Report }>("/ui/api/import", file);
      setDone(`Imported ${describeImport(result.imported)}.`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card section">
      <h2>Your data</h2>
      <p className="help">
        One zip with your groups, feeds and dashboards (with their blocks and layouts) as JSON, and every point of
        every feed as CSV. It streams: a large account takes a while.
      </p>
      <a className="btn" data-testid="account-export" href="/ui/api/export" download>
        Download everything (.zip)
      </a>
      <form onSubmit={submit} className="form" noValidate>
        <label htmlFor="account-import-file">Import a zip into this account</label>
        <input
          id="account-import-file"
          data-testid="account-import-file"
          type="file"
          accept=".zip,application/zip"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <small className="help">
          What this account has already (a feed or dashboard of the same key, a point already stored) is kept and
          skipped: importing twice adds nothing. Imported points reach no device or action.
        </small>
        <FormError error={error} />
        {done && (
          <p className="help" role="status" data-testid="account-import-done">
            {done}
          </p>
        )}
        <div className="form-actions">
          <button className="btn btn-primary" data-testid="account-import-submit" disabled={busy}>
            {busy ? "Importing…" : "Import"}
          </button>
        </div>
      </form>
    </section>
  );
}
