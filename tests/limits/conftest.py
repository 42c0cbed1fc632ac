"""Limiter storages (memory, Redis) and servers with real limits on."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import require_redis

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
