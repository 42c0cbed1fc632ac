/** Every block kind, one file each in kinds/: the one list the grid, the editor and the tests read. */
import type { BlockKind } from "./kind";
import { battery } from "./kinds/Battery";
import { colorPicker } from "./kinds/ColorPicker";
import { dashboardLink } from "./kinds/DashboardLink";
import { divider } from "./kinds/Divider";
import { gauge } from "./kinds/Gauge";
import { icon } from "./kinds/Icon";
import { image } from "./kinds/Image";
import { indicator } from "./kinds/Indicator";
import { lineChart } from "./kinds/LineChart";
import { lineGauge } from "./kinds/LineGauge";
import { map } from "./kinds/Map";
import { momentaryButton } from "./kinds/MomentaryButton";
import { multilineText } from "./kinds/MultilineText";
import { numberPad } from "./kinds/NumberPad";
import { remoteControl } from "./kinds/RemoteControl";
import { richText } from "./kinds/RichText";
import { selector } from "./kinds/Selector";
import { slider } from "./kinds/Slider";
import { stream } from "./kinds/Stream";
import { text } from "./kinds/Text";
import { toggleButton } from "./kinds/ToggleButton";

/** In the order the "Add a block" picker offers them. */
export const BLOCK_KINDS: BlockKind[] = [
  lineChart,
  gauge,
  lineGauge,
  text,
  multilineText,
  richText,
  stream,
  toggleButton,
  momentaryButton,
  slider,
  numberPad,
  selector,
  colorPicker,
  remoteControl,
  indicator,
  icon,
  battery,
  map,
  image,
  dashboardLink,
  divider,
];

const BY_TYPE = new Map(BLOCK_KINDS.map((k) => [k.meta.type, k]));

export function kindOf(visualType: string): BlockKind | undefined {
  return BY_TYPE.get(visualType);
}

/** Properties of a new block: every field's non-empty default. */
export function defaultProperties(visualType: string): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const field of kindOf(visualType)?.fields ?? []) {
    if (field.default !== "") props[field.name] = field.fromText ? field.fromText(field.default) : field.default;
  }
  return props;
}
