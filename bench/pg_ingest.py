"""PostgreSQL ingest paths of the group-commit writer, side by side.

Each strategy writes batches of points into the ``data`` table of a fresh, migrated database
through one asyncpg connection (as the writer does), one transaction per batch holding the
points and the per-feed summary UPDATE (``data_count``, ``last_value``), committed before the
next batch starts. Prints points/s per batch size and strategy as a Markdown table; results go
in docs/benchmarks.md.

    .venv/bin/python bench/pg_ingest.py [--points 60000] [--sizes 1,10,100,1000,5000]

Strategies:
- ``executemany``: one prepared single-row INSERT, run for every row (asyncpg pipelines them),
  then one prepared UPDATE per feed (the writer before issue 4).
- ``unnest``: one INSERT ... SELECT FROM unnest($1::int[], ...) with a column array each, then
  one UPDATE ... FROM unnest(...) for every feed of the batch: two statements per batch.
- ``copy``: ``copy_records_to_table`` (binary COPY into the partitioned parent), then the same
  single UPDATE ... FROM unnest.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "src"))

from stonechat.config import to_async_url  # noqa: E402
from stonechat.domain.ids import UlidGenerator  # noqa: E402
from stonechat.domain.records import Datum  # noqa: E402
from stonechat.storage import batch_writer as bw  # noqa: E402
from stonechat.storage.data import NewDatum  # noqa: E402
from stonechat.storage.database import Database  # noqa: E402
from support import create_pg_database, drop_pg_database  # noqa: E402

FEEDS = 100
# The writer before issue 4: one prepared statement per row and per feed.
PG_INSERT = (
    f"INSERT INTO data ({', '.join(bw.COLUMNS)}) VALUES "
    f"({', '.join(f'${i}' for i in range(1, 10))})"
)
PG_BUMP = bw.SQLITE_BUMP.replace("?", "$")
Rows = list[bw.Row]
Bumps = list[bw.Bump]


async def executemany(conn: Any, rows: Rows, bumps: Bumps) -> None:
    async with conn.transaction():
        await conn.executemany(PG_INSERT, rows)
        await conn.executemany(PG_BUMP, bumps)


async def unnest(conn: Any, rows: Rows, bumps: Bumps) -> None:
    async with conn.transaction():
        await conn.execute(bw.PG_INSERT_UNNEST, *bw.columns(rows))
        await conn.execute(bw.PG_BUMP_UNNEST, *bw.columns(bumps))


async def copy(conn: Any, rows: Rows, bumps: Bumps) -> None:
    async with conn.transaction():
        await conn.copy_records_to_table("data", records=rows, columns=bw.COLUMNS)
        await conn.execute(bw.PG_BUMP_UNNEST, *bw.columns(bumps))


STRATEGIES: dict[str, Callable[[Any, Rows, Bumps], Awaitable[None]]] = {
    "executemany": executemany,
    "unnest": unnest,
    "copy": copy,
}


def make_batches(points: int, size: int, start_ms: int) -> list[tuple[Rows, Bumps]]:
    ids = UlidGenerator()
    batches = []
    n = 0
    while n < points:
        batch = []
        for i in range(n, min(points, n + size)):
            at = start_ms + i
            value = f"{(i % 1000) / 10}"
            d = Datum(ids.new(at), 1 + i % FEEDS, value, None, None, None, at, at)
            batch.append(NewDatum(d, float(value)))
        prepared = bw.batch_of(batch)
        batches.append((prepared.rows, prepared.bumps))
        n += size
    return batches


async def measure(url: str, size: int, points: int) -> dict[str, float]:
    conn = await asyncpg.connect(url)
    results: dict[str, float] = {}
    try:
        base = int(time.time() * 1000) - 3_600_000
        for round_ in range(2):  # the second round is reported: caches warm, same table size
            for name, strategy in STRATEGIES.items():
                batches = make_batches(points, size, base)
                base += points + 1
                started = time.perf_counter()
                for rows, bumps in batches:
                    await strategy(conn, rows, bumps)
                if round_:
                    results[name] = points / (time.perf_counter() - started)
    finally:
        await conn.close()
    return results


async def prepare(url: str) -> None:
    db = Database(to_async_url(url))
    try:
        await db.upgrade()
    finally:
        await db.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO users VALUES (1, 'b', 'b', NULL, 'x', 'k', 'x', false, NULL, NULL, 0, 0)"
        )
        await conn.execute(
            "INSERT INTO groups VALUES (1, 1, 'default', 'Default', NULL, 'private', true, 0, 0)"
        )
        for f in range(1, FEEDS + 1):
            await conn.execute(
                "INSERT INTO feeds (id, user_id, group_id, key, name, history, visibility, "
                "status_notify, status_timeout, data_count, created_at, updated_at) "
                "VALUES ($1, 1, 1, $2, $2, true, 'private', false, 60, 0, 0, 0)",
                f,
                f"f{f}",
            )
    finally:
        await conn.close()


async def main_async(url: str, args: argparse.Namespace) -> None:
    await prepare(url)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"# {platform.node()}, {os.cpu_count()} cores; points/s, one connection\n")
    print("| batch size | " + " | ".join(STRATEGIES) + " | best |")
    print("|---" * (len(STRATEGIES) + 2) + "|")
    for size in sizes:
        # Small batches are slow per point: fewer points keep the run short.
        points = min(args.points, max(2_000, size * 200))
        r = await measure(url, size, points)
        best = max(r, key=lambda k: r[k])
        cells = " | ".join(f"{r[k]:,.0f}" for k in STRATEGIES)
        print(f"| {size} | {cells} | {best} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=60_000)
    parser.add_argument("--sizes", default="1,10,100,1000,5000")
    url = create_pg_database()
    try:
        asyncio.run(main_async(url, parser.parse_args()))
    finally:
        drop_pg_database(url)


if __name__ == "__main__":
    main()
