/** Running MQTT bans (too many connection attempts, refused subscribes...), with Lift. */
import { admin } from "../api/admin";
import type { Ban } from "../api/admin";

export function Bans({ bans, onChanged }: { bans: Ban[]; onChanged: () => void }) {
  return (
    <section className="card" aria-labelledby="admin-bans-title">
      <h2 id="admin-bans-title">MQTT bans</h2>
      {bans.length === 0 ? (
        <p className="muted small" data-testid="admin-no-bans">
          Nobody is banned.
        </p>
      ) : (
        <ul data-testid="admin-bans">
          {bans.map((b) => (
            <li key={b.username} data-testid={`admin-ban-${b.username}`}>
              <strong>{b.username}</strong> <span className="muted small">{b.seconds_left} s left</span>{" "}
              <button
                type="button"
                className="btn btn-small"
                data-testid={`admin-lift-${b.username}`}
                onClick={() => void admin.liftBan(b.username).then(onChanged, onChanged)}
              >
                Lift
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
