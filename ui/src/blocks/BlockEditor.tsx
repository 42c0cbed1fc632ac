/** Create or configure a block: pick a type, its feed(s), its properties. */
import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router-dom";
import type { BlockInput } from "../api/aio";
import type { Block, Feed } from "../api/types";
import { Modal } from "../components/Modal";
import { FormError } from "../components/States";
import { BLOCK_TYPES, blockType, defaultProperties } from "./types";

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
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(block.properties ?? {})) out[k] = v === null ? "" : String(v);
    return out;
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const spec = type ? blockType(type) : undefined;

  const choose = (t: string) => {
    setType(t);
    setProps({ ...defaultProperties(t) });
    const s = blockType(t);
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
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) if (v !== "") properties[k] = v;
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
          {BLOCK_TYPES.map((t) => (
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
        {spec && spec.fields.length > 0 && (
          <div className="form-row">
            {spec.fields.map((field) => {
              const id = `block-prop-${field.name}`;
              const value = props[field.name] ?? "";
              const set = (v: string) => setProps((p) => ({ ...p, [field.name]: v }));
              return (
                <div key={field.name} className="form" style={{ gap: "0.2rem" }}>
                  <label htmlFor={id}>{field.label}</label>
                  {field.kind === "select" ? (
                    <select id={id} data-testid={id} value={value} onChange={(e) => set(e.target.value)}>
                      {field.options?.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  ) : field.kind === "yesno" ? (
                    <select id={id} data-testid={id} value={value || "yes"} onChange={(e) => set(e.target.value)}>
                      <option value="yes">Yes</option>
                      <option value="no">No</option>
                    </select>
                  ) : field.kind === "color" ? (
                    <input
                      id={id}
                      data-testid={id}
                      type="color"
                      value={/^#[0-9a-f]{6}$/i.test(value) ? value : field.default || "#000000"}
                      onChange={(e) => set(e.target.value)}
                    />
                  ) : (
                    <input
                      id={id}
                      data-testid={id}
                      inputMode={field.kind === "number" ? "decimal" : undefined}
                      value={value}
                      onChange={(e) => set(e.target.value)}
                    />
                  )}
                </div>
              );
            })}
          </div>
        )}
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
