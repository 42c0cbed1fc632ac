"""Actions: what defined actions cost the ingest, and how long a point takes to reach a webhook.

Each measurement runs on a fresh ``stonechat serve`` (tests/support.py ``Server``):

ingest      REST batches of 100 points to one feed, 8 writers at once, for ``--seconds``:
            points/s with no action, then with 100 actions on that feed (evaluated on every
            point, their condition never true, so the cost measured is the engine's).
latency     one action on every point of a feed, a webhook to a local receiver
            (``--actions-allow-private-networks``); 20 points/s for ``--seconds``; the time
            from the point's ``created_at`` (set as it is stored) to the webhook's arrival.

    .venv/bin/python bench/actions_bench.py                    # both, SQLite
    .venv/bin/python bench/actions_bench.py --backend postgresql --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from support import Server, backend_url, free_port  # noqa: E402

UNLIMITED = {"STONECHAT_DATA_RATE_LIMIT": "0", "STONECHAT_ACTIONS_ALLOW_PRIVATE_NETWORKS": "true"}


def server(backend: str, root: Path, database_url: str | None) -> Server:
    srv = Server(backend, root, database_url, free_port(), free_port(), extra_env=UNLIMITED)
    srv.start()
    return srv


async def ingest(base: str, key: str, seconds: float, writers: int = 8) -> float:
    """Points/s stored by ``writers`` concurrent REST batch writers."""
    stored = 0
    stop = time.monotonic() + seconds
    batch = [{"value": str(i)} for i in range(100)]

    async def writer(client: httpx.AsyncClient) -> None:
        nonlocal stored
        while time.monotonic() < stop:
            response = await client.post("/feeds/load/data/batch", json=batch)
            response.raise_for_status()
            stored += len(batch)

    async with httpx.AsyncClient(base_url=base, headers={"X-AIO-Key": key}, timeout=60) as client:
        started = time.monotonic()
        await asyncio.gather(*(writer(client) for _ in range(writers)))
        return stored / (time.monotonic() - started)


def measure_ingest(backend: str, seconds: float, actions: int) -> tuple[float, float]:
    """Points/s, and the seconds after the last write until the engine had evaluated every
    point (a sentinel point written last fires one more action: when its run appears)."""
    with tempfile.TemporaryDirectory() as tmp:
        for url in backend_url(backend):
            srv = server(backend, Path(tmp), url)
            try:
                username, key = srv.create_user("bench")
                base = f"{srv.base_url}/api/v2/{username}"
                with httpx.Client(base_url=base, headers={"X-AIO-Key": key}, timeout=60) as c:
                    c.post("/feeds", json={"feed": {"name": "load"}}).raise_for_status()
                    for i in range(actions):
                        body = {
                            "name": f"never {i}",
                            "trigger": {"feed": "load", "operator": "gt", "value": "1e15"},
                            "outputs": [{"type": "log", "message": "{{ value }}"}],
                        }
                        c.post("/actions", json=body).raise_for_status()
                    sentinel = {
                        "name": "sentinel",
                        "trigger": {"feed": "load", "operator": "eq", "value": "sentinel"},
                        "outputs": [{"type": "log", "message": "caught up"}],
                    }
                    watch = c.post("/actions", json=sentinel).json()["id"]
                    time.sleep(1)
                    asyncio.run(ingest(base, key, 2))  # warm-up
                    rate = asyncio.run(ingest(base, key, seconds))
                    written = time.monotonic()
                    c.post("/feeds/load/data", json={"value": "sentinel"}).raise_for_status()
                    while not c.get(f"/actions/{watch}/runs").json():
                        if time.monotonic() - written > 60:  # its point was dropped
                            return rate, float("inf")
                        time.sleep(0.05)
                    return rate, time.monotonic() - written
            finally:
                srv.stop()
    raise RuntimeError("no database")


class Receiver:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived = time.time()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                at = datetime.fromisoformat(body["at"].replace("Z", "+00:00")).timestamp()
                receiver.latencies.append(arrived - at)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


def measure_latency(backend: str, seconds: float, rate: float = 20.0) -> list[float]:
    receiver = Receiver()
    with tempfile.TemporaryDirectory() as tmp:
        for url in backend_url(backend):
            srv = server(backend, Path(tmp), url)
            try:
                username, key = srv.create_user("lat")
                base = f"{srv.base_url}/api/v2/{username}"
                with httpx.Client(base_url=base, headers={"X-AIO-Key": key}, timeout=60) as c:
                    c.post("/feeds", json={"feed": {"name": "t"}}).raise_for_status()
                    hook = {
                        "type": "webhook",
                        "url": f"http://127.0.0.1:{receiver.port}/in",
                        "body": '{"v": "{{ value }}", "at": "{{ created_at }}"}',
                    }
                    body = {
                        "name": "each",
                        "trigger": {"feed": "t"},
                        "cooldown_seconds": 0,
                        "outputs": [hook],
                    }
                    c.post("/actions", json=body).raise_for_status()
                    time.sleep(1)
                    count = int(seconds * rate)
                    for i in range(count):
                        c.post("/feeds/t/data", json={"value": str(i)}).raise_for_status()
                        time.sleep(1 / rate)
                    deadline = time.monotonic() + 15
                    while len(receiver.latencies) < count and time.monotonic() < deadline:
                        time.sleep(0.1)
                return receiver.latencies
            finally:
                srv.stop()
                receiver.http.shutdown()
    raise RuntimeError("no database")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3, help="alternated ingest runs of each")
    parser.add_argument("--only", choices=["ingest", "latency"])
    args = parser.parse_args()
    print(f"| measurement ({args.backend}) | result |\n| --- | --- |")
    if args.only != "latency":
        none: list[float] = []
        hundred: list[float] = []
        lags: list[float] = []
        for _ in range(args.runs):
            none.append(measure_ingest(args.backend, args.seconds, 0)[0])
            rate, lag = measure_ingest(args.backend, args.seconds, 100)
            hundred.append(rate)
            lags.append(lag)
        a, b = statistics.median(none), statistics.median(hundred)
        runs = lambda xs: " / ".join(f"{x:,.0f}" for x in xs)  # noqa: E731
        print(f"| ingest, no action: points/s (runs; median) | {runs(none)}; {a:,.0f} |")
        print(f"| ingest, 100 actions: points/s (runs; median) | {runs(hundred)}; {b:,.0f} |")
        print(f"| ratio 100 actions / none | {b / a:.2f} |")
        caught = "engine caught up after the last write, s (runs; inf: points dropped)"
        print(f"| {caught} | {runs(lags)} |")
    if args.only != "ingest":
        lat = sorted(measure_latency(args.backend, args.seconds * 2))
        if not lat:
            print("| commit -> webhook | no webhook arrived |")
            return
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
        print(
            f"| commit -> webhook, {len(lat)} points at 20/s: p50 / p99 / max ms | "
            f"{p(0.5):.1f} / {p(0.99):.1f} / {lat[-1] * 1000:.1f} |"
        )


if __name__ == "__main__":
    main()
