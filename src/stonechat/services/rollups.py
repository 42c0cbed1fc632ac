"""Rebuilding rollups from the raw points: ``stonechat rollups rebuild``.

Rollups are kept up to date as points are written, edited and deleted (storage/rollups.py);
a rebuild is for repair (a database edited by hand, a restored copy) and is idempotent. Only
the time the feed's raw points still cover is rebuilt: the summaries of older points are all
that is left of them, and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from stonechat.domain.records import Feed
from stonechat.domain.retention import Retention
from stonechat.domain.timestamps import MAX_MS, MIN_MS, now_ms
from stonechat.storage.data import DataStore

# One transaction per slice of a feed's time: a long history does not hold the database.
SLICE_MS = 7 * 86_400_000


@dataclass(slots=True, frozen=True)
class Rebuilt:
    feed: Feed
    start: int | None  # None: the feed's raw points cover none of the range
    end: int


class RollupService:
    def __init__(self, data: DataStore, retention: Retention) -> None:
        self.data = data
        self.retention = retention  # the server's default tiers

    async def rebuild(self, feed: Feed, since: int | None, until: int | None) -> Rebuilt:
        """Recompute ``feed``'s rollups over [since, until) from its raw points, where its
        raw tier still keeps them."""
        covered = self.retention.over(feed.retention).cutoff("raw", now_ms())
        start = max(MIN_MS if since is None else since, MIN_MS if covered is None else covered)
        end = MAX_MS + 1 if until is None else until
        if start >= end:
            return Rebuilt(feed, None, end)
        oldest = await self.data.edge(feed.id, newest=False)
        newest = await self.data.edge(feed.id, newest=True)
        if oldest is None or newest is None:  # no point: clear whatever summaries are there
            await self.data.rebuild_rollups(feed.id, start, end)
            return Rebuilt(feed, start, end)
        # Around the points: one step each side; over them, a week per transaction.
        low = min(max(start, oldest.created_at), end)
        high = max(min(end, newest.created_at + 1), low)
        if start < low:
            await self.data.rebuild_rollups(feed.id, start, low)
        for at in range(low, high, SLICE_MS):
            await self.data.rebuild_rollups(feed.id, at, min(at + SLICE_MS, high))
        if high < end:
            await self.data.rebuild_rollups(feed.id, high, end)
        return Rebuilt(feed, start, end)
