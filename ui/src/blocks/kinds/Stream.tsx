/** stream: a log of the newest values of its feeds; with `errors`, also the owner's error
 * and throttle notices. */
import { useMemo } from "react";
import { formatTime, yes } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { fontSize } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";
import { fontStyle } from "../parts/props";
import { useStreamLines } from "../parts/useStreamLines";

function StreamView({ block, feeds, source }: BlockProps) {
  const p = block.properties;
  const errors = yes(p, "errors", false);
  const lines = useStreamLines(feeds, source, errors);
  const names = useMemo(() => new Map(feeds.map((f) => [f.key, f.name])), [feeds]);
  const groups = useMemo(
    () => new Map(block.block_feeds.filter((bf) => bf.feed && bf.group).map((bf) => [bf.feed!.key, bf.group!.name])),
    [block.block_feeds],
  );
  if (!feeds.length && !errors) return <NoFeed readOnly={!source.publish} />;
  const showTime = yes(p, "showTimestamp", true);
  const showName = yes(p, "showName", true);
  const showGroup = yes(p, "showGroupName", false);
  const feedNames = feeds.map((f) => f.name).join(", ");
  const label = block.name || (feedNames ? `Stream of ${feedNames}` : "Stream");
  // The list scrolls: focusable and named, so a keyboard can scroll it (axe's
  // scrollable-region-focusable) and a screen reader says what it is.
  return (
    <ul
      className="stream"
      style={fontStyle(block)}
      data-testid={`block-value-${block.id}`}
      aria-live="polite"
      aria-label={label}
      tabIndex={0}
    >
      {lines.length === 0 && <li className="muted">Waiting for values…</li>}
      {lines.map((l) => (
        <li key={l.id} className={l.notice ? `stream-notice stream-${l.notice}` : undefined} data-notice={l.notice}>
          {showTime && <time dateTime={l.at}>{formatTime(l.at, source.timeZone).split(", ").pop()}</time>}
          {l.notice ? (
            <span className="stream-tag">{l.notice}</span>
          ) : (
            <>
              {showGroup && groups.get(l.feed) && <span className="muted">{groups.get(l.feed)} /</span>}
              {showName && <span className="muted">{names.get(l.feed) ?? l.feed}</span>}
            </>
          )}
          <span>{l.value}</span>
        </li>
      ))}
    </ul>
  );
}

export const stream: BlockKind = {
  meta: {
    type: "stream",
    label: "Stream",
    icon: "☰",
    feeds: "many",
    control: false,
    size: [6, 5],
    about: "A log of the newest values as they arrive; optionally your error and throttle notices too.",
  },
  View: StreamView,
  fields: [
    { name: "showTimestamp", label: "Show time", kind: "yesno", default: "yes" },
    { name: "showName", label: "Show feed name", kind: "yesno", default: "yes" },
    { name: "showGroupName", label: "Show group name", kind: "yesno", default: "no" },
    { name: "errors", label: "Also show my error and throttle notices", kind: "yesno", default: "no" },
    fontSize,
  ],
};
