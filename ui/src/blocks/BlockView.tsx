/** A block's body: the view of its kind from the registry; an unknown kind shows its value. */
import { formatTime, formatValue, yes } from "../lib/format";
import type { BlockProps } from "./kind";
import { kindOf } from "./registry";

export type { BlockProps } from "./kind";

function Unknown({ block, feeds }: BlockProps) {
  return (
    <>
      <div className="block-value">
        <span data-testid={`block-value-${block.id}`}>{formatValue(feeds[0]?.value)}</span>
      </div>
      <div className="block-sub">{block.visual_type} blocks are shown as plain values here.</div>
    </>
  );
}

export function BlockBody(props: BlockProps) {
  const kind = kindOf(props.block.visual_type);
  const View = kind?.View ?? Unknown;
  // showTimestamp of one-feed blocks: when the value shown arrived (the stream has its own).
  const feed = props.feeds[0];
  const stamp = kind?.meta.feeds === 1 && feed?.at && yes(props.block.properties, "showTimestamp", false);
  return (
    <>
      <View {...props} />
      {stamp && (
        <div className="block-sub small" data-testid={`block-time-${props.block.id}`}>
          <time dateTime={feed.at!}>{formatTime(feed.at, props.source.timeZone)}</time>
        </div>
      )}
    </>
  );
}
