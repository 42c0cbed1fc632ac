import { useMemo } from "react";
import { Link, useParams } from "react-router-dom";
import { PublicApi } from "../api/aio";
import { ApiError } from "../api/client";
import { useAuth } from "../auth";
import { DashboardGrid } from "../blocks/DashboardGrid";
import { LiveBadge } from "../blocks/LiveBadge";
import { usePublicSource } from "../blocks/dataSources";
import { Empty, ErrorBox, Loading } from "../components/States";
import { userTimeZone } from "../lib/timeZone";
import { useAsync } from "../lib/useAsync";

export default function PublicDashboardPage() {
  const { username = "", key = "" } = useParams();
  const { session } = useAuth();
  const pub = useMemo(() => new PublicApi(username), [username]);
  const result = useAsync(() => pub.dashboard(key), [pub, key]);
  const source = usePublicSource(pub, userTimeZone(session?.user));
  if (result.loading && !result.data) return <Loading />;
  if (result.error || !result.data) {
    const notFound = result.error instanceof ApiError && result.error.status === 404;
    return (
      <div className="page">
        {notFound ? (
          <Empty title="Dashboard not found">
            <p>This dashboard does not exist or is not public.</p>
            {!session && <Link to="/signin">Sign in</Link>}
          </Empty>
        ) : (
          <ErrorBox error={result.error ?? "Not found"} onRetry={result.reload} />
        )}
      </div>
    );
  }
  const { dashboard, blocks, feeds } = result.data;
  const withBlocks = { ...dashboard, blocks };
  return (
    <div className="page" data-testid="public-dashboard">
      <div className="breadcrumb">
        {username} · public dashboard (read-only)
      </div>
      <div className={dashboard.show_header === false ? "sr-only" : "page-head"}>
        <h1>
          {dashboard.name} <LiveBadge />
        </h1>
      </div>
      {dashboard.description && dashboard.show_header !== false && <p className="muted">{dashboard.description}</p>}
      {blocks.length === 0 ? (
        <Empty title="Nothing to show yet">
          <p>This dashboard has no blocks.</p>
        </Empty>
      ) : (
        <DashboardGrid
          dashboard={withBlocks}
          blocks={blocks}
          feeds={feeds}
          username={username}
          source={source}
          editing={false}
          onReconnect={result.reload}
        />
      )}
    </div>
  );
}
