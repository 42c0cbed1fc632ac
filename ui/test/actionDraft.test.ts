import { describe, expect, it } from "vitest";
import type { Action } from "../src/api/actions";
import {
  bodyOf,
  draftOf,
  DraftProblem,
  emptyDraft,
  errorField,
  newOutput,
  triggerSummary,
} from "../src/lib/actionDraft";

const saved: Action = {
  id: 7,
  name: "Too hot",
  enabled: false,
  trigger: { type: "data", feed: "temp", operator: "gt", value: null, compare_feed: "outside", when: "starts" },
  delay_seconds: 60,
  delay_mode: "keep",
  cooldown_seconds: 0,
  outputs: [
    { type: "webhook", url: "https://x.example/h", format: "form", body: "", headers: { "X-A": "1", Auth: "b: c" } },
    { type: "log", message: "{{ value }}" },
  ],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("action drafts", () => {
  it("give back the saved action's body unchanged", () => {
    const { id: _id, created_at: _c, updated_at: _u, ...body } = saved;
    expect(bodyOf(draftOf(saved))).toEqual(body);
  });

  it("send a constant or a feed to compare to, and nothing for any", () => {
    const d = { ...emptyDraft(), name: " Hot ", feed: "temp", value: "30" };
    expect(bodyOf(d).trigger).toEqual({
      type: "data",
      feed: "temp",
      operator: "gt",
      value: "30",
      compare_feed: null,
      when: "matches",
    });
    expect(bodyOf(d).name).toBe("Hot");
    expect(bodyOf({ ...d, compareTo: "feed", compareFeed: "outside" }).trigger).toMatchObject({
      value: null,
      compare_feed: "outside",
    });
    expect(bodyOf({ ...d, operator: "any" }).trigger).toMatchObject({ value: null, compare_feed: null });
  });

  it("send a schedule without a delay", () => {
    const d = { ...emptyDraft(), triggerType: "schedule" as const, cron: " 0 7 * * 1-5 ", timeZone: "Europe/Amsterdam", delaySeconds: "30" };
    const body = bodyOf(d);
    expect(body.trigger).toEqual({ type: "schedule", cron: "0 7 * * 1-5", time_zone: "Europe/Amsterdam" });
    expect(body.delay_seconds).toBe(0);
  });

  it("name the field of numbers and headers it cannot send", () => {
    const d = emptyDraft();
    expect(() => bodyOf({ ...d, cooldownSeconds: "1.5" })).toThrow(DraftProblem);
    try {
      bodyOf({ ...d, outputs: [newOutput("log"), { ...newOutput("webhook"), headers: "X-A: 1\nno colon" } as never] });
      expect.unreachable();
    } catch (err) {
      expect((err as DraftProblem).field).toBe("outputs[1].headers");
      expect((err as DraftProblem).message).toMatch(/line 2/);
    }
  });

  it("sum a trigger up in one line", () => {
    expect(triggerSummary({ type: "data", feed: "temp", operator: "gt", value: "30", compare_feed: null, when: "matches" })).toBe(
      "temp > 30",
    );
    expect(triggerSummary(saved.trigger)).toBe("temp > outside (starts)");
    expect(triggerSummary({ type: "data", feed: "door", operator: "any", value: null, compare_feed: null, when: "matches" })).toBe(
      "every value of door",
    );
    expect(triggerSummary({ type: "schedule", cron: "0 7 * * *", time_zone: "UTC" })).toBe("schedule 0 7 * * * (UTC)");
  });
});

describe("errorField", () => {
  it("finds the field a server message names", () => {
    expect(errorField("outputs[1].url must be an http:// or https:// URL")).toBe("outputs[1].url");
    expect(errorField("trigger.feed: there is no feed 'x' you may read")).toBe("trigger.feed");
    expect(errorField("name is required")).toBe("name");
    expect(errorField("outputs holds at most 10 outputs")).toBe("outputs");
    expect(errorField("delay_seconds applies to data triggers only")).toBe("delay_seconds");
  });

  it("names none for other messages", () => {
    expect(errorField("a user may have at most 3 actions: delete unused ones first")).toBeNull();
    expect(errorField("Cannot reach the server.")).toBeNull();
  });
});
