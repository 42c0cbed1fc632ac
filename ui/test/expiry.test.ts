import { describe, expect, it } from "vitest";
import { expirationFor, expiresIn, isExpired } from "../src/lib/expiry";

const NOW = new Date("2026-03-01T12:00:00Z");

describe("token expiry", () => {
  it("is null for never and a time that many days ahead otherwise", () => {
    expect(expirationFor("never", NOW)).toBeNull();
    expect(expirationFor("1d", NOW)).toBe("2026-03-02T12:00:00.000Z");
    expect(expirationFor("30d", NOW)).toBe("2026-03-31T12:00:00.000Z");
  });

  it("takes a custom date from a datetime-local input, in the future only", () => {
    const custom = expirationFor("custom", NOW, "2030-01-02T03:04");
    expect(custom).toBe(new Date("2030-01-02T03:04").toISOString());
    expect(() => expirationFor("custom", NOW, "")).toThrow(/date and time/);
    expect(() => expirationFor("custom", NOW, "2001-01-01T00:00")).toThrow(/future/);
  });

  it("says how long is left, or that it expired", () => {
    const now = NOW.getTime();
    expect(expiresIn(null, now)).toBe("never");
    expect(expiresIn("2026-03-01T12:10:00Z", now)).toBe("in 10 min");
    expect(expiresIn("2026-03-01T17:00:00Z", now)).toBe("in 5 h");
    expect(expiresIn("2026-03-08T12:00:00Z", now)).toBe("in 7 days");
    expect(expiresIn("2026-03-01T11:00:00Z", now)).toBe("expired");
    expect(isExpired("2026-03-01T11:00:00Z", now)).toBe(true);
    expect(isExpired("2026-03-01T13:00:00Z", now)).toBe(false);
    expect(isExpired(null, now)).toBe(false);
  });
});
