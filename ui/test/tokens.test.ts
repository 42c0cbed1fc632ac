import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import { tokenBody, Tokens } from "../src/api/tokens";
import { fakeFetch, json } from "./helpers";

describe("token bodies", () => {
  it("wrap name, scopes and expiry, dropping unpicked rows", () => {
    expect(
      tokenBody({
        name: "  sensor ",
        permissions: [
          { model: "feed", key: "temp", mode: "w" },
          { model: "group", key: "", mode: "r" },
        ],
        expiration: null,
      }),
    ).toEqual({
      token: { name: "sensor", permissions: [{ model: "feed", key: "temp", mode: "w" }], expiration: null },
    });
  });

  it("refuse no name, no scope, and the same feed twice", () => {
    const scope = { model: "feed" as const, key: "temp", mode: "r" as const };
    expect(() => tokenBody({ name: " ", permissions: [scope], expiration: null })).toThrow(/name/);
    expect(() => tokenBody({ name: "x", permissions: [], expiration: null })).toThrow(/at least one/);
    expect(() => tokenBody({ name: "x", permissions: [scope, { ...scope, mode: "w" }], expiration: null })).toThrow(
      /twice/,
    );
    // A feed and a group may share a key.
    expect(() =>
      tokenBody({ name: "x", permissions: [scope, { ...scope, model: "group" }], expiration: null }),
    ).not.toThrow();
  });
});

describe("Tokens", () => {
  it("lists, creates, updates and revokes under /api/v2/{user}/tokens", async () => {
    const f = fakeFetch((_url, init) =>
      init.method === "DELETE" ? new Response(null, { status: 204 }) : json({ id: 3, token: "secret" }, 201),
    );
    const tokens = new Tokens("alice", new ApiClient(f.fetch));
    await tokens.list();
    const made = await tokens.create({
      name: "dev",
      permissions: [{ model: "feed", key: "temp", mode: "rw" }],
      expiration: "2030-01-01T00:00:00.000Z",
    });
    await tokens.update(3, { name: "renamed" });
    await tokens.revoke(3);
    expect(made.token).toBe("secret");
    expect(f.calls.map((c) => [c.init.method ?? "GET", c.url])).toEqual([
      ["GET", "/api/v2/alice/tokens"],
      ["POST", "/api/v2/alice/tokens"],
      ["PATCH", "/api/v2/alice/tokens/3"],
      ["DELETE", "/api/v2/alice/tokens/3"],
    ]);
    expect(JSON.parse(String(f.calls[1].init.body))).toEqual({
      token: {
        name: "dev",
        permissions: [{ model: "feed", key: "temp", mode: "rw" }],
        expiration: "2030-01-01T00:00:00.000Z",
      },
    });
    expect(JSON.parse(String(f.calls[2].init.body))).toEqual({ token: { name: "renamed" } });
  });
});
