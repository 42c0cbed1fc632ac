/** What others shared with the signed-in user: where each thing opens, and what it allows. */
import type { Mode, SharedItem, ShareModel } from "../api/types";

const enc = encodeURIComponent;

/**
 * The page of a shared thing: the owner's feed or dashboard page with `?owner=` (the same
 * routes as one's own, so reloads and links work). Groups have none: their feeds are listed
 * in place.
 */
export function sharedPath(item: Pick<SharedItem, "model" | "owner" | "key">): string | null {
  const owner = `?owner=${enc(item.owner)}`;
  if (item.model === "feed") return `/feeds/${enc(item.key)}${owner}`;
  if (item.model === "dashboard") return `/dashboards/${enc(item.key)}${owner}`;
  return null;
}

export function sharedFeedPath(owner: string, key: string): string {
  return sharedPath({ model: "feed", owner, key }) as string;
}

/** The owner named by a page's `?owner=`, when it is someone else. */
export function otherOwner(search: URLSearchParams, me: string): string | null {
  const owner = search.get("owner");
  return owner && owner.toLowerCase() !== me.toLowerCase() ? owner : null;
}

/** Shared items by kind, each kind sorted by owner, then name. */
export function byModel(items: SharedItem[]): Record<ShareModel, SharedItem[]> {
  const out: Record<ShareModel, SharedItem[]> = { feed: [], group: [], dashboard: [] };
  for (const item of items) out[item.model]?.push(item);
  for (const list of Object.values(out)) {
    list.sort((a, b) => a.owner.localeCompare(b.owner) || a.name.localeCompare(b.name));
  }
  return out;
}

function merge(a: Mode | null, b: Mode): Mode {
  if (!a || a === b) return b;
  return "rw";
}

/**
 * What the signed-in user may do with `owner`'s feed `key`: the modes of the feed's own
 * share and of every shared group of that owner holding it (`groupFeeds` lists a group's
 * feed keys; groups that cannot be read count as not holding it). Null when nothing is
 * shared (the feed may still be public, which reads only).
 */
export async function feedAccess(
  items: SharedItem[],
  owner: string,
  key: string,
  groupFeeds: (groupKey: string) => Promise<string[]>,
): Promise<Mode | null> {
  const who = owner.toLowerCase();
  let mode: Mode | null = null;
  for (const item of items) {
    if (item.owner.toLowerCase() !== who) continue;
    if (item.model === "feed" && item.key === key) mode = merge(mode, item.mode);
    if (item.model === "group" && mode !== "rw") {
      const keys = await groupFeeds(item.key).catch(() => [] as string[]);
      if (keys.includes(key)) mode = merge(mode, item.mode);
    }
  }
  return mode;
}
