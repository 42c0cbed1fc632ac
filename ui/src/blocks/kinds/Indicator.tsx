/** indicator: a light, onColor when any of its conditions holds, else offColor. */
import { cssColor, prop } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { conditionsFromText, conditionsMet, conditionsOf, conditionsText } from "../parts/conditions";
import { NoFeed } from "../parts/NoFeed";

function IndicatorView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const on = conditionsMet(feed.value, conditionsOf(block.properties));
  const onColor = cssColor(prop(block.properties, "onColor")) ?? "#22c55e";
  const offColor = cssColor(prop(block.properties, "offColor")) ?? "#6b7280";
  return (
    <>
      <div
        className="indicator-light"
        role="img"
        aria-label={on ? "on" : "off"}
        data-testid={`indicator-${block.id}`}
        data-on={on}
        style={{ background: on ? onColor : offColor, boxShadow: on ? `0 0 12px ${onColor}` : undefined }}
      />
      <div className="block-sub" data-testid={`block-value-${block.id}`} data-on={on}>
        {feed.value ?? "—"}
      </div>
    </>
  );
}

export const indicator: BlockKind = {
  meta: {
    type: "indicator",
    label: "Indicator",
    icon: "●",
    feeds: 1,
    control: false,
    size: [3, 3],
    about: "A light that is on when the value meets a condition.",
  },
  View: IndicatorView,
  fields: [
    {
      name: "conditions",
      label: "Lit when the value is (one per line)",
      kind: "textarea",
      default: "",
      help: "For example: > 50, = ON, != 0. Empty: lit for ON, 1, true or any non-zero number.",
      toText: conditionsText,
      fromText: conditionsFromText,
    },
    { name: "onColor", label: "On colour", kind: "color", default: "#22c55e" },
    { name: "offColor", label: "Off colour", kind: "color", default: "#6b7280" },
  ],
};
