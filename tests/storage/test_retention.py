"""Retention in the storage layer, on both databases: exactly the expired points go, feed
counts follow, PostgreSQL drops whole weekly partitions, SQLite ingest goes on meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from db_seed import counts, open_db, point, stored
from stonechat.config import to_async_url
from stonechat.domain.retention import Retention
from stonechat.domain.timestamps import now_ms
from stonechat.services.retention import RetentionService
from stonechat.storage import partitions
from stonechat.storage.batch_writer import SqliteBatchWriter, batch_writer
from stonechat.storage.data import DataStore
from stonechat.storage.database import Database
from stonechat.storage.retention import ADVISORY_KEY
from support import backend_url

DAY = 86_400_000
RETENTION = Retention(raw=30)  # summaries: the defaults


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL only: SQLite has no advisory locks (it serialises on its write lock)."""
    for pg in backend_url("postgresql"):
        assert pg is not None
        yield to_async_url(pg)


async def weekly_partitions(db: Database) -> set[str]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'data'::regclass"
            )
        )
        return {r[0] for r in rows}


def test_prune_removes_exactly_the_expired_points(url: str) -> None:
    async def go() -> None:
        db = await open_db(url)
        now = now_ms()
        try:
            if db.dialect == "postgresql":  # weeks back to 60 days, as a longer-running server has
                async with db.begin() as conn:
                    await partitions.ensure_window(conn, now - 60 * DAY, now)
            ages = {1: [400, 100, 40, 31, 30.01, 29.99, 1, 0], 2: [35, 5]}
            points = {
                (feed, age): point(feed, now - int(age * DAY))
                for feed, feed_ages in ages.items()
                for age in feed_ages
            }
            writer = batch_writer(db)
            await writer.write(list(points.values()))
            await writer.close()
            assert await counts(db) == {1: 8, 2: 2}
            old_week = partitions.partition_name(partitions.week_start(now - 40 * DAY))
            if db.dialect == "postgresql":
                assert old_week in await weekly_partitions(db)

            result = await RetentionService(db, RETENTION).run_once(now)

            kept = {p.datum.id for (_, age), p in points.items() if age < 30}
            assert await stored(db) == kept
            assert result.removed == len(points) - len(kept) == 6
            assert await counts(db) == {1: 3, 2: 1}
            store = DataStore(db)
            assert await store.get(1, points[(1, 40)].datum.id) is None
            assert await store.get(1, points[(1, 29.99)].datum.id) is not None
            if db.dialect == "postgresql":
                assert old_week not in await weekly_partitions(db)
                assert old_week in result.dropped_partitions and result.dropped >= 1
                async with db.connect() as conn:  # dropped, not merely detached
                    found = "SELECT to_regclass(:name) IS NULL"
                    assert (await conn.execute(text(found), {"name": old_week})).scalar()
            # A second round finds nothing more.
            again = await RetentionService(db, RETENTION).run_once(now)
            assert again.removed == 0 and await counts(db) == {1: 3, 2: 1}
        finally:
            await db.close()

    asyncio.run(go())


def test_points_far_in_the_past_and_future_are_stored(url: str) -> None:
    """Back-filled points from decades ago (and far ahead) need no partition made for them."""

    async def go() -> None:
        db = await open_db(url)
        now = now_ms()
        try:
            ancient = point(1, -5 * 365 * DAY)  # 1965
            old = point(1, 946_684_800_000)  # 2000-01-01
            ahead = point(2, 7_258_118_400_000)  # 2200-01-01
            recent = point(1, now)
            writer = batch_writer(db)
            await writer.write([ancient, old, ahead])
            await writer.write([recent])
            await writer.close()
            store = DataStore(db)
            for p in (ancient, old, ahead):
                assert await store.get(p.datum.feed_id, p.datum.id) == p.datum
            if db.dialect == "postgresql":
                async with db.begin() as conn:
                    where = "SELECT tableoid::regclass::text FROM data WHERE id = :id"
                    home = (await conn.execute(text(where), {"id": ahead.datum.id})).scalar()
                    assert home == partitions.DEFAULT_PARTITION
                    # Making that week's partition moves the row out of the default partition.
                    start = partitions.week_start(ahead.datum.created_at)
                    existing = await partitions.partitions(conn)
                    assert await partitions.ensure_week(conn, start, existing)
                    home = (await conn.execute(text(where), {"id": ahead.datum.id})).scalar()
                    assert home == partitions.partition_name(start)
            assert await store.get(2, ahead.datum.id) == ahead.datum
            result = await RetentionService(db, RETENTION).run_once(now)
            assert result.removed == 2
            assert await stored(db) == {ahead.datum.id, recent.datum.id}
            assert await counts(db) == {1: 1, 2: 1}
        finally:
            await db.close()

    asyncio.run(go())


def test_another_process_holding_the_lock_skips_the_round(pg_url: str) -> None:
    async def go() -> None:
        db = await open_db(pg_url)
        try:
            writer = batch_writer(db)
            await writer.write([point(1, now_ms() - 40 * DAY)])
            await writer.close()
            async with db.connect() as other:
                await other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
                assert (await RetentionService(db, RETENTION).run_once()).skipped
                await other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            result = await RetentionService(db, RETENTION).run_once()
            assert not result.skipped and result.removed == 1
        finally:
            await db.close()

    asyncio.run(go())


def test_sqlite_ingest_goes_on_during_a_large_prune(tmp_path: Path) -> None:
    """200,000 expired points pruned in short transactions while the writer keeps committing."""
    path = tmp_path / "big.db"

    async def go() -> None:
        db = await open_db(f"sqlite+aiosqlite:///{path}")
        writer = SqliteBatchWriter(str(path))
        try:
            old = now_ms() - 40 * DAY
            for start in range(0, 200_000, 10_000):
                await writer.write([point(1 + i % 2, old + i) for i in range(start, start + 10**4)])
            retention = RetentionService(db, RETENTION, batch_size=5_000, pause=0.1)
            prune = asyncio.create_task(retention.run_once())
            written = 0
            while not prune.done():
                await writer.write([point(2, now_ms()) for _ in range(10)])
                written += 1
            # Writes kept being committed while the 40 delete transactions ran (at least 4 s
            # of pauses between them); a prune holding the write lock throughout allows none.
            assert written >= 10
            result = await prune
            assert result.removed == 200_000
            assert await counts(db) == {1: 0, 2: 10 * written}
        finally:
            await writer.close()
            await db.close()

    asyncio.run(go())


def test_each_feed_keeps_points_and_summaries_by_its_tiers(url: str) -> None:
    """Feed 1 has the defaults, feed 2 keeps its raw points forever (and so its summaries),
    feed 3 keeps raw points and minutes 100 days. Rollups go by grain: minutes after 90
    days, hours after 180, days never. With a feed keeping raw points forever, no weekly
    partition can be dropped: the others' points go by batched deletes."""

    tiers = Retention(raw=30, minute=90, hour=180, day=None)
    ages = (1, 40, 95, 200)

    async def go() -> None:
        db = await open_db(url, feeds=3)
        now = now_ms()
        try:
            async with db.begin() as conn:
                if db.dialect == "postgresql":
                    await partitions.ensure_window(conn, now - 210 * DAY, now)
                for feed, own in ((2, '{"raw": null}'), (3, '{"raw": 100, "minute": 100}')):
                    await conn.execute(
                        text("UPDATE feeds SET retention = :r WHERE id = :f"), {"r": own, "f": feed}
                    )
            points = {(f, age): point(f, now - age * DAY) for f in (1, 2, 3) for age in ages}
            writer = batch_writer(db)
            await writer.write(list(points.values()))
            await writer.close()

            result = await RetentionService(db, tiers).run_once(now)

            kept = {1: (1,), 2: ages, 3: (1, 40, 95)}
            assert await stored(db) == {
                points[(f, a)].datum.id for f, got in kept.items() for a in got
            }
            assert await counts(db) == {f: len(got) for f, got in kept.items()}
            if db.dialect == "postgresql":
                assert result.dropped_partitions == []  # feed 2 keeps every week
            async with db.connect() as conn:
                rows = await conn.execute(text("SELECT feed_id, grain, bucket FROM rollups"))
                ages_of: dict[tuple[int, int], set[int]] = {}
                for feed_id, grain, bucket in rows:
                    # A bucket starts at or before its point, a day bucket up to a day before:
                    # whole days, counted down, give the point's age at any time of day.
                    ages_of.setdefault((feed_id, grain), set()).add((now - bucket) // DAY)
            minute, hour, day = 0, 1, 2
            assert ages_of[(1, minute)] == {1, 40}
            assert ages_of[(1, hour)] == {1, 40, 95}
            assert ages_of[(1, day)] == set(ages)
            assert ages_of[(2, minute)] == ages_of[(2, hour)] == ages_of[(2, day)] == set(ages)
            assert ages_of[(3, minute)] == {1, 40, 95}
            assert ages_of[(3, hour)] == {1, 40, 95}
            # Minutes of feed 1 (95, 200) and 3 (200); hours of feeds 1 and 3 (200).
            assert result.rollups == 5
        finally:
            await db.close()

    asyncio.run(go())
