"""Rollups: each feed's points summarised per minute, hour and day.

A rollup row holds, for one feed, grain and bucket (its start, in ms, a multiple of the
grain's length from the epoch): ``points`` (every point), and over the points with a numeric
value ``numbers``, ``total``, ``low``, ``high``, the first and the last (time, id and value,
ordered by time then id, as the data is). The average is ``total / numbers``.

Kept three ways, all exact:
- **Recent points on PostgreSQL** (the usual case there): the batch writer only marks their
  feed, in the transaction that inserts them (``feeds.rollup_from``: the oldest time not yet
  rolled up).
  A round (``flush``: every few seconds, services/rollups.py; before a chart of the feed
  and before its raw points are pruned or thinned) recomputes the marked feeds' rollups from
  there: minutes from the raw points, hours from the minutes, days from the hours, for every
  marked feed in a few statements; then unmarks them (``unmark``, a transaction of its own).
  A busy feed costs a round a few rows, not every point three upserts (measured:
  docs/benchmarks.md).
- **Every point on SQLite; on PostgreSQL points older than a day, and every point of a feed
  without history** (whose raw points do not stay): the batch is summarised in Python
  (``Summary``), one row per (feed, grain, bucket), and merged into the stored rows by one
  upsert in the batch's transaction. (A round on SQLite holds the one write lock while it
  re-reads the current minutes, and every batch would wait behind it: batch_writer.py.)
- **Editing or deleting a point, or a rebuild** (``rebuild``): the minutes of a time range
  are recomputed from the raw points, then their hours and days. Raw points stay the source
  of truth; the retention tiers (``domain/retention.py``) keep whatever a recomputation
  reads.

Charts read them (``chart``): a bucket of the chart is one or more whole rollup buckets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from stonechat.domain.retention import GRAIN_MS, GRAINS

if TYPE_CHECKING:
    from stonechat.storage.database import Database

GRAIN = {name: number for number, name in enumerate(GRAINS)}  # stored as a small integer
COLUMNS = (
    "feed_id",
    "grain",
    "bucket",
    "points",
    "numbers",
    "total",
    "low",
    "high",
    "first_at",
    "first_id",
    "first_value",
    "last_at",
    "last_id",
    "last_value",
)
_COLUMN_LIST = ", ".join(COLUMNS)

# Merging a row of new points (``excluded``) into the stored row. Every right-hand side reads
# the stored row as it was before this statement (SQL's rule, on both databases).
_EARLIER = (
    "excluded.first_at IS NOT NULL AND (rollups.first_at IS NULL "
    "OR excluded.first_at < rollups.first_at "
    "OR (excluded.first_at = rollups.first_at AND excluded.first_id < rollups.first_id))"
)
_LATER = (
    "excluded.last_at IS NOT NULL AND (rollups.last_at IS NULL "
    "OR excluded.last_at > rollups.last_at "
    "OR (excluded.last_at = rollups.last_at AND excluded.last_id > rollups.last_id))"
)
MERGE = (
    " ON CONFLICT (feed_id, grain, bucket) DO UPDATE SET "
    "points = rollups.points + excluded.points, "
    "numbers = rollups.numbers + excluded.numbers, "
    "total = rollups.total + excluded.total, "
    "low = CASE WHEN rollups.low IS NULL OR excluded.low < rollups.low "
    "THEN excluded.low ELSE rollups.low END, "
    "high = CASE WHEN rollups.high IS NULL OR excluded.high > rollups.high "
    "THEN excluded.high ELSE rollups.high END, "
    + ", ".join(
        f"{column} = CASE WHEN {_EARLIER} THEN excluded.{column} ELSE rollups.{column} END"
        for column in ("first_at", "first_id", "first_value")
    )
    + ", "
    + ", ".join(
        f"{column} = CASE WHEN {_LATER} THEN excluded.{column} ELSE rollups.{column} END"
        for column in ("last_at", "last_id", "last_value")
    )
)
SQLITE_CHUNKS = (256, 32, 4, 1)


def sqlite_upsert(rows: int) -> str:
    values = ", ".join([f"({', '.join('?' * len(COLUMNS))})"] * rows)
    return f"INSERT INTO rollups ({_COLUMN_LIST}) VALUES {values}" + MERGE


SQLITE_UPSERTS = {n: sqlite_upsert(n) for n in SQLITE_CHUNKS}
PG_UPSERT = (
    f"INSERT INTO rollups ({_COLUMN_LIST}) SELECT * FROM unnest($1::int[], $2::smallint[], "
    "$3::bigint[], $4::bigint[], $5::bigint[], $6::float8[], $7::float8[], $8::float8[], "
    "$9::bigint[], $10::text[], $11::float8[], $12::bigint[], $13::text[], $14::float8[])" + MERGE
)

Row = tuple[Any, ...]


@dataclass(slots=True)
class Summary:
    """What a set of points adds to one rollup bucket."""

    points: int = 0
    numbers: int = 0
    total: float = 0.0
    low: float | None = None
    high: float | None = None
    first: tuple[int, str, float] | None = None
    last: tuple[int, str, float] | None = None

    def add(self, at: int, ident: str, value: float | None) -> None:
        self.points += 1
        if value is None:
            return
        self.numbers += 1
        self.total += value
        if self.low is None or value < self.low:
            self.low = value
        if self.high is None or value > self.high:
            self.high = value
        if self.first is None or (at, ident) < self.first[:2]:
            self.first = (at, ident, value)
        if self.last is None or (at, ident) > self.last[:2]:
            self.last = (at, ident, value)

    def merge(self, other: Summary) -> None:
        self.points += other.points
        if not other.numbers:
            return
        self.numbers += other.numbers
        self.total += other.total
        assert other.low is not None and other.high is not None
        assert other.first is not None and other.last is not None
        if self.low is None or other.low < self.low:
            self.low = other.low
        if self.high is None or other.high > self.high:
            self.high = other.high
        if self.first is None or other.first[:2] < self.first[:2]:
            self.first = other.first
        if self.last is None or other.last[:2] > self.last[:2]:
            self.last = other.last

    def row(self, feed_id: int, grain: int, bucket: int) -> Row:
        first = self.first or (None, None, None)
        last = self.last or (None, None, None)
        return (feed_id, grain, bucket, self.points, self.numbers, self.total, self.low,
                self.high, *first, *last)  # fmt: skip


def summarise(points: Iterable[tuple[int, int, str, float | None]]) -> list[Row]:
    """Rollup rows (minute, hour and day) of ``(feed id, time, id, value)`` points.

    One dictionary step per point: the points make minutes, the minutes make hours and
    days. Rows are sorted, so that writers lock rows in one order.
    """
    minutes: dict[tuple[int, int], Summary] = {}
    step = GRAIN_MS["minute"]
    for feed_id, at, ident, value in points:
        key = (feed_id, at - at % step)
        summary = minutes.get(key)
        if summary is None:
            summary = minutes[key] = Summary()
        summary.add(at, ident, value)
    rows = [s.row(f, 0, b) for (f, b), s in minutes.items()]
    for grain in ("hour", "day"):
        size = GRAIN_MS[grain]
        coarse: dict[tuple[int, int], Summary] = {}
        for (feed_id, bucket), summary in minutes.items():
            key = (feed_id, bucket - bucket % size)
            into = coarse.get(key)
            if into is None:
                into = coarse[key] = Summary()
            into.merge(summary)
        rows.extend(s.row(f, GRAIN[grain], b) for (f, b), s in coarse.items())
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


def _floor(column: str, step: str) -> str:
    """SQL: ``column`` rounded down to a multiple of ``step`` (right for negative times too:
    ``%`` keeps the sign of the dividend on both databases)."""
    return f"({column} - ((({column} % {step}) + {step}) % {step}))"


def _ranked(feed: str, bucket: str, first: str, last: str, present: str) -> str:
    """SQL: each row's bucket ``b``, and its rank among the rows of its feed and bucket that
    hold a number (``present``) from the first (``fr``, by ``first``: "time, id") and from
    the last (``lr``, by ``last``)."""
    last_desc = ", ".join(f"{column} DESC" for column in last.split(", "))
    partition = f"PARTITION BY {feed}, {bucket}, {present}"
    return (
        f"{bucket} AS b, "
        f"CASE WHEN {present} THEN row_number() OVER ({partition} ORDER BY {first}) END AS fr, "
        f"CASE WHEN {present} THEN row_number() OVER ({partition} ORDER BY {last_desc}) END "
        "AS lr"
    )


def _first_and_last(first: tuple[str, str, str], last: tuple[str, str, str]) -> str:
    """SQL: the (time, id, value) columns of a bucket's first and last numbers, picked by
    their ranks."""
    return ", ".join(
        f"max(CASE WHEN {rank} = 1 THEN {column} END)"
        for rank, columns in (("fr", first), ("lr", last))
        for column in columns
    )


def _from_raw(source: str) -> str:
    """SQL: minute rows from the raw points ``source`` selects (``FROM data ...``)."""
    return (
        "SELECT fid, CAST(:grain AS smallint), b, count(*), count(value_num), "
        "coalesce(sum(value_num), 0), min(value_num), max(value_num), "
        + _first_and_last(("created_at", "id", "value_num"), ("created_at", "id", "value_num"))
        + " FROM (SELECT data.feed_id AS fid, data.created_at, data.id, data.value_num, "
        + _ranked(
            "data.feed_id",
            _floor("data.created_at", ":step"),
            "data.created_at, data.id",
            "data.created_at, data.id",
            "data.value_num IS NOT NULL",
        )
        + f" {source}) s GROUP BY fid, b"
    )


def _from_finer(source: str) -> str:
    """SQL: rows of a coarser grain from the rows of the grain below ``source`` selects
    (``FROM rollups r ...``)."""
    return (
        "SELECT fid, CAST(:grain AS smallint), b, sum(points), sum(numbers), sum(total), "
        "min(low), max(high), "
        + _first_and_last(
            ("first_at", "first_id", "first_value"), ("last_at", "last_id", "last_value")
        )
        + " FROM (SELECT r.feed_id AS fid, "
        + ", ".join(f"r.{c} AS {c}" for c in COLUMNS[3:])
        + ", "
        + _ranked(
            "r.feed_id",
            _floor("r.bucket", ":step"),
            "r.first_at, r.first_id",
            "r.last_at, r.last_id",
            "r.numbers > 0",
        )
        + f" {source}) s GROUP BY fid, b"
    )


_INSERT = f"INSERT INTO rollups ({_COLUMN_LIST}) "

# One feed's rollups over [:start, :end) (an edit, a delete, a rebuild, migration 0014).
_CLEAR = text(
    "DELETE FROM rollups WHERE feed_id = :feed AND grain = :grain "
    "AND bucket >= :start AND bucket < :end"
)
_INSERT_FROM_RAW = text(
    _INSERT
    + _from_raw(
        "FROM data WHERE data.feed_id = :feed AND data.created_at >= :start "
        "AND data.created_at < :end"
    )
)
_INSERT_FROM_FINER = text(
    _INSERT
    + _from_finer(
        "FROM rollups r WHERE r.feed_id = :feed AND r.grain = :finer "
        "AND r.bucket >= :start AND r.bucket < :end"
    )
)

# The marked feeds' rollups from their ``rollup_from`` on (``flush``); ``:only`` one feed.
_MARKED = "f.rollup_from IS NOT NULL AND (:only = 0 OR f.id = :only)"
# PostgreSQL: one round at a time over all processes (a transaction-scoped advisory lock),
# the feeds' rows not locked (the batch writer goes on); a feed is unmarked only if no batch
# marked it again meanwhile (its rollup_version unchanged), else the next round redoes it.
ROUND_LOCK = 0x5EC0_0002
_ONE_ROUND = text("SELECT pg_advisory_xact_lock(:key)")
_MARKS = text(f"SELECT f.id, f.rollup_version FROM feeds f WHERE {_MARKED}")
_UNMARK_UNCHANGED = text(
    "UPDATE feeds SET rollup_from = NULL FROM unnest(CAST(:ids AS int[]), "
    "CAST(:versions AS bigint[])) AS v(id, version) "
    "WHERE feeds.id = v.id AND feeds.rollup_version = v.version"
)
_CLEAR_MARKED = text(
    f"DELETE FROM rollups WHERE grain = :grain AND feed_id IN (SELECT f.id FROM feeds f "
    f"WHERE {_MARKED}) AND bucket >= (SELECT {_floor('f.rollup_from', ':step')} "
    "FROM feeds f WHERE f.id = rollups.feed_id)"
)
_MARKED_FROM_RAW = text(
    _INSERT
    + _from_raw(
        f"FROM data JOIN feeds f ON f.id = data.feed_id WHERE {_MARKED} "
        f"AND data.created_at >= {_floor('f.rollup_from', ':step')}"
    )
)
_MARKED_FROM_FINER = text(
    _INSERT
    + _from_finer(
        f"FROM rollups r JOIN feeds f ON f.id = r.feed_id WHERE {_MARKED} "
        f"AND r.grain = :finer AND r.bucket >= {_floor('f.rollup_from', ':step')}"
    )
)
_UNMARK = text(
    f"UPDATE feeds SET rollup_from = NULL WHERE id IN (SELECT f.id FROM feeds f WHERE {_MARKED})"
)


def _span(start: int, end: int, grain: str) -> tuple[int, int]:
    """The whole buckets of ``grain`` that [start, end) touches."""
    step = GRAIN_MS[grain]
    return start - start % step, -(-end // step) * step


# Each grain and the one it is made from (minutes from the raw points: None).
_LADDER = tuple(zip(GRAINS, (None, *GRAINS[:-1]), strict=True))


def rebuild_steps(feed_id: int, start: int, end: int) -> Iterator[tuple[Any, dict[str, int]]]:
    """The statements that recompute the rollups of every minute, hour and day that
    [start, end) touches: the minutes from the raw points, the hours from the minutes, the
    days from the hours. (Also run by migration 0014, on a plain connection.)"""
    for grain, finer in _LADDER:
        start, end = _span(start, end, grain)
        params = {"feed": feed_id, "grain": GRAIN[grain], "start": start, "end": end}
        yield _CLEAR, params
        if finer is None:
            yield _INSERT_FROM_RAW, {**params, "step": GRAIN_MS[grain]}
        else:
            yield _INSERT_FROM_FINER, {**params, "step": GRAIN_MS[grain], "finer": GRAIN[finer]}


# A marked feed as a round found it: (feed id, its rollup_version then).
Marks = list[tuple[int, int]]


async def flush(conn: AsyncConnection, *, postgres: bool, only: int = 0) -> Marks:
    """Bring the marked feeds' rollups (every marked feed, or the feed ``only``) up to date
    from their ``rollup_from`` on, in ``conn``'s transaction: the minutes from the raw
    points, the hours from the minutes, the days from the hours.

    SQLite: the feeds are unmarked in the same transaction, whose first statement is a write:
    it holds the one write lock, and no batch comes between. Returns no marks.

    PostgreSQL: rounds take turns (an advisory lock) and lock no feed row. The marks found are
    returned for ``unmark``, in a transaction of its own once this one has committed: this
    one then locks rollups only. A batch locks its feeds' rows and then the rollups of its
    older points; a round that locked rollups and then feed rows could meet it the other way
    round and deadlock."""
    marks: Marks = []
    if postgres:
        await conn.execute(_ONE_ROUND, {"key": ROUND_LOCK})
        marks = [(m[0], m[1]) for m in await conn.execute(_MARKS, {"only": only})]
        if not marks:
            return marks
    for grain, finer in _LADDER:
        params = {"only": only, "grain": GRAIN[grain], "step": GRAIN_MS[grain]}
        await conn.execute(_CLEAR_MARKED, params)
        if finer is None:
            await conn.execute(_MARKED_FROM_RAW, params)
        else:
            await conn.execute(_MARKED_FROM_FINER, {**params, "finer": GRAIN[finer]})
    if not postgres:
        await conn.execute(_UNMARK, {"only": only})
    return marks


async def unmark(conn: AsyncConnection, marks: Marks) -> None:
    """PostgreSQL: unmark the feeds ``flush`` brought up to date, but a feed a batch marked
    again since (its rollup_version moved on): the next round redoes that one. Left marked
    (a crash between the two transactions), a feed is only recomputed once more."""
    if marks:
        ids, versions = [m[0] for m in marks], [m[1] for m in marks]
        await conn.execute(_UNMARK_UNCHANGED, {"ids": ids, "versions": versions})


async def bring_up_to_date(db: Database, only: int = 0) -> None:
    """``flush`` and then, on PostgreSQL, ``unmark``: each in a transaction of its own."""
    postgres = db.dialect == "postgresql"
    async with db.begin() as conn:
        marks = await flush(conn, postgres=postgres, only=only)
    if marks:
        async with db.begin() as conn:
            await unmark(conn, marks)


_MARK_OF = text("SELECT rollup_from FROM feeds WHERE id = :feed")


async def marked(conn: AsyncConnection, feed_id: int) -> bool:
    """Whether the feed has points not yet in its rollups."""
    return (await conn.execute(_MARK_OF, {"feed": feed_id})).scalar() is not None


async def any_marked(conn: AsyncConnection) -> bool:
    """Whether any feed has points not yet in its rollups (a read: no lock taken)."""
    return (await conn.execute(_MARKS, {"only": 0})).first() is not None


async def hold_rounds(conn: AsyncConnection) -> None:
    """PostgreSQL: no rollup round runs until ``conn``'s transaction ends (it waits for a
    round that runs). Taken first by a transaction that edits a point or thins a feed: it
    locks the feed's row and then recomputes rollups rows, which a round recomputes too, in
    an order of its own; the two deadlocked (CI15: a point's DELETE got PostgreSQL's
    deadlock error, answered 500). Every writer locks in one order: this lock, feed rows,
    rollups (a batch takes no round lock: ``flush``)."""
    await conn.execute(_ONE_ROUND, {"key": ROUND_LOCK})


async def rebuild(conn: AsyncConnection, feed_id: int, start: int, end: int) -> None:
    """Recompute the rollups [start, end) touches (``rebuild_steps``), in ``conn``'s
    transaction."""
    for statement, params in rebuild_steps(feed_id, start, end):
        await conn.execute(statement, params)


_DELETE_FEED = text("DELETE FROM rollups WHERE feed_id = :feed")


async def delete_feed(conn: AsyncConnection, feed_id: int) -> None:
    await conn.execute(_DELETE_FEED, {"feed": feed_id})


# One aggregate per chart field over the rollup rows of a chart bucket; ``None`` when the
# bucket holds no number (the chart leaves it out, as it does an empty bucket).
_CHART_AGGREGATES = {
    "avg": "CASE WHEN sum(numbers) > 0 THEN sum(total) / sum(numbers) END",
    "sum": "CASE WHEN sum(numbers) > 0 THEN sum(total) END",
    "min": "min(low)",
    "max": "max(high)",
    "val_count": "sum(points)",
}
_CHART_BUCKET = _floor("bucket", ":step")
_CHART_WHERE = "feed_id = :feed AND grain = :grain AND bucket >= :start AND bucket < :end"
_CHART = {
    field: text(
        f"SELECT {_CHART_BUCKET} AS b, {aggregate} AS v FROM rollups WHERE {_CHART_WHERE} "
        "GROUP BY b ORDER BY b"
    )
    for field, aggregate in _CHART_AGGREGATES.items()
}
# ``val``: the last number of each chart bucket.
_CHART["val"] = text(
    "SELECT b, last_value FROM (SELECT "
    f"{_CHART_BUCKET} AS b, last_value, row_number() OVER (PARTITION BY {_CHART_BUCKET} "
    f"ORDER BY last_at DESC, last_id DESC) AS r FROM rollups WHERE {_CHART_WHERE} "
    "AND numbers > 0) s WHERE r = 1 ORDER BY b"
)


async def chart(
    conn: AsyncConnection, feed_id: int, grain: str, *, start: int, end: int, step: int, field: str
) -> list[tuple[int, Any]]:
    """``(bucket start, aggregate)`` per chart bucket of ``step`` ms (a multiple of the
    grain) that holds data, oldest first; [start, end) in whole chart buckets."""
    params = {"feed": feed_id, "grain": GRAIN[grain], "start": start, "end": end, "step": step}
    rows = await conn.execute(_CHART[field], params)
    return [(int(b), v) for b, v in rows if v is not None]


_EXPIRE_ONLY = text(
    "DELETE FROM rollups WHERE grain = :grain AND bucket < :cutoff AND feed_id IN :feeds"
).bindparams(bindparam("feeds", expanding=True))
_EXPIRE_EXCEPT = text(
    "DELETE FROM rollups WHERE grain = :grain AND bucket < :cutoff AND feed_id NOT IN :feeds"
).bindparams(bindparam("feeds", expanding=True))


async def expire(
    conn: AsyncConnection,
    grain: str,
    cutoff: int,
    *,
    only: Sequence[int] | None = None,
    exclude: Sequence[int] = (),
) -> int:
    """Drop the rollups of ``grain`` that start before ``cutoff``: of the feeds ``only``,
    or of every feed but ``exclude``."""
    statement = _EXPIRE_ONLY if only is not None else _EXPIRE_EXCEPT
    feeds = list(only if only is not None else exclude)
    params = {"grain": GRAIN[grain], "cutoff": cutoff, "feeds": feeds}
    result = await conn.execute(statement, params)
    return int(result.rowcount)
