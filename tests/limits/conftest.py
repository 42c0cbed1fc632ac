"""Limiter storages (memory, Redis) and servers with real limits on."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Server, free_port, require_redis

# The paho client helper of the MQTT tests (it waits for acknowledgements).
_HELPERS = str(Path(__file__).resolve().parents[1] / "protocols" / "mqtt" / "adafruit")
if _HELPERS not in sys.path:
    sys.path.insert(0, _HELPERS)
pytest.register_assert_rewrite("mqtt_adafruit_helpers")

STORAGES = ["memory", "redis"]


def wipe_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def redis_prefix(storage: str) -> Iterator[tuple[str | None, str]]:
    """(Redis URL or None for memory, a key prefix unique to this test), wiped after it."""
    prefix = f"test-limits-{uuid.uuid4().hex[:10]}"
    if storage == "memory":
        yield None, prefix
        return
    url = require_redis()
    yield url, prefix
    wipe_redis(url, prefix)


LIMIT = 5  # data points per minute on the limited servers


def limited_env(redis_url: str | None, prefix: str) -> dict[str, str]:
    """Real limits: a small data rate, bans with the product's default thresholds."""
    env = {"STONECHAT_DATA_RATE_LIMIT": str(LIMIT), "STONECHAT_BANS": "true"}
    if redis_url:
        env |= {"STONECHAT_REDIS_URL": redis_url, "STONECHAT_REDIS_PREFIX": prefix}
    return env


@pytest.fixture(scope="module", params=STORAGES)
def limited(
    request: pytest.FixtureRequest,
    backend: str,
    database_url: str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """A server per database backend and limiter storage, shared by a module's tests (each
    test uses fresh users)."""
    redis_url = require_redis() if request.param == "redis" else None
    prefix = f"test-limits-{uuid.uuid4().hex[:10]}"
    server = Server(
        backend=backend,
        data_dir=Path(tmp_path_factory.mktemp(f"limited-{backend}-{request.param}")),
        database_url=database_url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=limited_env(redis_url, prefix),
    )
    server.start()
    yield server
    server.stop()
    if redis_url:
        wipe_redis(redis_url, prefix)


@pytest.fixture
def fresh(limited: Server) -> tuple[str, str]:
    return limited.create_user("lim")


@pytest.fixture
def rest_api(limited: Server, fresh: tuple[str, str]) -> Iterator[httpx.Client]:
    username, key = fresh
    with httpx.Client(
        base_url=f"{limited.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as client:
        yield client
