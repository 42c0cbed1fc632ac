/**
 * Keeps a loaded feed current: live points (by owner + key over the shared live socket)
 * update its last value, and every new point, live or our own, bumps `version` (at most
 * every 700 ms) so the chart and the table reload.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { Feed } from "../api/types";
import { live, topicOf } from "../lib/live";

type SetFeed = (update: (old: Feed | null) => Feed | null) => void;

export function useFeedUpdates(
  owner: string,
  feedKey: string | undefined,
  setFeed: SetFeed,
): { version: number; changed: () => void } {
  const [version, setVersion] = useState(0);
  const bump = useRef<ReturnType<typeof setTimeout> | null>(null);

  const changed = useCallback(() => {
    if (bump.current) return;
    bump.current = setTimeout(() => {
      bump.current = null;
      setVersion((v) => v + 1);
    }, 700);
  }, []);
  useEffect(
    () => () => {
      if (bump.current) clearTimeout(bump.current);
    },
    [],
  );

  useEffect(() => {
    if (!feedKey) return;
    return live.subscribe(topicOf(owner, feedKey), (datum) => {
      setFeed((old) =>
        old ? { ...old, last_value: datum.value, last_value_at: datum.created_at, status: "online" } : old,
      );
      changed();
    });
  }, [owner, feedKey, setFeed, changed]);

  return { version, changed };
}
