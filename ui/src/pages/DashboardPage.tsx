import { useCallback, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import type { Block } from "../api/types";
import { useAio, useAuth } from "../auth";
import { BlockEditor } from "../blocks/BlockEditor";
import { DashboardGrid } from "../blocks/DashboardGrid";
import { LiveBadge } from "../blocks/LiveBadge";
import { SharedDashboard } from "../blocks/SharedDashboard";
import { useOwnSource } from "../blocks/dataSources";
import { Confirm } from "../components/Modal";
import { ShareButton } from "../components/ShareDialog";
import { CopyButton } from "../components/Snippet";
import { Empty, ErrorBox, Loading } from "../components/States";
import { otherOwner } from "../lib/shared";
import { userTimeZone } from "../lib/timeZone";
import { useAsync } from "../lib/useAsync";

/** `/dashboards/KEY`: one's own dashboard; `?owner=NAME`: a dashboard NAME shared. */
export default function DashboardPage() {
  const { key = "" } = useParams();
  const [search] = useSearchParams();
  const aio = useAio();
  const owner = otherOwner(search, aio.username);
  if (owner) return <SharedDashboard owner={owner} dashboardKey={key} />;
  return <OwnDashboard dashboardKey={key} />;
}

function OwnDashboard({ dashboardKey: key }: { dashboardKey: string }) {
  const aio = useAio();
  const { session } = useAuth();
  const timeZone = userTimeZone(session?.user);
  const dash = useAsync(() => aio.dashboard(key), [aio, key]);
  const feeds = useAsync(() => aio.feeds(), [aio]);
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const [configuring, setConfiguring] = useState<Block | null>(null);
  const [deleting, setDeleting] = useState<Block | null>(null);
  const [visError, setVisError] = useState<string | null>(null);

  const source = useOwnSource(aio, timeZone);

  const saveLayouts = useCallback(
    async (layouts: Parameters<typeof aio.updateLayouts>[1]) => {
      const updated = await aio.updateLayouts(key, layouts);
      dash.setData((old) => (old ? { ...old, layouts: updated.layouts } : old));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [aio, key],
  );

  if (dash.loading && !dash.data) return <Loading />;
  if (dash.error || !dash.data) {
    return (
      <div className="page">
        <div className="breadcrumb">
          <Link to="/dashboards">Dashboards</Link>
        </div>
        <ErrorBox error={dash.error ?? "Dashboard not found"} onRetry={dash.reload} />
      </div>
    );
  }
  const d = dash.data;
  const usedKeys = new Set(d.blocks.flatMap((b) => b.block_feeds.map((bf) => bf.feed?.key)));
  const privateFeeds = (feeds.data ?? []).filter((f) => usedKeys.has(f.key) && f.visibility !== "public");
  const publicUrl = `${window.location.origin}/public/${encodeURIComponent(aio.username)}/dashboards/${encodeURIComponent(d.key)}`;

  return (
    <div className="page">
      <div className="breadcrumb">
        <Link to="/dashboards">Dashboards</Link> / <span className="mono">{d.key}</span>
      </div>
      <div className="page-head">
        <h1 className={d.show_header === false ? "sr-only" : undefined}>
          {d.name} <LiveBadge />
        </h1>
        <div className="page-actions">
          <label className="sr-only" htmlFor="dashboard-visibility">
            Visibility
          </label>
          <select
            id="dashboard-visibility"
            data-testid="dashboard-visibility"
            value={d.visibility}
            onChange={async (e) => {
              setVisError(null);
              try {
                const updated = await aio.updateDashboard(d.key, { visibility: e.target.value });
                dash.setData((old) => (old ? { ...old, visibility: updated.visibility } : old));
              } catch (err) {
                setVisError(err instanceof Error ? err.message : String(err));
              }
            }}
          >
            <option value="private">Private</option>
            <option value="public">Public</option>
          </select>
          <ShareButton model="dashboard" objectKey={d.key} name={d.name} />
          <button type="button" className="btn" data-testid="block-add-open" onClick={() => setAdding(true)}>
            Add block
          </button>
          <button
            type="button"
            className={editing ? "btn btn-primary" : "btn"}
            data-testid="dashboard-edit-toggle"
            aria-pressed={editing}
            onClick={() => setEditing((e) => !e)}
          >
            {editing ? "Done" : "Edit layout"}
          </button>
        </div>
      </div>
      {visError && <ErrorBox error={visError} />}
      {d.visibility === "public" && (
        <p className="key-box small">
          Anyone with this link can view the dashboard (read-only):{" "}
          <a href={publicUrl} data-testid="dashboard-public-link">
            {publicUrl}
          </a>
          <CopyButton text={publicUrl} />
        </p>
      )}
      {d.visibility === "public" && privateFeeds.length > 0 && (
        <div className="warning small" role="status" style={{ marginBottom: "0.75rem" }}>
          Visitors see only public feeds: {privateFeeds.map((f) => f.name).join(", ")}{" "}
          {privateFeeds.length === 1 ? "is" : "are"} private, so {privateFeeds.length === 1 ? "its blocks stay" : "their blocks stay"} empty
          on the public page.{" "}
          <button
            type="button"
            className="btn btn-small"
            data-testid="dashboard-publish-feeds"
            onClick={async () => {
              setVisError(null);
              try {
                for (const f of privateFeeds) await aio.updateFeed(f.key, { visibility: "public" });
                feeds.reload();
              } catch (err) {
                setVisError(err instanceof Error ? err.message : String(err));
              }
            }}
          >
            Make {privateFeeds.length === 1 ? "it" : "them"} public
          </button>
        </div>
      )}
      {d.description && d.show_header !== false && <p className="muted">{d.description}</p>}
      {d.blocks.length === 0 ? (
        <Empty title="This dashboard has no blocks yet">
          <p>
            Blocks show feeds as charts, gauges and text, or control them with toggles, sliders and
            buttons.
          </p>
          <button
            type="button"
            className="btn btn-primary"
            data-testid="block-add-empty"
            onClick={() => setAdding(true)}
          >
            Add your first block
          </button>
        </Empty>
      ) : (
        <DashboardGrid
          dashboard={d}
          blocks={d.blocks}
          feeds={feeds.data ?? []}
          username={aio.username}
          source={source}
          editing={editing}
          onSaveLayouts={saveLayouts}
          onEditBlock={setConfiguring}
          onDeleteBlock={setDeleting}
          onReconnect={feeds.reload}
        />
      )}
      {(adding || configuring) && (
        <BlockEditor
          block={configuring ?? undefined}
          feeds={feeds.data ?? []}
          onClose={() => {
            setAdding(false);
            setConfiguring(null);
          }}
          onSave={async (input) => {
            if (configuring) {
              const updated = await aio.updateBlock(d.key, configuring.id, input);
              dash.setData((old) =>
                old ? { ...old, blocks: old.blocks.map((b) => (b.id === updated.id ? updated : b)) } : old,
              );
            } else {
              const created = await aio.createBlock(d.key, input);
              dash.setData((old) => (old ? { ...old, blocks: [...old.blocks, created] } : old));
            }
            setAdding(false);
            setConfiguring(null);
          }}
        />
      )}
      {deleting && (
        <Confirm
          title="Delete block"
          testId="block-delete-confirm"
          message={<p>Remove this block from the dashboard? Its feeds and data stay.</p>}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await aio.deleteBlock(d.key, deleting.id);
            dash.setData((old) => (old ? { ...old, blocks: old.blocks.filter((b) => b.id !== deleting.id) } : old));
            setDeleting(null);
          }}
        />
      )}
    </div>
  );
}
