"""Removing expired points: partition drops on PostgreSQL, short batched deletes everywhere.

A point expires ``retention`` after its ``created_at`` (the ``expiration`` the API shows), so
everything with ``created_at < cutoff`` goes; a feed with retention tiers of its own
(domain/retention.py) has its own cutoff, or none. Whole weekly partitions go where every
feed's cutoff has passed them. Rollups of each grain go past their tier's cutoff.

Each feed's ``data_count`` (the API's ``X-Pagination-Total`` and feed details count) drops
by the number of its points removed, in the same transaction as the removal. ``last_value``
stays: it is the feed's last value, not a stored point.

Safe with several server processes pruning at once: on PostgreSQL one of them holds a session
advisory lock and the others skip the round; on SQLite every batch is one short write
transaction whose DELETE comes first, so concurrent pruners serialise on SQLite's write lock
and each only counts what it removed itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text

from stonechat.storage import partitions, rollups
from stonechat.storage.database import Database

log = logging.getLogger(__name__)

# pg_try_advisory_lock key: "stonechat retention" (any constant unique to this job).
ADVISORY_KEY = 0x5EC0_0001
# How long a partition detach may wait for its ACCESS EXCLUSIVE lock on ``data``: queries
# queue behind a waiting lock, so give up early and try again next round.
PG_LOCK_TIMEOUT = "2s"
_ORPHAN = re.compile(r"^data_w\d{8}$")

_FEEDS_WITH_EXPIRED = text(
    "SELECT id FROM feeds WHERE EXISTS "
    "(SELECT 1 FROM data WHERE data.feed_id = feeds.id AND data.created_at < :cutoff) "
    "AND id NOT IN :own AND (:only = 0 OR id = :only) ORDER BY id"
).bindparams(bindparam("own", expanding=True))
# The DELETE comes first in its transaction: on SQLite a transaction that reads before it
# writes can fail at once (SQLITE_BUSY_SNAPSHOT) when the ingest writer committed meanwhile.
_DELETE_BATCH = text(
    "DELETE FROM data WHERE feed_id = :feed AND (created_at, id) IN "
    "(SELECT created_at, id FROM data WHERE feed_id = :feed AND created_at < :cutoff "
    "ORDER BY created_at, id LIMIT :limit)"
)
_DECREMENT = text(
    "UPDATE feeds SET data_count = CASE WHEN data_count > :n THEN data_count - :n ELSE 0 END "
    "WHERE id = :feed"
)


_OWN_TIERS = "SELECT id, retention FROM feeds WHERE retention IS NOT NULL"


@dataclass(slots=True)
class PruneResult:
    """What one round removed (``skipped``: another process held the PostgreSQL lock)."""

    deleted: int = 0
    dropped: int = 0
    rollups: int = 0  # rollup rows past their tier
    dropped_partitions: list[str] = field(default_factory=list)
    created_partitions: list[str] = field(default_factory=list)
    skipped: bool = False

    @property
    def removed(self) -> int:
        return self.deleted + self.dropped


class RetentionStore:
    """``batch_size`` rows per delete transaction, ``pause`` seconds between them."""

    def __init__(self, db: Database, *, batch_size: int = 5_000, pause: float = 0.05) -> None:
        self.db = db
        self.batch_size = batch_size
        self.pause = pause

    async def own_tiers(self) -> dict[int, dict[str, int | None]]:
        """The feeds with retention tiers of their own: feed id -> tiers."""
        async with self.db.connect() as conn:
            rows = await conn.execute(text(_OWN_TIERS))
            return {r[0]: json.loads(r[1]) for r in rows}

    async def prune(
        self,
        cutoff_ms: int,
        now_ms: int,
        *,
        own: Mapping[int, int | None] | None = None,
        rollup_cutoffs: Mapping[str, RollupCutoffs] | None = None,
    ) -> PruneResult:
        """Remove every point with ``created_at < cutoff_ms``, but for the feeds in ``own``
        (feed id -> its own cutoff, None: keep every point); the rollups of each grain past
        ``rollup_cutoffs``. On PostgreSQL also create the weekly partitions from the cutoff's
        week to a few weeks after ``now_ms``."""
        plan = _Plan(cutoff_ms, dict(own or {}), dict(rollup_cutoffs or {}))
        await rollups.bring_up_to_date(self.db)  # the points about to go are in the rollups first
        if self.db.dialect != "postgresql":
            result = PruneResult()
            async with self.db.connect() as conn:
                result.deleted = await self._delete_every_expired(conn, plan)
                result.rollups = await _expire_rollups(conn, plan)
            return result
        async with self.db.connect() as conn:
            locked = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            ).scalar()
            await conn.commit()
            if not locked:
                return PruneResult(skipped=True)
            try:
                return await self._prune_postgres(conn, plan, now_ms)
            finally:
                await conn.rollback()
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                await conn.commit()

    async def _prune_postgres(self, conn: Any, plan: _Plan, now_ms: int) -> PruneResult:
        result = PruneResult()
        existing = await partitions.partitions(conn)
        for week in partitions.weeks(plan.cutoff, now_ms):  # one short transaction each
            try:
                await _short_lock_waits(conn)
                if await partitions.ensure_week(conn, week, existing):
                    result.created_partitions.append(partitions.partition_name(week))
                await conn.commit()
            except Exception as error:  # a lock timeout: inserts still land in the default
                await conn.rollback()
                log.warning("retention: could not create partitions: %s", error)
                break
        whole = plan.partition_cutoff()
        for p in await partitions.partitions(conn):
            if whole is not None and p.end is not None and p.end <= whole:
                try:
                    await _short_lock_waits(conn)
                    await conn.execute(text(f"ALTER TABLE data DETACH PARTITION {p.name}"))
                    await conn.commit()
                except Exception as error:  # a lock timeout: another round will do it
                    await conn.rollback()
                    log.warning("retention: could not detach %s: %s", p.name, error)
        await conn.commit()
        # Detached weeks (this round's, or a round that stopped half way) are dropped with
        # their counts taken off the feeds, in one transaction each. Nothing else locks them.
        for name in await _detached_weeks(conn):
            result.dropped += await _drop_detached(conn, name)
            result.dropped_partitions.append(name)
            await conn.commit()
        result.deleted = await self._delete_every_expired(conn, plan)
        result.rollups = await _expire_rollups(conn, plan)
        return result

    async def _delete_every_expired(self, conn: Any, plan: _Plan) -> int:
        """The feeds on the default cutoff, then each feed with its own."""
        deleted = await self._delete_expired(conn, plan.cutoff, own=list(plan.own))
        for feed_id, cutoff in sorted(plan.own.items()):
            if cutoff is not None:
                deleted += await self._delete_expired(conn, cutoff, only=feed_id)
        return deleted

    async def _delete_expired(
        self, conn: Any, cutoff_ms: int, *, own: list[int] | None = None, only: int = 0
    ) -> int:
        """Batched deletes, feed by feed: ``batch_size`` rows or fewer per transaction; the
        feeds ``own`` left out, or only the feed ``only``."""
        params = {"cutoff": cutoff_ms, "own": own or [], "only": only}
        feed_ids = [r[0] for r in await conn.execute(_FEEDS_WITH_EXPIRED, params)]
        await conn.commit()
        deleted = 0
        budget = self.batch_size
        for feed_id in feed_ids:
            while True:
                n = (
                    await conn.execute(
                        _DELETE_BATCH, {"feed": feed_id, "cutoff": cutoff_ms, "limit": budget}
                    )
                ).rowcount
                if n:
                    await conn.execute(_DECREMENT, {"n": n, "feed": feed_id})
                    deleted += n
                    budget -= n
                if budget > 0:
                    break  # this feed has nothing more to delete; the transaction goes on
                await conn.commit()
                budget = self.batch_size
                await asyncio.sleep(self.pause)  # let the ingest writer in
        await conn.commit()
        return deleted


@dataclass(slots=True, frozen=True)
class RollupCutoffs:
    """One grain's rollups: the default cutoff, and each feed's own (None: keep)."""

    default: int | None
    own: Mapping[int, int | None]


@dataclass(slots=True)
class _Plan:
    cutoff: int  # the default raw cutoff
    own: dict[int, int | None]  # feeds with their own raw cutoff (None: keep every point)
    rollups: dict[str, RollupCutoffs]

    def partition_cutoff(self) -> int | None:
        """Before this, every feed's points have expired: whole partitions may go."""
        if any(c is None for c in self.own.values()):
            return None
        return min([self.cutoff, *(c for c in self.own.values() if c is not None)])


async def _expire_rollups(conn: Any, plan: _Plan) -> int:
    """Each grain's rollups past their cutoff, in one short transaction per grain."""
    removed = 0
    for grain, cutoffs in plan.rollups.items():
        if cutoffs.default is not None:
            removed += await rollups.expire(conn, grain, cutoffs.default, exclude=list(cutoffs.own))
        for feed_id, cutoff in sorted(cutoffs.own.items()):
            if cutoff is not None:
                removed += await rollups.expire(conn, grain, cutoff, only=[feed_id])
        await conn.commit()
    return removed


async def _short_lock_waits(conn: Any) -> None:
    await conn.execute(text(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'"))


async def _detached_weeks(conn: Any) -> list[str]:
    """Weekly tables that are no longer partitions of ``data`` (detached for dropping)."""
    rows = await conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relispartition "
            "AND c.relname LIKE 'data\\_w%' ORDER BY c.relname"
        )
    )
    return [r[0] for r in rows if _ORPHAN.match(r[0])]


async def _drop_detached(conn: Any, name: str) -> int:
    counts = (
        await conn.execute(text(f"SELECT feed_id, count(*) FROM {name} GROUP BY feed_id"))
    ).all()
    if counts:
        await conn.execute(
            text(
                "UPDATE feeds SET data_count = GREATEST(feeds.data_count - c.n, 0) "
                "FROM unnest(CAST(:feeds AS int[]), CAST(:counts AS bigint[])) AS c(feed, n) "
                "WHERE feeds.id = c.feed"
            ),
            {"feeds": [r[0] for r in counts], "counts": [r[1] for r in counts]},
        )
    await conn.execute(text(f"DROP TABLE {name}"))
    return sum(r[1] for r in counts)
