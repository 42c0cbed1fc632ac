import { describe, expect, it } from "vitest";
import { parseRate, rateLabel } from "../src/api/admin";

describe("admin helpers", () => {
  it("labels the data rate in effect", () => {
    expect(rateLabel({ data_rate: 0, data_used: null })).toBe("unlimited");
    expect(rateLabel({ data_rate: 30, data_used: 4 })).toBe("4 of 30/min");
    expect(rateLabel({ data_rate: 30, data_used: null })).toBe("30/min");
  });

  it("parses a typed data rate", () => {
    expect(parseRate("")).toEqual({ rate: null });
    expect(parseRate(" default ")).toEqual({ rate: null });
    expect(parseRate("0")).toEqual({ rate: 0 });
    expect(parseRate("120")).toEqual({ rate: 120 });
    expect(parseRate("-1")).toHaveProperty("error");
    expect(parseRate("1.5")).toHaveProperty("error");
    expect(parseRate("x")).toHaveProperty("error");
  });
});
