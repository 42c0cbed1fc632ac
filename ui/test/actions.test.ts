import { describe, expect, it } from "vitest";
import { Actions } from "../src/api/actions";
import type { ActionBody } from "../src/api/actions";
import { ApiClient } from "../src/api/client";
import { fakeFetch, json } from "./helpers";

const body: ActionBody = {
  name: "n",
  enabled: true,
  trigger: { type: "schedule", cron: "* * * * *", time_zone: "UTC" },
  delay_seconds: 0,
  delay_mode: "reset",
  cooldown_seconds: 5,
  outputs: [{ type: "log", message: "m" }],
};

describe("Actions", () => {
  it("calls /api/v2/{user}/actions with wrapped bodies", async () => {
    const f = fakeFetch(() => json({ id: 3 }));
    const actions = new Actions("al ice", new ApiClient(f.fetch));
    await actions.list();
    await actions.create(body);
    await actions.get(3);
    await actions.replace(3, body);
    await actions.setEnabled(3, false);
    await actions.runNow(3);
    await actions.runs(3);
    await actions.dryRun(body, "2026-01-01T00:00:00.000Z");
    await actions.remove(3);
    expect(f.calls.map((c) => [c.init.method ?? "GET", c.url])).toEqual([
      ["GET", "/api/v2/al%20ice/actions"],
      ["POST", "/api/v2/al%20ice/actions"],
      ["GET", "/api/v2/al%20ice/actions/3"],
      ["PUT", "/api/v2/al%20ice/actions/3"],
      ["PATCH", "/api/v2/al%20ice/actions/3"],
      ["POST", "/api/v2/al%20ice/actions/3/run"],
      ["GET", "/api/v2/al%20ice/actions/3/runs"],
      ["POST", "/api/v2/al%20ice/actions/dry-run"],
      ["DELETE", "/api/v2/al%20ice/actions/3"],
    ]);
    const sent = (i: number) => JSON.parse(String(f.calls[i].init.body));
    expect(sent(1)).toEqual({ action: body });
    expect(sent(4)).toEqual({ action: { enabled: false } });
    expect(sent(7)).toEqual({ action: body, start_time: "2026-01-01T00:00:00.000Z" });
  });

  it("turn a 422 into an error carrying the server's message", async () => {
    const f = fakeFetch(() => json({ error: "outputs[0].url must be an http:// or https:// URL" }, 422));
    const actions = new Actions("a", new ApiClient(f.fetch));
    await expect(actions.create(body)).rejects.toThrow("outputs[0].url must be");
  });
});
