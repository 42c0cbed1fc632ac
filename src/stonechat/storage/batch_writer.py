"""The group-commit writer's path to the database: one transaction per batch of points.

Each batch is the points' INSERT (or COPY), the feeds' UPDATE (count, last value, and on
PostgreSQL the mark that leaves recent points to the next rollup round,
``storage/rollups.py``), the merge of the other points' summaries (on SQLite all of them)
into the rollups and, for feeds with history off, the DELETE of all but their newest point,
committed together. On SQLite the whole transaction runs in one hop to a dedicated writer
thread with its own ``sqlite3`` connection: going through aiosqlite costs a thread hop per
statement, which made small batches CPU-bound.

``write`` raises database errors as domain errors (``storage.errors``): ``Unavailable`` when
nothing can be written now (the database unreachable, its disk full or failing), ``Invalid``
when the database refuses a value of this batch. A failed batch leaves nothing behind, and
the next ``write`` tries the database again (a dropped connection is opened anew).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from stonechat.domain.errors import Unavailable
from stonechat.domain.records import Datum
from stonechat.domain.timestamps import now_ms
from stonechat.storage.data import DELETE_ALL_BUT_NEWEST, NewDatum
from stonechat.storage.database import Database, apply_sqlite_pragmas
from stonechat.storage.errors import translate, translating
from stonechat.storage.rollups import PG_UPSERT, SQLITE_UPSERTS, summarise
from stonechat.storage.rollups import SQLITE_CHUNKS as ROLLUP_CHUNKS

COLUMNS = ("feed_id", "created_at", "id", "value", "value_num", "lat", "lon", "ele", "updated_at")
_COLUMNS = ", ".join(COLUMNS)
_NEWER = "(last_value_at IS NULL OR last_value_at <= {at})"
# ``rollup_from``: the oldest time of the feed's points not yet in its rollups (a rollup
# round, storage/rollups.py ``flush``, recomputes them from there and clears it).
_BUMP = (
    "UPDATE feeds SET data_count = data_count + {n}, "
    "last_value = CASE WHEN " + _NEWER + " THEN {value} ELSE last_value END, "
    "last_value_at = CASE WHEN " + _NEWER + " THEN {at} ELSE last_value_at END, "
    "rollup_from = CASE WHEN {since} IS NOT NULL AND (rollup_from IS NULL "
    "OR {since} < rollup_from) THEN {since} ELSE rollup_from END, "
    "rollup_version = rollup_version + 1 "
    "WHERE id = {feed}"
)
_BUMP_HEAD = _BUMP[: _BUMP.index(" WHERE")]
# SQLite: many rows per statement, in chunks of these sizes (a few cached statements).
# ``executemany`` steps once per row, and each step gives up the GIL and has to win it
# back from the busy event loop: under load the writer spent its time waiting for it.
SQLITE_CHUNKS = (512, 64, 8, 1)


def _sqlite_insert(rows: int) -> str:
    values = ", ".join([f"({', '.join('?' * len(COLUMNS))})"] * rows)
    return f"INSERT INTO data ({_COLUMNS}) VALUES {values}"


def _sqlite_bump(rows: int) -> str:
    values = ", ".join(["(?, ?, ?, ?, ?)"] * rows)
    return (
        _BUMP_HEAD.format(n="b.column1", at="b.column2", value="b.column3", since="b.column5")
        + f" FROM (VALUES {values}) AS b WHERE feeds.id = b.column4"
    )


SQLITE_INSERTS = {n: _sqlite_insert(n) for n in SQLITE_CHUNKS}
SQLITE_BUMPS = {n: _sqlite_bump(n) for n in SQLITE_CHUNKS}
# One statement per batch whatever its size: every column travels as one array.
PG_INSERT_UNNEST = (
    f"INSERT INTO data ({_COLUMNS}) SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], "
    "$4::text[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::bigint[])"
)
PG_BUMP_UNNEST = (
    _BUMP_HEAD.format(n="b.n", at="b.at", value="b.value", since="b.since")
    + " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[], $5::bigint[]) "
    "AS b(n, at, value, feed, since) WHERE feeds.id = b.feed"
)

# A feed with history off keeps only its newest point (as in Adafruit IO): after the
# batch's rows and counts, the others go and the count is 1. Such feeds are few: a
# statement per feed, on the primary key (feed_id, created_at, id).
SQLITE_KEEP_NEWEST = DELETE_ALL_BUT_NEWEST.format(feed="?1")
PG_KEEP_NEWEST = DELETE_ALL_BUT_NEWEST.format(feed="$1")
SQLITE_COUNT_ONE = "UPDATE feeds SET data_count = 1 WHERE id = ?"
PG_COUNT_ONE = "UPDATE feeds SET data_count = 1 WHERE id = ANY($1::int[])"

Row = tuple[int, int, str, str, float | None, float | None, float | None, float | None, int]
Bump = tuple[int, int, str, int, int | None]
# On PostgreSQL a point younger than this (by its created_at, against the clock) leaves its
# rollups to the next rollup round: the feed is marked (``rollup_from``) in the batch's own
# transaction, and the round recomputes from the raw points, which every feed keeps at least
# a day. Older points, and every point of a feed without history (its raw points do not
# stay), are merged into the rollups in the batch's transaction.
# On SQLite every point is merged in the batch's transaction: a round there holds the one
# write lock while it re-reads the marked feeds' current minutes, and every batch waited
# behind it (p99 of scenario a at 3,000 msg/s: 158 ms with rounds, 10 ms merging; measured in
# docs/benchmarks.md). PostgreSQL rounds take no lock a batch needs.
RECENT_MS = 86_400_000
_NEVER = 2**62  # a time every point is older than


@dataclass(slots=True)
class Batch:
    """One transaction's parameters: the points' rows; per feed, (count, newest time, newest
    value, feed id, oldest time left to the rollup round or None); the rollup rows to merge
    now; the feeds that keep only their newest point."""

    rows: list[Row]
    bumps: list[Bump]
    rollups: list[tuple[Any, ...]]
    newest_only: list[int]


def batch_of(
    points: Sequence[NewDatum], now: int | None = None, *, mark_recent: bool = True
) -> Batch:
    """The transaction's parameters for ``points``. ``mark_recent``: recent points mark their
    feed for the rollup round (PostgreSQL); without it every point is merged into the
    rollups in the batch's transaction (SQLite: see ``RECENT_MS``)."""
    rows: list[Row] = []
    newest: dict[int, Datum] = {}
    counts: dict[int, int] = {}
    since: dict[int, int] = {}
    newest_only: set[int] = set()
    merge_now: list[tuple[int, int, str, float | None]] = []
    recent = ((now_ms() if now is None else now) - RECENT_MS) if mark_recent else _NEVER
    for p in points:
        d = p.datum
        rows.append(
            (d.feed_id, d.created_at, d.id, d.value, p.value_num, d.lat, d.lon, d.ele, d.updated_at)
        )
        counts[d.feed_id] = counts.get(d.feed_id, 0) + 1
        current = newest.get(d.feed_id)
        if current is None or (d.created_at, d.id) >= (current.created_at, current.id):
            newest[d.feed_id] = d
        if not p.history:
            newest_only.add(d.feed_id)
            merge_now.append((d.feed_id, d.created_at, d.id, p.value_num))
        elif d.created_at < recent:
            merge_now.append((d.feed_id, d.created_at, d.id, p.value_num))
        elif d.created_at < since.get(d.feed_id, d.created_at + 1):
            since[d.feed_id] = d.created_at
    # Sorted by feed: processes writing at once lock feed rows in one order (no deadlock).
    bumps = [
        (counts[f], newest[f].created_at, newest[f].value, f, since.get(f)) for f in sorted(newest)
    ]
    return Batch(rows, bumps, summarise(merge_now), sorted(newest_only))


def chunks(
    rows: Sequence[tuple[Any, ...]], sizes: Sequence[int] = SQLITE_CHUNKS
) -> Iterator[tuple[int, list[Any]]]:
    """``rows`` cut into chunks of ``sizes``, largest first: (size, the chunk's parameters
    flattened, as one multi-row statement takes them)."""
    start = 0
    for size in sizes:
        while len(rows) - start >= size:
            yield size, [value for row in rows[start : start + size] for value in row]
            start += size


def columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows to one list per column: the parameters of the ``unnest`` statements."""
    return [list(c) for c in zip(*rows, strict=True)]


class BatchWriter(Protocol):
    async def write(self, points: Sequence[NewDatum]) -> None:
        """Store ``points`` in one transaction; ``Unavailable`` or ``Invalid`` if not."""
        ...

    async def close(self) -> None: ...


class SqliteBatchWriter:
    """SQLite: one writer thread, and WAL checkpoints kept off the write path.

    SQLite checkpoints the WAL inside whichever commit crosses 1000 pages; with
    ``synchronous=FULL`` that commit then waits for the database file to be synced, and every
    point queued behind it waits too. The writer's connection turns automatic checkpoints
    off and a second thread runs passive checkpoints, which never block the writer.
    """

    CHECKPOINT_EVERY = 0.5  # seconds

    def __init__(self, path: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-wal")
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._wal_conn: sqlite3.Connection | None = None
        self._checkpointing = False
        self._last_checkpoint = 0.0

    def _checkpoint(self) -> None:
        try:
            if self._wal_conn is None:
                self._wal_conn = sqlite3.connect(self._path, check_same_thread=False)
                apply_sqlite_pragmas(self._wal_conn)
            self._wal_conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # the next round tries again; the WAL only grows meanwhile
        finally:
            self._checkpointing = False

    def _write(self, batch: Batch) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            apply_sqlite_pragmas(self._conn)
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for size, params in chunks(batch.rows):
                conn.execute(SQLITE_INSERTS[size], params)
            for size, params in chunks(batch.bumps):
                conn.execute(SQLITE_BUMPS[size], params)
            for size, params in chunks(batch.rollups, ROLLUP_CHUNKS):
                conn.execute(SQLITE_UPSERTS[size], params)
            for feed_id in batch.newest_only:
                conn.execute(SQLITE_KEEP_NEWEST, (feed_id,))
                conn.execute(SQLITE_COUNT_ONE, (feed_id,))
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT may leave the transaction open (SQLITE_BUSY) or SQLite may have
            # rolled it back already (I/O error, disk full); the first error is the one to tell.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    async def write(self, points: Sequence[NewDatum]) -> None:
        batch = batch_of(points, mark_recent=False)  # see RECENT_MS
        loop = asyncio.get_running_loop()
        with translating():
            await loop.run_in_executor(self._executor, self._write, batch)
        now = loop.time()
        if not self._checkpointing and now - self._last_checkpoint > self.CHECKPOINT_EVERY:
            self._checkpointing = True
            self._last_checkpoint = now
            self._checkpointer.submit(self._checkpoint)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        self._checkpointer.shutdown(wait=True)
        if self._wal_conn is not None:
            self._wal_conn.close()
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)


class PostgresBatchWriter:
    """PostgreSQL: a dedicated asyncpg connection, two statements, one commit.

    Straight on asyncpg: SQLAlchemy's per-transaction work doubled the CPU of a commit. The
    points go in by binary COPY from ``COPY_FROM`` points on, below that as one INSERT over
    ``unnest`` of one array per column; the feed summaries in one UPDATE over ``unnest``.
    Measured against one prepared INSERT per row (``bench/pg_ingest.py``, docs/benchmarks.md):
    1.2-1.6x the points/s from 10 points a batch, COPY ahead from about a thousand.
    """

    COPY_FROM = 256
    # PostgreSQL rolled the batch back to end a deadlock (or a serialization failure): the
    # batch runs again on the same connection, up to this many times more.
    RETRIES = 3

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: Any = None

    async def write(self, points: Sequence[NewDatum]) -> None:
        batch = batch_of(points)
        with translating():
            for attempt in range(self.RETRIES + 1):
                try:
                    await self._write(batch)
                    return
                except asyncpg.TransactionRollbackError:
                    if attempt == self.RETRIES:
                        raise
                except Exception as error:
                    if isinstance(translate(error), Unavailable) or not isinstance(
                        error, asyncpg.PostgresError
                    ):
                        self._drop()  # not an error the server reported: start afresh
                    raise

    async def _write(self, batch: Batch) -> None:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._url)
        conn = self._conn
        async with conn.transaction():
            if len(batch.rows) >= self.COPY_FROM:
                await conn.copy_records_to_table("data", records=batch.rows, columns=COLUMNS)
            else:
                await conn.execute(PG_INSERT_UNNEST, *columns(batch.rows))
            await conn.execute(PG_BUMP_UNNEST, *columns(batch.bumps))
            if batch.rollups:
                await conn.execute(PG_UPSERT, *columns(batch.rollups))
            if batch.newest_only:
                await conn.executemany(PG_KEEP_NEWEST, [(f,) for f in batch.newest_only])
                await conn.execute(PG_COUNT_ONE, batch.newest_only)

    def _drop(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            self._conn.terminate()
        self._conn = None

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def batch_writer(db: Database) -> BatchWriter:
    if db.dialect == "sqlite":
        path: Any = db.engine.url.database
        return SqliteBatchWriter(str(path))
    url = db.engine.url.set(drivername="postgresql")
    return PostgresBatchWriter(url.render_as_string(hide_password=False))
