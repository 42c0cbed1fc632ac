/** The administration API (/ui/api/admin/..., docs/ui-api.md): administrators only. */
import { api, ApiClient } from "./client";

const enc = encodeURIComponent;
const BASE = "/ui/api/admin";

export interface AdminUser {
  username: string;
  email: string | null;
  is_admin: boolean;
  disabled: boolean;
  data_rate: number; // points per minute in effect; 0: unlimited
  own_data_rate: number | null; // null: the server default
  data_used: number | null; // points this minute; null when unlimited
  points: number;
  last_activity: string | null;
  created_at: string;
}

export interface LiveConnection {
  username: string;
  client_id: string;
  address: string;
  protocol_version: string;
  connected_at: string;
  token: boolean;
  node: string | null;
}

export interface Ban {
  username: string;
  until: string;
  seconds_left: number;
}

export interface Health {
  database: { reachable: boolean; dialect: string; error?: string };
  bus: Record<string, unknown> & { kind: string; connected?: boolean };
  workers: string[];
  connections: number;
}

export interface NewUser {
  username: string;
  password: string;
  email?: string;
  is_admin: boolean;
}

export class Admin {
  constructor(private readonly client: ApiClient = api) {}

  async users(): Promise<AdminUser[]> {
    return (await this.client.get<{ users: AdminUser[] }>(`${BASE}/users`)).users;
  }

  create(user: NewUser): Promise<{ user: AdminUser; key: string }> {
    return this.client.post(`${BASE}/users`, user);
  }

  setDisabled(username: string, disabled: boolean): Promise<AdminUser> {
    return this.client.post(`${BASE}/users/${enc(username)}/${disabled ? "disable" : "enable"}`);
  }

  remove(username: string): Promise<{ deleted: string }> {
    return this.client.delete(`${BASE}/users/${enc(username)}`);
  }

  setDataRate(username: string, rate: number | null): Promise<AdminUser> {
    return this.client.put(`${BASE}/users/${enc(username)}/data-rate`, { data_rate: rate });
  }

  async regenerateKey(username: string): Promise<string> {
    return (await this.client.post<{ key: string }>(`${BASE}/users/${enc(username)}/key`)).key;
  }

  connections(): Promise<{ connections: LiveConnection[]; nodes: string[] }> {
    return this.client.get(`${BASE}/connections`);
  }

  disconnect(username: string, clientId: string): Promise<unknown> {
    return this.client.post(`${BASE}/connections/disconnect`, { username, client_id: clientId });
  }

  async bans(): Promise<Ban[]> {
    return (await this.client.get<{ bans: Ban[] }>(`${BASE}/bans`)).bans;
  }

  liftBan(username: string): Promise<unknown> {
    return this.client.delete(`${BASE}/bans/${enc(username)}`);
  }

  health(): Promise<Health> {
    return this.client.get(`${BASE}/health`);
  }
}

export const admin = new Admin();

/** "unlimited", or "N/min", with this minute's use when known. */
export function rateLabel(user: Pick<AdminUser, "data_rate" | "data_used">): string {
  if (user.data_rate <= 0) return "unlimited";
  const used = user.data_used === null ? "" : `${user.data_used} of `;
  return `${used}${user.data_rate}/min`;
}

/** The data rate typed in a form: a whole number >= 0, "" for the server default; or an error. */
export function parseRate(text: string): { rate: number | null } | { error: string } {
  const t = text.trim();
  if (t === "" || t.toLowerCase() === "default") return { rate: null };
  if (!/^\d+$/.test(t)) return { error: "A whole number of points per minute (0 = unlimited), or empty for the default" };
  return { rate: Number(t) };
}
