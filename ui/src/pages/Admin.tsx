/**
 * The Admin page (administrators only): users with their use and actions, live MQTT
 * connections of every process, MQTT bans and the server's health. Refreshes every few
 * seconds, and at once after each action.
 */
import { useCallback, useEffect, useMemo } from "react";
import { Bans } from "../admin/Bans";
import { Connections } from "../admin/Connections";
import { CreateUser } from "../admin/CreateUser";
import { HealthCard } from "../admin/HealthCard";
import { UsersTable } from "../admin/UsersTable";
import { Admin } from "../api/admin";
import { useAuth } from "../auth";
import { ErrorBox, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

const REFRESH_MS = 5_000;

export default function AdminPage() {
  const { session } = useAuth();
  if (!session?.user.is_admin) {
    // No request at all: the API would answer 403 to anyone else.
    return <ErrorBox error="Only administrators may open this page." />;
  }
  return <AdminConsole me={session.user.username} timeZone={session.user.time_zone || "UTC"} />;
}

function AdminConsole({ me, timeZone }: { me: string; timeZone: string }) {
  const admin = useMemo(() => new Admin(), []);
  const users = useAsync(() => admin.users(), [admin]);
  const live = useAsync(() => admin.connections(), [admin]);
  const bans = useAsync(() => admin.bans(), [admin]);
  const health = useAsync(() => admin.health(), [admin]);
  const { reload: reloadUsers } = users;
  const { reload: reloadLive } = live;
  const { reload: reloadBans } = bans;
  const { reload: reloadHealth } = health;
  const reload = useCallback(() => {
    reloadUsers();
    reloadLive();
    reloadBans();
    reloadHealth();
  }, [reloadUsers, reloadLive, reloadBans, reloadHealth]);

  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  return (
    <div className="page" data-testid="admin-page">
      <div className="page-head">
        <h1>Admin</h1>
      </div>
      <section className="card" aria-labelledby="admin-users-title">
        <h2 id="admin-users-title">Users</h2>
        {users.error ? (
          <ErrorBox error={users.error} onRetry={reloadUsers} />
        ) : users.data === null ? (
          <Loading />
        ) : (
          <UsersTable users={users.data} me={me} timeZone={timeZone} onChanged={reload} />
        )}
      </section>
      <CreateUser onCreated={reload} />
      {live.data && <Connections connections={live.data.connections} timeZone={timeZone} onChanged={reload} />}
      {bans.data && <Bans bans={bans.data} onChanged={reload} />}
      {health.data && <HealthCard health={health.data} />}
    </div>
  );
}
