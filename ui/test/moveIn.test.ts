import { describe, expect, it } from "vitest";
import { jobLine } from "../src/components/MoveInSection";
import type { MoveInJob } from "../src/components/MoveInSection";

const job = (state: MoveInJob["state"], message: string, report = {}): MoveInJob => ({
  state,
  message,
  report,
  started_at: "2026-12-07T10:00:00Z",
  updated_at: "2026-12-07T10:00:05Z",
});

describe("move in from Adafruit IO", () => {
  it("says how far the job got", () => {
    expect(jobLine(job("running", "feed temperature: 1000 points imported so far"))).toBe(
      "Working: feed temperature: 1000 points imported so far",
    );
    expect(jobLine(job("failed", "the source answered /api/v2/ann/groups with 401: bad key"))).toMatch(
      /^Failed: the source answered .* 401/,
    );
    expect(jobLine(job("interrupted", "x"))).toMatch(/^Interrupted .* Start it again/);
  });

  it("counts what a finished job brought", () => {
    const line = jobLine(job("done", "imported", { feeds: 2, points: 1500, points_existing: 3 }));
    expect(line).toContain("2 feeds");
    expect(line).toContain("1,500 points (3 there already)");
  });
});
