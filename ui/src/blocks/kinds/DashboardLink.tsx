/** dashboard_link: buttons that open other dashboards, by the keys in `dashboards`. */
import { Link } from "react-router-dom";
import type { BlockKind, BlockProps } from "../kind";
import { choices, choicesFromText, choicesText, listProp } from "../parts/props";

function DashboardLinkView({ block, source }: BlockProps) {
  const links = choices(listProp(block.properties, "dashboards"));
  const href = source.dashboardHref ?? ((key: string) => `/dashboards/${encodeURIComponent(key)}`);
  if (!links.length) return <p className="muted small">No dashboards chosen. Edit the block to add some.</p>;
  return (
    <nav className="dashboard-links" aria-label="Other dashboards" data-testid={`block-value-${block.id}`}>
      {links.map((l) => (
        <Link key={l.value} className="btn" to={href(l.value)} data-testid={`dashboard-link-${block.id}-${l.value}`}>
          {l.text} →
        </Link>
      ))}
    </nav>
  );
}

export const dashboardLink: BlockKind = {
  meta: {
    type: "dashboard_link",
    label: "Dashboard link",
    icon: "↗",
    feeds: 0,
    control: false,
    size: [4, 2],
    about: "Buttons that open other dashboards.",
  },
  View: DashboardLinkView,
  fields: [
    {
      name: "dashboards",
      label: "Dashboard keys (one per line, or text=key)",
      kind: "textarea",
      default: "",
      toText: choicesText,
      fromText: (text: string) => choicesFromText(text).map((c) => (c.text === c.value ? c.value : { text: c.text, key: c.value })),
    },
  ],
};
