/** A map on the tiles of the server's tile URL (--map-tiles), with their attribution: the
 * track and the points, the newest one marked. */
import { boundsOf } from "../lib/geo";
import type { GeoPoint } from "../lib/geo";
import { TILE_SIZE, tileView } from "../lib/tiles";
import "./map.css";

const W = 400;
const H = 260;

export function TileMap({
  points,
  template,
  attribution,
  testId,
}: {
  points: GeoPoint[];
  template: string;
  attribution: string;
  testId?: string;
}) {
  const b = boundsOf(points);
  if (!b) return null;
  const view = tileView(template, b, W, H);
  const at = points.map((p) => view.project(p));
  const last = points[points.length - 1];
  const lastAt = at[at.length - 1];
  return (
    <div className="map-tiled" data-testid={testId}>
      <svg
        className="map"
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="xMidYMid meet"
        role="img"
        aria-label={`Map of ${points.length} located points; newest at ${last.lat}, ${last.lon}`}
      >
        {view.tiles.map((t) => (
          <image key={t.key} className="map-tile" href={t.url} x={t.x} y={t.y} width={TILE_SIZE} height={TILE_SIZE} />
        ))}
        {points.length > 1 && (
          <polyline className="map-track" points={at.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")} />
        )}
        {points.slice(0, -1).map((p, i) => (
          <circle key={i} className="map-point" cx={at[i].x} cy={at[i].y} r={3}>
            <title>{p.label ?? `${p.lat}, ${p.lon}`}</title>
          </circle>
        ))}
        <circle className="map-last" cx={lastAt.x} cy={lastAt.y} r={6}>
          <title>{last.label ?? `${last.lat}, ${last.lon}`}</title>
        </circle>
      </svg>
      <div className="map-attribution" data-testid={testId ? `${testId}-attribution` : undefined}>
        {attribution}
      </div>
    </div>
  );
}
