/** Gauge warning bands (minWarning / maxWarning): where a value falls, as a fraction too. */
import type { BlockProperties } from "../../api/types";
import { prop, toNumber } from "../../lib/format";

export interface Bands {
  min: number;
  max: number;
  low: number | null;
  high: number | null;
}

export function bandsOf(props: BlockProperties | undefined): Bands {
  const min = toNumber(prop(props, "minValue")) ?? 0;
  const max = toNumber(prop(props, "maxValue")) ?? 100;
  return { min, max, low: toNumber(prop(props, "minWarning")), high: toNumber(prop(props, "maxWarning")) };
}

/** "low" under minWarning, "high" over maxWarning, else null (also for no number). */
export function warningOf(value: string | null | undefined, bands: Bands): "low" | "high" | null {
  const n = toNumber(value ?? null);
  if (n === null) return null;
  if (bands.low !== null && n < bands.low) return "low";
  if (bands.high !== null && n > bands.high) return "high";
  return null;
}

/** Where `n` sits between min and max, 0..1. */
export function fractionOf(n: number, bands: Bands): number {
  if (bands.max === bands.min) return 0;
  return Math.min(1, Math.max(0, (n - bands.min) / (bands.max - bands.min)));
}
