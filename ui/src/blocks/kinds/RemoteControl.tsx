/**
 * remote_control: a keypad of buttons, each sending its code (undocumented upstream; here
 * `buttons` is a list of {text, value} or "text=value" lines, `values` optional codes for
 * plain-text buttons; without either, a TV-style pad).
 */
import { useMemo } from "react";
import type { BlockProperties } from "../../api/types";
import type { BlockKind, BlockProps } from "../kind";
import { NoFeed } from "../parts/NoFeed";
import { choices, choicesFromText, choicesText, listProp } from "../parts/props";
import type { Choice } from "../parts/props";
import { PublishError, usePublish } from "../parts/usePublish";

export const DEFAULT_BUTTONS: Choice[] = [
  { text: "⏻", value: "POWER" },
  { text: "▲", value: "UP" },
  { text: "MUTE", value: "MUTE" },
  { text: "◀", value: "LEFT" },
  { text: "OK", value: "OK" },
  { text: "▶", value: "RIGHT" },
  { text: "−", value: "VOL_DOWN" },
  { text: "▼", value: "DOWN" },
  { text: "+", value: "VOL_UP" },
];

export function remoteButtons(props: BlockProperties | undefined): Choice[] {
  const buttons = choices(listProp(props, "buttons"));
  const values = listProp(props, "values").map(String);
  if (!buttons.length) return values.length ? values.map((v) => ({ text: v, value: v })) : DEFAULT_BUTTONS;
  return buttons.map((b, i) => (b.text === b.value && values[i] !== undefined ? { text: b.text, value: values[i] } : b));
}

const NAMES: Record<string, string> = { "⏻": "Power", "▲": "Up", "▼": "Down", "◀": "Left", "▶": "Right", "−": "Volume down", "+": "Volume up" };

function RemoteView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const buttons = useMemo(() => remoteButtons(block.properties), [block.properties]);
  if (!feed) return <NoFeed readOnly={readOnly} />;
  return (
    <>
      <div className="remote" role="group" aria-label={`Remote control for ${feed.name}`}>
        {buttons.map((b, i) => (
          <button
            key={`${i}-${b.value}`}
            type="button"
            className="btn"
            aria-label={NAMES[b.text] ?? b.text}
            data-testid={`remote-${block.id}-${b.value}`}
            disabled={readOnly}
            onClick={() => void publish(b.value)}
          >
            {b.text}
          </button>
        ))}
      </div>
      <div className="block-sub">
        Last sent: <span data-testid={`block-value-${block.id}`}>{feed.value ?? "—"}</span>
      </div>
      <PublishError error={error} />
    </>
  );
}

export const remoteControl: BlockKind = {
  meta: {
    type: "remote_control",
    label: "Remote control",
    icon: "▦",
    feeds: 1,
    control: true,
    size: [4, 6],
    about: "A pad of buttons (a TV remote, say); each sends its own code.",
  },
  View: RemoteView,
  fields: [
    {
      name: "buttons",
      label: "Buttons (one per line: text=code)",
      kind: "textarea",
      default: "",
      help: "Empty: power, arrows, OK, volume and mute, sending POWER, UP, … VOL_UP, MUTE.",
      toText: choicesText,
      fromText: choicesFromText,
    },
  ],
};
