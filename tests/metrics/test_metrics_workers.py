"""``stonechat serve --workers 2`` on PostgreSQL + Redis: one scrape of either worker sees
the counts of both (prometheus-client's multiprocess mode), and a worker that crashed
keeps its counts."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from metrics_scrape import Samples, scrape, total, value
from mqtt_adafruit_helpers import connected, wait_for

from support import Server, backend_url, free_port, require_redis

pytestmark = pytest.mark.timeout(240)

DATA_ROUTE = "/api/v2/{username}/feeds/{feed_key}/data"
HTTP_POINTS = 30
MQTT_CLIENTS = 8
MQTT_POINTS_EACH = 2


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str | None]:
    yield from backend_url("postgresql")


@pytest.fixture
def supervised(pg_url: str | None, tmp_path: Path) -> Iterator[Server]:
    server = Server(
        backend="postgresql",
        data_dir=tmp_path,
        database_url=pg_url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={
            "STONECHAT_WORKERS": "2",
            "STONECHAT_REDIS_URL": require_redis(),
            "STONECHAT_REDIS_PREFIX": f"metrics{os.getpid()}-{time.monotonic_ns()}",
        },
    )
    try:
        server.start(timeout=90)
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(40)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def worker_pids(server: Server, probes: int = 40) -> set[int]:
    """Worker pids answering /health, one new connection per probe."""
    found = set()
    for _ in range(probes):
        with contextlib.suppress(httpx.HTTPError):
            found.add(int(httpx.get(f"{server.base_url}/health", timeout=5).json()["pid"]))
    return found


def both_workers(server: Server) -> set[int]:
    pids = worker_pids(server)
    return pids if len(pids) == 2 else set()


def metrics_dir(pid: int) -> Path:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    for entry in environ:
        if entry.startswith(b"PROMETHEUS_MULTIPROC_DIR="):
            return Path(entry.split(b"=", 1)[1].decode())
    raise AssertionError("the worker has no PROMETHEUS_MULTIPROC_DIR")


def points(samples: Samples) -> float:
    return value(samples, "stonechat_ingest_points_stored_total")


def test_one_scrape_of_any_worker_counts_every_worker(supervised: Server) -> None:
    server = supervised
    pids = wait_for(lambda: both_workers(server), timeout=30)
    directory = metrics_dir(min(pids))
    assert directory.is_dir() and directory == metrics_dir(max(pids))
    username, key = server.create_user("mw")
    expected = HTTP_POINTS + MQTT_CLIENTS * MQTT_POINTS_EACH

    # One new connection per request: the kernel spreads them over both workers.
    for n in range(HTTP_POINTS):
        response = httpx.post(
            f"{server.base_url}/api/v2/{username}/feeds/spread/data",
            json={"value": n},
            headers={"X-AIO-Key": key},
            timeout=30,
        )
        assert response.status_code == 200, response.text
    clients = [connected(server, username, key) for _ in range(MQTT_CLIENTS)]
    try:
        for client in clients:
            for n in range(MQTT_POINTS_EACH):
                assert client.publish(f"{username}/feeds/spread", str(n), qos=1) == 0
    finally:
        for client in clients:
            client.close()

    # Each worker copies its counts into its files every 2 s; then every scrape agrees.
    wait_for(lambda: points(scrape(server.base_url)) == expected, timeout=30, interval=0.5)
    for _ in range(8):
        samples = scrape(server.base_url)
        assert points(samples) == expected
        posted = value(
            samples, "stonechat_http_requests_total", method="POST", route=DATA_ROUTE, status="200"
        )
        assert posted == HTTP_POINTS
        assert total(
            samples, "stonechat_http_request_duration_seconds_count", route=DATA_ROUTE
        ) == (HTTP_POINTS)
        assert value(samples, "stonechat_mqtt_packets_received_total", type="publish") >= (
            MQTT_CLIENTS * MQTT_POINTS_EACH
        )
        assert value(samples, "stonechat_mqtt_connects_total", result="accepted") >= MQTT_CLIENTS
        assert value(samples, "stonechat_ingest_commit_seconds_count") >= 1
    # Gauges of live workers add up (livesum); both workers' buses are up (livemin).
    wait_for(lambda: value(scrape(server.base_url), "stonechat_mqtt_connections") == 0, timeout=30)
    assert value(scrape(server.base_url), "stonechat_bus_connected") == 1

    # A worker killed and started again: what it counted stays counted.
    victim = min(pids)
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in (p := both_workers(server)) and p, timeout=60)
    for _ in range(4):
        assert points(scrape(server.base_url)) == expected

    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(40) == 0
    assert not directory.exists()  # the supervisor removes its directory at exit
