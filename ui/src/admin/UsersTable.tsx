/** The users table of the admin page. */
import { rateLabel } from "../api/admin";
import type { AdminUser } from "../api/admin";
import { formatTime } from "../lib/format";
import { UserActions } from "./UserActions";

export function UsersTable({
  users,
  me,
  timeZone,
  onChanged,
}: {
  users: AdminUser[];
  me: string;
  timeZone: string;
  onChanged: () => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="admin-users">
        <thead>
          <tr>
            <th>User</th>
            <th>State</th>
            <th>Data rate</th>
            <th>Points</th>
            <th>Last activity</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.username} data-testid={`admin-user-${u.username}`} data-disabled={u.disabled}>
              <td>
                <strong>{u.username}</strong> {u.is_admin && <span className="badge">admin</span>}
                {u.email && <div className="muted small">{u.email}</div>}
              </td>
              <td>
                <span
                  className={`status ${u.disabled ? "status-off" : "status-on"}`}
                  data-testid={`admin-state-${u.username}`}
                >
                  {u.disabled ? "disabled" : "active"}
                </span>
              </td>
              <td data-testid={`admin-rate-value-${u.username}`}>
                {rateLabel(u)}
                {u.own_data_rate === null && <span className="muted small"> (default)</span>}
              </td>
              <td>{u.points}</td>
              <td className="small">{u.last_activity ? formatTime(u.last_activity, timeZone) : "—"}</td>
              <td>
                <UserActions user={u} isSelf={u.username === me} onChanged={onChanged} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
