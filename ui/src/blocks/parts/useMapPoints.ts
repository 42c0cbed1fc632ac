/** The located points of a feed over the last `hours`, newest last, live points appended. */
import { useEffect, useState } from "react";
import { located } from "../../lib/geo";
import type { DataSource, FeedState } from "../source";

export interface MapPoint {
  lat: number;
  lon: number;
  label: string;
  value: string;
}

export function useMapPoints(feed: FeedState | undefined, source: DataSource, hours: number): MapPoint[] {
  const [points, setPoints] = useState<MapPoint[]>([]);
  const key = feed?.key;
  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    const since = Date.now() - hours * 3_600_000;
    source
      .data(key, 1000)
      .then((items) => {
        if (cancelled) return;
        const recent = items.filter((d) => Date.parse(d.created_at) >= since);
        setPoints(
          located(recent)
            .reverse()
            .map((d) => ({ lat: d.lat, lon: d.lon, value: d.value, label: `${d.value} at ${d.created_at}` })),
        );
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [key, source, hours]);
  const latest = feed?.latest;
  useEffect(() => {
    if (!latest || latest.lat === null || latest.lon === null) return;
    const lat = Number(latest.lat);
    const lon = Number(latest.lon);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
    const point = { lat, lon, value: latest.value, label: `${latest.value} at ${latest.created_at}` };
    setPoints((old) => [...old, point].slice(-1000));
  }, [latest]);
  return points;
}
