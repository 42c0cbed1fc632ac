"""REST benchmarks: single-point POST, batch POST, GET data, chart over 1,000,000 points.

Starts a real Stonechat server (SQLite, then PostgreSQL) on free ports and drives it with
``wrk`` (Debian package ``wrk``) from a second process, so the client costs little CPU.
Prints a Markdown table; results go in docs/benchmarks.md.

    .venv/bin/python bench/rest_bench.py [--backends sqlite,postgresql] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from support import (  # noqa: E402
    Server,
    create_pg_database,
    drop_pg_database,
    free_port,
    postgres_available,
)

REPORT = HERE / "wrk_report.lua"
CHART_POINTS = 1_000_000


def wrk(url: str, script: str, connections: int, seconds: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + "\n" + REPORT.read_text())
        path = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                path,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(path)
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    result: dict[str, Any] = json.loads(line[len("WRK_JSON ") :])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def post_script(key: str, path: str, body_lua: str) -> str:
    return f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-AIO-Key"] = "{key}"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "{path}", nil, {body_lua})
end
"""


def get_script(key: str) -> str:
    return f'wrk.headers["X-AIO-Key"] = "{key}"\n'


def batch_body(size: int) -> str:
    items = ",".join(f'{{"value":{i}.5}}' for i in range(size))
    return '\'{"data":[' + items + "]}'"


def count(client: httpx.Client, feed: str) -> int:
    return int(client.get(f"/feeds/{feed}/details").json()["details"]["data"]["count"])


def load_chart_feed(client: httpx.Client, feed: str, points: int, span_hours: int) -> float:
    """Back-dated points spread evenly over ``span_hours``; returns points/s loaded."""
    now = time.time() - 60
    step = span_hours * 3600 / points
    started = time.perf_counter()
    batch = 5000
    for start in range(0, points, batch):
        data = [
            {"value": (i % 1000) / 10, "created_at": now - (points - i) * step}
            for i in range(start, min(points, start + batch))
        ]
        response = client.post(f"/feeds/{feed}/data/batch", json={"data": data}, timeout=120)
        response.raise_for_status()
    return points / (time.perf_counter() - started)


def timed_gets(client: httpx.Client, path: str, repeat: int) -> dict[str, float]:
    client.get(path).raise_for_status()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path, timeout=60)
        times.append((time.perf_counter() - t) * 1000)
        response.raise_for_status()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))],
        "points": len(response.json()["data"]),
    }


def run_backend(
    backend: str, seconds: int, chart_points: int, workers: int = 1, redis_url: str = ""
) -> dict[str, Any]:
    database_url = create_pg_database() if backend == "postgresql" else None
    data_dir = Path(tempfile.mkdtemp(prefix=f"stonechat-bench-{backend}-"))
    server = Server(backend, data_dir, database_url, free_port(), free_port())
    server.extra_env["STONECHAT_LOG_LEVEL"] = "warning"
    server.extra_env["STONECHAT_DATA_RATE_LIMIT"] = "0"
    if workers > 1 or redis_url:  # --workers N: the supervisor and N processes on Redis
        server.extra_env["STONECHAT_WORKERS"] = str(workers)
        server.extra_env["STONECHAT_REDIS_URL"] = redis_url
        server.extra_env["STONECHAT_REDIS_PREFIX"] = f"bench-{os.getpid()}-{workers}"
    server.start(timeout=90)
    results: dict[str, Any] = {}
    try:
        username, key = server.create_user("bench")
        base = f"{server.base_url}/api/v2/{username}"
        client = httpx.Client(base_url=base, headers={"X-AIO-Key": key}, timeout=60)
        client.post("/feeds/single/data", json={"value": 0}).raise_for_status()
        client.post("/feeds/batch/data", json={"value": 0}).raise_for_status()

        for conns in (16, 64):
            before = count(client, "single")
            r = wrk(
                f"{base}/feeds/single/data",
                post_script(
                    key, f"/api/v2/{username}/feeds/single/data", "'{\"value\":' .. n .. '}'"
                ),
                conns,
                seconds,
            )
            stored = count(client, "single") - before
            results[f"single_c{conns}"] = {**r, "stored": stored}

        size = 1000
        before = count(client, "batch")
        r = wrk(
            f"{base}/feeds/batch/data/batch",
            post_script(key, f"/api/v2/{username}/feeds/batch/data/batch", batch_body(size)),
            4,
            seconds,
        )
        stored = count(client, "batch") - before
        results["batch_1000"] = {**r, "points_rate": r["rate"] * size, "stored": stored}

        r = wrk(f"{base}/feeds/batch/data?limit=1000", get_script(key), 8, seconds)
        results["get_1000"] = r

        if chart_points:
            load_rate = load_chart_feed(client, "chart", chart_points, span_hours=24 * 7)
            results["chart_load_points_per_s"] = load_rate
            results["chart_count"] = count(client, "chart")
            for field in ("avg", "max", "val_count"):
                results[f"chart_{field}"] = timed_gets(
                    client, f"/feeds/chart/data/chart?hours=168&field={field}", 10
                )
        client.close()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if database_url:
            drop_pg_database(database_url)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--chart-points", type=int, default=CHART_POINTS, help="0 skips")
    parser.add_argument(
        "--workers",
        default="1",
        help="comma-separated worker counts; more than 1 runs PostgreSQL only, on Redis",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--redis", action="store_true", help="use the Redis bus with one worker as well"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    )
    all_results = {}
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_available():
            print("postgresql: not running, skipped")
            continue
        for workers in (int(w) for w in args.workers.split(",")):
            if workers > 1 and backend != "postgresql":
                continue
            redis_url = args.redis_url if workers > 1 or args.redis else ""
            label = backend if workers == 1 and not redis_url else f"{backend} x{workers}"
            all_results[label] = run_backend(
                backend, args.seconds, args.chart_points, workers, redis_url
            )
            print(json.dumps({label: all_results[label]}, indent=1), flush=True)
    print()
    backends = list(all_results)
    print("| scenario | " + " | ".join(backends) + " |")
    print("|---" * (len(backends) + 1) + "|")

    def row(label: str, fmt: Any) -> None:
        print(f"| {label} | " + " | ".join(fmt(all_results[b]) for b in backends) + " |")

    for conns in (16, 64):
        row(
            f"single-point POST, {conns} connections: req/s (p50 / p99 ms)",
            lambda r, c=conns: (
                f"{r[f'single_c{c}']['rate']:,.0f} ({r[f'single_c{c}']['p50_us'] / 1000:.1f} / "
                f"{r[f'single_c{c}']['p99_us'] / 1000:.1f}); errors {r[f'single_c{c}']['errors']}"
            ),
        )
    row(
        "POST /data/batch (1,000 points, 4 connections): points/s (p50 ms)",
        lambda r: f"{r['batch_1000']['points_rate']:,.0f} ({r['batch_1000']['p50_us'] / 1000:.0f})",
    )
    row(
        "GET /data?limit=1000 (8 connections): req/s (p50 / p99 ms)",
        lambda r: (
            f"{r['get_1000']['rate']:,.0f} ({r['get_1000']['p50_us'] / 1000:.1f} / "
            f"{r['get_1000']['p99_us'] / 1000:.1f})"
        ),
    )
    for field in ("avg", "max", "val_count") if args.chart_points else ():
        row(
            f"chart over {args.chart_points:,} points, field={field}: median (p95) ms",
            lambda r, f=field: (
                f"{r[f'chart_{f}']['median_ms']:.0f} ({r[f'chart_{f}']['p95_ms']:.0f})"
            ),
        )


if __name__ == "__main__":
    main()
