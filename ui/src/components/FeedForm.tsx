import { useState } from "react";
import type { FormEvent } from "react";
import type { Feed } from "../api/types";
import { Modal } from "./Modal";
import { FormError } from "./States";
import { RetentionFields } from "./RetentionFields";
import type { Retention, Tier } from "../lib/retention";
import { TIERS, parseTiers, tierText } from "../lib/retention";

/** The tiers a feed would have without its own: its effective ones where it sets none. */
function defaultsOf(feed: Feed): Retention {
  const effective = feed.retention_effective ?? {};
  const own = feed.retention ?? {};
  return Object.fromEntries(TIERS.filter((t) => !(t in own)).map((t) => [t, effective[t]]));
}

export interface FeedFormValues {
  name: string;
  key?: string;
  description: string;
  unit_symbol: string;
  visibility: string;
  history: boolean;
  /** Sent only when the feed's own tiers changed (null: back to the defaults). */
  retention?: Retention | null;
}

export function FeedForm({
  feed,
  onSubmit,
  onClose,
}: {
  feed?: Feed;
  onSubmit: (values: FeedFormValues) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState(feed?.name ?? "");
  const [key, setKey] = useState(feed?.key ?? "");
  const [description, setDescription] = useState(feed?.description ?? "");
  const [unit, setUnit] = useState(feed?.unit_symbol ?? "");
  const [visibility, setVisibility] = useState(feed?.visibility ?? "private");
  const [history, setHistory] = useState(feed?.history ?? true);
  const own = feed?.retention ?? {};
  const [tiers, setTiers] = useState<Record<Tier, string>>(
    () => Object.fromEntries(TIERS.map((t) => [t, tierText(own, t)])) as Record<Tier, string>,
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError("Give the feed a name.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const values: FeedFormValues = {
        name: name.trim(),
        description,
        unit_symbol: unit,
        visibility,
        history,
      };
      if (feed && key.trim() && key.trim() !== feed.key) values.key = key.trim();
      if (feed) {
        const parsed = parseTiers(tiers);
        if (typeof parsed === "string") throw new Error(parsed);
        if (JSON.stringify(parsed) !== JSON.stringify(own)) {
          values.retention = Object.keys(parsed).length ? parsed : null;
        }
      }
      await onSubmit(values);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <Modal title={feed ? `Edit feed ${feed.name}` : "New feed"} onClose={onClose}>
      <form onSubmit={submit} className="form" noValidate>
        <label htmlFor="feed-name">Name</label>
        <input
          id="feed-name"
          data-testid="feed-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Temperature"
          required
        />
        {feed && (
          <>
            <label htmlFor="feed-key">Key</label>
            <input id="feed-key" data-testid="feed-key" value={key} onChange={(e) => setKey(e.target.value)} />
            <small className="help">Devices publish to this key; changing it breaks their code.</small>
          </>
        )}
        <label htmlFor="feed-description">Description</label>
        <textarea
          id="feed-description"
          data-testid="feed-description"
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <div className="form-row">
          <div>
            <label htmlFor="feed-unit">Unit</label>
            <input
              id="feed-unit"
              data-testid="feed-unit"
              value={unit}
              onChange={(e) => setUnit(e.target.value)}
              placeholder="°C"
            />
          </div>
          <div>
            <label htmlFor="feed-visibility">Visibility</label>
            <select
              id="feed-visibility"
              data-testid="feed-visibility"
              value={visibility}
              onChange={(e) => setVisibility(e.target.value)}
            >
              <option value="private">Private</option>
              <option value="public">Public</option>
            </select>
          </div>
        </div>
        <label className="check">
          <input
            type="checkbox"
            data-testid="feed-history"
            checked={history}
            onChange={(e) => setHistory(e.target.checked)}
          />
          Keep history (off: only the latest value is stored)
        </label>
        {feed?.history && !history && (
          <p className="warning" role="alert" data-testid="feed-history-warning">
            Saving deletes every stored point of this feed but the latest
            {feed.details?.data?.count ? ` (${feed.details.data.count - 1} of ${feed.details.data.count})` : ""}.
          </p>
        )}
        {feed && (
          <RetentionFields
            texts={tiers}
            defaults={defaultsOf(feed)}
            onChange={(tier, text) => setTiers((old) => ({ ...old, [tier]: text }))}
          />
        )}
        <FormError error={error} />
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn-primary" data-testid="feed-create-submit" disabled={busy}>
            {feed ? "Save" : "Create feed"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
