import { describe, expect, it } from "vitest";
import { boundsOf } from "../src/lib/geo";
import { fitZoom, TILE_SIZE, tileUrl, tileView, worldPixel } from "../src/lib/tiles";

describe("web-mercator tiles", () => {
  it("puts lat/lon 0,0 in the middle of the world and the corners at its edges", () => {
    expect(worldPixel(0, 0, 0)).toEqual({ x: 128, y: 128 });
    expect(worldPixel(0, -180, 1).x).toBe(0);
    expect(worldPixel(85.0511287798, 180, 1).x).toBe(512);
    expect(worldPixel(85.0511287798, 0, 1).y).toBeCloseTo(0, 6);
    expect(worldPixel(-89, 0, 1).y).toBeCloseTo(512, 6); // clamped to mercator's edge
  });

  it("finds the well-known tile of a place", () => {
    // Berlin's Brandenburg Gate at zoom 12 is tile 2200/1343 on OpenStreetMap.
    const p = worldPixel(52.5163, 13.3777, 12);
    expect(Math.floor(p.x / TILE_SIZE)).toBe(2200);
    expect(Math.floor(p.y / TILE_SIZE)).toBe(1343);
  });

  it("fits the bounds in the view at the largest zoom", () => {
    const b = { minLat: 52.5, maxLat: 52.52, minLon: 13.37, maxLon: 13.41 };
    const z = fitZoom(b, 400, 260);
    const span = (zoom: number) => worldPixel(b.minLat, b.maxLon, zoom).x - worldPixel(b.maxLat, b.minLon, zoom).x;
    expect(span(z)).toBeLessThanOrEqual(400);
    expect(span(z + 1)).toBeGreaterThan(400);
  });

  it("fills in the template, {s} spread over a, b, c", () => {
    expect(tileUrl("https://t.example/{z}/{x}/{y}.png", 3, 4, 5)).toBe("https://t.example/3/4/5.png");
    expect(tileUrl("https://{s}.t.example/{z}/{x}/{y}.png", 1, 0, 1)).toBe("https://b.t.example/1/0/1.png");
  });

  it("covers the view with tiles and projects the points into it", () => {
    const points = [
      { lat: 52.5, lon: 13.37 },
      { lat: 52.52, lon: 13.41 },
    ];
    const view = tileView("https://t/{z}/{x}/{y}.png", boundsOf(points)!, 400, 260);
    for (const p of points) {
      const at = view.project(p);
      expect(at.x).toBeGreaterThanOrEqual(0);
      expect(at.x).toBeLessThanOrEqual(400);
      expect(at.y).toBeGreaterThanOrEqual(0);
      expect(at.y).toBeLessThanOrEqual(260);
    }
    const covered = (x: number, y: number) =>
      view.tiles.some((t) => t.x <= x && x < t.x + TILE_SIZE && t.y <= y && y < t.y + TILE_SIZE);
    for (const [x, y] of [[0, 0], [399, 0], [0, 259], [399, 259], [200, 130]]) expect(covered(x, y)).toBe(true);
  });

  it("wraps tile x across the antimeridian", () => {
    const view = tileView("{z}/{x}/{y}", { minLat: -10, maxLat: 10, minLon: 179, maxLon: 180 }, 400, 260);
    const xs = view.tiles.map((t) => Number(t.url.split("/")[1]));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(2 ** view.z);
  });
});
