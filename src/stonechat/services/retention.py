"""Retention: a background job that removes points past their expiration.

A point's expiration is ``created_at + retention`` (shown as ``expiration`` by the API), by
its feed's raw tier; rollups go by their grain's tier (domain/retention.py). The job runs a
first round shortly after start, then every ``interval`` seconds; ``run_once`` is what
``stonechat db prune`` and the tests call. Several processes may run it at once (see
``storage/retention.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from stonechat.domain.errors import Unavailable
from stonechat.domain.retention import GRAINS, Retention
from stonechat.domain.timestamps import now_ms
from stonechat.storage.database import Database
from stonechat.storage.retention import PruneResult, RetentionStore, RollupCutoffs

log = logging.getLogger(__name__)

FIRST_ROUND_AFTER = 10.0  # seconds after start: let the server come up first


class RetentionService:
    """``retention``: the server's default tiers (domain/retention.py); a feed may have its
    own."""

    def __init__(
        self,
        db: Database,
        retention: Retention,
        *,
        interval: float = 300.0,
        batch_size: int = 5_000,
        pause: float = 0.05,
    ) -> None:
        self.store = RetentionStore(db, batch_size=batch_size, pause=pause)
        self.retention = retention
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run_once(self, now: int | None = None) -> PruneResult:
        """One round: remove every point and rollup that expired before ``now`` (default:
        the clock), by each feed's tiers."""
        at = now_ms() if now is None else now
        own = {f: self.retention.over(tiers) for f, tiers in (await self.store.own_tiers()).items()}
        cutoff = self.retention.cutoff("raw", at)
        assert cutoff is not None  # the default raw tier is a number of days (settings)
        result = await self.store.prune(
            cutoff,
            at,
            own={f: r.cutoff("raw", at) for f, r in own.items()},
            rollup_cutoffs={
                grain: RollupCutoffs(
                    self.retention.cutoff(grain, at),
                    {f: r.cutoff(grain, at) for f, r in own.items()},
                )
                for grain in GRAINS
            },
        )
        if result.removed or result.created_partitions or result.rollups:
            log.info(
                "retention: removed %d points (%d in dropped partitions %s) and %d rollups, "
                "created %s",
                result.removed,
                result.dropped,
                ", ".join(result.dropped_partitions) or "-",
                result.rollups,
                ", ".join(result.created_partitions) or "no partitions",
            )
        return result

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="retention")

    async def stop(self) -> None:
        """Cancel the job; a round in progress stops at its next statement (rolled back)."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        await asyncio.sleep(min(FIRST_ROUND_AFTER, self.interval))
        while True:
            try:
                await self.run_once()
            except Unavailable as error:  # the database away: a known cause, no traceback
                log.warning(
                    "retention round skipped (%s); trying again in %.0f s", error, self.interval
                )
            except Exception:
                log.exception("retention round failed; trying again in %.0f s", self.interval)
            await asyncio.sleep(self.interval)
