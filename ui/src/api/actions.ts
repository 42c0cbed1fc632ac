/** Actions (Adafruit IO's triggers) under /api/v2/{username}/actions: docs/actions.md. */
import { api, ApiClient } from "./client";

const enc = encodeURIComponent;

export type Operator = "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "contains" | "any";
export type When = "matches" | "starts" | "stops" | "keeps" | "avoids";
export type DelayMode = "reset" | "keep";

export interface DataTrigger {
  type: "data";
  feed: string;
  operator: Operator;
  value: string | null;
  compare_feed: string | null;
  when: When;
}

export interface ScheduleTrigger {
  type: "schedule";
  cron: string;
  time_zone: string;
}

export type Trigger = DataTrigger | ScheduleTrigger;

export interface EmailOutput {
  type: "email";
  to: string;
  subject: string;
  body: string;
}

export interface WebhookOutput {
  type: "webhook";
  url: string;
  format: "json" | "form";
  body: string;
  headers: Record<string, string>;
}

export interface PublishOutput {
  type: "publish";
  feed: string;
  value: string;
}

export interface LogOutput {
  type: "log";
  message: string;
}

export type Output = EmailOutput | WebhookOutput | PublishOutput | LogOutput;
export type OutputType = Output["type"];

/** What POST, PUT and dry-run take. */
export interface ActionBody {
  name: string;
  enabled: boolean;
  trigger: Trigger;
  delay_seconds: number;
  delay_mode: DelayMode;
  cooldown_seconds: number;
  outputs: Output[];
}

export interface Action extends ActionBody {
  id: number;
  created_at: string;
  updated_at: string;
}

export interface RunOutput {
  type: OutputType;
  ok: boolean;
  detail: string;
}

export interface ActionRun {
  id: number;
  action_id: number;
  started_at: string;
  finished_at: string | null;
  reason: "data" | "schedule" | "run";
  trigger_value: string | null;
  status: "ok" | "failed" | "skipped";
  outputs: RunOutput[];
  error: string | null;
}

export interface Verdict {
  at: string;
  value: string;
  fired: boolean;
  fired_at: string | null;
  reason: string;
}

export interface DryRun {
  start_time: string;
  end_time: string;
  points: Verdict[];
  fired: number;
  due: string[];
}

/** A template rendered with a feed's last value (null: no feed, or the feed has none). */
export interface TemplatePreview {
  text: string;
  value: string | null;
}

export class Actions {
  constructor(
    readonly username: string,
    private readonly client: ApiClient = api,
  ) {}

  private path(rest = ""): string {
    return `/api/v2/${enc(this.username)}/actions${rest}`;
  }

  list(): Promise<Action[]> {
    return this.client.get<Action[]>(this.path());
  }

  get(id: number | string): Promise<Action> {
    return this.client.get<Action>(this.path(`/${enc(String(id))}`));
  }

  create(body: ActionBody): Promise<Action> {
    return this.client.post<Action>(this.path(), { action: body });
  }

  replace(id: number, body: ActionBody): Promise<Action> {
    return this.client.put<Action>(this.path(`/${id}`), { action: body });
  }

  setEnabled(id: number, enabled: boolean): Promise<Action> {
    return this.client.patch<Action>(this.path(`/${id}`), { action: { enabled } });
  }

  remove(id: number): Promise<Action> {
    return this.client.delete<Action>(this.path(`/${id}`));
  }

  runNow(id: number): Promise<ActionRun> {
    return this.client.post<ActionRun>(this.path(`/${id}/run`));
  }

  runs(id: number | string): Promise<ActionRun[]> {
    return this.client.get<ActionRun[]>(this.path(`/${enc(String(id))}/runs`));
  }

  /** Replays stored points from `startTime` to now through `body` (saved or not). */
  dryRun(body: ActionBody, startTime: string, endTime?: string): Promise<DryRun> {
    return this.client.post<DryRun>(this.path("/dry-run"), {
      action: body,
      start_time: startTime,
      end_time: endTime,
    });
  }

  /** Renders `template` as an output would, with the last value of `feed` (null: no feed). */
  preview(template: string, feed: string | null): Promise<TemplatePreview> {
    return this.client.post<TemplatePreview>(this.path("/preview"), { template, feed });
  }
}
