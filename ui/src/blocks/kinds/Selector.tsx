/** selector: a drop-down of `options` ({text, value}); choosing one sends its value. */
import { useMemo } from "react";
import type { BlockKind, BlockProps } from "../kind";
import { NoFeed } from "../parts/NoFeed";
import { choices, choicesFromText, choicesText, listProp } from "../parts/props";
import { PublishError, usePublish } from "../parts/usePublish";

function SelectorView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const options = useMemo(() => choices(listProp(block.properties, "options")), [block.properties]);
  if (!feed) return <NoFeed readOnly={readOnly} />;
  const current = options.find((o) => o.value === feed.value);
  const id = `selector-${block.id}`;
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        {`Choose a value for ${feed.name}`}
      </label>
      <select
        id={id}
        data-testid={id}
        value={current ? current.value : ""}
        disabled={readOnly || options.length === 0}
        onChange={(e) => void publish(e.target.value)}
      >
        {!current && <option value="">{feed.value === null ? "Choose…" : `(${feed.value})`}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
      <div className="block-sub" data-testid={`block-value-${block.id}`}>
        {current ? current.text : (feed.value ?? "—")}
      </div>
      {options.length === 0 && <p className="muted small">No options yet. Edit the block to add some.</p>}
      <PublishError error={error} />
    </>
  );
}

export const selector: BlockKind = {
  meta: {
    type: "selector",
    label: "Selector",
    icon: "☷",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "A drop-down list of options; the chosen option's value is sent.",
  },
  View: SelectorView,
  fields: [
    {
      name: "options",
      label: "Options (one per line: text=value)",
      kind: "textarea",
      default: "",
      help: "For example: Low=1, Medium=2, High=3 on three lines. A line without = is its own value.",
      toText: choicesText,
      fromText: choicesFromText,
    },
  ],
};
