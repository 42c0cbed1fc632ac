"""Charts from rollups against charts from raw points, and what rollups cost the writer.

1. Chart cost. One feed holds a year of one point a minute (525,600 points), written through
   the batch writer (which keeps its rollups). A chart over the last 1, 30 and 365 days is
   read both ways, at the resolution ``data/chart`` picks for that span:
   - ``raw``: what the chart did before rollups, aggregating the raw points of the range
     (SQLite: one GROUP BY; PostgreSQL: one primary-key range aggregate per bucket);
   - ``rollups``: ``DataStore.chart`` over the coarsest rollups that give the resolution.
   The goal: the 365-day chart costs at most 3x the 1-day chart.
2. Writer cost. Batches of recent points go through the batch writer (which only marks their
   feeds) with and without rollup rounds between them (one every 20,000 points, its time
   counted): points/s, best of ``--rounds``, over 1, 100 and 1,000 feeds. The goal: within
   10%. (The end-to-end measure is bench/mqtt_bench.py scenario a, against the commit before
   rollups: docs/benchmarks.md.)

    .venv/bin/python bench/rollups.py [--database-url postgresql://127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))

from sqlalchemy import text  # noqa: E402

from db_seed import open_db  # noqa: E402
from stonechat.config import to_async_url  # noqa: E402
from stonechat.domain.chart_buckets import plan, rounded_to_grain  # noqa: E402
from stonechat.domain.ids import UlidGenerator  # noqa: E402
from stonechat.domain.records import Datum  # noqa: E402
from stonechat.domain.retention import Retention  # noqa: E402
from stonechat.domain.timestamps import now_ms  # noqa: E402
from stonechat.services.data import MAX_CHART_POINTS, RESOLUTIONS  # noqa: E402
from stonechat.storage.batch_writer import batch_writer  # noqa: E402
from stonechat.storage.data import DataStore, NewDatum  # noqa: E402
from stonechat.storage.database import Database  # noqa: E402

MINUTE = 60_000
DAY = 1440 * MINUTE
YEAR_POINTS = 365 * 1440
FOREVER = Retention(raw=None, minute=None, hour=None, day=None)

# The chart before rollups, over raw points (the code data/chart ran until rollups).
RAW_SQLITE = (
    "SELECT (created_at - :start) / :step AS b, avg(value_num) FROM data "
    "WHERE feed_id = :feed AND created_at >= :start AND created_at < :end "
    "AND value_num IS NOT NULL GROUP BY b ORDER BY b"
)
RAW_POSTGRES = (
    "SELECT b.start, a.v FROM generate_series(CAST(:start AS bigint), CAST(:last AS bigint), "
    "CAST(:step AS bigint)) AS b(start) CROSS JOIN LATERAL (SELECT avg(value_num) AS v, "
    "count(value_num) AS n FROM data WHERE feed_id = :feed AND created_at >= b.start "
    "AND created_at < LEAST(b.start + :step, :end)) a WHERE a.n > 0 ORDER BY b.start"
)


def resolution(span_minutes: int) -> int:
    """The bucket ``data/chart`` picks when no resolution is asked."""
    finest = next((r for r in RESOLUTIONS if span_minutes / r <= MAX_CHART_POINTS), None)
    return finest or rounded_to_grain(-(-span_minutes // MAX_CHART_POINTS))


async def fill(db: Database, end: int) -> float:
    """A year of one point a minute up to ``end``; returns points/s."""
    writer = batch_writer(db)
    ids = UlidGenerator()
    start = end - YEAR_POINTS * MINUTE
    began = time.perf_counter()
    for first in range(0, YEAR_POINTS, 10_000):
        batch = []
        for i in range(first, min(first + 10_000, YEAR_POINTS)):
            at = start + i * MINUTE
            value = 20 + (i % 1440) / 100
            batch.append(
                NewDatum(Datum(ids.new(at), 1, f"{value:.2f}", None, None, None, at, at), value)
            )
        await writer.write(batch)
    await writer.close()
    return YEAR_POINTS / (time.perf_counter() - began)


async def timed(work: Callable[[], Awaitable[Any]], runs: int = 7) -> tuple[float, int]:
    """Median milliseconds of ``runs`` (after one warm-up), and the rows of the answer."""
    rows = len(await work())
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), rows


async def chart_cost(db: Database, days: int, end: int) -> dict[str, Any]:
    """The chart of the last ``days`` days read both ways."""
    store = DataStore(db)
    start = end - days * DAY
    minutes = resolution(days * 1440)
    buckets = plan(minutes, start, FOREVER, end)
    first = start - start % buckets.step

    async def from_rollups() -> Any:
        return await store.chart(
            1, buckets.grain, start=first, end=end, step=buckets.step, field="avg"
        )

    async def from_raw() -> Any:
        sql = RAW_POSTGRES if db.dialect == "postgresql" else RAW_SQLITE
        params = {"feed": 1, "start": start, "end": end, "last": end - 1, "step": minutes * MINUTE}
        async with db.connect() as conn:
            return (await conn.execute(text(sql), params)).all()

    raw_ms, raw_rows = await timed(from_raw)
    rollup_ms, rollup_rows = await timed(from_rollups)
    return {
        "days": days,
        "resolution": minutes,
        "grain": buckets.grain,
        "raw_ms": raw_ms,
        "rollup_ms": rollup_ms,
        "buckets": (raw_rows, rollup_rows),
    }


async def writer_cost(url: str, rounds: int, with_rollups: bool, feeds: int) -> float:
    """Best points/s over ``rounds`` of 60 batches of 1,000 recent points across ``feeds``
    feeds; with rollups, a rollup round every 20 batches (20,000 points: what a 2-second
    round sees at 10,000 points/s), its time counted."""
    db = await open_db(url, feeds=feeds)
    writer = batch_writer(db)
    store = DataStore(db)
    ids = UlidGenerator()
    best = 0.0
    try:
        at = now_ms()
        for _ in range(rounds):
            batches = []
            for _ in range(60):
                at += 100
                batches.append(
                    [
                        NewDatum(
                            Datum(ids.new(at), 1 + i % feeds, "21.5", None, None, None, at, at),
                            21.5,
                        )
                        for i in range(1000)
                    ]
                )
            began = time.perf_counter()
            for n, batch in enumerate(batches, 1):
                await writer.write(batch)
                if with_rollups and n % 20 == 0:
                    await store.flush_rollups()
            best = max(best, 60_000 / (time.perf_counter() - began))
            await store.flush_rollups()  # the next round starts clean either way
    finally:
        await writer.close()
        await db.close()
    return best


async def fresh(url: str | None, directory: Path, name: str) -> str:
    """An empty database for each part: a SQLite file, or PostgreSQL database ``name``
    (dropped and made again on the server of ``url``)."""
    if url is None:
        return to_async_url(f"sqlite:///{directory / name}.db")
    import asyncpg
    from sqlalchemy.engine import make_url

    server = make_url(url)
    admin = await asyncpg.connect(server.set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS bench_{name}")
        await admin.execute(f"CREATE DATABASE bench_{name}")
    finally:
        await admin.close()
    return to_async_url(server.set(database=f"bench_{name}").render_as_string(False))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="a PostgreSQL server (databases bench_* are made on it)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = await fresh(args.database_url, directory, "year")
        db = await open_db(url, feeds=1)
        end = now_ms() // DAY * DAY
        rate = await fill(db, end)
        print(f"filled a year of one point a minute: {rate:,.0f} points/s (rollups kept)")
        print("| span | resolution | rollups read | raw ms | rollups ms | raw / rollups |")
        print("| --- | --- | --- | --- | --- | --- |")
        for r in [await chart_cost(db, days, end) for days in (1, 30, 365)]:
            print(
                f"| {r['days']} days | {r['resolution']} min | {r['grain']} | {r['raw_ms']:.1f} | "
                f"{r['rollup_ms']:.1f} | {r['raw_ms'] / r['rollup_ms']:.1f}x |"
            )
        await db.close()
        print("| feeds a batch | points/s without rollups | with rollups | ratio |")
        print("| --- | --- | --- | --- |")
        for feeds in (1, 100, 1000):
            rates = []
            for with_rollups in (False, True):
                scratch = await fresh(
                    args.database_url, directory, f"w{feeds}_{with_rollups}".lower()
                )
                rates.append(await writer_cost(scratch, args.rounds, with_rollups, feeds))
            print(f"| {feeds} | {rates[0]:,.0f} | {rates[1]:,.0f} | {rates[1] / rates[0]:.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
