import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useAio, useAuth } from "../auth";
import { FeedForm } from "../components/FeedForm";
import { Confirm } from "../components/Modal";
import { ShareButton } from "../components/ShareDialog";
import { ErrorBox, Loading } from "../components/States";
import { AddValue } from "../feed/AddValue";
import { DataTable } from "../feed/DataTable";
import { FeedChart } from "../feed/FeedChart";
import { LatestCard } from "../feed/LatestCard";
import { LocationMap } from "../feed/LocationMap";
import { SharedFeed } from "../feed/SharedFeed";
import { useFeedUpdates } from "../feed/useFeedUpdates";
import { Webhooks } from "../feed/Webhooks";
import { otherOwner } from "../lib/shared";
import { useAsync } from "../lib/useAsync";
import { userTimeZone } from "../lib/timeZone";

/** `/feeds/KEY`: one's own feed; `/feeds/KEY?owner=NAME`: a feed NAME shared. */
export default function FeedPage() {
  const { key = "" } = useParams();
  const [search] = useSearchParams();
  const aio = useAio();
  const owner = otherOwner(search, aio.username);
  if (owner) return <SharedFeed owner={owner} feedKey={key} />;
  return <OwnFeed feedKey={key} />;
}

/** One of the signed-in user's feeds, with every owner's control. */
function OwnFeed({ feedKey: key }: { feedKey: string }) {
  const aio = useAio();
  const { session } = useAuth();
  const navigate = useNavigate();
  const timeZone = userTimeZone(session?.user);
  const feed = useAsync(() => aio.feed(key), [aio, key]);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const { version, changed } = useFeedUpdates(aio.username, feed.data?.key, feed.setData);

  if (feed.loading && !feed.data) return <Loading />;
  if (feed.error || !feed.data) {
    return (
      <div className="page">
        <div className="breadcrumb">
          <Link to="/feeds">Feeds</Link>
        </div>
        <ErrorBox error={feed.error ?? "Feed not found"} onRetry={feed.reload} />
      </div>
    );
  }
  const f = feed.data;
  return (
    <div className="page">
      <div className="breadcrumb">
        <Link to="/feeds">Feeds</Link> / <span className="mono">{f.key}</span>
      </div>
      <div className="page-head">
        <h1>{f.name}</h1>
        <div className="page-actions">
          <ShareButton model="feed" objectKey={f.key} name={f.name} />
          <button type="button" className="btn" data-testid="feed-edit" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className="btn btn-danger-outline"
            data-testid="feed-delete"
            onClick={() => setDeleting(true)}
          >
            Delete
          </button>
        </div>
      </div>
      <div className="feed-grid">
        <div>
          <FeedChart aio={aio} feed={f} timeZone={timeZone} version={version} />
          <DataTable aio={aio} feed={f} timeZone={timeZone} version={version} onChanged={changed} />
        </div>
        <div>
          <LatestCard feed={f} owner={aio.username} timeZone={timeZone} />
          <AddValue aio={aio} feed={f} onAdded={changed} />
          <LocationMap aio={aio} feed={f} version={version} />
          <Webhooks aio={aio} feed={f} />
        </div>
      </div>
      {editing && (
        <FeedForm
          feed={f}
          onClose={() => setEditing(false)}
          onSubmit={async (values) => {
            const updated = await aio.updateFeed(f.key, values);
            setEditing(false);
            if (f.history && !updated.history) changed(); // the older points are gone: reload
            if (updated.key !== f.key) navigate(`/feeds/${encodeURIComponent(updated.key)}`, { replace: true });
            else feed.setData((old) => (old ? { ...old, ...updated } : updated));
          }}
        />
      )}
      {deleting && (
        <Confirm
          title="Delete feed"
          testId="feed-delete-confirm"
          message={
            <p>
              Delete <strong>{f.name}</strong> and all its data?
            </p>
          }
          onCancel={() => setDeleting(false)}
          onConfirm={async () => {
            await aio.deleteFeed(f.key);
            navigate("/feeds");
          }}
        />
      )}
    </div>
  );
}
