import { describe, expect, it } from "vitest";
import type { SharedItem } from "../src/api/types";
import { byModel, feedAccess, otherOwner, sharedFeedPath, sharedPath } from "../src/lib/shared";

function item(model: SharedItem["model"], owner: string, key: string, mode: SharedItem["mode"]): SharedItem {
  return { id: Math.floor(Math.random() * 1e6), model, owner, key, name: key.toUpperCase(), mode };
}

describe("shared with me", () => {
  it("opens feeds and dashboards on the owner's pages with ?owner=; groups have none", () => {
    expect(sharedPath(item("feed", "alice", "temp", "r"))).toBe("/feeds/temp?owner=alice");
    expect(sharedPath(item("dashboard", "a b", "home", "r"))).toBe("/dashboards/home?owner=a%20b");
    expect(sharedPath(item("group", "alice", "house", "r"))).toBeNull();
    expect(sharedFeedPath("alice", "house.temp")).toBe("/feeds/house.temp?owner=alice");
  });

  it("reads ?owner= only when it names someone else", () => {
    expect(otherOwner(new URLSearchParams("owner=alice"), "bob")).toBe("alice");
    expect(otherOwner(new URLSearchParams("owner=Bob"), "bob")).toBeNull();
    expect(otherOwner(new URLSearchParams(""), "bob")).toBeNull();
  });

  it("sorts by kind, then owner and name", () => {
    const grouped = byModel([
      item("feed", "zed", "a", "r"),
      item("group", "alice", "g", "r"),
      item("feed", "alice", "b", "rw"),
      item("feed", "alice", "a", "r"),
    ]);
    expect(grouped.feed.map((i) => `${i.owner}/${i.key}`)).toEqual(["alice/a", "alice/b", "zed/a"]);
    expect(grouped.group).toHaveLength(1);
    expect(grouped.dashboard).toEqual([]);
  });

  it("finds the access to a feed from its own share and its groups' shares", async () => {
    const items = [
      item("feed", "alice", "temp", "r"),
      item("group", "alice", "house", "w"),
      item("group", "alice", "locked", "rw"),
      item("feed", "carol", "hum", "rw"),
    ];
    const groups: Record<string, string[]> = { house: ["temp", "door"] };
    const feedsOf = async (g: string) => {
      if (!groups[g]) throw new Error("403");
      return groups[g];
    };
    expect(await feedAccess(items, "Alice", "temp", feedsOf)).toBe("rw");
    expect(await feedAccess(items, "alice", "door", feedsOf)).toBe("w");
    expect(await feedAccess(items, "alice", "hum", feedsOf)).toBeNull();
    expect(await feedAccess(items, "carol", "hum", feedsOf)).toBe("rw");
    expect(await feedAccess([item("feed", "alice", "temp", "r")], "alice", "temp", feedsOf)).toBe("r");
  });
});
