/**
 * Web-mercator ("slippy map") tiles: which tiles of a tile server cover a view of some
 * points, and where each point falls. Tile x and y count from the top left of the world,
 * 2^z tiles a side at zoom z (the OpenStreetMap convention).
 */
import type { Bounds, GeoPoint } from "./geo";

export const TILE_SIZE = 256;
export const MAX_ZOOM = 18;
/** Mercator stops here: the world is then a square. */
export const MAX_LAT = 85.0511287798;

/** The point's position in world pixels at zoom z. */
export function worldPixel(lat: number, lon: number, z: number): { x: number; y: number } {
  const size = TILE_SIZE * 2 ** z;
  const phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
  const x = ((lon + 180) / 360) * size;
  const y = ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * size;
  return { x, y };
}

/** The largest zoom at which the bounds fit in width × height pixels. */
export function fitZoom(b: Bounds, width: number, height: number): number {
  for (let z = MAX_ZOOM; z > 0; z--) {
    const a = worldPixel(b.maxLat, b.minLon, z);
    const c = worldPixel(b.minLat, b.maxLon, z);
    if (c.x - a.x <= width && c.y - a.y <= height) return z;
  }
  return 0;
}

/** A tile's URL: {z}, {x}, {y}, and {s} as one of a, b, c (spread over the tiles). */
export function tileUrl(template: string, z: number, x: number, y: number): string {
  return template
    .replaceAll("{z}", String(z))
    .replaceAll("{x}", String(x))
    .replaceAll("{y}", String(y))
    .replaceAll("{s}", "abc"[Math.abs(x + y) % 3]);
}

export interface TileView {
  z: number;
  /** World pixel of the view's top left corner. */
  left: number;
  top: number;
  tiles: { url: string; x: number; y: number; key: string }[];
  /** A point's position in the view, pixels. */
  project(p: GeoPoint): { x: number; y: number };
}

/** The tiles covering a width × height view centred on the bounds, at the zoom that fits them. */
export function tileView(template: string, b: Bounds, width: number, height: number): TileView {
  const z = fitZoom(b, width, height);
  const a = worldPixel(b.maxLat, b.minLon, z);
  const c = worldPixel(b.minLat, b.maxLon, z);
  const left = (a.x + c.x) / 2 - width / 2;
  const top = (a.y + c.y) / 2 - height / 2;
  const count = 2 ** z;
  const tiles: TileView["tiles"] = [];
  for (let ty = Math.floor(top / TILE_SIZE); ty * TILE_SIZE < top + height; ty++) {
    if (ty < 0 || ty >= count) continue;
    for (let tx = Math.floor(left / TILE_SIZE); tx * TILE_SIZE < left + width; tx++) {
      const wrapped = ((tx % count) + count) % count; // across the antimeridian
      tiles.push({
        url: tileUrl(template, z, wrapped, ty),
        x: tx * TILE_SIZE - left,
        y: ty * TILE_SIZE - top,
        key: `${z}/${tx}/${ty}`,
      });
    }
  }
  return {
    z,
    left,
    top,
    tiles,
    project: (p) => {
      const w = worldPixel(p.lat, p.lon, z);
      return { x: w.x - left, y: w.y - top };
    },
  };
}
