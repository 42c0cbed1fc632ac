/** slider: sends a number between min and max, a quarter second after the hand stops. */
import { useEffect, useRef, useState } from "react";
import { numProp, prop, toNumber } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { label } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";
import { colorProp } from "../parts/props";
import { PublishError, usePublish } from "../parts/usePublish";

function SliderView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const min = numProp(block.properties, "min", 0);
  const max = numProp(block.properties, "max", 100);
  const step = numProp(block.properties, "step", 1) || 1;
  const vertical = prop(block.properties, "orientation") === "vertical";
  const handle = colorProp(block.properties, "handle");
  const current = toNumber(feed?.value ?? null);
  const [draft, setDraft] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  // A new value from the feed wins over a stale draft.
  useEffect(() => {
    if (!timer.current) setDraft(null);
  }, [feed?.value]);
  if (!feed) return <NoFeed readOnly={readOnly} />;
  const shown = draft ?? current ?? min;
  const change = (n: number) => {
    setDraft(n);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void publish(String(n));
    }, 250);
  };
  const text = prop(block.properties, "label");
  return (
    <>
      {text && <div className="block-sub">{text}</div>}
      <div className={`slider-row${vertical ? " slider-vertical" : ""}`}>
        <span className="small muted">{vertical ? max : min}</span>
        <input
          type="range"
          min={min}
          max={max}
          step={step}
          value={Math.min(max, Math.max(min, shown))}
          disabled={readOnly}
          aria-label={`${feed.name} value`}
          aria-orientation={vertical ? "vertical" : "horizontal"}
          data-testid={`slider-${block.id}`}
          style={handle ? { accentColor: handle } : undefined}
          onChange={(e) => change(Number(e.target.value))}
        />
        <span className="small muted">{vertical ? min : max}</span>
      </div>
      <div className="block-value" style={{ fontSize: "1.3rem" }}>
        <span data-testid={`block-value-${block.id}`}>{draft !== null ? String(draft) : (feed.value ?? "—")}</span>
      </div>
      <PublishError error={error} />
    </>
  );
}

export const slider: BlockKind = {
  meta: {
    type: "slider",
    label: "Slider",
    icon: "⎯",
    feeds: 1,
    control: true,
    size: [6, 3],
    about: "Sends a number between a minimum and a maximum.",
  },
  View: SliderView,
  fields: [
    { name: "min", label: "Minimum", kind: "number", default: "0" },
    { name: "max", label: "Maximum", kind: "number", default: "100" },
    { name: "step", label: "Step", kind: "number", default: "1" },
    {
      name: "orientation",
      label: "Orientation",
      kind: "select",
      default: "horizontal",
      options: [
        { value: "horizontal", label: "Horizontal" },
        { value: "vertical", label: "Vertical" },
      ],
    },
    { name: "handle", label: "Handle colour", kind: "color", default: "" },
    label,
  ],
};
