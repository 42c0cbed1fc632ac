/** rich_text: static Markdown from the block's `text` property (not a feed), sanitised. */
import { useMemo } from "react";
import { prop } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { fontSize } from "../parts/fields";
import { markdownHtml } from "../parts/markdown";
import { fontStyle } from "../parts/props";

function RichTextView({ block }: BlockProps) {
  const text = prop(block.properties, "text");
  const html = useMemo(() => markdownHtml(text), [text]);
  if (!text.trim()) return <p className="muted small">No text yet. Edit the block to write some.</p>;
  return (
    <div
      className="rich-text"
      style={fontStyle(block)}
      data-testid={`block-value-${block.id}`}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}

export const richText: BlockKind = {
  meta: {
    type: "rich_text",
    label: "Rich text",
    icon: "✎",
    feeds: 0,
    control: false,
    size: [6, 4],
    about: "Formatted text you write in Markdown: headings, lists, links, emphasis.",
  },
  View: RichTextView,
  fields: [
    { name: "text", label: "Text (Markdown)", kind: "textarea", default: "", help: "# Heading, **bold**, *italic*, - lists, [links](https://…)" },
    fontSize,
  ],
};
