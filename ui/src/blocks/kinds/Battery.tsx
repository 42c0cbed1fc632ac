/** battery: the value as a charge level between minValue (empty) and maxValue (full). */
import { formatValue, toNumber } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { decimalPlaces } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";
import { colorProp, decimals } from "../parts/props";
import { bandsOf, fractionOf } from "../parts/warning";

function BatteryView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const bands = bandsOf({ minValue: 0, maxValue: 100, ...block.properties });
  const n = toNumber(feed.value);
  const level = n === null ? null : fractionOf(n, bands);
  const percent = level === null ? null : Math.round(level * 100);
  const tone = level === null ? "" : level <= 0.2 ? " battery-low" : level <= 0.5 ? " battery-mid" : "";
  const fill = colorProp(block.properties, "fillColor");
  return (
    <div className="battery-block">
      <div
        className={`battery${tone}`}
        role="meter"
        aria-label={`${feed.name} charge`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        data-testid={`battery-${block.id}`}
        data-level={percent ?? ""}
      >
        <div className="battery-fill" style={{ width: `${percent ?? 0}%`, ...(fill && !tone ? { background: fill } : {}) }} />
      </div>
      <div className="block-value" style={{ fontSize: "1.4rem" }}>
        {percent === null ? "—" : `${percent} %`}
      </div>
      <div className="block-sub" data-testid={`block-value-${block.id}`}>
        {formatValue(feed.value, { decimals: decimals(block), unit: feed.unit })}
      </div>
    </div>
  );
}

export const battery: BlockKind = {
  meta: {
    type: "battery",
    label: "Battery",
    icon: "🔋",
    feeds: 1,
    control: false,
    size: [3, 3],
    about: "A battery's charge: the value between an empty and a full level.",
  },
  View: BatteryView,
  fields: [
    { name: "minValue", label: "Empty at", kind: "number", default: "0" },
    { name: "maxValue", label: "Full at", kind: "number", default: "100" },
    { name: "fillColor", label: "Charge colour", kind: "color", default: "" },
    decimalPlaces,
  ],
};
