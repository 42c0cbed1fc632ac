import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router-dom";
import type { Group } from "../api/types";
import { useAio } from "../auth";
import { Confirm, Modal } from "../components/Modal";
import { ShareButton } from "../components/ShareDialog";
import { Empty, ErrorBox, FormError, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

function GroupForm({ onSubmit, onClose }: { onSubmit: (name: string, description: string) => Promise<void>; onClose: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError("Give the group a name.");
      return;
    }
    setBusy(true);
    try {
      await onSubmit(name.trim(), description);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <Modal title="New group" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <label htmlFor="group-name">Name</label>
        <input id="group-name" data-testid="group-name" value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="group-description">Description</label>
        <input
          id="group-description"
          data-testid="group-description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <FormError error={error} />
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn-primary" data-testid="group-create-submit" disabled={busy}>
            Create group
          </button>
        </div>
      </form>
    </Modal>
  );
}

function GroupCard({
  group,
  feedKeys,
  onChange,
  onDelete,
}: {
  group: Group;
  feedKeys: { key: string; name: string }[];
  onChange: (g: Group) => void;
  onDelete: () => void;
}) {
  const aio = useAio();
  const [adding, setAdding] = useState("");
  const [error, setError] = useState<string | null>(null);
  const inGroup = new Set(group.feeds.map((f) => f.key));
  const candidates = feedKeys.filter((f) => !inGroup.has(f.key));
  const run = async (action: () => Promise<Group>) => {
    setError(null);
    try {
      onChange(await action());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section className="card section" data-testid={`group-row-${group.key}`}>
      <h2>
        <span>
          {group.name} <span className="muted mono small">{group.key}</span>
        </span>
        <span className="page-actions">
          <ShareButton
            model="group"
            objectKey={group.key}
            name={group.name}
            testId={`share-button-${group.key}`}
            small
          />
          {group.key !== "default" && (
            <button
              type="button"
              className="btn btn-small btn-danger-outline"
              data-testid={`group-delete-${group.key}`}
              onClick={onDelete}
            >
              Delete
            </button>
          )}
        </span>
      </h2>
      {group.description && <p className="muted small">{group.description}</p>}
      <div className="group-feeds">
        {group.feeds.length === 0 && <span className="muted small">No feeds in this group.</span>}
        {group.feeds.map((f) => (
          <span key={f.key} className="chip" data-testid={`group-feed-${group.key}-${f.key}`}>
            <Link to={`/feeds/${encodeURIComponent(f.key)}`}>{f.name}</Link>
            <button
              type="button"
              aria-label={`Remove ${f.name} from ${group.name}`}
              data-testid={`group-remove-${group.key}-${f.key}`}
              onClick={() => void run(() => aio.removeFromGroup(group.key, f.key))}
            >
              ×
            </button>
          </span>
        ))}
      </div>
      {candidates.length > 0 && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (adding) void run(() => aio.addToGroup(group.key, adding)).then(() => setAdding(""));
          }}
        >
          <div>
            <label htmlFor={`group-add-${group.key}`} className="small">
              Add a feed
            </label>
            <select
              id={`group-add-${group.key}`}
              data-testid={`group-add-select-${group.key}`}
              value={adding}
              onChange={(e) => setAdding(e.target.value)}
            >
              <option value="">Choose…</option>
              {candidates.map((f) => (
                <option key={f.key} value={f.key}>
                  {f.name}
                </option>
              ))}
            </select>
          </div>
          <button className="btn btn-small" data-testid={`group-add-submit-${group.key}`} disabled={!adding}>
            Add
          </button>
        </form>
      )}
      <FormError error={error} />
    </section>
  );
}

export default function GroupsPage() {
  const aio = useAio();
  const groups = useAsync(() => aio.groups(), [aio]);
  const feeds = useAsync(() => aio.feeds(), [aio]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Group | null>(null);
  const feedKeys = (feeds.data ?? []).map((f) => ({ key: f.key, name: f.name }));
  return (
    <div className="page">
      <div className="page-head">
        <h1>Groups</h1>
        <button type="button" className="btn btn-primary" data-testid="group-create-open" onClick={() => setCreating(true)}>
          New group
        </button>
      </div>
      <p className="muted small">
        A group collects feeds so a device can read or write them together (one MQTT topic{" "}
        <code>{aio.username}/groups/KEY</code>, one HTTP call).
      </p>
      {groups.loading && !groups.data && <Loading />}
      {groups.error && <ErrorBox error={groups.error} onRetry={groups.reload} />}
      {groups.data && groups.data.length === 0 && (
        <Empty title="No groups yet">
          <p>Create a group, then add feeds to it.</p>
        </Empty>
      )}
      {groups.data?.map((g) => (
        <GroupCard
          key={g.id}
          group={g}
          feedKeys={feedKeys}
          onChange={(updated) => {
            groups.setData((old) => (old ?? []).map((x) => (x.id === updated.id ? updated : x)));
            feeds.reload();
          }}
          onDelete={() => setDeleting(g)}
        />
      ))}
      {creating && (
        <GroupForm
          onClose={() => setCreating(false)}
          onSubmit={async (name, description) => {
            const g = await aio.createGroup({ name, description });
            setCreating(false);
            groups.setData((old) => [...(old ?? []), { ...g, feeds: g.feeds ?? [] }]);
          }}
        />
      )}
      {deleting && (
        <Confirm
          title="Delete group"
          testId="group-delete-confirm"
          message={
            <p>
              Delete <strong>{deleting.name}</strong>? Feeds that belong only to this group are deleted with
              it.
            </p>
          }
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await aio.deleteGroup(deleting.key);
            groups.setData((old) => (old ?? []).filter((x) => x.id !== deleting.id));
            setDeleting(null);
            feeds.reload();
          }}
        />
      )}
    </div>
  );
}
