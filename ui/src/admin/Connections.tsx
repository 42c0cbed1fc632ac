/** Live MQTT connections of every server process, with Disconnect. */
import { admin } from "../api/admin";
import type { LiveConnection } from "../api/admin";
import { formatTime } from "../lib/format";

export function Connections({
  connections,
  timeZone,
  onChanged,
}: {
  connections: LiveConnection[];
  timeZone: string;
  onChanged: () => void;
}) {
  return (
    <section className="card" aria-labelledby="admin-connections-title">
      <h2 id="admin-connections-title">Live MQTT connections</h2>
      {connections.length === 0 ? (
        <p className="muted small" data-testid="admin-no-connections">
          No device is connected.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="admin-connections">
            <thead>
              <tr>
                <th>User</th>
                <th>Client id</th>
                <th>Address</th>
                <th>MQTT</th>
                <th>Connected since</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {connections.map((c) => (
                <tr key={`${c.node}-${c.username}-${c.client_id}`} data-testid={`admin-connection-${c.client_id}`}>
                  <td>{c.username}</td>
                  <td className="mono">
                    {c.client_id} {c.token && <span className="badge">token</span>}
                  </td>
                  <td className="mono">{c.address}</td>
                  <td>{c.protocol_version}</td>
                  <td className="small">{formatTime(c.connected_at, timeZone)}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      data-testid={`admin-disconnect-${c.client_id}`}
                      onClick={() => void admin.disconnect(c.username, c.client_id).then(onChanged, onChanged)}
                    >
                      Disconnect
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
