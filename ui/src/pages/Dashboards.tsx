import { useState } from "react";
import { currentTheme } from "../lib/theme";
import type { FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import type { Dashboard } from "../api/types";
import { useAio } from "../auth";
import { Confirm, Modal } from "../components/Modal";
import { SharedWithMe } from "../components/SharedWithMe";
import { Empty, ErrorBox, FormError, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

interface DashboardValues {
  name: string;
  description: string;
  visibility: string;
  color_mode: string;
  show_header: boolean;
  block_borders: boolean;
}

function DashboardForm({
  dashboard,
  onSubmit,
  onClose,
}: {
  dashboard?: Dashboard;
  onSubmit: (values: DashboardValues) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState(dashboard?.name ?? "");
  const [description, setDescription] = useState(dashboard?.description ?? "");
  const [visibility, setVisibility] = useState(dashboard?.visibility ?? "private");
  // A new dashboard takes the colours the user sees now (Adafruit IO's default is dark).
  const [colorMode, setColorMode] = useState(dashboard?.color_mode ?? currentTheme());
  const [showHeader, setShowHeader] = useState(dashboard?.show_header ?? true);
  const [borders, setBorders] = useState(dashboard?.block_borders ?? true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError("Give the dashboard a name.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit({
        name: name.trim(),
        description,
        visibility,
        color_mode: colorMode,
        show_header: showHeader,
        block_borders: borders,
      });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <Modal title={dashboard ? `Edit ${dashboard.name}` : "New dashboard"} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <label htmlFor="dashboard-name">Name</label>
        <input
          id="dashboard-name"
          data-testid="dashboard-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Greenhouse"
        />
        <label htmlFor="dashboard-description">Description</label>
        <textarea
          id="dashboard-description"
          data-testid="dashboard-description"
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <label htmlFor="dashboard-form-visibility">Visibility</label>
        <select
          id="dashboard-form-visibility"
          data-testid="dashboard-form-visibility"
          value={visibility}
          onChange={(e) => setVisibility(e.target.value)}
        >
          <option value="private">Private: only you</option>
          <option value="public">Public: anyone with the link, read-only</option>
        </select>
        <label htmlFor="dashboard-color-mode">Colours of the blocks</label>
        <select
          id="dashboard-color-mode"
          data-testid="dashboard-color-mode"
          value={colorMode}
          onChange={(e) => setColorMode(e.target.value as typeof colorMode)}
        >
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
        <label className="check">
          <input type="checkbox" data-testid="dashboard-show-header" checked={showHeader} onChange={(e) => setShowHeader(e.target.checked)} />{" "}
          Show the title above the blocks
        </label>
        <label className="check">
          <input type="checkbox" data-testid="dashboard-block-borders" checked={borders} onChange={(e) => setBorders(e.target.checked)} />{" "}
          Draw borders around blocks
        </label>
        <FormError error={error} />
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn-primary" data-testid="dashboard-create-submit" disabled={busy}>
            {dashboard ? "Save" : "Create dashboard"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export default function DashboardsPage() {
  const aio = useAio();
  const navigate = useNavigate();
  const list = useAsync(() => aio.dashboards(), [aio]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Dashboard | null>(null);
  const [deleting, setDeleting] = useState<Dashboard | null>(null);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Dashboards</h1>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="dashboard-create-open"
          onClick={() => setCreating(true)}
        >
          New dashboard
        </button>
      </div>
      {list.loading && !list.data && <Loading />}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.length === 0 && (
        <Empty title="No dashboards yet">
          <p>
            A dashboard puts feeds side by side: charts, gauges, and switches that control your
            devices, all updating live. Create one with <strong>New dashboard</strong>, then add
            blocks to it.
          </p>
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <div className="dash-list">
          {list.data.map((d) => (
            <div key={d.id} className="card dash-card" data-testid={`dashboard-row-${d.key}`}>
              <h2>
                <Link to={`/dashboards/${encodeURIComponent(d.key)}`}>{d.name}</Link>
                {d.visibility === "public" && <span className="badge">public</span>}
              </h2>
              <p className="muted small">
                {d.description || `${d.blocks.length} block${d.blocks.length === 1 ? "" : "s"}`}
              </p>
              <div className="row-actions">
                <button type="button" className="btn btn-small" data-testid={`dashboard-edit-${d.key}`} onClick={() => setEditing(d)}>
                  Edit
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-danger-outline"
                  data-testid={`dashboard-delete-${d.key}`}
                  onClick={() => setDeleting(d)}
                >
                  Delete
                </button>
              </div>
            </div>
          ))}
        </div>
      )}
      <SharedWithMe models={["dashboard"]} />
      {creating && (
        <DashboardForm
          onClose={() => setCreating(false)}
          onSubmit={async (values) => {
            const d = await aio.createDashboard(values);
            setCreating(false);
            navigate(`/dashboards/${encodeURIComponent(d.key)}`);
          }}
        />
      )}
      {editing && (
        <DashboardForm
          dashboard={editing}
          onClose={() => setEditing(null)}
          onSubmit={async (values) => {
            const d = await aio.updateDashboard(editing.key, values);
            setEditing(null);
            list.setData((old) => (old ?? []).map((x) => (x.id === d.id ? { ...x, ...d } : x)));
          }}
        />
      )}
      {deleting && (
        <Confirm
          title="Delete dashboard"
          testId="dashboard-delete-confirm"
          message={
            <p>
              Delete <strong>{deleting.name}</strong> and its blocks? The feeds and their data stay.
            </p>
          }
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await aio.deleteDashboard(deleting.key);
            list.setData((old) => (old ?? []).filter((x) => x.id !== deleting.id));
            setDeleting(null);
          }}
        />
      )}
    </div>
  );
}
