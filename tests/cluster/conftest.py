"""Several Stonechat processes sharing one PostgreSQL database and one Redis."""

from __future__ import annotations

import secrets
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import backend_url
from support import Server, free_port, require_redis

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


def cluster_env(redis_url: str, prefix: str, secret: str) -> dict[str, str]:
    return {
        "STONECHAT_REDIS_URL": redis_url,
        "STONECHAT_REDIS_PREFIX": prefix,
        "STONECHAT_SECRET_KEY": secret,
        "STONECHAT_DATA_RATE_LIMIT": "0",
    }


def start_cluster(
    root: Path, count: int, database_url: str | None, redis_url: str, prefix: str | None = None
) -> list[Server]:
    """``count`` independent server processes of one installation."""
    env = cluster_env(redis_url, prefix or f"test-{uuid.uuid4().hex[:8]}", secrets.token_hex(16))
    servers = []
    for i in range(count):
        server = Server(
            backend="postgresql",
            data_dir=root / f"node{i}",
            database_url=database_url,
            http_port=free_port(),
            mqtt_port=free_port(),
            extra_env=dict(env),
        )
        server.start()
        servers.append(server)
    return servers


@pytest.fixture(scope="module")
def cluster(
    pg_url: str | None, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Server]]:
    """Two processes, A and B, shared by the tests of a module (tests use fresh users)."""
    servers = start_cluster(tmp_path_factory.mktemp("cluster"), 2, pg_url, redis_url)
    yield servers
    for server in servers:
        server.stop()
