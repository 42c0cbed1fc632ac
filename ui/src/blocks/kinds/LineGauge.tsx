/** line_gauge: a horizontal bar between minValue and maxValue, with warning bands. */
import { formatValue, prop, toNumber } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { decimalPlaces, label, maxValue, maxWarning, minValue, minWarning } from "../parts/fields";
import { NoFeed } from "../parts/NoFeed";
import { colorProp, decimals } from "../parts/props";
import { bandsOf, fractionOf, warningOf } from "../parts/warning";

const pct = (f: number) => `${(f * 100).toFixed(2)}%`;

function LineGaugeView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const bands = bandsOf(block.properties);
  const n = toNumber(feed.value);
  const fraction = n === null ? 0 : fractionOf(n, bands);
  const warning = warningOf(feed.value, bands);
  const fill = colorProp(block.properties, "fillColor");
  const text = formatValue(feed.value, { decimals: decimals(block) });
  return (
    <div className="line-gauge" data-warning={warning ?? "none"}>
      <div className="block-value line-gauge-value">
        <span data-testid={`block-value-${block.id}`}>{text}</span>
        {feed.unit && feed.value !== null && <span className="muted small"> {feed.unit}</span>}
      </div>
      <div
        className="line-gauge-track"
        role="meter"
        aria-label={prop(block.properties, "label") || feed.name}
        aria-valuemin={bands.min}
        aria-valuemax={bands.max}
        aria-valuenow={n ?? undefined}
        data-testid={`line-gauge-${block.id}`}
      >
        {bands.low !== null && <div className="line-gauge-band" style={{ left: 0, width: pct(fractionOf(bands.low, bands)) }} />}
        {bands.high !== null && (
          <div className="line-gauge-band" style={{ left: pct(fractionOf(bands.high, bands)), right: 0 }} />
        )}
        <div
          className={warning ? "line-gauge-fill gauge-warning-bg" : "line-gauge-fill"}
          style={{ width: pct(fraction), ...(fill && !warning ? { background: fill } : {}) }}
        />
      </div>
      <div className="line-gauge-scale small muted">
        <span>{bands.min}</span>
        {prop(block.properties, "label") && <span>{prop(block.properties, "label")}</span>}
        <span>{bands.max}</span>
      </div>
    </div>
  );
}

export const lineGauge: BlockKind = {
  meta: {
    type: "line_gauge",
    label: "Line gauge",
    icon: "▭",
    feeds: 1,
    control: false,
    size: [6, 3],
    about: "The latest value as a horizontal bar between a minimum and a maximum.",
  },
  View: LineGaugeView,
  fields: [minValue, maxValue, minWarning, maxWarning, { name: "fillColor", label: "Bar colour", kind: "color", default: "" }, label, decimalPlaces],
};
