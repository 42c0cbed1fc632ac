"""Fixtures of the web UI tests: signed-in browser-like clients, and a server with short
session timeouts and sign-up turned off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import (
    IN_CI,
    Server,
    create_pg_database,
    drop_pg_database,
    free_port,
    postgres_available,
)
from ui.helpers import IDLE_SECONDS, MAX_SECONDS, Browser, browser


@pytest.fixture
def signed_in(server: Server) -> Iterator[Browser]:
    """A fresh user, signed in through /ui/api/signin."""
    username, _key = server.create_user("w")
    with browser(server) as client:
        assert client.sign_in(username).status_code == 200
        yield client


@pytest.fixture(scope="session")
def short_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own (per backend): sessions idle out after 3 s and end after 8 s;
    sign-up is turned off."""
    url = None
    if backend == "postgresql":
        if not postgres_available():
            if IN_CI:
                pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        url = create_pg_database()
    srv = Server(
        backend=backend,
        data_dir=Path(tmp_path_factory.mktemp(f"short-{backend}")),
        database_url=url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={
            "STONECHAT_SIGNUP_ENABLED": "false",
            "STONECHAT_SESSION_IDLE_MINUTES": str(IDLE_SECONDS / 60),
            "STONECHAT_SESSION_MAX_DAYS": str(MAX_SECONDS / 86_400),
        },
    )
    srv.start()
    yield srv
    srv.stop()
    if url:
        drop_pg_database(url)


LIMITED_RATE = 5  # points per minute on limited_server


@pytest.fixture(scope="session")
def limited_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own (per backend) with a data rate of LIMITED_RATE points a minute,
    to be throttled in a test."""
    url = None
    if backend == "postgresql":
        if not postgres_available():
            if IN_CI:
                pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        url = create_pg_database()
    srv = Server(
        backend=backend,
        data_dir=Path(tmp_path_factory.mktemp(f"limited-{backend}")),
        database_url=url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={"STONECHAT_DATA_RATE_LIMIT": str(LIMITED_RATE)},
    )
    srv.start()
    yield srv
    srv.stop()
    if url:
        drop_pg_database(url)
