/** Create or configure a block: pick a type, its feed(s), its properties. */
import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router-dom";
import type { BlockInput } from "../api/aio";
import type { Block, Feed } from "../api/types";
import { Modal } from "../components/Modal";
import { FormError } from "../components/States";
import type { BlockKind } from "./kind";
import { colours } from "./parts/fields";
import { FieldInput, fieldText } from "./parts/FieldInput";
import { BLOCK_KINDS, defaultProperties, kindOf } from "./registry";

/** The fields of a kind, then the colours every block has. */
function fieldsOf(kind: BlockKind | undefined) {
  return [...(kind?.fields ?? []), ...colours];
}

export function BlockEditor({
  block,
  feeds,
  onSave,
  onClose,
}: {
  block?: Block;
  feeds: Feed[];
  onSave: (input: BlockInput) => Promise<void>;
  onClose: () => void;
}) {
  const [type, setType] = useState<string | null>(block?.visual_type ?? null);
  const [name, setName] = useState(block?.name ?? "");
  const [selected, setSelected] = useState<string[]>(
    block ? block.block_feeds.map((bf) => bf.feed?.key).filter((k): k is string => !!k) : [],
  );
  const [props, setProps] = useState<Record<string, string>>(() => {
    if (!block) return {};
    const fields = new Map(fieldsOf(kindOf(block.visual_type)).map((f) => [f.name, f]));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(block.properties ?? {})) {
      const field = fields.get(k);
      out[k] = field ? fieldText(field, v) : v !== null && typeof v === "object" ? JSON.stringify(v) : String(v ?? "");
    }
    return out;
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const kind = type ? kindOf(type) : undefined;
  const spec = kind?.meta;

  const choose = (t: string) => {
    setType(t);
    const defaults = defaultProperties(t);
    const fields = fieldsOf(kindOf(t));
    setProps(Object.fromEntries(fields.filter((f) => f.name in defaults).map((f) => [f.name, fieldText(f, defaults[f.name])])));
    const s = kindOf(t)?.meta;
    if (s && s.feeds !== 0 && selected.length === 0 && feeds.length > 0) setSelected([feeds[0].key]);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!type) return;
    const feedsNeeded = spec?.feeds ?? 1;
    const chosen = feedsNeeded === 0 ? [] : feedsNeeded === 1 ? selected.slice(0, 1) : selected;
    if (feedsNeeded !== 0 && chosen.length === 0) {
      setError("Choose a feed for this block.");
      return;
    }
    setBusy(true);
    setError(null);
    // Properties the form does not show (set through the API) are kept as they were.
    const fields = new Map(fieldsOf(kind).map((f) => [f.name, f]));
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(block?.properties ?? {})) if (!fields.has(k)) properties[k] = v;
    for (const [k, v] of Object.entries(props)) {
      const field = fields.get(k);
      if (!field) continue;
      if (v !== "") properties[k] = field.fromText ? field.fromText(v) : v;
      else delete properties[k];
    }
    try {
      await onSave({
        name: name.trim() || null,
        visual_type: type,
        properties,
        ...(block ? {} : { size_x: spec?.size[0] ?? 4, size_y: spec?.size[1] ?? 4 }),
        block_feeds: chosen.map((key) => ({ feed_id: key })),
      });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  if (!type) {
    return (
      <Modal title="Add a block" onClose={onClose} wide testId="block-type-picker">
        <p className="muted small">Choose what the block shows or controls.</p>
        <div className="block-types">
          {BLOCK_KINDS.map(({ meta: t }) => (
            <button
              key={t.type}
              type="button"
              className="btn"
              data-testid={`block-type-${t.type}`}
              title={t.about}
              onClick={() => choose(t.type)}
            >
              <span aria-hidden="true">{t.icon}</span>
              <span>{t.label}</span>
            </button>
          ))}
        </div>
      </Modal>
    );
  }

  return (
    <Modal title={block ? "Configure block" : `New ${spec?.label ?? type} block`} onClose={onClose} wide>
      <form className="form" onSubmit={submit} noValidate>
        {spec && <p className="muted small">{spec.about}</p>}
        <label htmlFor="block-name">Title</label>
        <input
          id="block-name"
          data-testid="block-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={spec?.label}
        />
        {spec?.feeds !== 0 && (
          <>
            <label htmlFor="block-feed-select">{spec?.feeds === "many" ? "Feeds" : "Feed"}</label>
            {feeds.length === 0 ? (
              <p className="muted small">
                You have no feeds yet. <Link to="/feeds">Create a feed</Link> first, then add the block.
              </p>
            ) : (
              <select
                id="block-feed-select"
                data-testid="block-feed-select"
                multiple={spec?.feeds === "many"}
                size={spec?.feeds === "many" ? Math.min(6, Math.max(3, feeds.length)) : undefined}
                value={spec?.feeds === "many" ? selected : (selected[0] ?? "")}
                onChange={(e) =>
                  setSelected(
                    spec?.feeds === "many"
                      ? Array.from(e.target.selectedOptions, (o) => o.value)
                      : [e.target.value],
                  )
                }
              >
                {feeds.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.name} ({f.key})
                  </option>
                ))}
              </select>
            )}
            {spec?.feeds === "many" && feeds.length > 1 && (
              <small className="help">Ctrl/⌘-click to choose several feeds.</small>
            )}
          </>
        )}
        {kind && kind.fields.length > 0 && (
          <div className="form-row">
            {kind.fields.map((field) => (
              <FieldInput key={field.name} field={field} value={props[field.name] ?? ""} onChange={(v) => setProps((p) => ({ ...p, [field.name]: v }))} />
            ))}
          </div>
        )}
        <details className="block-colours">
          <summary>Colours</summary>
          <div className="form-row">
            {colours.map((field) => (
              <FieldInput key={field.name} field={field} value={props[field.name] ?? ""} onChange={(v) => setProps((p) => ({ ...p, [field.name]: v }))} />
            ))}
          </div>
        </details>
        <FormError error={error} />
        <div className="form-actions">
          {!block && (
            <button type="button" className="btn" onClick={() => setType(null)}>
              Back
            </button>
          )}
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn-primary" data-testid="block-save" disabled={busy}>
            {block ? "Save" : "Create block"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
