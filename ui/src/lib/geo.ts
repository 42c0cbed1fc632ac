/** Points with a location, fitted into a box for the SVG map (no tiles: works offline). */
export interface GeoPoint {
  lat: number;
  lon: number;
  label?: string;
}

export function located<T extends { lat: unknown; lon: unknown }>(items: T[]): (T & GeoPoint)[] {
  return items.filter(
    (p): p is T & GeoPoint =>
      p.lat !== null &&
      p.lon !== null &&
      p.lat !== undefined &&
      p.lon !== undefined &&
      Number.isFinite(Number(p.lat)) &&
      Number.isFinite(Number(p.lon)),
  ).map((p) => ({ ...p, lat: Number(p.lat), lon: Number(p.lon) }));
}

export interface Bounds {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** Bounds around the points with a margin; a single point gets a small box around it. */
export function boundsOf(points: GeoPoint[]): Bounds | null {
  if (!points.length) return null;
  let minLat = Infinity,
    maxLat = -Infinity,
    minLon = Infinity,
    maxLon = -Infinity;
  for (const p of points) {
    minLat = Math.min(minLat, p.lat);
    maxLat = Math.max(maxLat, p.lat);
    minLon = Math.min(minLon, p.lon);
    maxLon = Math.max(maxLon, p.lon);
  }
  const padLat = Math.max((maxLat - minLat) * 0.15, 0.005);
  const padLon = Math.max((maxLon - minLon) * 0.15, 0.005);
  return {
    minLat: Math.max(-90, minLat - padLat),
    maxLat: Math.min(90, maxLat + padLat),
    minLon: Math.max(-180, minLon - padLon),
    maxLon: Math.min(180, maxLon + padLon),
  };
}

/** A "nice" grid step (1, 2 or 5 × 10^n) giving about `count` lines over `span`. */
export function niceStep(span: number, count = 4): number {
  if (span <= 0) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}
