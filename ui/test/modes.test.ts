import { describe, expect, it } from "vitest";
import { canRead, canWrite, formatScope, formatScopes, modeLabel, shareModes, TOKEN_MODES } from "../src/lib/modes";

describe("access modes", () => {
  it("read as words", () => {
    expect(modeLabel("r")).toBe("Read");
    expect(modeLabel("w")).toBe("Write");
    expect(modeLabel("rw")).toBe("Read + write");
    expect(modeLabel("x")).toBe("x");
  });

  it("offer read or read + write for feeds and groups, read only for dashboards", () => {
    expect(shareModes("feed")).toEqual(["r", "rw"]);
    expect(shareModes("group")).toEqual(["r", "rw"]);
    expect(shareModes("dashboard")).toEqual(["r"]);
    expect(TOKEN_MODES).toEqual(["r", "w", "rw"]);
  });

  it("tell reading from writing", () => {
    expect(canWrite("rw")).toBe(true);
    expect(canWrite("w")).toBe(true);
    expect(canWrite("r")).toBe(false);
    expect(canWrite(null)).toBe(false);
    expect(canRead("r")).toBe(true);
    expect(canRead("w")).toBe(false);
  });

  it("write token scopes in one line", () => {
    expect(formatScope({ model: "feed", key: "temp", mode: "rw" })).toBe("feed temp: Read + write");
    expect(
      formatScopes([
        { model: "feed", key: "temp", mode: "w" },
        { model: "group", key: "house", mode: "r" },
      ]),
    ).toBe("feed temp: Write, group house: Read");
    expect(formatScopes([])).toBe("no scopes");
  });
});
