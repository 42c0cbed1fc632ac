/** multiline_text: the latest value with its line breaks; `preformatted` in a fixed-width font. */
import { yes } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { fontSize } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";
import { fontStyle } from "../parts/props";

function MultilineView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const mono = yes(block.properties, "preformatted", false);
  return (
    <pre
      className={mono ? "multiline multiline-mono" : "multiline"}
      style={fontStyle(block)}
      data-testid={`block-value-${block.id}`}
    >
      {feed.value ?? "—"}
    </pre>
  );
}

export const multilineText: BlockKind = {
  meta: {
    type: "multiline_text",
    label: "Multiline text",
    icon: "¶",
    feeds: 1,
    control: false,
    size: [6, 4],
    about: "Shows the latest value, keeping line breaks.",
  },
  View: MultilineView,
  fields: [{ name: "preformatted", label: "Fixed-width font", kind: "yesno", default: "no" }, fontSize],
};
