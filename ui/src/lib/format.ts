/** Formatting of values and times for blocks, tables and lists. */
import type { BlockProperties } from "../api/types";

export function prop(props: BlockProperties | undefined, name: string, fallback = ""): string {
  const value = props?.[name];
  if (value === undefined || value === null) return fallback;
  return String(value);
}

export function numProp(props: BlockProperties | undefined, name: string, fallback: number): number {
  const value = props?.[name];
  if (value === undefined || value === null || value === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

export function yes(props: BlockProperties | undefined, name: string, fallback = true): boolean {
  const value = props?.[name];
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value === "boolean") return value;
  return ["yes", "true", "1", "on"].includes(String(value).toLowerCase());
}

export function toNumber(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (text === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** A value for display: numbers with the block's decimal places, text as is, "—" if none. */
export function formatValue(
  value: string | null | undefined,
  options: { decimals?: number | null; unit?: string | null } = {},
): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = toNumber(value);
  let text = String(value);
  if (n !== null && options.decimals !== null && options.decimals !== undefined) {
    text = n.toFixed(Math.max(0, Math.min(10, options.decimals)));
  }
  return options.unit ? `${text} ${options.unit}` : text;
}

/** Where a value sits between min and max, 0..1 (null when not a number). */
export function gaugeFraction(value: string | null | undefined, min: number, max: number) {
  const n = toNumber(value ?? null);
  if (n === null || max === min) return null;
  return Math.min(1, Math.max(0, (n - min) / (max - min)));
}

/** Toggle state of a value: on, off, or null when it is neither text. */
export function toggleState(
  value: string | null | undefined,
  onText: string,
  offText: string,
): boolean | null {
  if (value === null || value === undefined) return null;
  const v = String(value).trim();
  if (v === onText) return true;
  if (v === offText) return false;
  const lower = v.toLowerCase();
  if (lower === onText.toLowerCase()) return true;
  if (lower === offText.toLowerCase()) return false;
  if (["1", "on", "true", "yes", "high"].includes(lower)) return true;
  if (["0", "off", "false", "no", "low"].includes(lower)) return false;
  return null;
}

export type Operator = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** Whether an indicator is lit: compare the value with the block's condition. */
export function indicatorOn(
  value: string | null | undefined,
  operator: string,
  target: string,
): boolean {
  if (value === null || value === undefined || value === "") return false;
  const a = toNumber(value);
  const b = toNumber(target);
  const numeric = a !== null && b !== null;
  switch (operator) {
    case "=":
    case "==":
      return numeric ? a === b : String(value) === target;
    case "!=":
      return numeric ? a !== b : String(value) !== target;
    case "<":
      return numeric && a < b;
    case "<=":
      return numeric && a <= b;
    case ">":
      return numeric && a > b;
    case ">=":
      return numeric && a >= b;
    default:
      // No condition: lit for any truthy-looking value.
      return toggleState(value, "ON", "OFF") ?? (a !== null ? a !== 0 : true);
  }
}

/** A CSS colour from a feed value (#rgb, #rrggbb, rrggbb), else null. */
export function cssColor(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = String(value).trim();
  if (/^#[0-9a-f]{6}$/i.test(v) || /^#[0-9a-f]{3}$/i.test(v)) return v.toLowerCase();
  if (/^[0-9a-f]{6}$/i.test(v)) return `#${v.toLowerCase()}`;
  return null;
}

/** Whether a value is something an <img> may show (http(s) URL or data:image). */
export function imageSource(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = String(value).trim();
  if (/^https?:\/\/\S+$/i.test(v)) return v;
  if (/^data:image\/[a-z+]+;base64,[a-z0-9+/=]+$/i.test(v)) return v;
  if (/^[a-z0-9+/]{40,}={0,2}$/i.test(v)) return `data:image/jpeg;base64,${v}`;
  return null;
}

export function formatTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return "never";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return date.toLocaleString(undefined, {
      timeZone: timeZone || undefined,
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch {
    return date.toLocaleString();
  }
}

export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

/** CSV text of data points, RFC 4180 quoting. */
export function toCsv(rows: { id: string; value: string; created_at: string; lat: number | null; lon: number | null; ele: number | null }[]): string {
  const quote = (v: unknown) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = ["id,value,created_at,lat,lon,ele"];
  for (const r of rows) {
    lines.push([r.id, r.value, r.created_at, r.lat, r.lon, r.ele].map(quote).join(","));
  }
  return lines.join("\n") + "\n";
}
