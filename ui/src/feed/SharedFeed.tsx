/**
 * Another user's feed, shared with the signed-in one (or public): chart, points and live
 * values, read-only; a form to send values only when the share allows writing.
 */
import { useMemo } from "react";
import { Link } from "react-router-dom";
import { Aio } from "../api/aio";
import { Sharing } from "../api/sharing";
import { useAuth } from "../auth";
import { ErrorBox, Loading } from "../components/States";
import { canWrite, modeLabel } from "../lib/modes";
import { feedAccess } from "../lib/shared";
import { useAsync } from "../lib/useAsync";
import { AddValue } from "./AddValue";
import { DataTable } from "./DataTable";
import { FeedChart } from "./FeedChart";
import { userTimeZone } from "../lib/timeZone";
import { LatestCard } from "./LatestCard";
import { useFeedUpdates } from "./useFeedUpdates";

export function SharedFeed({ owner, feedKey }: { owner: string; feedKey: string }) {
  const { session } = useAuth();
  const me = session?.user.username ?? "";
  const timeZone = userTimeZone(session?.user);
  const aio = useMemo(() => new Aio(owner), [owner]);
  const sharing = useMemo(() => new Sharing(me), [me]);
  const feed = useAsync(() => aio.feed(feedKey), [aio, feedKey]);
  const access = useAsync(
    async () =>
      feedAccess(await sharing.sharedWithMe(), owner, feedKey, async (group) =>
        (await aio.group(group)).feeds.map((f) => f.key),
      ),
    [sharing, aio, owner, feedKey],
  );
  const { version, changed } = useFeedUpdates(owner, feed.data?.key, feed.setData);

  const breadcrumb = (
    <div className="breadcrumb">
      <Link to="/feeds">Feeds</Link> / shared by <span className="mono">{owner}</span> /{" "}
      <span className="mono">{feed.data?.key ?? feedKey}</span>
    </div>
  );
  if (feed.loading && !feed.data) return <Loading />;
  if (feed.error || !feed.data) {
    return (
      <div className="page">
        {breadcrumb}
        <ErrorBox error={feed.error ?? "Feed not found"} onRetry={feed.reload} />
      </div>
    );
  }
  const f = feed.data;
  const mode = access.data ?? "r"; // nothing shared: a public feed, read only
  return (
    <div className="page" data-testid="shared-feed-page" data-owner={owner} data-mode={mode}>
      {breadcrumb}
      <div className="page-head">
        <h1>
          {f.name}{" "}
          <span className="badge" data-testid="shared-mode">
            {modeLabel(mode)}
          </span>
        </h1>
      </div>
      <div className="feed-grid">
        <div>
          <FeedChart aio={aio} feed={f} timeZone={timeZone} version={version} />
          <DataTable aio={aio} feed={f} timeZone={timeZone} version={version} onChanged={changed} readOnly />
        </div>
        <div>
          <LatestCard feed={f} owner={owner} timeZone={timeZone}>
            <dt>Owner</dt>
            <dd data-testid="shared-owner">{owner}</dd>
            <dt>Your access</dt>
            <dd>{modeLabel(mode)}</dd>
          </LatestCard>
          {canWrite(mode) && <AddValue aio={aio} feed={f} onAdded={changed} />}
        </div>
      </div>
    </div>
  );
}
