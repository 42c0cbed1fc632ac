"""Fixtures for the broker conformance tests: accounts, paho and raw-socket clients.

Tests marked ``sqlite_only`` exercise nothing the database takes part in (wire format,
timers, in-memory routing); they run against the SQLite server only and their PostgreSQL
variants are deselected.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support import Server

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

pytest.register_assert_rewrite("mqtt_conformance_support")

from mqtt_conformance_support import Account, Paho, Raw, UserPool  # noqa: E402

_POOL = UserPool()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: the database plays no role; run on the SQLite server only"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
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


@pytest.fixture
def acct(server: Server) -> Account:
    """A user of the session server with a fresh free-form topic prefix."""
    return _POOL.account(server)


@pytest.fixture
def acct2(server: Server) -> Account:
    """Another user of the session server."""
    return _POOL.account(server)


def account_on(server: Server) -> Account:
    return _POOL.account(server)


@pytest.fixture
def paho() -> Iterator[Callable[..., Paho]]:
    """``paho(acct, version=5, ...)``: a connected paho client, closed after the test."""
    made: list[Paho] = []

    def make(acct: Account, **kwargs: Any) -> Paho:
        client = Paho(acct, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        with contextlib.suppress(Exception):
            client.close()


@pytest.fixture
def raw(server: Server) -> Iterator[Callable[..., Raw]]:
    """``raw(version=4, port=None)``: a plain socket to the broker, closed after the test."""
    made: list[Raw] = []

    def make(version: int = 4, port: int | None = None) -> Raw:
        conn = Raw(port or server.mqtt_port, version)
        made.append(conn)
        return conn

    yield make
    for conn in made:
        conn.close()
