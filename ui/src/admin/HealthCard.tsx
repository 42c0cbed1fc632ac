/** The server's health: database, bus, worker processes. */
import type { Health } from "../api/admin";

function State({ ok, testId }: { ok: boolean; testId: string }) {
  return (
    <span className={`status ${ok ? "status-on" : "status-off"}`} data-testid={testId} data-ok={ok}>
      {ok ? "ok" : "down"}
    </span>
  );
}

export function HealthCard({ health }: { health: Health }) {
  const busOk = health.bus.connected !== false;
  return (
    <section className="card" aria-labelledby="admin-health-title">
      <h2 id="admin-health-title">Server health</h2>
      <dl className="kv">
        <dt>Database</dt>
        <dd>
          <State ok={health.database.reachable} testId="admin-health-database" /> {health.database.dialect}
          {health.database.error && <span className="muted small"> {health.database.error}</span>}
        </dd>
        <dt>Bus</dt>
        <dd>
          <State ok={busOk} testId="admin-health-bus" /> {health.bus.kind}
        </dd>
        <dt>Processes</dt>
        <dd data-testid="admin-health-workers">
          {health.workers.length} answering ({health.workers.join(", ")}), {health.connections} MQTT connections
        </dd>
      </dl>
    </section>
  );
}
