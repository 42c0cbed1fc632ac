/** Where a feed's located points are, when they carry lat/lon. */
import { useMemo } from "react";
import type { Aio } from "../api/aio";
import type { Feed } from "../api/types";
import { MapView } from "../components/MapView";
import { located } from "../lib/geo";
import { useAsync } from "../lib/useAsync";

export function LocationMap({ aio, feed, version }: { aio: Aio; feed: Feed; version: number }) {
  const recent = useAsync(() => aio.data(feed.key, { limit: 1000 }), [aio, feed.key, version]);
  const points = useMemo(
    () =>
      located(recent.data?.items ?? [])
        .reverse()
        .map((d) => ({ lat: d.lat, lon: d.lon, label: `${d.value} at ${d.created_at}` })),
    [recent.data],
  );
  if (!points.length) return null;
  return (
    <section className="card section">
      <h2>Location</h2>
      <MapView points={points} testId="feed-map" />
      <p className="help">
        Newest of {points.length} located point{points.length === 1 ? "" : "s"}:{" "}
        {points[points.length - 1].lat}, {points[points.length - 1].lon}
      </p>
    </section>
  );
}
