/** One user's actions on the admin page: disable/enable, data rate, new key, delete. */
import { useState } from "react";
import { admin, parseRate } from "../api/admin";
import type { AdminUser } from "../api/admin";
import { Modal } from "../components/Modal";
import { FormError } from "../components/States";
import { CopyButton } from "../components/Snippet";

type Dialog = "rate" | "key" | "delete" | null;

export function UserActions({
  user,
  isSelf,
  onChanged,
}: {
  user: AdminUser;
  isSelf: boolean;
  onChanged: () => void;
}) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = user.username;

  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="row-actions">
      {!isSelf && (
        <button
          type="button"
          className="btn btn-small"
          disabled={busy}
          data-testid={`admin-${user.disabled ? "enable" : "disable"}-${id}`}
          onClick={() => void run(() => admin.setDisabled(id, !user.disabled))}
        >
          {user.disabled ? "Enable" : "Disable"}
        </button>
      )}
      <button type="button" className="btn btn-small" data-testid={`admin-rate-${id}`} onClick={() => setDialog("rate")}>
        Data rate
      </button>
      <button type="button" className="btn btn-small" data-testid={`admin-key-${id}`} onClick={() => setDialog("key")}>
        New key
      </button>
      {!isSelf && (
        <button
          type="button"
          className="btn btn-small btn-danger-outline"
          data-testid={`admin-delete-${id}`}
          onClick={() => setDialog("delete")}
        >
          Delete
        </button>
      )}
      <FormError error={error} />
      {dialog === "rate" && <RateDialog user={user} onClose={() => setDialog(null)} onSaved={onChanged} />}
      {dialog === "key" && <KeyDialog username={id} onClose={() => setDialog(null)} />}
      {dialog === "delete" && (
        <Modal title={`Delete ${id}?`} onClose={() => setDialog(null)} testId="admin-delete-dialog">
          <p>
            This deletes <strong>{id}</strong> with every feed, data point, group, dashboard, action, token and
            session. It cannot be undone.
          </p>
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => setDialog(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-danger"
              data-testid="admin-delete-confirm"
              onClick={() => void run(() => admin.remove(id)).then(() => setDialog(null))}
            >
              Delete {id}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}

function RateDialog({ user, onClose, onSaved }: { user: AdminUser; onClose: () => void; onSaved: () => void }) {
  const [text, setText] = useState(user.own_data_rate === null ? "" : String(user.own_data_rate));
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    const parsed = parseRate(text);
    if ("error" in parsed) return setError(parsed.error);
    try {
      await admin.setDataRate(user.username, parsed.rate);
      onSaved();
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Modal title={`Data rate of ${user.username}`} onClose={onClose} testId="admin-rate-dialog">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="field">
          Points per minute (0 = unlimited, empty = the server default)
          <input value={text} onChange={(e) => setText(e.target.value)} data-testid="admin-rate-input" />
        </label>
        <FormError error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" data-testid="admin-rate-save">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

function KeyDialog({ username, onClose }: { username: string; onClose: () => void }) {
  const [key, setKey] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const regenerate = () =>
    admin.regenerateKey(username).then(setKey, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  return (
    <Modal title={`New AIO key for ${username}`} onClose={onClose} testId="admin-key-dialog">
      {key === null ? (
        <>
          <p>The current key stops working at once; devices using it are disconnected.</p>
          <FormError error={error} />
          <div className="form-actions">
            <button type="button" className="btn btn-danger" data-testid="admin-key-confirm" onClick={() => void regenerate()}>
              Replace the key
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="warning" role="status">
            Copy the key now: it is shown only this once here.
          </p>
          <div className="key-box">
            <code data-testid="admin-new-key">{key}</code>
            <CopyButton text={key} testId="admin-new-key-copy" />
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      )}
    </Modal>
  );
}
