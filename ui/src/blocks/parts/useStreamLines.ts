/**
 * The lines of a stream block, newest first (at most 100): the feeds' recent points, their
 * live points, and, with `withNotices`, the owner's {user}/errors and {user}/throttle notices.
 */
import { useEffect, useRef, useState } from "react";
import type { DataSource, FeedState } from "../source";

export interface StreamLine {
  id: string;
  /** The feed key, or "errors" / "throttle" for a notice. */
  feed: string;
  value: string;
  at: string;
  notice?: "errors" | "throttle";
}

const LIMIT = 100;
const newestFirst = (a: StreamLine, b: StreamLine) => Date.parse(b.at) - Date.parse(a.at);

export function useStreamLines(feeds: FeedState[], source: DataSource, withNotices: boolean): StreamLine[] {
  const [lines, setLines] = useState<StreamLine[]>([]);
  const seen = useRef(new Set<string>());
  const keys = feeds.map((f) => f.key).join(",");

  const add = (fresh: StreamLine[]) => {
    const unseen = fresh.filter((l) => {
      if (seen.current.has(l.id)) return false;
      seen.current.add(l.id);
      return true;
    });
    if (unseen.length) setLines((old) => [...unseen, ...old].sort(newestFirst).slice(0, LIMIT));
  };

  useEffect(() => {
    let cancelled = false;
    Promise.all(
      keys
        .split(",")
        .filter(Boolean)
        .map((key) => source.data(key, 30).then((items) => items.map((d) => ({ key, d }))).catch(() => [])),
    ).then((parts) => {
      if (cancelled) return;
      add(parts.flat().map(({ key, d }) => ({ id: `${key}:${d.id}`, feed: key, value: d.value, at: d.created_at })));
    });
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keys, source]);

  // Live points arrive through feeds[].latest.
  const latestIds = feeds.map((f) => (f.latest ? `${f.key}:${f.latest.id}` : "")).join(",");
  useEffect(() => {
    add(
      feeds
        .filter((f) => f.latest)
        .map((f) => ({ id: `${f.key}:${f.latest!.id}`, feed: f.key, value: f.latest!.value, at: f.latest!.created_at })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [latestIds]);

  const follow = withNotices ? source.notices : undefined;
  useEffect(() => {
    if (!follow) return;
    let n = 0;
    return follow((notice) => {
      const kind = notice.topic.endsWith("/throttle") ? "throttle" : "errors";
      n += 1;
      add([{ id: `notice:${notice.at}:${n}`, feed: kind, value: notice.message, at: notice.at, notice: kind }]);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [follow]);

  return lines;
}
