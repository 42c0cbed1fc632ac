"""Rollups against the raw points they summarise, on both databases.

Hypothesis writes random batches (back-dated points, ties at one millisecond, text values
among numbers), deletes and edits (new value, new time) through the real paths (the batch
writer, ``DataStore.update`` and ``delete``), then checks every rollup row (minute, hour, day)
equals the same summary computed in Python from the raw rows left in the table. A rebuild
from raw must give the same rows, and so must the migration's fill of an existing database.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from db_seed import open_db, point
from stonechat.config import to_async_url
from stonechat.domain.ids import derived
from stonechat.domain.records import Datum
from stonechat.domain.retention import GRAIN_MS
from stonechat.domain.timestamps import MAX_MS, MIN_MS, now_ms
from stonechat.storage import rollups
from stonechat.storage.batch_writer import batch_writer
from stonechat.storage.data import DataStore, NewDatum
from stonechat.storage.database import Database, alembic_config
from stonechat.storage.rollups import GRAIN, summarise
from support import backend_url

# Three days back from now: on PostgreSQL points of the last day wait for a rollup round (their
# feed is marked), older ones are merged by the batch writer at once (storage/batch_writer.py);
# edits move points between the two. On SQLite the writer merges every point at once.
BASE = now_ms() - 3 * 86_400_000
_feeds = itertools.count(100)
_serial = itertools.count()


def new_id(at: int) -> str:
    """A ULID of time ``at``, unique across examples (points are written out of order)."""
    return derived(at, str(next(_serial)))


class Harness:
    """One database and one event loop for every example of a test."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.db: Database = self.run(open_db(url, feeds=1))
        self.writer = batch_writer(self.db)
        self.store = DataStore(self.db)

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self.run(self.writer.close())
        self.run(self.db.close())
        self.loop.close()

    async def new_feed(self) -> int:
        feed_id = next(_feeds)
        async with self.db.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO feeds (id, user_id, group_id, key, name, history, visibility, "
                    "status_notify, status_timeout, data_count, created_at, updated_at) "
                    "VALUES (:f, 1, 1, :k, :k, true, 'private', false, 60, 0, 0, 0)"
                ),
                {"f": feed_id, "k": f"f{feed_id}"},
            )
        return feed_id

    async def raw_summary(self, feed_id: int) -> dict[tuple[int, int], tuple[Any, ...]]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                text("SELECT feed_id, created_at, id, value_num FROM data WHERE feed_id = :f"),
                {"f": feed_id},
            )
            return {(r[1], r[2]): r[3:] for r in summarise([tuple(r) for r in rows])}

    async def stored(self, feed_id: int) -> dict[tuple[int, int], tuple[Any, ...]]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                text(f"SELECT {', '.join(rollups.COLUMNS)} FROM rollups WHERE feed_id = :f"),
                {"f": feed_id},
            )
            return {(r[1], r[2]): tuple(r[3:]) for r in rows}


@pytest.fixture(scope="module")
def harness(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    for pg in backend_url(backend):
        path = tmp_path_factory.mktemp("rollups") / "rollups.db"
        h = Harness(to_async_url(pg or f"sqlite:///{path}"))
        yield h
        h.close()


def assert_same(got: dict[Any, tuple[Any, ...]], expected: dict[Any, tuple[Any, ...]]) -> None:
    assert got.keys() == expected.keys()
    for key, row in expected.items():
        points, numbers, total, low, high, *edges = row
        assert got[key][:2] == (points, numbers), key
        assert math.isclose(got[key][2], total, rel_tol=1e-9, abs_tol=1e-6), key
        assert got[key][3:] == (low, high, *edges), key


values = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
    st.sampled_from(["on", "abc", ""]),
)
# Times over three days, so points share minutes, hours and days; ties at one millisecond.
offsets = st.integers(0, 3 * 86_400_000).map(lambda ms: ms - ms % 7_000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(st.tuples(offsets, values), min_size=1, max_size=40)),
        st.tuples(st.just("delete"), st.integers(0, 10_000)),
        st.tuples(st.just("edit"), st.integers(0, 10_000), offsets, values),
    ),
    min_size=1,
    max_size=8,
)


def numeric(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations)
def test_rollups_equal_the_summary_of_the_raw_points(harness: Harness, ops: list[Any]) -> None:
    async def go() -> None:
        feed_id = await harness.new_feed()
        ids: list[str] = []
        for op in ops:
            if op[0] == "add":
                batch = []
                for offset, value in op[1]:
                    at = BASE + offset
                    datum = Datum(new_id(at), feed_id, value, None, None, None, at, at)
                    batch.append(NewDatum(datum, numeric(value)))
                    ids.append(datum.id)
                await harness.writer.write(batch)
            elif op[0] == "delete" and ids:
                await harness.store.delete(feed_id, ids.pop(op[1] % len(ids)))
            elif op[0] == "edit" and ids:
                _, pick, offset, value = op
                await harness.store.update(
                    feed_id,
                    ids[pick % len(ids)],
                    value=value,
                    value_num=numeric(value),
                    created_at=BASE + offset,
                )
        await harness.store.flush_rollups()  # a rollup round
        expected = await harness.raw_summary(feed_id)
        assert_same(await harness.stored(feed_id), expected)
        # A rebuild from the raw points gives the same rows.
        async with harness.db.begin() as conn:
            await rollups.rebuild(conn, feed_id, MIN_MS, MAX_MS + 1)
        assert_same(await harness.stored(feed_id), expected)

    harness.run(go())


def test_a_chart_reads_the_rollups_of_its_grain(harness: Harness) -> None:
    """Every field of a chart, per 5 minutes (minute rollups), 2 hours (hour rollups) and
    2 days (day rollups), equals the same aggregate over the raw points."""

    async def go() -> None:
        feed_id = await harness.new_feed()
        batch = []
        for i in range(3 * 24 * 60 // 7):
            at = BASE + i * 7 * 60_000 + i % 5
            value = str((i * 37) % 101 - 50) if i % 9 else "text"
            batch.append(
                NewDatum(
                    Datum(new_id(at), feed_id, value, None, None, None, at, at), numeric(value)
                )
            )
        await harness.writer.write(batch)
        end = BASE + 3 * 86_400_000
        for step, grain in ((5 * 60_000, "minute"), (7_200_000, "hour"), (2 * 86_400_000, "day")):
            for field in ("avg", "sum", "min", "max", "val_count", "val"):
                got = await harness.store.chart(
                    feed_id, grain, start=BASE // step * step, end=end, step=step, field=field
                )
                assert [b for b, _ in got] == sorted(
                    {
                        p.datum.created_at // step * step
                        for p in batch
                        if field == "val_count" or p.value_num is not None
                    }
                )
                for bucket, value in got:
                    inside = [p for p in batch if bucket <= p.datum.created_at < bucket + step]
                    numbers = [p.value_num for p in inside if p.value_num is not None]
                    expected = {
                        "avg": sum(numbers) / len(numbers) if numbers else None,
                        "sum": sum(numbers),
                        "min": min(numbers, default=None),
                        "max": max(numbers, default=None),
                        "val_count": len(inside),
                        "val": max(
                            (
                                (p.datum.created_at, p.datum.id, p.value_num)
                                for p in inside
                                if p.value_num is not None
                            ),
                            default=(0, "", None),
                        )[2],
                    }[field]
                    assert math.isclose(float(value), float(expected)), (grain, field, bucket)  # type: ignore[arg-type]

    harness.run(go())


def test_the_migration_fills_rollups_from_existing_points(url: str) -> None:
    """A database with points from before rollups (0013) gets them from migration 0014."""

    async def go() -> None:
        db = await open_db(url, feeds=2)
        writer = batch_writer(db)
        batch = [
            NewDatum(
                Datum(
                    new_id(BASE + i * 50_000),
                    1 + i % 2,
                    str(i),
                    None,
                    None,
                    None,
                    BASE + i * 50_000,
                    0,
                ),
                float(i),
            )
            for i in range(500)
        ]
        await writer.write(batch)
        await writer.close()
        store = Harness.__new__(Harness)
        store.db = db
        before = {f: await Harness.stored(store, f) for f in (1, 2)}
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM rollups"))
        async with db.begin() as conn:
            await conn.run_sync(lambda sync: migrate(sync, "0013", down=True))
        await db.upgrade()
        after = {f: await Harness.stored(store, f) for f in (1, 2)}
        assert before[1] and before[2]
        for f in (1, 2):
            assert_same(after[f], before[f])
        await db.close()

    asyncio.run(go())


def migrate(connection: Any, revision: str, *, down: bool) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


def test_grains_are_stored_as_numbers() -> None:
    assert GRAIN == {"minute": 0, "hour": 1, "day": 2}
    assert GRAIN_MS["day"] == 24 * GRAIN_MS["hour"] == 1440 * GRAIN_MS["minute"]


def test_a_feed_without_history_keeps_the_rollups_of_every_point(harness: Harness) -> None:
    """Its raw points do not stay (only the newest), so its rollups are merged as points
    come, recent or old, and hold every point it was sent."""

    async def go() -> None:
        feed_id = await harness.new_feed()
        sent: list[tuple[int, int, str, float | None]] = []
        for first in range(0, 90, 30):
            batch = []
            for i in range(first, first + 30):
                at = BASE + i * 2_400_000  # every 40 minutes over three days
                value = str(i % 7) if i % 5 else "text"
                datum = Datum(new_id(at), feed_id, value, None, None, None, at, at)
                batch.append(NewDatum(datum, numeric(value), history=False))
                sent.append((feed_id, at, datum.id, numeric(value)))
            await harness.writer.write(batch)
        await harness.store.flush_rollups()
        async with harness.db.connect() as conn:
            stored = (
                await conn.execute(text(f"SELECT count(*) FROM data WHERE feed_id = {feed_id}"))
            ).scalar()
        assert stored == 1
        assert_same(await harness.stored(feed_id), {(r[1], r[2]): r[3:] for r in summarise(sent)})

    harness.run(go())


def test_sqlite_merges_at_once_postgresql_marks_for_the_round(harness: Harness) -> None:
    """SQLite: recent points are in the rollups when the write returns, no feed is marked,
    and a round takes no write lock (batch_writer.py RECENT_MS: a round there stalled every
    batch). PostgreSQL: the write marks the feed and the round brings its rollups current."""

    async def go() -> None:
        feed_id = await harness.new_feed()
        now = now_ms()
        batch = []
        for i in range(20):
            at = now - 60_000 + i * 1_000  # the last minute: recent points
            datum = Datum(new_id(at), feed_id, str(i), None, None, None, at, at)
            batch.append(NewDatum(datum, float(i)))
        await harness.writer.write(batch)
        expected = await harness.raw_summary(feed_id)
        async with harness.db.connect() as conn:
            is_marked = await rollups.marked(conn, feed_id)
        if harness.store.postgres:
            assert is_marked
            assert await harness.stored(feed_id) == {}
            await harness.store.flush_rollups()
        else:
            assert not is_marked
        assert_same(await harness.stored(feed_id), expected)
        async with harness.db.connect() as conn:
            assert not await rollups.marked(conn, feed_id)

    harness.run(go())


def test_a_round_rolls_up_a_feed_marked_by_an_older_version(harness: Harness) -> None:
    """A database written by a version whose SQLite writer marked feeds: the round still
    finds the mark and recomputes from the raw points."""

    async def go() -> None:
        feed_id = await harness.new_feed()
        now = now_ms()
        batch = []
        for i in range(10):
            at = now - 30_000 + i * 1_000
            datum = Datum(new_id(at), feed_id, str(i), None, None, None, at, at)
            batch.append(NewDatum(datum, float(i)))
        await harness.writer.write(batch)
        await harness.store.flush_rollups()
        expected = await harness.raw_summary(feed_id)
        async with harness.db.begin() as conn:  # as the older version left it
            await conn.execute(text(f"DELETE FROM rollups WHERE feed_id = {feed_id}"))
            await conn.execute(
                text(f"UPDATE feeds SET rollup_from = {now - 30_000} WHERE id = {feed_id}")
            )
        await harness.store.flush_rollups()
        assert_same(await harness.stored(feed_id), expected)

    harness.run(go())


def on_postgresql(test: Callable[[Database], Awaitable[None]]) -> None:
    """Run ``test`` on a PostgreSQL database of its own (one feed, id 1; dropped after)."""

    async def go(url: str) -> None:
        db = await open_db(url, feeds=1)
        try:
            await test(db)
        finally:
            await db.close()

    for pg in backend_url("postgresql"):
        assert pg is not None
        asyncio.run(go(to_async_url(pg)))


async def sql(db: Database, query: str) -> Any:
    """The first column of the first row of ``query``."""
    async with db.connect() as conn:
        return (await conn.execute(text(query))).scalar()


MINUTES = "SELECT sum(points) FROM rollups WHERE feed_id = 1 AND grain = 0"
MARK = "SELECT rollup_from FROM feeds WHERE id = 1"


async def rolled_up_and_marked(db: Database, store: DataStore) -> None:
    """Feed 1 with rollups rows (3 points, a round) and marked again (a 4th recent point)."""
    writer = batch_writer(db)
    await writer.write([point(1, now_ms() - 60_000 + i * 1_000, str(i)) for i in range(3)])
    await store.flush_rollups()
    await writer.write([point(1, now_ms() - 50_000, "3")])
    await writer.close()


def test_a_point_edit_waits_for_a_round_instead_of_deadlocking() -> None:
    """PostgreSQL: a round locks rollups and then the feed rows it unmarks; deleting or
    changing a point locks its feed's row and then recomputes rollups. The edit now waits
    for a running round before it locks anything (``rollups.hold_rounds``); before, the two
    deadlocked and PostgreSQL failed one (CI15: a point's DELETE answered 500)."""

    async def go(db: Database) -> None:
        store = DataStore(db)
        writer = batch_writer(db)
        sent = [point(1, now_ms() - 120_000 + i * 1_000, str(i)) for i in range(3)]
        await writer.write(sent)
        await writer.close()
        await store.flush_rollups()
        async with db.begin() as round_:  # a round between its two halves
            await round_.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": rollups.ROUND_LOCK}
            )
            await round_.execute(text("DELETE FROM rollups WHERE feed_id = 1"))
            edit = asyncio.create_task(store.delete(1, sent[0].datum.id))
            await asyncio.sleep(0.3)
            assert not edit.done()  # waiting for the round, holding no row
            await round_.execute(text("UPDATE feeds SET rollup_from = NULL WHERE id = 1"))
        assert await asyncio.wait_for(edit, 10)
        assert await sql(db, "SELECT count(*) FROM data") == 2
        # The round removed the rows; the edit recomputed the minute of its point.
        assert await sql(db, MINUTES) in (1, 2)

    on_postgresql(go)


def test_a_round_unmarks_its_feeds_after_its_rollups_are_committed() -> None:
    """PostgreSQL: a batch locks its feeds' rows, then the rollups of its older points. A
    round that locked rollups and then the feed rows it unmarks could meet it the other way
    round; the round now commits its rollups first and unmarks in a transaction of its own,
    so a batch holding the feed's row waits for nothing the round holds."""

    async def go(db: Database) -> None:
        store = DataStore(db)
        await rolled_up_and_marked(db, store)
        async with db.begin() as batch:  # as a batch does: its feed's row first
            await batch.execute(
                text(
                    "UPDATE feeds SET data_count = data_count, "
                    "rollup_version = rollup_version + 1 WHERE id = 1"
                )
            )
            round_ = asyncio.create_task(store.flush_rollups())
            await asyncio.sleep(0.5)
            assert not round_.done()  # its rollups committed, waiting to unmark
            assert await sql(db, MINUTES) == 4
            # then the rollups: before, the round held them here, and one of the two was
            # killed as a deadlock
            await batch.execute(text("UPDATE rollups SET points = points WHERE feed_id = 1"))
        await asyncio.wait_for(round_, 10)
        # the batch moved the feed's version on: the feed stays marked for the next round
        assert await sql(db, MARK) is not None
        await store.flush_rollups()
        assert await sql(db, MARK) is None

    on_postgresql(go)


def test_a_batch_postgresql_rolls_back_for_a_deadlock_runs_again() -> None:
    """A batch PostgreSQL chose to end a deadlock is written again (batch_writer.py
    ``RETRIES``); its points are stored once. Here the other side is a transaction that locks
    the rollups and then the feed's row."""

    async def go(db: Database) -> None:
        writer = batch_writer(db)
        old = now_ms() - 3 * 86_400_000  # merged into the rollups by the batch itself
        await writer.write([point(1, old, "1")])
        async with db.begin() as other:
            await other.execute(text("UPDATE rollups SET points = points WHERE feed_id = 1"))
            batch = asyncio.create_task(writer.write([point(1, old + 1, "2")]))
            await asyncio.sleep(0.3)  # the batch holds the feed's row, waits for rollups
            assert not batch.done()
            await other.execute(text("UPDATE feeds SET data_count = data_count WHERE id = 1"))
        await asyncio.wait_for(batch, 20)
        await writer.close()
        assert await sql(db, "SELECT count(*) FROM data") == 2
        assert await sql(db, "SELECT data_count FROM feeds WHERE id = 1") == 2
        assert await sql(db, MINUTES) == 2

    on_postgresql(go)


def test_thinning_a_feed_locks_its_row_before_its_rollups() -> None:
    """PostgreSQL: turning a feed's history off brings its rollups up to date and deletes all
    but its newest point (``DataStore.keep_newest``). It locks the feed's row first, as a batch
    does, so a batch holding that row and then merging into the rollups (a feed without
    history merges every point) waits for it or it for the batch, never both."""

    async def go(db: Database) -> None:
        store = DataStore(db)
        await rolled_up_and_marked(db, store)
        async with db.begin() as batch:
            await batch.execute(text("UPDATE feeds SET data_count = data_count WHERE id = 1"))
            thinning = asyncio.create_task(store.keep_newest(1))
            await asyncio.sleep(0.5)
            assert not thinning.done()
            await batch.execute(text("UPDATE rollups SET points = points WHERE feed_id = 1"))
        await asyncio.wait_for(thinning, 10)
        assert await sql(db, "SELECT count(*) FROM data") == 1
        assert await sql(db, MINUTES) == 4

    on_postgresql(go)
