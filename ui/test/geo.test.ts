import { describe, expect, it } from "vitest";
import { boundsOf, located, niceStep } from "../src/lib/geo";

describe("geo", () => {
  it("keeps only points with a numeric location", () => {
    const items = [
      { lat: 1, lon: 2 },
      { lat: null, lon: 2 },
      { lat: "3.5", lon: "4" },
      { lat: "x", lon: 1 },
    ];
    expect(located(items as { lat: unknown; lon: unknown }[])).toEqual([
      { lat: 1, lon: 2 },
      { lat: 3.5, lon: 4 },
    ]);
  });
  it("pads bounds and handles one point", () => {
    const b = boundsOf([{ lat: 10, lon: 20 }])!;
    expect(b.minLat).toBeLessThan(10);
    expect(b.maxLon).toBeGreaterThan(20);
    expect(boundsOf([])).toBeNull();
  });
  it("picks nice grid steps", () => {
    expect(niceStep(10)).toBe(5);
    expect(niceStep(0.05)).toBeCloseTo(0.02);
    expect(niceStep(0)).toBe(1);
  });
});
