"""Several Stonechat processes sharing one PostgreSQL database and one Redis."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server, backend_url, require_redis, start_cluster

# The paho client helper of the MQTT tests (it waits for acknowledgements).
_HELPERS = str(Path(__file__).resolve().parents[1] / "protocols" / "mqtt" / "adafruit")
if _HELPERS not in sys.path:
    sys.path.insert(0, _HELPERS)
pytest.register_assert_rewrite("mqtt_adafruit_helpers")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str | None]:
    yield from backend_url("postgresql")


@pytest.fixture(scope="module")
def redis_url() -> str:
    return require_redis()


@pytest.fixture(scope="module")
def cluster(
    pg_url: str | None, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Server]]:
    """Two processes, A and B, shared by the tests of a module (tests use fresh users)."""
    servers = start_cluster(tmp_path_factory.mktemp("cluster"), 2, pg_url, redis_url)
    yield servers
    for server in servers:
        server.stop()
