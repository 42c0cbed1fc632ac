/** map: where the feed's located values were over the last `historyHours`. */
import { MapView } from "../../components/MapView";
import { numProp, yes } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { historyHours } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";
import { useMapPoints } from "../parts/useMapPoints";

function MapBlockView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const hours = numProp(block.properties, "historyHours", 24) || 24;
  const points = useMapPoints(feed, source, hours);
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const last = points[points.length - 1];
  const showLocation = yes(block.properties, "showLocation", true);
  const showNumbers = yes(block.properties, "showNumbers", false);
  return (
    <>
      <div style={{ flex: 1, minHeight: 0 }}>
        <MapView points={points} testId={`map-${block.id}`} />
      </div>
      <div className="block-sub mono" data-testid={`block-value-${block.id}`}>
        {!last ? "no location yet" : [showNumbers ? last.value : "", showLocation ? `${last.lat}, ${last.lon}` : ""].filter(Boolean).join(" · ")}
      </div>
    </>
  );
}

export const map: BlockKind = {
  meta: {
    type: "map",
    label: "Map",
    icon: "⌖",
    feeds: 1,
    control: false,
    size: [8, 6],
    about: "Where the feed's located values were.",
  },
  View: MapBlockView,
  fields: [
    historyHours,
    { name: "showLocation", label: "Show the latest position", kind: "yesno", default: "yes" },
    { name: "showNumbers", label: "Show the latest value", kind: "yesno", default: "no" },
  ],
};
