"""Retention through the running server: the background job and ``stonechat db prune`` remove
exactly the expired points, and the API's lists, counts and lookups agree afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from support import Server, backend_url, free_port


@pytest.fixture(scope="module")
def pruning_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, on a database of its own, pruning every second."""
    for url in backend_url(backend):
        srv = Server(
            backend=backend,
            data_dir=tmp_path_factory.mktemp(f"retention-{backend}"),
            database_url=url,
            http_port=free_port(),
            mqtt_port=free_port(),
            extra_env={"STONECHAT_RETENTION_INTERVAL_SECONDS": "1"},
        )
        srv.start()
        yield srv
        srv.stop()


@pytest.fixture
def client(pruning_server: Server) -> Iterator[httpx.Client]:
    username, key = pruning_server.create_user("ret")
    with httpx.Client(
        base_url=f"{pruning_server.base_url}/api/v2/{username}",
        headers={"X-AIO-Key": key},
        timeout=30,
    ) as c:
        yield c


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def post_points(client: httpx.Client, feed: str) -> tuple[list[str], list[str]]:
    """Three expired points and three live ones; returns (expired ids, live ids)."""
    ages = [45, 0.001, 31, 29, 30.5, 2]
    response = client.post(
        f"/feeds/{feed}/data/batch",
        json={"data": [{"value": str(age), "created_at": days_ago(age)} for age in ages]},
    )
    assert response.status_code == 200, response.text
    stored: list[dict[str, Any]] = response.json()
    by_value = {d["value"]: d["id"] for d in stored}
    return [by_value[str(a)] for a in ages if a > 30], [by_value[str(a)] for a in ages if a < 30]


def assert_only(client: httpx.Client, feed: str, expired: list[str], live: list[str]) -> None:
    listing = client.get(f"/feeds/{feed}/data")
    assert listing.status_code == 200
    assert sorted(d["id"] for d in listing.json()) == sorted(live)
    assert listing.headers["X-Pagination-Total"] == str(len(live))
    details = client.get(f"/feeds/{feed}/details").json()
    assert details["details"]["data"]["count"] == len(live)
    for ident in expired:
        assert client.get(f"/feeds/{feed}/data/{ident}").status_code == 404
    for ident in live:
        assert client.get(f"/feeds/{feed}/data/{ident}").json()["id"] == ident
    assert client.get(f"/feeds/{feed}/data/first").json()["id"] == live[-2]  # 29 days old


def test_background_job_removes_expired_points(client: httpx.Client) -> None:
    expired, live = post_points(client, "aging")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if len(client.get("/feeds/aging/data").json()) == len(live):
            break
        time.sleep(0.2)
    assert_only(client, "aging", expired, live)


def test_db_prune_removes_expired_points(pruning_server: Server, client: httpx.Client) -> None:
    expired, live = post_points(client, "pruned")
    for _ in range(5):  # the server's own round may hold the lock for a moment
        done = pruning_server.cli("db", "prune", check=False)
        if "another process" not in done.stderr:
            break
        time.sleep(0.5)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("removed ") and "older than 30 days" in done.stdout
    assert_only(client, "pruned", expired, live)
