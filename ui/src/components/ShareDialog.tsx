/** Share a feed, group or dashboard with other users by name, and revoke those shares. */
import { useMemo, useState } from "react";
import { createPortal } from "react-dom";
import type { FormEvent } from "react";
import { Sharing, userShares } from "../api/sharing";
import type { Mode, Permission, ShareModel } from "../api/types";
import { useAio } from "../auth";
import { modeLabel, shareModes } from "../lib/modes";
import { useAsync } from "../lib/useAsync";
import { Modal } from "./Modal";
import { ErrorBox, Loading } from "./States";

const NOUN: Record<ShareModel, string> = { feed: "feed", group: "group", dashboard: "dashboard" };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function InlineError({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert" data-testid="share-error">
      {error}
    </p>
  );
}

function ShareRow({ share, onRevoke }: { share: Permission; onRevoke: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const who = share.scope_value ?? "";
  return (
    <li className="share-row" data-testid={`share-row-${who}`} data-mode={share.mode}>
      <span className="share-who">{who}</span>
      <span className="badge">{modeLabel(share.mode)}</span>
      <button
        type="button"
        className="btn btn-small btn-danger-outline"
        data-testid={`share-revoke-${who}`}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void onRevoke().finally(() => setBusy(false));
        }}
      >
        Revoke
      </button>
    </li>
  );
}

export function ShareDialog({
  sharing,
  model,
  objectKey,
  name,
  onClose,
}: {
  /** The owner's access-list client (the owner is the signed-in user). */
  sharing: Sharing;
  model: ShareModel;
  objectKey: string;
  name: string;
  onClose: () => void;
}) {
  const me = sharing.username;
  const list = useAsync(() => sharing.list(model, objectKey), [sharing, model, objectKey]);
  const modes = shareModes(model);
  const [username, setUsername] = useState("");
  const [mode, setMode] = useState<Mode>(modes[0]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const shares = userShares(list.data ?? []);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const who = username.trim();
    setError(null);
    if (!who) {
      setError("Type the username of the person to share with.");
      return;
    }
    if (who.toLowerCase() === me.toLowerCase()) {
      setError(`This ${NOUN[model]} is yours already.`);
      return;
    }
    setBusy(true);
    try {
      const added = await sharing.share(model, objectKey, who, mode);
      list.setData((old) => [...(old ?? []).filter((p) => p.id !== added.id), added]);
      setUsername("");
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (share: Permission) => {
    setError(null);
    try {
      await sharing.revoke(model, objectKey, share.id);
      list.setData((old) => (old ?? []).filter((p) => p.id !== share.id));
    } catch (err) {
      setError(message(err));
    }
  };

  return (
    <Modal title={`Share ${name}`} onClose={onClose} testId="share-dialog">
      <p className="muted small">
        {model === "dashboard"
          ? "People you share a dashboard with can view it. They see only the feeds they may read."
          : `People you share this ${NOUN[model]} with see it under “Shared with me”. With Read + write they can also send values${model === "group" ? " to its feeds" : ""}.`}
      </p>
      <form className="inline-form" onSubmit={add} noValidate>
        <div style={{ flex: 1 }}>
          <label htmlFor="share-username">Username</label>
          <input
            id="share-username"
            data-testid="share-username"
            autoComplete="off"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            placeholder="bob"
          />
        </div>
        <div>
          <label htmlFor="share-mode">Access</label>
          <select
            id="share-mode"
            data-testid="share-mode"
            value={mode}
            disabled={modes.length === 1}
            onChange={(e) => setMode(e.target.value as Mode)}
          >
            {modes.map((m) => (
              <option key={m} value={m}>
                {modeLabel(m)}
              </option>
            ))}
          </select>
        </div>
        <button className="btn btn-primary" data-testid="share-add" disabled={busy}>
          Share
        </button>
      </form>
      <InlineError error={error} />
      <h3 className="share-heading">Shared with</h3>
      {list.loading && !list.data && <Loading />}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && shares.length === 0 && (
        <p className="muted small" data-testid="share-empty">
          Not shared with anyone yet.
        </p>
      )}
      {shares.length > 0 && (
        <ul className="share-list" data-testid="share-list">
          {shares.map((s) => (
            <ShareRow key={s.id} share={s} onRevoke={() => revoke(s)} />
          ))}
        </ul>
      )}
    </Modal>
  );
}

/** The Share button of an owner's page, opening the dialog. */
export function ShareButton({
  model,
  objectKey,
  name,
  testId = "share-button",
  small = false,
}: {
  model: ShareModel;
  objectKey: string;
  name: string;
  testId?: string;
  small?: boolean;
}) {
  const { username } = useAio();
  const sharing = useMemo(() => new Sharing(username), [username]);
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className={small ? "btn btn-small" : "btn"}
        data-testid={testId}
        onClick={() => setOpen(true)}
      >
        Share
      </button>
      {open &&
        // Into <body>: the button may sit in a heading, whose styles the dialog must not take.
        createPortal(
          <ShareDialog
            sharing={sharing}
            model={model}
            objectKey={objectKey}
            name={name}
            onClose={() => setOpen(false)}
          />,
          document.body,
        )}
    </>
  );
}
