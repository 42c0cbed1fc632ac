/** divider: a horizontal rule between groups of blocks; no feed, no properties. */
import type { BlockKind } from "../kind";

export const divider: BlockKind = {
  meta: {
    type: "divider",
    label: "Divider",
    icon: "—",
    feeds: 0,
    control: false,
    size: [16, 1],
    about: "A line to separate groups of blocks.",
  },
  View: ({ block }) => <hr className="divider" data-testid={`divider-${block.id}`} />,
  fields: [],
};
