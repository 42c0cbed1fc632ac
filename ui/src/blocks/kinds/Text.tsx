/** text: the latest value as text (or the block's own static text), with a field to send text. */
import { useState } from "react";
import type { FormEvent } from "react";
import { formatValue, prop, yes } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { decimalPlaces, fontSize } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";
import { decimals, fontStyle } from "../parts/props";
import { PublishError, usePublish } from "../parts/usePublish";

function TextView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [draft, setDraft] = useState("");
  const fixed = yes(block.properties, "static", false);
  if (fixed) {
    return (
      <div className="block-value" style={fontStyle(block)}>
        <span data-testid={`block-value-${block.id}`}>{prop(block.properties, "value") || "—"}</span>
      </div>
    );
  }
  if (!feed) return <NoFeed readOnly={readOnly} />;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (draft === "") return;
    await publish(draft);
    setDraft("");
  };
  return (
    <>
      <div className="block-value" style={fontStyle(block)}>
        <span data-testid={`block-value-${block.id}`}>{formatValue(feed.value, { decimals: decimals(block) })}</span>
        {feed.unit && feed.value !== null && <span className="muted small"> {feed.unit}</span>}
      </div>
      {!readOnly && (
        <form className="slider-row" onSubmit={submit}>
          <input
            aria-label={`Send text to ${feed.name}`}
            data-testid={`text-input-${block.id}`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="Send…"
            style={{ flex: 1, minWidth: 0 }}
          />
          <button className="btn btn-small" data-testid={`text-send-${block.id}`}>
            Send
          </button>
        </form>
      )}
      <PublishError error={error} />
    </>
  );
}

export const text: BlockKind = {
  meta: {
    type: "text",
    label: "Text",
    icon: "T",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "Shows the latest value as text and sends the text you type, or shows a fixed text.",
  },
  View: TextView,
  fields: [
    { name: "static", label: "Fixed text instead of the feed", kind: "yesno", default: "no" },
    { name: "value", label: "Fixed text", kind: "text", default: "" },
    fontSize,
    decimalPlaces,
  ],
};
