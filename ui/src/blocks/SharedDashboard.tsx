/** Another user's dashboard shared with the signed-in one: its blocks, live and read-only. */
import { useMemo } from "react";
import { Link } from "react-router-dom";
import { Aio } from "../api/aio";
import type { Feed } from "../api/types";
import { useAuth } from "../auth";
import { Empty, ErrorBox, Loading } from "../components/States";
import { userTimeZone } from "../lib/timeZone";
import { useAsync } from "../lib/useAsync";
import { DashboardGrid } from "./DashboardGrid";
import { useSharedSource } from "./dataSources";
import { LiveBadge } from "./LiveBadge";

/** The feeds of the blocks that this user may read (the others' blocks stay empty). */
async function readableFeeds(aio: Aio, keys: string[]): Promise<Feed[]> {
  const results = await Promise.allSettled(keys.map((k) => aio.feed(k)));
  return results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
}

export function SharedDashboard({ owner, dashboardKey }: { owner: string; dashboardKey: string }) {
  const { session } = useAuth();
  const timeZone = userTimeZone(session?.user);
  const aio = useMemo(() => new Aio(owner), [owner]);
  const dash = useAsync(() => aio.dashboard(dashboardKey), [aio, dashboardKey]);
  const keys = useMemo(() => {
    const all = (dash.data?.blocks ?? []).flatMap((b) => b.block_feeds.map((bf) => bf.feed?.key ?? ""));
    return [...new Set(all.filter(Boolean))].sort();
  }, [dash.data]);
  const feeds = useAsync(() => readableFeeds(aio, keys), [aio, keys.join(",")]);
  const source = useSharedSource(aio, timeZone);

  const breadcrumb = (
    <div className="breadcrumb">
      <Link to="/dashboards">Dashboards</Link> / shared by <span className="mono">{owner}</span> /{" "}
      <span className="mono">{dashboardKey}</span>
    </div>
  );
  if (dash.loading && !dash.data) return <Loading />;
  if (dash.error || !dash.data) {
    return (
      <div className="page">
        {breadcrumb}
        <ErrorBox error={dash.error ?? "Dashboard not found"} onRetry={dash.reload} />
      </div>
    );
  }
  const d = dash.data;
  return (
    <div className="page" data-testid="shared-dashboard-page" data-owner={owner}>
      {breadcrumb}
      <div className="page-head">
        <h1 className={d.show_header === false ? "sr-only" : undefined}>
          {d.name} <LiveBadge />
        </h1>
        <span className="muted small">shared by {owner} · read-only</span>
      </div>
      {d.description && d.show_header !== false && <p className="muted">{d.description}</p>}
      {d.blocks.length === 0 ? (
        <Empty title="Nothing to show yet">
          <p>This dashboard has no blocks.</p>
        </Empty>
      ) : (
        <DashboardGrid
          dashboard={d}
          blocks={d.blocks}
          feeds={feeds.data ?? []}
          username={owner}
          source={source}
          editing={false}
          onReconnect={feeds.reload}
        />
      )}
    </div>
  );
}
