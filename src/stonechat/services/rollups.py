"""Rollup rounds (every few seconds, in every server process) and rebuilding rollups from
the raw points (``stonechat rollups rebuild``).

A round brings the rollups of every feed the batch writer marked up to date
(storage/rollups.py ``flush``, then ``unmark``). Several processes may run rounds at once: on
PostgreSQL they take turns (an advisory lock), so a second round finds the first one's feeds
done; SQLite has one writer at a time.

Rollups are kept up to date as points are written, edited and deleted (storage/rollups.py);
a rebuild is for repair (a database edited by hand, a restored copy) and is idempotent. Only
the time the feed's raw points still cover is rebuilt: the summaries of older points are all
that is left of them, and stay as they are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from stonechat.domain.records import Feed
from stonechat.domain.retention import Retention
from stonechat.domain.timestamps import MAX_MS, MIN_MS, now_ms
from stonechat.storage.data import DataStore

log = logging.getLogger(__name__)

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


class RollupRounds:
    """The background job: a round every ``interval`` seconds."""

    def __init__(self, data: DataStore, interval: float) -> None:
        self.data = data
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="rollups")

    async def stop(self) -> None:
        """Stop, after one last round (the points written until now are rolled up)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.data.flush_rollups()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.data.flush_rollups()
            except Exception as error:  # the database away: the marks stay for next time
                log.warning(
                    "rollup round failed (%s); trying again in %.0f s", error, self.interval
                )
