"""Fixtures for the broker conformance tests: accounts, paho and raw-socket clients.

Tests marked ``sqlite_only`` (tests/conftest.py) run against the SQLite server only.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support import (
    IN_CI,
    Server,
    create_pg_database,
    drop_pg_database,
    free_port,
    postgres_available,
)

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

pytest.register_assert_rewrite("mqtt_conformance_support")

from mqtt_conformance_support import Account, Paho, Raw, account_on  # noqa: E402


@pytest.fixture
def acct(server: Server) -> Account:
    """A user of the session server with a fresh free-form topic prefix."""
    return account_on(server)


@pytest.fixture
def acct2(server: Server) -> Account:
    """Another user of the session server."""
    return account_on(server)


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


@pytest.fixture
def private_server(backend: str, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``private_server(**env)``: a started server of the test's own, for restarts."""
    made: list[tuple[Server, str | None]] = []

    def make(**env: str) -> Server:
        url = None
        if backend == "postgresql":
            if not postgres_available():
                if IN_CI:
                    pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
                pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
            url = create_pg_database()
        srv = Server(
            backend=backend,
            data_dir=tmp_path / f"private-{len(made)}",
            database_url=url,
            http_port=free_port(),
            mqtt_port=free_port(),
            extra_env=dict(env),
        )
        made.append((srv, url))
        srv.start()
        return srv

    yield make
    for srv, url in made:
        srv.stop()
        if url is not None:
            drop_pg_database(url)
