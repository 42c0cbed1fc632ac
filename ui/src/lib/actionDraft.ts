/**
 * The action form's state (a draft: text fields as typed) and the body it sends, a trigger in
 * one line ("temp > 30"), and the field a server error names ("outputs[1].url must be ...").
 */
import type {
  Action,
  ActionBody,
  DelayMode,
  EmailOutput,
  LogOutput,
  Operator,
  Output,
  OutputType,
  PublishOutput,
  Trigger,
  When,
  WebhookOutput,
} from "../api/actions";

/** A webhook output as edited: headers as "Name: value" lines. */
export type WebhookDraft = Omit<WebhookOutput, "headers"> & { headers: string };
export type OutputDraft = EmailOutput | WebhookDraft | PublishOutput | LogOutput;

export interface ActionDraft {
  name: string;
  enabled: boolean;
  triggerType: "data" | "schedule";
  feed: string;
  operator: Operator;
  compareTo: "value" | "feed";
  value: string;
  compareFeed: string;
  when: When;
  cron: string;
  timeZone: string;
  delaySeconds: string;
  delayMode: DelayMode;
  cooldownSeconds: string;
  outputs: OutputDraft[];
}

export const OPERATORS: { value: Operator; symbol: string; label: string }[] = [
  { value: "any", symbol: "any", label: "any new value" },
  { value: "gt", symbol: ">", label: "> greater than" },
  { value: "ge", symbol: ">=", label: ">= at least" },
  { value: "lt", symbol: "<", label: "< less than" },
  { value: "le", symbol: "<=", label: "<= at most" },
  { value: "eq", symbol: "=", label: "= equal to" },
  { value: "ne", symbol: "!=", label: "!= not equal to" },
  { value: "contains", symbol: "contains", label: "contains the text" },
];

export const WHENS: { value: When; label: string }[] = [
  { value: "matches", label: "every value that matches" },
  { value: "starts", label: "when it starts to match" },
  { value: "stops", label: "when it stops matching" },
  { value: "keeps", label: "each value that matches again" },
  { value: "avoids", label: "each value that fails again" },
];

export const OUTPUT_TYPES: { value: OutputType; label: string }[] = [
  { value: "email", label: "Email" },
  { value: "webhook", label: "Webhook" },
  { value: "publish", label: "Publish to a feed" },
  { value: "log", label: "Log" },
];

/** A field the form cannot send as it is; `field` is the path a server error would name. */
export class DraftProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "DraftProblem";
  }
}

export function newOutput(type: OutputType): OutputDraft {
  switch (type) {
    case "email":
      return { type, to: "", subject: "{{ feed.name }}: {{ value }}", body: "{{ feed.name }} is {{ value }} ({{ created_at }})" };
    case "webhook":
      return { type, url: "", format: "json", body: "", headers: "" };
    case "publish":
      return { type, feed: "", value: "{{ value }}" };
    case "log":
      return { type, message: "{{ feed.name }}: {{ value }}" };
  }
}

export function emptyDraft(): ActionDraft {
  return {
    name: "",
    enabled: true,
    triggerType: "data",
    feed: "",
    operator: "gt",
    compareTo: "value",
    value: "",
    compareFeed: "",
    when: "matches",
    cron: "0 7 * * *",
    timeZone: "UTC",
    delaySeconds: "0",
    delayMode: "reset",
    cooldownSeconds: "5",
    outputs: [newOutput("log")],
  };
}

function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
}

export function draftOf(action: Action): ActionDraft {
  const t = action.trigger;
  const base = emptyDraft();
  return {
    ...base,
    name: action.name,
    enabled: action.enabled,
    triggerType: t.type,
    ...(t.type === "data"
      ? {
          feed: t.feed,
          operator: t.operator,
          compareTo: t.compare_feed ? "feed" : "value",
          value: t.value ?? "",
          compareFeed: t.compare_feed ?? "",
          when: t.when,
        }
      : { cron: t.cron, timeZone: t.time_zone }),
    delaySeconds: String(action.delay_seconds),
    delayMode: action.delay_mode,
    cooldownSeconds: String(action.cooldown_seconds),
    outputs: action.outputs.map((o) => (o.type === "webhook" ? { ...o, headers: headerLines(o.headers) } : o)),
  };
}

function seconds(text: string, field: string, fallback: number): number {
  const trimmed = text.trim();
  if (trimmed === "") return fallback;
  const n = Number(trimmed);
  if (!Number.isInteger(n) || n < 0) throw new DraftProblem(field, `${field} must be a whole number of seconds`);
  return n;
}

function parseHeaders(text: string, field: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const colon = line.indexOf(":");
    if (colon < 1) throw new DraftProblem(field, `${field}: line ${i + 1} is not "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return headers;
}

function outputOf(draft: OutputDraft, index: number): Output {
  if (draft.type !== "webhook") return draft;
  return { ...draft, headers: parseHeaders(draft.headers, `outputs[${index}].headers`) };
}

function triggerOf(d: ActionDraft): Trigger {
  if (d.triggerType === "schedule") {
    return { type: "schedule", cron: d.cron.trim(), time_zone: d.timeZone.trim() || "UTC" };
  }
  const compared = d.operator !== "any";
  const byFeed = compared && d.compareTo === "feed";
  return {
    type: "data",
    feed: d.feed,
    operator: d.operator,
    value: compared && !byFeed ? d.value : null,
    compare_feed: byFeed ? d.compareFeed : null,
    when: d.when,
  };
}

/** The body to send. Throws DraftProblem for what only the form can know (numbers, headers);
 * everything else the server checks and names in its 422. */
export function bodyOf(d: ActionDraft): ActionBody {
  const schedule = d.triggerType === "schedule";
  return {
    name: d.name.trim(),
    enabled: d.enabled,
    trigger: triggerOf(d),
    delay_seconds: schedule ? 0 : seconds(d.delaySeconds, "delay_seconds", 0),
    delay_mode: d.delayMode,
    cooldown_seconds: seconds(d.cooldownSeconds, "cooldown_seconds", 5),
    outputs: d.outputs.map(outputOf),
  };
}

function symbolOf(operator: Operator): string {
  return OPERATORS.find((o) => o.value === operator)?.symbol ?? operator;
}

/** A trigger in one line: "temp > 30", "temp > outside (starts)", "every value of door",
 * "schedule 0 7 * * 1-5 (Europe/Amsterdam)". */
export function triggerSummary(trigger: Trigger): string {
  if (trigger.type === "schedule") return `schedule ${trigger.cron} (${trigger.time_zone})`;
  const condition =
    trigger.operator === "any"
      ? `every value of ${trigger.feed}`
      : `${trigger.feed} ${symbolOf(trigger.operator)} ${trigger.compare_feed ?? trigger.value ?? ""}`;
  return trigger.when === "matches" ? condition : `${condition} (${trigger.when})`;
}

const TOP_FIELDS = ["name", "enabled", "trigger", "delay_seconds", "delay_mode", "cooldown_seconds", "outputs"];

/** The field path a server message starts with ("outputs[1].url must be ..." ->
 * "outputs[1].url"), or null when it names none. */
export function errorField(message: string): string | null {
  const match = /^([a-z_]+)((?:\[\d+\]|\.[a-z_]+)*)/.exec(message);
  if (!match || !TOP_FIELDS.includes(match[1])) return null;
  return match[1] + match[2];
}

/** Whether an error about `errorPath` belongs to the field at `path` (itself or inside it). */
export function errorIsFor(errorPath: string | null, path: string): boolean {
  if (!errorPath) return false;
  return errorPath === path || errorPath.startsWith(`${path}.`) || errorPath.startsWith(`${path}[`);
}
