/** toggle_button: a switch; onText/offText are what it says, onValue/offValue what it sends. */
import { cssColor, prop, toggleState } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { NoFeed } from "../parts/NoFeed";
import { PublishError, usePublish } from "../parts/usePublish";

/** Labels and sent values; a value left empty is its label (as Adafruit IO does). */
export function toggleTexts(props: Record<string, unknown> | undefined) {
  const onText = prop(props, "onText") || "ON";
  const offText = prop(props, "offText") || "OFF";
  return {
    onText,
    offText,
    onValue: prop(props, "onValue") || onText,
    offValue: prop(props, "offValue") || offText,
  };
}

function ToggleView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  if (!feed) return <NoFeed readOnly={readOnly} />;
  const t = toggleTexts(block.properties);
  const state =
    feed.value === t.onValue ? true : feed.value === t.offValue ? false : toggleState(feed.value, t.onValue, t.offValue);
  const onColor = cssColor(prop(block.properties, "onColor"));
  const offColor = cssColor(prop(block.properties, "offColor"));
  const color = state ? onColor : offColor;
  return (
    <>
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={state === true}
        aria-label={`${feed.name}: ${state ? t.onText : t.offText}`}
        data-testid={`toggle-${block.id}`}
        disabled={readOnly}
        style={color ? { background: color, borderColor: color } : undefined}
        onClick={() => void publish(state ? t.offValue : t.onValue)}
      />
      <div className="block-sub" data-testid={`block-state-${block.id}`}>
        {state === null ? "—" : state ? t.onText : t.offText}
      </div>
      <div className="block-sub mono small" data-testid={`block-value-${block.id}`}>
        {feed.value ?? "—"}
      </div>
      <PublishError error={error} />
    </>
  );
}

export const toggleButton: BlockKind = {
  meta: {
    type: "toggle_button",
    label: "Toggle",
    icon: "⏻",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "An on/off switch that sends one of two values.",
  },
  View: ToggleView,
  fields: [
    { name: "onText", label: "On label", kind: "text", default: "ON" },
    { name: "offText", label: "Off label", kind: "text", default: "OFF" },
    { name: "onValue", label: "Value sent for on", kind: "text", default: "", help: "Empty: the on label." },
    { name: "offValue", label: "Value sent for off", kind: "text", default: "", help: "Empty: the off label." },
    { name: "onColor", label: "On colour", kind: "color", default: "" },
    { name: "offColor", label: "Off colour", kind: "color", default: "" },
  ],
};
