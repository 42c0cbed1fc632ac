"""Fixtures shared by the whole suite: real servers on free ports, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Server, backend_url, free_port

BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``sqlite_only`` exercise nothing the database takes part in (wire
    format, timers, in-memory routing, refusals before any query): their PostgreSQL
    variants are deselected, so a slow case runs once, not per backend."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        if item.get_closest_marker("sqlite_only") and backend not in (None, "sqlite"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str) -> Iterator[str | None]:
    yield from backend_url(backend)


@pytest.fixture(scope="session")
def server(
    backend: str, database_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One server per backend for the whole session; tests isolate by using fresh users."""
    srv = Server(
        backend=backend,
        data_dir=Path(tmp_path_factory.mktemp(f"server-{backend}")),
        database_url=database_url,
        http_port=free_port(),
        mqtt_port=free_port(),
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    """A fresh (username, key) on the session server."""
    return server.create_user()


@pytest.fixture
def api(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    """An httpx client for a fresh user, base URL ``/api/v2/{username}``."""
    username, key = user
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}",
        headers={"X-AIO-Key": key},
        timeout=30,
    ) as client:
        yield client
