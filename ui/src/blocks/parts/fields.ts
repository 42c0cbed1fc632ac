/** Property fields several block kinds share (Adafruit IO's common block properties). */
import type { PropertyField } from "../kind";

export const fontSize: PropertyField = { name: "fontSize", label: "Font size (px)", kind: "number", default: "" };
export const decimalPlaces: PropertyField = {
  name: "decimalPlaces",
  label: "Decimal places",
  kind: "number",
  default: "",
};
export const label: PropertyField = { name: "label", label: "Label", kind: "text", default: "" };
export const showTimestamp = (fallback: "yes" | "no"): PropertyField => ({
  name: "showTimestamp",
  label: "Show time of the value",
  kind: "yesno",
  default: fallback,
});
export const historyHours: PropertyField = {
  name: "historyHours",
  label: "Hours of history",
  kind: "number",
  default: "24",
};
export const minValue: PropertyField = { name: "minValue", label: "Minimum", kind: "number", default: "0" };
export const maxValue: PropertyField = { name: "maxValue", label: "Maximum", kind: "number", default: "100" };
export const minWarning: PropertyField = {
  name: "minWarning",
  label: "Warn below",
  kind: "number",
  default: "",
  help: "Values under this are drawn in the warning colour.",
};
export const maxWarning: PropertyField = {
  name: "maxWarning",
  label: "Warn above",
  kind: "number",
  default: "",
  help: "Values over this are drawn in the warning colour.",
};
/** Colours of the block itself (every kind). */
export const colours: PropertyField[] = [
  { name: "fontColor", label: "Text colour", kind: "color", default: "" },
  { name: "backgroundColor", label: "Background (dark mode)", kind: "color", default: "" },
  { name: "backgroundColorLight", label: "Background (light mode)", kind: "color", default: "" },
];
