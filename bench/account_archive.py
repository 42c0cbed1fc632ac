"""Export and import of a large account: time, and the peak memory of each command.

Seeds a fresh SQLite data directory with one user holding ``--feeds`` feeds and ``--points``
points in all (one a minute back from now, spread over the feeds, straight through the batch
writer), then runs, as an operator would, ``stonechat export alice`` and ``stonechat import
--as bob`` as processes of their own, and reports each one's wall time, points/s and peak
resident memory (from ``wait4``). Memory should not grow with the number of points: run it
at two sizes and compare. Results go in docs/benchmarks.md.

    .venv/bin/python bench/account_archive.py [--points 1000000] [--feeds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from stonechat.config import Settings  # noqa: E402
from stonechat.domain.ids import UlidGenerator  # noqa: E402
from stonechat.domain.records import Datum  # noqa: E402
from stonechat.domain.timestamps import now_ms  # noqa: E402
from stonechat.runtime import build_services, open_checked_database  # noqa: E402
from stonechat.storage.batch_writer import batch_writer  # noqa: E402
from stonechat.storage.data import NewDatum  # noqa: E402

MINUTE = 60_000
BATCH = 10_000


async def seed(data_dir: Path, points: int, feeds: int) -> None:
    settings = Settings(data_dir=data_dir, retention_days=36_500)
    db = await open_checked_database(settings)
    try:
        services = build_services(settings, db)
        alice, _ = await services.accounts.create_user("alice", "bench password")
        await services.accounts.create_user("bob", "bench password")
        made = [await services.feeds.create(alice, {"name": f"sensor {i}"}) for i in range(feeds)]
        writer = batch_writer(db)
        ids = UlidGenerator()
        start = now_ms() - points * MINUTE
        try:
            for first in range(0, points, BATCH):
                batch = []
                for i in range(first, min(points, first + BATCH)):
                    at = start + i * MINUTE
                    value = f"{20 + (i % 1000) / 100:.2f}"
                    feed = made[i % feeds].id
                    datum = Datum(ids.new(at), feed, value, None, None, None, at, at)
                    batch.append(NewDatum(datum, float(value)))
                await writer.write(batch)
        finally:
            await writer.close()
    finally:
        await db.close()


def run(args: list[str], data_dir: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MB, and the output of ``stonechat ARGS``."""
    env = {**os.environ, "STONECHAT_RETENTION_DAYS": "36500"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "stonechat", *args, "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"stonechat {' '.join(args)} failed:\n{output}")
    return time.perf_counter() - started, usage.ru_maxrss // 1024, output.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--feeds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        asyncio.run(seed(data_dir, options.points, options.feeds))
        print(f"seeded {options.points:,} points in {time.perf_counter() - started:.0f} s")
        archive = Path(tmp) / "alice.zip"
        rows = []
        for name, args in (
            ("export", ["export", "alice", str(archive)]),
            ("import", ["import", str(archive), "--as", "bob"]),
            ("import again", ["import", str(archive), "--as", "bob"]),
        ):
            seconds, rss, output = run(args, data_dir)
            print(output)
            rows.append((name, seconds, options.points / seconds, rss))
        size = archive.stat().st_size / 1e6
    print(f"\n{options.points:,} points, {options.feeds} feeds, zip {size:.1f} MB\n")
    print("| command | seconds | points/s | peak memory (MB) |")
    print("| --- | --- | --- | --- |")
    for name, seconds, rate, rss in rows:
        print(f"| {name} | {seconds:.1f} | {rate:,.0f} | {rss} |")


if __name__ == "__main__":
    main()
