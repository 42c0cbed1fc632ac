/**
 * Access lists (who else may read or write a feed, group or dashboard) and the list of what
 * others shared with the signed-in user. Adafruit IO's ACL routes under /api/v2/{username}.
 */
import { api, ApiClient } from "./client";
import type { Mode, Permission, ShareModel, SharedItem } from "./types";

const enc = encodeURIComponent;

const PLURAL: Record<ShareModel, string> = {
  feed: "feeds",
  group: "groups",
  dashboard: "dashboards",
};

/** The body that shares one thing with one user. */
export function shareBody(username: string, mode: Mode): {
  permission: { scope: "user"; scope_value: string; mode: Mode };
} {
  return { permission: { scope: "user", scope_value: username.trim(), mode } };
}

/** The shares with named users (public and secret entries are managed by visibility). */
export function userShares(list: Permission[]): Permission[] {
  return list.filter((p) => p.scope === "user");
}

export class Sharing {
  constructor(
    readonly username: string,
    private readonly client: ApiClient = api,
  ) {}

  private acl(model: ShareModel, key: string): string {
    return `/api/v2/${enc(this.username)}/${PLURAL[model]}/${enc(key)}/acl`;
  }

  list(model: ShareModel, key: string): Promise<Permission[]> {
    return this.client.get<Permission[]>(this.acl(model, key));
  }

  share(model: ShareModel, key: string, grantee: string, mode: Mode): Promise<Permission> {
    return this.client.post<Permission>(this.acl(model, key), shareBody(grantee, mode));
  }

  revoke(model: ShareModel, key: string, id: number): Promise<unknown> {
    return this.client.delete(`${this.acl(model, key)}/${id}`);
  }

  /** Feeds, groups and dashboards other users shared with this one. */
  sharedWithMe(): Promise<SharedItem[]> {
    return this.client.get<SharedItem[]>(`/api/v2/${enc(this.username)}/shared`);
  }
}
