// @vitest-environment jsdom
// The dashboard pages' data sources: raw chart points wired to the API, one object per inputs.
import { renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { Aio, PublicApi } from "../src/api/aio";
import { ownSource, publicSource, sharedSource, useOwnSource, usePublicSource, useSharedSource } from "../src/blocks/dataSources";

const window = { start_time: "2026-05-01T00:00:00.000Z", end_time: "2026-05-02T00:00:00.000Z", limit: 1000 };
const page = { items: [{ id: "1", value: "3", created_at: "2026-05-01T10:00:00Z" }], next: null };

describe("dashboard data sources", () => {
  it("read raw points through Aio.points (own and shared) and PublicApi.points (public)", async () => {
    const aio = new Aio("ann");
    const aioPoints = vi.spyOn(aio, "points").mockResolvedValue(page);
    const signal = new AbortController().signal;
    expect(await ownSource(aio, "UTC").points("temp", window, signal)).toBe(page);
    expect(await sharedSource(aio, "UTC").points("temp", { ...window, cursor: "C" })).toBe(page);
    expect(aioPoints.mock.calls).toEqual([
      ["temp", window, signal],
      ["temp", { ...window, cursor: "C" }, undefined],
    ]);
    const pub = new PublicApi("ann");
    const pubPoints = vi.spyOn(pub, "points").mockResolvedValue(page);
    expect(await publicSource(pub, "UTC").points("temp", window)).toBe(page);
    expect(pubPoints).toHaveBeenCalledWith("temp", window, undefined);
  });

  it("link dashboards of a shared or public page to the same owner's pages", () => {
    expect(sharedSource(new Aio("bob"), "UTC").dashboardHref?.("a b")).toBe("/dashboards/a%20b?owner=bob");
    expect(publicSource(new PublicApi("bob"), "UTC").dashboardHref?.("x")).toBe("/public/bob/dashboards/x");
    expect(ownSource(new Aio("bob"), "UTC").dashboardHref).toBeUndefined();
  });

  it("keep one object across renders while the API and zone stay (charts do not load again)", () => {
    const aio = new Aio("ann");
    const pub = new PublicApi("ann");
    for (const use of [
      (zone: string) => useOwnSource(aio, zone),
      (zone: string) => useSharedSource(aio, zone),
      (zone: string) => usePublicSource(pub, zone),
    ]) {
      const { result, rerender } = renderHook(({ zone }) => use(zone), { initialProps: { zone: "UTC" } });
      const first = result.current;
      rerender({ zone: "UTC" });
      expect(result.current).toBe(first);
      rerender({ zone: "Europe/Berlin" });
      expect(result.current).not.toBe(first);
      expect(result.current.timeZone).toBe("Europe/Berlin");
    }
  });
});
