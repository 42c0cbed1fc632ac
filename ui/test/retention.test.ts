import { describe, expect, it } from "vitest";
import { parseTiers, tierText } from "../src/lib/retention";

const blank = { raw: "", minute: "", hour: "", day: "" };

describe("feed retention fields", () => {
  it("blank follows the default, forever is null, numbers are days", () => {
    expect(parseTiers(blank)).toEqual({});
    expect(parseTiers({ ...blank, raw: " 365 ", day: "Forever" })).toEqual({ raw: 365, day: null });
  });

  it("refuses anything else, naming the tier", () => {
    for (const bad of ["0", "-3", "1.5", "a year", "1e3"]) {
      expect(parseTiers({ ...blank, hour: bad })).toMatch(/^Per-hour summaries: /);
    }
  });

  it("shows a feed's own tiers and leaves the others blank", () => {
    const own = { raw: 7, day: null };
    expect(["raw", "minute", "hour", "day"].map((t) => tierText(own, t as "raw"))).toEqual([
      "7",
      "",
      "",
      "forever",
    ]);
  });
});
