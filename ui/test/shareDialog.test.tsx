// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../src/api/client";
import { Sharing } from "../src/api/sharing";
import type { Permission } from "../src/api/types";
import { ShareDialog } from "../src/components/ShareDialog";
import { fakeFetch, json } from "./helpers";

afterEach(cleanup);

function permission(
  id: number,
  who: string | null,
  mode: Permission["mode"],
  scope: Permission["scope"] = "user",
): Permission {
  return { id, user_id: 1, scope, scope_value: who, model: "feed", object_id: 9, mode, created_at: "", updated_at: "" };
}

/** A server with one access list: GET lists it, POST adds (422 for unknown users), DELETE removes. */
function server(initial: Permission[], users = ["bob", "carol"]) {
  let list = [...initial];
  let next = 100;
  return fakeFetch(async (url, init) => {
    const method = init.method ?? "GET";
    if (method === "GET") return json(list);
    if (method === "POST") {
      const body = JSON.parse(String(init.body)) as { permission: { scope_value: string; mode: Permission["mode"] } };
      if (!users.includes(body.permission.scope_value)) return json({ error: "no such user" }, 422);
      const made = permission(next++, body.permission.scope_value, body.permission.mode);
      list = [...list, made];
      return json(made, 201);
    }
    const id = Number(url.split("/").pop());
    list = list.filter((p) => p.id !== id);
    return new Response(null, { status: 204 });
  });
}

function open(f: ReturnType<typeof server>, model: "feed" | "dashboard" = "feed") {
  const sharing = new Sharing("alice", new ApiClient(f.fetch));
  render(<ShareDialog sharing={sharing} model={model} objectKey="temp" name="Temperature" onClose={() => undefined} />);
}

describe("ShareDialog", () => {
  it("lists the shares with users, adds one with a mode, and revokes one", async () => {
    const f = server([permission(1, "carol", "r"), permission(2, null, "r", "public")]);
    open(f);
    expect((await screen.findByTestId("share-row-carol")).textContent).toContain("Read");
    expect(screen.queryAllByTestId(/^share-row-/)).toHaveLength(1); // not the public entry

    fireEvent.change(screen.getByTestId("share-username"), { target: { value: "bob" } });
    fireEvent.change(screen.getByTestId("share-mode"), { target: { value: "rw" } });
    fireEvent.click(screen.getByTestId("share-add"));
    const bob = await screen.findByTestId("share-row-bob");
    expect(bob.textContent).toContain("Read + write");
    expect(bob.getAttribute("data-mode")).toBe("rw");
    expect((screen.getByTestId("share-username") as HTMLInputElement).value).toBe("");

    fireEvent.click(screen.getByTestId("share-revoke-carol"));
    await screen.findByTestId("share-row-bob");
    await vi.waitFor(() => expect(screen.queryByTestId("share-row-carol")).toBeNull());
    expect(f.calls.at(-1)?.url).toBe("/api/v2/alice/feeds/temp/acl/1");
  });

  it("shows errors inline: empty name, oneself, and the server's refusal", async () => {
    const f = server([]);
    open(f);
    await screen.findByTestId("share-empty");
    fireEvent.click(screen.getByTestId("share-add"));
    expect(screen.getByTestId("share-error").textContent).toMatch(/username/);
    fireEvent.change(screen.getByTestId("share-username"), { target: { value: "Alice" } });
    fireEvent.click(screen.getByTestId("share-add"));
    expect(screen.getByTestId("share-error").textContent).toMatch(/yours/);
    fireEvent.change(screen.getByTestId("share-username"), { target: { value: "zed" } });
    fireEvent.click(screen.getByTestId("share-add"));
    expect((await screen.findByText("no such user")).getAttribute("data-testid")).toBe("share-error");
  });

  it("offers dashboards for reading only", async () => {
    open(server([]), "dashboard");
    await screen.findByTestId("share-empty");
    const select = screen.getByTestId("share-mode") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["r"]);
    expect(select.disabled).toBe(true);
  });
});
