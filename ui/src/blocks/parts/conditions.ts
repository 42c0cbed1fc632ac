/**
 * Indicator conditions: Adafruit IO's `conditions`, a list of {operator, value}; also JSON text
 * of that list, lines such as "> 50", and the older `operator` + `conditionValue` pair.
 */
import type { BlockProperties } from "../../api/types";
import { indicatorOn, prop } from "../../lib/format";
import { listProp } from "./props";

export interface Condition {
  operator: string;
  value: string;
}

const LINE = /^\s*(==|=|!=|<=|>=|<|>)\s*(.*)$/;

function one(item: unknown): Condition | null {
  if (item && typeof item === "object") {
    const o = item as Record<string, unknown>;
    return { operator: String(o.operator ?? o.op ?? "="), value: String(o.value ?? "") };
  }
  const m = LINE.exec(String(item ?? ""));
  return m ? { operator: m[1], value: m[2].trim() } : null;
}

export function conditionsOf(props: BlockProperties | undefined): Condition[] {
  const list = listProp(props, "conditions")
    .map(one)
    .filter((c): c is Condition => c !== null);
  if (list.length) return list;
  const operator = prop(props, "operator");
  return operator ? [{ operator, value: prop(props, "conditionValue") }] : [];
}

/** Lit when any condition holds; with none, when the value looks "on" or non-zero. */
export function conditionsMet(value: string | null | undefined, conditions: Condition[]): boolean {
  if (!conditions.length) return indicatorOn(value, "", "");
  return conditions.some((c) => indicatorOn(value, c.operator, c.value));
}

export function conditionsText(value: unknown): string {
  return conditionsOf({ conditions: value })
    .map((c) => `${c.operator} ${c.value}`)
    .join("\n");
}

export function conditionsFromText(text: string): Condition[] {
  return conditionsOf({ conditions: text });
}
