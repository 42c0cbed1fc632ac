/** color_picker: shows the colour the feed holds and sends the one picked, as #rrggbb. */
import { useEffect, useRef, useState } from "react";
import { cssColor } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { NoFeed } from "../parts/NoFeed";
import { PublishError, usePublish } from "../parts/usePublish";

function ColorView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [draft, setDraft] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  if (!feed) return <NoFeed readOnly={readOnly} />;
  const color = draft ?? cssColor(feed.value) ?? "#000000";
  const change = (value: string) => {
    setDraft(value);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void publish(value).then(() => setDraft(null));
    }, 300);
  };
  return (
    <>
      <div className="color-swatch" style={{ background: color }} />
      <div className="slider-row" style={{ marginTop: "0.3rem" }}>
        <input
          type="color"
          aria-label={`Colour for ${feed.name}`}
          data-testid={`color-${block.id}`}
          value={color}
          disabled={readOnly}
          onChange={(e) => change(e.target.value)}
        />
        <span className="mono" data-testid={`block-value-${block.id}`}>
          {feed.value ?? "—"}
        </span>
      </div>
      <PublishError error={error} />
    </>
  );
}

export const colorPicker: BlockKind = {
  meta: {
    type: "color_picker",
    label: "Color picker",
    icon: "🎨",
    feeds: 1,
    control: true,
    size: [4, 4],
    about: "Sends a colour as #rrggbb.",
  },
  View: ColorView,
  fields: [],
};
