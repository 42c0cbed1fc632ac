/** Adafruit IO's block-wide properties: text and background colours (per colour mode). */
import type { CSSProperties } from "react";
import type { Block } from "../../api/types";
import { colorProp } from "./props";

export function blockStyle(block: Block, mode: "light" | "dark"): CSSProperties | undefined {
  const p = block.properties;
  const font = colorProp(p, "fontColor");
  const background = mode === "light" ? (colorProp(p, "backgroundColorLight") ?? colorProp(p, "backgroundColor")) : colorProp(p, "backgroundColor");
  if (!font && !background) return undefined;
  return { ...(font ? { color: font } : {}), ...(background ? { background } : {}) };
}
