/** What the Monitor page reads: the throttle counters, the activity log and recent runs. */
import type { Action, ActionRun, Actions } from "./actions";
import { api, ApiClient } from "./client";

const enc = encodeURIComponent;

/** GET /api/v2/{username}/throttle */
export interface Throttle {
  data_rate_limit: number; // points per minute; UNLIMITED_RATE: no limit
  active_data_rate: number; // points in the last minute
  authentication_rate: number;
  subscribe_authorization_rate: number;
  publish_authorization_rate: number;
  hourly_ban_rate: number;
  mqtt_ban_error_message: string | null; // set while an MQTT ban runs
  active_sms_rate: number;
}

export interface Activity {
  id: number;
  action: string;
  model: string;
  data: string;
  created_at: string;
}

export interface RunOfAction extends ActionRun {
  action_name: string;
}

export const RECENT_RUNS = 50;
export const RECENT_ACTIVITIES = 20;
export const MAX_NOTICES = 100;

export class Monitor {
  constructor(
    readonly username: string,
    private readonly client: ApiClient = api,
  ) {}

  throttle(): Promise<Throttle> {
    return this.client.get<Throttle>(`/api/v2/${enc(this.username)}/throttle`);
  }

  activities(limit = RECENT_ACTIVITIES): Promise<Activity[]> {
    return this.client.get<Activity[]>(`/api/v2/${enc(this.username)}/activities`, { limit });
  }
}

/** The newest `limit` runs of these actions, newest first, each with its action's name. */
export function latestRuns(
  actions: Action[],
  runs: ActionRun[][],
  limit = RECENT_RUNS,
): RunOfAction[] {
  const all: RunOfAction[] = [];
  actions.forEach((a, i) => {
    for (const run of runs[i] ?? []) all.push({ ...run, action_name: a.name });
  });
  all.sort((x, y) => (x.started_at < y.started_at ? 1 : x.started_at > y.started_at ? -1 : y.id - x.id));
  return all.slice(0, limit);
}

export async function recentRuns(actions: Actions, limit = RECENT_RUNS): Promise<RunOfAction[]> {
  const list = await actions.list();
  const runs = await Promise.all(list.map((a) => actions.runs(a.id).catch(() => [])));
  return latestRuns(list, runs, limit);
}

/** The data rate the server reports for a user without a limit (never 0: Adafruit IO
 * clients compute limit - used); limits/constants.py UNLIMITED_DATA_RATE. */
export const UNLIMITED_RATE = 1_000_000;

/** Whether the throttle says the user has no data rate limit. */
export function isUnlimited(t: Pick<Throttle, "data_rate_limit">): boolean {
  return t.data_rate_limit <= 0 || t.data_rate_limit >= UNLIMITED_RATE;
}

/** Share of the limit used, 0..1 (0 when unlimited). */
export function rateShare(t: Pick<Throttle, "data_rate_limit" | "active_data_rate">): number {
  if (isUnlimited(t)) return 0;
  return Math.min(1, t.active_data_rate / t.data_rate_limit);
}

/** Keep the newest notices first, at most `max`. */
export function addNotice<T>(list: T[], notice: T, max = MAX_NOTICES): T[] {
  return [notice, ...list].slice(0, max);
}
