/** The latest point of every feed on a dashboard: from the feed list, then from the live
 * connection and from the dashboard's own writes. */
import { useCallback, useEffect, useRef, useState } from "react";
import type { Block, Datum, Feed } from "../api/types";
import { live, topicOf } from "../lib/live";
import type { FeedState } from "./source";

function feedKeysOf(blocks: Block[]): string[] {
  const keys = new Set<string>();
  for (const b of blocks) for (const bf of b.block_feeds) if (bf.feed?.key) keys.add(bf.feed.key);
  return [...keys].sort();
}

/** The feeds of the blocks, as FeedStates, and `accept`, which records a new point. */
export function useFeedStates(
  blocks: Block[],
  feeds: Feed[],
  username: string,
  onReconnect?: () => void,
): { states: Record<string, FeedState>; accept: (key: string, datum: Datum) => void } {
  const [states, setStates] = useState<Record<string, FeedState>>({});
  useEffect(() => {
    setStates((old) => {
      const next: Record<string, FeedState> = { ...old };
      for (const f of feeds) {
        const prev = old[f.key];
        const newer = !prev?.at || (f.last_value_at && Date.parse(f.last_value_at) >= Date.parse(prev.at));
        next[f.key] = {
          key: f.key,
          name: f.name,
          unit: f.unit_symbol,
          value: newer ? f.last_value : prev.value,
          at: newer ? f.last_value_at : prev.at,
          latest: prev?.latest ?? null,
        };
      }
      return next;
    });
  }, [feeds]);

  const accept = useCallback((key: string, datum: Datum) => {
    setStates((old) => {
      const prev = old[key];
      if (prev?.latest?.id === datum.id) return old;
      if (prev?.at && Date.parse(datum.created_at) < Date.parse(prev.at)) {
        return { ...old, [key]: { ...prev, latest: datum } };
      }
      return {
        ...old,
        [key]: {
          key,
          name: prev?.name ?? key,
          unit: prev?.unit ?? null,
          value: datum.value,
          at: datum.created_at,
          latest: datum,
        },
      };
    });
  }, []);

  const keys = feedKeysOf(blocks).join(",");
  useEffect(() => {
    if (!keys) return;
    const offs = keys.split(",").map((key) =>
      live.subscribe(topicOf(username, key), (datum) => accept(key, datum as Datum)),
    );
    return () => offs.forEach((off) => off());
  }, [keys, username, accept]);

  // Points missed while the connection was down come with the feed list, loaded again.
  const reconnect = useRef(onReconnect);
  reconnect.current = onReconnect;
  useEffect(
    () =>
      live.onStatus((status, reconnected) => {
        if (status === "open" && reconnected) reconnect.current?.();
      }),
    [],
  );

  return { states, accept };
}

/** A block's feeds, in its order; a feed not loaded (yet) has no value. */
export function blockFeedStates(block: Block, states: Record<string, FeedState>): FeedState[] {
  return block.block_feeds
    .map((bf) =>
      bf.feed?.key
        ? (states[bf.feed.key] ?? { key: bf.feed.key, name: bf.feed.name, unit: null, value: null, at: null, latest: null })
        : null,
    )
    .filter((f): f is FeedState => f !== null);
}
