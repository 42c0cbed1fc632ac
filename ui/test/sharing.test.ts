import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import { shareBody, Sharing, userShares } from "../src/api/sharing";
import type { Permission } from "../src/api/types";
import { fakeFetch, json } from "./helpers";

function permission(id: number, scope: Permission["scope"], who: string | null): Permission {
  return {
    id,
    user_id: 1,
    scope,
    scope_value: who,
    model: "feed",
    object_id: 5,
    mode: "r",
    created_at: "",
    updated_at: "",
  };
}

describe("Sharing", () => {
  it("builds the wrapped user-scope body, trimmed", () => {
    expect(shareBody(" bob ", "rw")).toEqual({
      permission: { scope: "user", scope_value: "bob", mode: "rw" },
    });
  });

  it("lists, adds and revokes shares on each kind's acl path with the CSRF token", async () => {
    const f = fakeFetch((url, init) =>
      init.method === "DELETE" ? new Response(null, { status: 204 }) : json(url.endsWith("/acl") && !init.method ? [] : {}),
    );
    const client = new ApiClient(f.fetch);
    client.setCsrfToken("tok");
    const sharing = new Sharing("alice", client);
    await sharing.list("feed", "temp");
    await sharing.share("group", "house", "bob", "r");
    await sharing.revoke("dashboard", "home", 7);
    await sharing.sharedWithMe();
    expect(f.calls.map((c) => [c.init.method ?? "GET", c.url])).toEqual([
      ["GET", "/api/v2/alice/feeds/temp/acl"],
      ["POST", "/api/v2/alice/groups/house/acl"],
      ["DELETE", "/api/v2/alice/dashboards/home/acl/7"],
      ["GET", "/api/v2/alice/shared"],
    ]);
    expect(JSON.parse(String(f.calls[1].init.body))).toEqual({
      permission: { scope: "user", scope_value: "bob", mode: "r" },
    });
    expect((f.calls[1].init.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok");
  });

  it("shows the server's error, e.g. an unknown user", async () => {
    const f = fakeFetch(() => json({ error: "no user named zed" }, 422));
    const sharing = new Sharing("alice", new ApiClient(f.fetch));
    await expect(sharing.share("feed", "temp", "zed", "r")).rejects.toThrow("no user named zed");
  });

  it("keeps only the shares with named users", () => {
    const list = [permission(1, "user", "bob"), permission(2, "public", null), permission(3, "secret", null)];
    expect(userShares(list).map((p) => p.id)).toEqual([1]);
  });
});
