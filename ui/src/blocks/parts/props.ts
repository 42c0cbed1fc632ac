/**
 * Reading block properties the way Adafruit IO clients send them: mostly strings, sometimes
 * numbers, booleans, lists or JSON text. Everything here is pure.
 */
import type { Block, BlockProperties } from "../../api/types";
import { cssColor, prop, toNumber } from "../../lib/format";

export function decimals(block: Block): number | null {
  const n = toNumber(prop(block.properties, "decimalPlaces"));
  return n === null ? null : Math.max(0, Math.min(10, Math.round(n)));
}

export function fontStyle(block: Block): { fontSize: string } | undefined {
  const size = toNumber(prop(block.properties, "fontSize"));
  return size ? { fontSize: `${Math.min(96, Math.max(8, size))}px` } : undefined;
}

/** A colour property as CSS: #rgb/#rrggbb/rrggbb, or a plain CSS colour name. */
export function colorProp(props: BlockProperties | undefined, name: string): string | null {
  const raw = prop(props, name).trim();
  if (!raw) return null;
  return cssColor(raw) ?? (/^[a-z]{3,20}$/i.test(raw) ? raw.toLowerCase() : null);
}

/** A list property: a JSON list, JSON text of one, or lines / commas of text. */
export function listProp(props: BlockProperties | undefined, name: string): unknown[] {
  const value = props?.[name];
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return [];
  const text = String(value).trim();
  if (!text) return [];
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      /* not JSON: read it as lines */
    }
  }
  return text
    .split(text.includes("\n") ? /\r?\n/ : ",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface Choice {
  text: string;
  value: string;
}

/** Choices of a selector or remote control: {text, value} (or {label, value}), or "text=value". */
export function choices(items: unknown[]): Choice[] {
  const out: Choice[] = [];
  for (const item of items) {
    if (item && typeof item === "object") {
      const o = item as Record<string, unknown>;
      const value = o.value ?? o.key ?? o.text ?? o.label;
      if (value === undefined || value === null) continue;
      out.push({ text: String(o.text ?? o.label ?? o.name ?? value), value: String(value) });
    } else if (item !== null && item !== undefined) {
      const s = String(item);
      const at = s.indexOf("=");
      out.push(at > 0 ? { text: s.slice(0, at).trim(), value: s.slice(at + 1).trim() } : { text: s, value: s });
    }
  }
  return out;
}

/** Choices as the editor's text: one "text=value" (or "value") per line. */
export function choicesText(value: unknown): string {
  const list = Array.isArray(value) ? value : listProp({ v: value }, "v");
  return choices(list)
    .map((c) => (c.text === c.value ? c.value : `${c.text}=${c.value}`))
    .join("\n");
}

/** The editor's lines as Adafruit IO's list of {text, value}. */
export function choicesFromText(text: string): Choice[] {
  return choices(listProp({ v: text }, "v"));
}
