/** gauge: a round dial between minValue and maxValue, with minWarning/maxWarning bands. */
import { formatValue, numProp, prop, toNumber, yes } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { decimalPlaces, label, maxValue, maxWarning, minValue, minWarning } from "../parts/fields";
import { GaugeDial } from "../parts/GaugeDial";
import { NoFeed } from "../parts/NoFeed";
import { colorProp, decimals } from "../parts/props";
import { bandsOf, fractionOf, warningOf } from "../parts/warning";

function GaugeView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const bands = bandsOf(block.properties);
  const n = toNumber(feed.value);
  const warning = warningOf(feed.value, bands);
  const text = formatValue(feed.value, { decimals: decimals(block) });
  const marks: [number, number][] = [];
  if (bands.low !== null) marks.push([0, fractionOf(bands.low, bands)]);
  if (bands.high !== null) marks.push([fractionOf(bands.high, bands), 1]);
  const showIcon = yes(block.properties, "showIcon", false);
  return (
    <div className="gauge" data-warning={warning ?? "none"} data-testid={`gauge-${block.id}`}>
      <GaugeDial
        fraction={n === null || bands.max === bands.min ? null : fractionOf(n, bands)}
        text=""
        label=""
        min={bands.min}
        max={bands.max}
        ringWidth={numProp(block.properties, "ringWidth", 9)}
        bands={marks}
        warning={warning !== null}
        fill={colorProp(block.properties, "fillColor")}
      />
      <div className="block-value gauge-value">
        {showIcon && warning && (
          <span className="warning-icon" role="img" aria-label={`value ${warning === "low" ? "below" : "above"} the warning level`}>
            ⚠{" "}
          </span>
        )}
        <span data-testid={`block-value-${block.id}`}>{text}</span>
        {feed.unit && feed.value !== null && <span className="muted small"> {feed.unit}</span>}
      </div>
      {prop(block.properties, "label") && <div className="block-sub">{prop(block.properties, "label")}</div>}
    </div>
  );
}

export const gauge: BlockKind = {
  meta: {
    type: "gauge",
    label: "Gauge",
    icon: "◔",
    feeds: 1,
    control: false,
    size: [4, 4],
    about: "The latest value on a dial between a minimum and a maximum.",
  },
  View: GaugeView,
  fields: [
    minValue,
    maxValue,
    minWarning,
    maxWarning,
    { name: "ringWidth", label: "Ring width (2–30)", kind: "number", default: "" },
    { name: "showIcon", label: "Warning sign outside the bands", kind: "yesno", default: "no" },
    { name: "fillColor", label: "Fill colour", kind: "color", default: "" },
    label,
    decimalPlaces,
  ],
};
