/** The block types the UI offers, with Adafruit IO's visual_type names and property names. */

export type FieldKind = "text" | "number" | "select" | "color" | "yesno";

export interface PropertyField {
  name: string;
  label: string;
  kind: FieldKind;
  default: string;
  options?: { value: string; label: string }[];
  help?: string;
}

export interface BlockType {
  type: string;
  label: string;
  icon: string;
  /** How many feeds it binds: 0 (none), 1, or "many". */
  feeds: 0 | 1 | "many";
  /** Whether it writes values to its feed. */
  control: boolean;
  size: [number, number];
  fields: PropertyField[];
  about: string;
}

const fontSize: PropertyField = {
  name: "fontSize",
  label: "Font size (px)",
  kind: "number",
  default: "",
};

export const BLOCK_TYPES: BlockType[] = [
  {
    type: "line_chart",
    label: "Line chart",
    icon: "📈",
    feeds: "many",
    control: false,
    size: [8, 5],
    about: "Values of one or more feeds over time, with a legend.",
    fields: [
      { name: "historyHours", label: "Hours of history", kind: "number", default: "24" },
      { name: "yAxisLabel", label: "Y axis label", kind: "text", default: "" },
      { name: "yAxisMin", label: "Y minimum", kind: "number", default: "" },
      { name: "yAxisMax", label: "Y maximum", kind: "number", default: "" },
    ],
  },
  {
    type: "gauge",
    label: "Gauge",
    icon: "◔",
    feeds: 1,
    control: false,
    size: [4, 4],
    about: "The latest value on a dial between a minimum and a maximum.",
    fields: [
      { name: "minValue", label: "Minimum", kind: "number", default: "0" },
      { name: "maxValue", label: "Maximum", kind: "number", default: "100" },
      { name: "label", label: "Label", kind: "text", default: "" },
      { name: "decimalPlaces", label: "Decimal places", kind: "number", default: "" },
    ],
  },
  {
    type: "text",
    label: "Text",
    icon: "T",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "Shows the latest value as text, and sends the text you type.",
    fields: [fontSize, { name: "decimalPlaces", label: "Decimal places", kind: "number", default: "" }],
  },
  {
    type: "multiline_text",
    label: "Multiline text",
    icon: "¶",
    feeds: 1,
    control: false,
    size: [4, 4],
    about: "Shows the latest value, keeping line breaks.",
    fields: [fontSize],
  },
  {
    type: "stream",
    label: "Stream",
    icon: "☰",
    feeds: "many",
    control: false,
    size: [6, 5],
    about: "A log of the newest values as they arrive.",
    fields: [
      { name: "showTimestamp", label: "Show time", kind: "yesno", default: "yes" },
      { name: "showName", label: "Show feed name", kind: "yesno", default: "yes" },
      fontSize,
    ],
  },
  {
    type: "toggle_button",
    label: "Toggle",
    icon: "⏻",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "An on/off switch that sends one of two values.",
    fields: [
      { name: "onText", label: "On value", kind: "text", default: "ON" },
      { name: "offText", label: "Off value", kind: "text", default: "OFF" },
    ],
  },
  {
    type: "momentary_button",
    label: "Momentary button",
    icon: "◉",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "Sends a value when pressed and another when released.",
    fields: [
      { name: "text", label: "Button text", kind: "text", default: "PRESS" },
      { name: "value", label: "Value on press", kind: "text", default: "1" },
      { name: "release", label: "Value on release (empty: none)", kind: "text", default: "0" },
    ],
  },
  {
    type: "slider",
    label: "Slider",
    icon: "⎯",
    feeds: 1,
    control: true,
    size: [6, 3],
    about: "Sends a number between a minimum and a maximum.",
    fields: [
      { name: "min", label: "Minimum", kind: "number", default: "0" },
      { name: "max", label: "Maximum", kind: "number", default: "100" },
      { name: "step", label: "Step", kind: "number", default: "1" },
      { name: "label", label: "Label", kind: "text", default: "" },
    ],
  },
  {
    type: "number_pad",
    label: "Number pad",
    icon: "#",
    feeds: 1,
    control: true,
    size: [4, 6],
    about: "A keypad that sends the number you type.",
    fields: [],
  },
  {
    type: "color_picker",
    label: "Color picker",
    icon: "🎨",
    feeds: 1,
    control: true,
    size: [4, 3],
    about: "Sends a colour as #rrggbb.",
    fields: [],
  },
  {
    type: "indicator",
    label: "Indicator",
    icon: "●",
    feeds: 1,
    control: false,
    size: [3, 3],
    about: "A light that is on when the value meets a condition.",
    fields: [
      {
        name: "operator",
        label: "Lit when value is",
        kind: "select",
        default: "",
        options: [
          { value: "", label: "on / non-zero" },
          { value: "=", label: "=" },
          { value: "!=", label: "≠" },
          { value: "<", label: "<" },
          { value: "<=", label: "≤" },
          { value: ">", label: ">" },
          { value: ">=", label: "≥" },
        ],
      },
      { name: "conditionValue", label: "Compared with", kind: "text", default: "" },
      { name: "onColor", label: "On colour", kind: "color", default: "#22c55e" },
      { name: "offColor", label: "Off colour", kind: "color", default: "#6b7280" },
    ],
  },
  {
    type: "map",
    label: "Map",
    icon: "⌖",
    feeds: 1,
    control: false,
    size: [6, 6],
    about: "Where the feed's located values were.",
    fields: [{ name: "historyHours", label: "Hours of history", kind: "number", default: "24" }],
  },
  {
    type: "image",
    label: "Image",
    icon: "🖼",
    feeds: 1,
    control: false,
    size: [6, 6],
    about: "Shows an image URL or base64 image the feed holds.",
    fields: [],
  },
  {
    type: "divider",
    label: "Divider",
    icon: "—",
    feeds: 0,
    control: false,
    size: [16, 1],
    about: "A line to separate groups of blocks.",
    fields: [],
  },
];

export function blockType(type: string): BlockType | undefined {
  return BLOCK_TYPES.find((t) => t.type === type);
}

/** Properties of a new block: every field's default, overridden by what was given. */
export function defaultProperties(type: string): Record<string, string> {
  const spec = blockType(type);
  const props: Record<string, string> = {};
  for (const field of spec?.fields ?? []) if (field.default !== "") props[field.name] = field.default;
  return props;
}
