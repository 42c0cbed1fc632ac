/** momentary_button: sends `value` on press and `release` (if any) on release. */
import { useRef, useState } from "react";
import type { KeyboardEvent as ReactKeyboardEvent } from "react";
import { prop } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { NoFeed } from "../parts/NoFeed";
import { colorProp } from "../parts/props";
import { PublishError, usePublish } from "../parts/usePublish";

function MomentaryView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [pressed, setPressed] = useState(false);
  const down = useRef(false);
  if (!feed) return <NoFeed readOnly={readOnly} />;
  const value = prop(block.properties, "value", "1");
  const release = prop(block.properties, "release", "0");
  const color = colorProp(block.properties, "color");
  const press = () => {
    if (down.current) return;
    down.current = true;
    setPressed(true);
    void publish(value);
  };
  const letGo = () => {
    if (!down.current) return;
    down.current = false;
    setPressed(false);
    if (release !== "") void publish(release);
  };
  const key = (e: ReactKeyboardEvent, isDown: boolean) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    if (isDown && !e.repeat) press();
    if (!isDown) letGo();
  };
  return (
    <>
      <button
        type="button"
        className={`btn momentary${pressed ? " pressed" : ""}`}
        data-testid={`button-${block.id}`}
        disabled={readOnly}
        style={color ? { borderColor: color, ...(pressed ? { background: color } : {}) } : undefined}
        onPointerDown={press}
        onPointerUp={letGo}
        onPointerLeave={letGo}
        onKeyDown={(e) => key(e, true)}
        onKeyUp={(e) => key(e, false)}
      >
        {prop(block.properties, "text") || "PRESS"}
      </button>
      <div className="block-sub" data-testid={`block-value-${block.id}`}>
        {feed.value ?? "—"}
      </div>
      <PublishError error={error} />
    </>
  );
}

export const momentaryButton: BlockKind = {
  meta: {
    type: "momentary_button",
    label: "Momentary button",
    icon: "◉",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "Sends a value when pressed and another when released.",
  },
  View: MomentaryView,
  fields: [
    { name: "text", label: "Button text", kind: "text", default: "PRESS" },
    { name: "value", label: "Value on press", kind: "text", default: "1" },
    { name: "release", label: "Value on release (empty: none)", kind: "text", default: "0" },
    { name: "color", label: "Button colour", kind: "color", default: "" },
  ],
};
