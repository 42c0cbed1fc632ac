/**
 * "Shared with me": what other users shared with this one, as a section of the Feeds page
 * (feeds and groups) and of the Dashboards page. Nothing is shown while nothing is shared.
 */
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { Aio } from "../api/aio";
import { Sharing } from "../api/sharing";
import type { SharedItem, ShareModel } from "../api/types";
import { useAio } from "../auth";
import { modeLabel } from "../lib/modes";
import { byModel, sharedFeedPath, sharedPath } from "../lib/shared";
import { useAsync } from "../lib/useAsync";
import { ErrorBox, Loading } from "./States";

const KIND: Record<ShareModel, string> = { feed: "feed", group: "group", dashboard: "dashboard" };

function GroupFeeds({ item }: { item: SharedItem }) {
  const aio = useMemo(() => new Aio(item.owner), [item.owner]);
  const group = useAsync(() => aio.group(item.key), [aio, item.key]);
  if (group.loading && !group.data) return <Loading />;
  if (group.error) return <ErrorBox error={group.error} onRetry={group.reload} />;
  const feeds = group.data?.feeds ?? [];
  if (!feeds.length) return <span className="muted small">No feeds in this group.</span>;
  return (
    <div className="group-feeds">
      {feeds.map((f) => (
        <span key={f.key} className="chip" data-testid={`shared-group-feed-${item.owner}-${item.key}-${f.key}`}>
          <Link to={sharedFeedPath(item.owner, f.key)}>{f.name}</Link>
        </span>
      ))}
    </div>
  );
}

function SharedRow({ item }: { item: SharedItem }) {
  const [open, setOpen] = useState(false);
  const path = sharedPath(item);
  const id = `shared-${item.model}-${item.owner}-${item.key}`;
  return (
    <tr data-testid={id} data-mode={item.mode}>
      <td>
        {path ? <Link to={path}>{item.name}</Link> : item.name}
        {item.model === "group" && (
          <>
            <span className="badge">{KIND.group}</span>{" "}
            <button
              type="button"
              className="btn btn-small"
              aria-expanded={open}
              data-testid={`${id}-toggle`}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? "Hide feeds" : "Show feeds"}
            </button>
            {open && <GroupFeeds item={item} />}
          </>
        )}
      </td>
      <td>{item.owner}</td>
      <td className="mono">{item.key}</td>
      <td>
        <span className="badge">{modeLabel(item.mode)}</span>
      </td>
    </tr>
  );
}

export function SharedWithMe({ models }: { models: ShareModel[] }) {
  const { username } = useAio();
  const sharing = useMemo(() => new Sharing(username), [username]);
  const shared = useAsync(() => sharing.sharedWithMe(), [sharing]);
  const grouped = byModel(shared.data ?? []);
  const items = models.flatMap((m) => grouped[m]);
  if (shared.error) {
    return (
      <section className="card section">
        <h2>Shared with me</h2>
        <ErrorBox error={shared.error} onRetry={shared.reload} />
      </section>
    );
  }
  if (!items.length) return null;
  return (
    <section className="card section" data-testid="shared-list">
      <h2>Shared with me</h2>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Owner</th>
              <th>Key</th>
              <th>Your access</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <SharedRow key={`${item.model}-${item.id}`} item={item} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
