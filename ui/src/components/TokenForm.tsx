/** The "New token" dialog: a name, the feeds and groups it may use and how, an expiry. */
import { useState } from "react";
import type { FormEvent } from "react";
import type { ScopeInput, TokenInput } from "../api/tokens";
import { tokenBody } from "../api/tokens";
import type { Mode } from "../api/types";
import { EXPIRY_CHOICES, expirationFor } from "../lib/expiry";
import type { ExpiryChoice } from "../lib/expiry";
import { modeLabel, TOKEN_MODES } from "../lib/modes";
import { Modal } from "./Modal";

export interface Choice {
  key: string;
  name: string;
}

const EMPTY_SCOPE: ScopeInput = { model: "feed", key: "", mode: "rw" };

function ScopeRow({
  index,
  scope,
  feeds,
  groups,
  onChange,
  onRemove,
}: {
  index: number;
  scope: ScopeInput;
  feeds: Choice[];
  groups: Choice[];
  onChange: (scope: ScopeInput) => void;
  onRemove: (() => void) | null;
}) {
  const choices = scope.model === "feed" ? feeds : groups;
  return (
    <div className="inline-form token-scope" data-testid={`token-scope-${index}`}>
      <div>
        <label htmlFor={`token-scope-model-${index}`} className="small">
          Kind
        </label>
        <select
          id={`token-scope-model-${index}`}
          data-testid={`token-scope-model-${index}`}
          value={scope.model}
          onChange={(e) => onChange({ ...scope, model: e.target.value as ScopeInput["model"], key: "" })}
        >
          <option value="feed">Feed</option>
          <option value="group">Group</option>
        </select>
      </div>
      <div style={{ flex: 1 }}>
        <label htmlFor={`token-scope-key-${index}`} className="small">
          {scope.model === "feed" ? "Feed" : "Group (all its feeds)"}
        </label>
        <select
          id={`token-scope-key-${index}`}
          data-testid={`token-scope-key-${index}`}
          value={scope.key}
          onChange={(e) => onChange({ ...scope, key: e.target.value })}
        >
          <option value="">Choose…</option>
          {choices.map((c) => (
            <option key={c.key} value={c.key}>
              {c.name} ({c.key})
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`token-scope-mode-${index}`} className="small">
          Access
        </label>
        <select
          id={`token-scope-mode-${index}`}
          data-testid={`token-scope-mode-${index}`}
          value={scope.mode}
          onChange={(e) => onChange({ ...scope, mode: e.target.value as Mode })}
        >
          {TOKEN_MODES.map((m) => (
            <option key={m} value={m}>
              {modeLabel(m)}
            </option>
          ))}
        </select>
      </div>
      {onRemove && (
        <button
          type="button"
          className="btn btn-small"
          aria-label="Remove this scope"
          data-testid={`token-scope-remove-${index}`}
          onClick={onRemove}
        >
          ×
        </button>
      )}
    </div>
  );
}

export function TokenForm({
  feeds,
  groups,
  onSubmit,
  onClose,
}: {
  feeds: Choice[];
  groups: Choice[];
  onSubmit: (input: TokenInput) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ScopeInput[]>([EMPTY_SCOPE]);
  const [expiry, setExpiry] = useState<ExpiryChoice>("never");
  const [customExpiry, setCustomExpiry] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let input: TokenInput;
    try {
      input = { name, permissions: scopes, expiration: expirationFor(expiry, new Date(), customExpiry) };
      tokenBody(input); // checks it before the server does
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return;
    }
    setBusy(true);
    try {
      await onSubmit(input);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <Modal title="New device token" onClose={onClose} wide testId="token-form">
      <form className="form" onSubmit={submit} noValidate>
        <label htmlFor="token-name">Name</label>
        <input
          id="token-name"
          data-testid="token-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="greenhouse sensor"
        />
        <label>What it may use</label>
        {scopes.map((scope, i) => (
          <ScopeRow
            key={i}
            index={i}
            scope={scope}
            feeds={feeds}
            groups={groups}
            onChange={(next) => setScopes((old) => old.map((s, j) => (j === i ? next : s)))}
            onRemove={scopes.length > 1 ? () => setScopes((old) => old.filter((_, j) => j !== i)) : null}
          />
        ))}
        <div>
          <button
            type="button"
            className="btn btn-small"
            data-testid="token-scope-add"
            onClick={() => setScopes((old) => [...old, EMPTY_SCOPE])}
          >
            Add a feed or group
          </button>
        </div>
        <small className="help">
          Read: fetch and subscribe. Write: send values. A group scope covers every feed in the group.
        </small>
        <label htmlFor="token-expiry">Expires</label>
        <select
          id="token-expiry"
          data-testid="token-expiry"
          value={expiry}
          onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}
        >
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        {expiry === "custom" && (
          <input
            type="datetime-local"
            aria-label="Expiry date and time"
            data-testid="token-expiry-custom"
            value={customExpiry}
            onChange={(e) => setCustomExpiry(e.target.value)}
          />
        )}
        {error && (
          <p className="form-error" role="alert" data-testid="token-error">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn-primary" data-testid="token-create-submit" disabled={busy}>
            Create token
          </button>
        </div>
      </form>
    </Modal>
  );
}
