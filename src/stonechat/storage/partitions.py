"""PostgreSQL: the ``data`` table is partitioned by ``created_at``, one partition per week.

Why weekly: with the default 30-day retention that is 5-7 live partitions, so queries that
cannot prune by time (a feed's newest point, a lookup by id) visit few of them, and even a
year of retention stays near 53. Retention still removes exactly the expired points: whole
partitions are dropped once every row in them has expired, the rest of the boundary week is
deleted in batches (see ``storage/retention.py``).

Weeks start on Monday 00:00 UTC. Partitions are named ``data_wYYYYMMDD`` after that Monday,
and ``data_default`` takes any row no weekly partition covers (a point back-dated by years),
so an insert never fails for want of a partition. The maintenance job creates the weeks of
the retention window and ``AHEAD_WEEKS`` ahead; creating a week moves the rows the default
partition already holds for it.

SQLite keeps one plain table: none of this applies there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
_FIRST_MONDAY = 4 * DAY_MS  # 1970-01-05; the epoch itself was a Thursday
AHEAD_WEEKS = 2
DEFAULT_PARTITION = "data_default"
_NAME = re.compile(r"^data_w\d{8}$")
_BOUNDS = re.compile(r"FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)")


def week_start(ms: int) -> int:
    """The Monday 00:00 UTC on or before ``ms``."""
    return (ms - _FIRST_MONDAY) // WEEK_MS * WEEK_MS + _FIRST_MONDAY


def partition_name(start_ms: int) -> str:
    return "data_w" + datetime.fromtimestamp(start_ms / 1000, UTC).strftime("%Y%m%d")


def is_partition(table_name: str | None) -> bool:
    """True for the tables that are partitions of ``data`` (not in ``schema.py``)."""
    return table_name is not None and (
        table_name == DEFAULT_PARTITION or _NAME.match(table_name) is not None
    )


def create_sql(start_ms: int) -> str:
    """A new week as its own table; ``attach_sql`` makes it a partition."""
    return f"CREATE TABLE {partition_name(start_ms)} (LIKE data INCLUDING DEFAULTS)"


def attach_sql(start_ms: int) -> str:
    return (
        f"ALTER TABLE data ATTACH PARTITION {partition_name(start_ms)} "
        f"FOR VALUES FROM ({start_ms}) TO ({start_ms + WEEK_MS})"
    )


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    start: int | None  # None for the default partition
    end: int | None


async def partitions(conn: Any) -> list[Partition]:
    """The partitions of ``data``, weekly ones oldest first, the default partition last."""
    rows = await conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('data')"
        )
    )
    found = []
    for name, bound in rows:
        match = _BOUNDS.search(bound or "")
        if match:
            found.append(Partition(name, int(match[1]), int(match[2])))
        else:
            found.append(Partition(name, None, None))
    return sorted(found, key=lambda p: (p.start is None, p.start or 0))


async def ensure_week(conn: Any, start_ms: int, existing: list[Partition]) -> bool:
    """Create the partition of the week starting at ``start_ms`` unless one covers it.

    Rows the default partition holds for that week move into the new partition in the same
    transaction. ``data`` is locked ACCESS EXCLUSIVE for that short transaction (an empty
    week; the default partition is scanned once): ATTACH alone takes a weaker lock, but an
    insert routed to the default partition just before the attach then fails its partition
    check after it (measured: CheckViolationError under load).
    """
    end = start_ms + WEEK_MS
    for p in existing:
        if p.start is not None and p.end is not None and p.start < end and start_ms < p.end:
            return False
    name = partition_name(start_ms)
    await conn.execute(text("LOCK TABLE data IN ACCESS EXCLUSIVE MODE"))
    await conn.execute(text(create_sql(start_ms)))
    if any(p.name == DEFAULT_PARTITION for p in existing):
        await conn.execute(
            text(
                f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "
                "WHERE created_at >= :start AND created_at < :end RETURNING *) "
                f"INSERT INTO {name} SELECT * FROM moved"
            ),
            {"start": start_ms, "end": end},
        )
    await conn.execute(text(attach_sql(start_ms)))
    existing.append(Partition(name, start_ms, end))
    return True


def weeks(oldest_ms: int, now_ms: int) -> list[int]:
    """The starts of the weeks from the one holding ``oldest_ms`` to ``AHEAD_WEEKS`` ahead."""
    first = week_start(oldest_ms)
    last = week_start(now_ms) + AHEAD_WEEKS * WEEK_MS
    return list(range(first, last + 1, WEEK_MS))


async def ensure_window(conn: Any, oldest_ms: int, now_ms: int) -> list[str]:
    """Create every missing week of ``weeks(oldest_ms, now_ms)`` in one transaction."""
    existing = await partitions(conn)
    return [
        partition_name(week)
        for week in weeks(oldest_ms, now_ms)
        if await ensure_week(conn, week, existing)
    ]


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name``: leave the partitions of ``data`` out of schema comparisons."""
    return not (type_ == "table" and is_partition(name))
