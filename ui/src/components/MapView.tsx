/** A small map drawn in SVG: lat/lon grid, the track and the points, the newest one marked;
 * on the tiles of the server's tile URL when it has one (TileMap). */
import { useServerConfig } from "../auth";
import { boundsOf, niceStep } from "../lib/geo";
import type { GeoPoint } from "../lib/geo";
import { TileMap } from "./TileMap";

const W = 400;
const H = 260;
const PAD = 28;

export function MapView({ points, testId }: { points: GeoPoint[]; testId?: string }) {
  const config = useServerConfig();
  const b = boundsOf(points);
  if (b && config?.map_tiles) {
    return (
      <TileMap
        points={points}
        template={config.map_tiles}
        attribution={config.map_attribution ?? ""}
        testId={testId}
      />
    );
  }
  if (!b) {
    return (
      <div className="map map-empty" data-testid={testId}>
        <p className="muted small" style={{ padding: "1rem" }}>
          No located points yet. Send lat and lon with a value to see it here.
        </p>
      </div>
    );
  }
  // Equirectangular, corrected for latitude so distances look right near the middle.
  const midLat = ((b.minLat + b.maxLat) / 2) * (Math.PI / 180);
  const kx = Math.cos(midLat);
  const spanX = (b.maxLon - b.minLon) * kx;
  const spanY = b.maxLat - b.minLat;
  const scale = Math.min((W - 2 * PAD) / spanX, (H - 2 * PAD) / spanY);
  const offX = (W - spanX * scale) / 2;
  const offY = (H - spanY * scale) / 2;
  const x = (lon: number) => offX + (lon - b.minLon) * kx * scale;
  const y = (lat: number) => H - offY - (lat - b.minLat) * scale;
  const lonStep = niceStep(b.maxLon - b.minLon);
  const latStep = niceStep(b.maxLat - b.minLat);
  const lons: number[] = [];
  for (let v = Math.ceil(b.minLon / lonStep) * lonStep; v <= b.maxLon; v += lonStep) lons.push(v);
  const lats: number[] = [];
  for (let v = Math.ceil(b.minLat / latStep) * latStep; v <= b.maxLat; v += latStep) lats.push(v);
  const decimals = (step: number) => Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  const last = points[points.length - 1];
  const track = points.map((p) => `${x(p.lon).toFixed(1)},${y(p.lat).toFixed(1)}`).join(" ");
  return (
    <svg
      className="map"
      viewBox={`0 0 ${W} ${H}`}
      preserveAspectRatio="xMidYMid meet"
      role="img"
      aria-label={`Map of ${points.length} located points; newest at ${last.lat}, ${last.lon}`}
      data-testid={testId}
    >
      {lons.map((v) => (
        <g key={`lon${v}`}>
          <line className="map-grid" x1={x(v)} x2={x(v)} y1={0} y2={H} />
          <text className="map-axis" x={x(v) + 2} y={H - 4}>
            {v.toFixed(decimals(lonStep))}°
          </text>
        </g>
      ))}
      {lats.map((v) => (
        <g key={`lat${v}`}>
          <line className="map-grid" x1={0} x2={W} y1={y(v)} y2={y(v)} />
          <text className="map-axis" x={2} y={y(v) - 2}>
            {v.toFixed(decimals(latStep))}°
          </text>
        </g>
      ))}
      {points.length > 1 && <polyline className="map-track" points={track} />}
      {points.slice(0, -1).map((p, i) => (
        <circle key={i} className="map-point" cx={x(p.lon)} cy={y(p.lat)} r={3}>
          <title>{p.label ?? `${p.lat}, ${p.lon}`}</title>
        </circle>
      ))}
      <circle className="map-last" cx={x(last.lon)} cy={y(last.lat)} r={6}>
        <title>{last.label ?? `${last.lat}, ${last.lon}`}</title>
      </circle>
    </svg>
  );
}
