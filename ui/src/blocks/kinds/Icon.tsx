/**
 * icon: an icon and colour by value range. The value is "low" when it meets
 * `lowConditions`, "medium" when it meets `mediumConditions`, else "high" (conditions as an
 * indicator's; a bare number N means "<= N"); `lowIcon`/`highIcon` replace `icon` there.
 */
import { formatValue, prop, toNumber } from "../../lib/format";
import type { BlockProperties } from "../../api/types";
import type { BlockKind, BlockProps } from "../kind";
import { decimalPlaces } from "../parts/fields";
import { conditionsMet, conditionsOf } from "../parts/conditions";
import { iconGlyph } from "../parts/icons";
import { NoFeed } from "../parts/NoFeed";
import { colorProp, decimals, fontStyle } from "../parts/props";

function meets(value: string | null, props: BlockProperties | undefined, name: string): boolean {
  const raw = prop(props, name).trim();
  if (!raw) return false;
  const bare = toNumber(raw);
  const conditions = bare !== null ? [{ operator: "<=", value: raw }] : conditionsOf({ conditions: props?.[name] });
  return conditions.length > 0 && conditionsMet(value, conditions);
}

export function iconLevel(value: string | null, props: BlockProperties | undefined): "low" | "medium" | "high" {
  if (meets(value, props, "lowConditions")) return "low";
  if (meets(value, props, "mediumConditions")) return "medium";
  const ranged = prop(props, "lowConditions") || prop(props, "mediumConditions");
  return ranged && value !== null ? "high" : "medium";
}

function IconView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const p = block.properties;
  const level = iconLevel(feed.value, p);
  const name = (level === "low" && prop(p, "lowIcon")) || (level === "high" && prop(p, "highIcon")) || prop(p, "icon");
  const color = colorProp(p, `${level}Color`);
  return (
    <div className="icon-block" data-level={level} data-testid={`icon-${block.id}`}>
      <span className="icon-glyph" role="img" aria-label={`${name || "icon"} (${level})`} style={{ ...fontStyle(block), ...(color ? { color } : {}) }}>
        {iconGlyph(name)}
      </span>
      <div className="block-sub" data-testid={`block-value-${block.id}`}>
        {formatValue(feed.value, { decimals: decimals(block), unit: feed.unit })}
      </div>
    </div>
  );
}

export const icon: BlockKind = {
  meta: {
    type: "icon",
    label: "Icon",
    icon: "☀",
    feeds: 1,
    control: false,
    size: [3, 3],
    about: "An icon whose picture and colour follow the value's range (low, medium, high).",
  },
  View: IconView,
  fields: [
    { name: "icon", label: "Icon (name or emoji)", kind: "text", default: "lightbulb", help: "Names such as lightbulb, thermometer, sun, drop, fire, fan; or any emoji." },
    { name: "lowIcon", label: "Icon when low", kind: "text", default: "" },
    { name: "highIcon", label: "Icon when high", kind: "text", default: "" },
    { name: "lowConditions", label: "Low when (e.g. < 10, or 10)", kind: "text", default: "" },
    { name: "mediumConditions", label: "Medium when (e.g. < 30)", kind: "text", default: "" },
    { name: "lowColor", label: "Low colour", kind: "color", default: "" },
    { name: "mediumColor", label: "Medium colour", kind: "color", default: "" },
    { name: "highColor", label: "High colour", kind: "color", default: "" },
    decimalPlaces,
  ],
};
