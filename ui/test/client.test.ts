import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, errorMessage, withQuery } from "../src/api/client";
import { fakeFetch, json } from "./helpers";

const header = (init: RequestInit, name: string) =>
  (init.headers as Record<string, string> | undefined)?.[name];

describe("ApiClient", () => {
  it("sends the CSRF token on state-changing requests only", async () => {
    const f = fakeFetch(() => json({ ok: true }));
    const client = new ApiClient(f.fetch);
    client.setCsrfToken("tok123");
    await client.get("/a");
    await client.post("/b", { x: 1 });
    await client.put("/c", {});
    await client.patch("/d", {});
    await client.delete("/e");
    expect(header(f.calls[0].init, "X-CSRF-Token")).toBeUndefined();
    for (const call of f.calls.slice(1)) expect(header(call.init, "X-CSRF-Token")).toBe("tok123");
    expect(f.calls[1].init.method).toBe("POST");
    expect(f.calls[1].init.body).toBe('{"x":1}');
    expect(header(f.calls[1].init, "Content-Type")).toBe("application/json");
    expect(f.calls[0].init.credentials).toBe("same-origin");
  });

  it("sends no CSRF header before sign-in", async () => {
    const f = fakeFetch(() => json({}));
    const client = new ApiClient(f.fetch);
    await client.post("/ui/api/signin", { username: "a", password: "b" });
    expect(header(f.calls[0].init, "X-CSRF-Token")).toBeUndefined();
  });

  it("turns an error body into ApiError with the server's message and status", async () => {
    const f = fakeFetch(() => json({ error: "CSRF token missing or invalid" }, 403));
    const client = new ApiClient(f.fetch);
    await expect(client.post("/x")).rejects.toMatchObject({
      name: "ApiError",
      status: 403,
      message: "CSRF token missing or invalid",
    });
  });

  it("reads Retry-After on 429", async () => {
    const f = fakeFetch(() => json({ error: "slow down" }, 429, { "Retry-After": "30" }));
    const client = new ApiClient(f.fetch);
    const err = (await client.post("/ui/api/signin").catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.retryAfter).toBe(30);
  });

  it("reports a network failure as status 0", async () => {
    const client = new ApiClient(async () => {
      throw new TypeError("Failed to fetch");
    });
    const err = (await client.get("/x").catch((e) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/reach the server/);
  });

  it("calls onUnauthorized for a 401 while signed in (session expired)", async () => {
    const f = fakeFetch(() => json({ error: "session expired, sign in again" }, 401));
    const client = new ApiClient(f.fetch);
    const spy = vi.fn();
    client.onUnauthorized = spy;
    await client.get("/a").catch(() => undefined); // signed out: no callback
    expect(spy).not.toHaveBeenCalled();
    client.setCsrfToken("t");
    await client.get("/a").catch(() => undefined);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0].message).toBe("session expired, sign in again");
  });

  it("returns null data for 204 and text for non-JSON bodies", async () => {
    const client = new ApiClient(async (url) =>
      url === "/none" ? new Response(null, { status: 204 }) : new Response("a,b\n", { status: 200 }),
    );
    expect(await client.post("/none")).toBeNull();
    expect(await client.get("/csv")).toBe("a,b\n");
  });

  it("builds query strings, skipping empty values", () => {
    expect(withQuery("/p", { a: 1, b: "", c: null, d: undefined, e: "x y" })).toBe("/p?a=1&e=x+y");
    expect(withQuery("/p?z=1", { a: true })).toBe("/p?z=1&a=true");
    expect(withQuery("/p")).toBe("/p");
  });
});

describe("errorMessage", () => {
  it("falls back to the status for HTML or empty bodies", async () => {
    const html = new Response("<html>oops</html>", { status: 502, statusText: "Bad Gateway" });
    expect(await errorMessage(html)).toBe("502 Bad Gateway");
    expect(await errorMessage(new Response("", { status: 500 }))).toMatch(/^500/);
  });
  it("joins a list of errors", async () => {
    expect(await errorMessage(json({ error: ["a", "b"] }, 422))).toBe("a; b");
  });
});
