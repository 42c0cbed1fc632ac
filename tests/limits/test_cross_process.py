"""Two server processes on one PostgreSQL database and one Redis count together: a limit of
N allows N points in total, wherever they arrive; a ban made by one process holds in both."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest
from mqtt_adafruit_helpers import connected, rest, wait_for

from support import (
    IN_CI,
    Server,
    create_pg_database,
    drop_pg_database,
    free_port,
    postgres_available,
    require_redis,
)

from .conftest import LIMIT, limited_env, wipe_redis
from .test_mqtt_limits import BANNED_30, raw_connect


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    redis_url = require_redis()
    prefix = f"test-limits-{uuid.uuid4().hex[:10]}"
    env = limited_env(redis_url, prefix) | {"STONECHAT_SECRET_KEY": secrets.token_hex(16)}
    if not postgres_available():
        if IN_CI:
            pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    database_url = create_pg_database()
    root = tmp_path_factory.mktemp("limits-pair")
    servers = [
        Server(
            backend="postgresql",
            data_dir=root / f"node{i}",
            database_url=database_url,
            http_port=free_port(),
            mqtt_port=free_port(),
            extra_env=dict(env),
        )
        for i in range(2)
    ]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()
    wipe_redis(redis_url, prefix)
    drop_pg_database(database_url)


def test_http_points_counted_across_processes(pair: list[Server]) -> None:
    a, b = pair
    username, key = a.create_user("pair")
    accepted = 0
    with rest(a, username, key) as on_a, rest(b, username, key) as on_b:
        for i in range(2 * LIMIT):
            api = on_a if i % 2 == 0 else on_b
            status = api.post("/feeds/x/data", json={"value": i}).status_code
            assert status in (200, 429)
            accepted += status == 200
        assert accepted == LIMIT
        assert len(on_a.get("/feeds/x/data").json()) == LIMIT
        for api in (on_a, on_b):
            throttle = api.get("/throttle").json()
            assert (throttle["data_rate_limit"], throttle["active_data_rate"]) == (LIMIT, LIMIT)


def test_mqtt_and_http_share_the_count(pair: list[Server]) -> None:
    a, b = pair
    u, key = a.create_user("pair")
    with connected(a, u, key, version=5) as mq, rest(b, u, key) as api:
        for i in range(LIMIT - 2):
            assert mq.publish(f"{u}/feeds/m", str(i), qos=1) == 0
        assert api.post("/feeds/m/data", json={"value": "h1"}).status_code == 200
        assert api.post("/feeds/m/data", json={"value": "h2"}).status_code == 200
        assert api.post("/feeds/m/data", json={"value": "h3"}).status_code == 429
        assert mq.publish(f"{u}/feeds/m", "late", qos=1) == 0x97
        assert len(api.get("/feeds/m/data").json()) == LIMIT


def test_a_ban_holds_in_every_process(pair: list[Server]) -> None:
    a, b = pair
    u, key = a.create_user("pair")
    with connected(b, u, key) as watcher:
        assert watcher.subscribe(f"{u}/errors") == [0]
        with connected(a, u, key) as mq:
            for _ in range(11):
                mq.publish("nowhere", "x", qos=1)
        # The ban notice reaches the subscriber on the other process...
        assert BANNED_30 in [m.text for m in watcher.take(12)]
    # ... and the other process refuses the user within its refresh (about a second).
    wait_for(lambda: raw_connect(b, u, key, 4) == 7, timeout=5)
    assert raw_connect(a, u, key, 5) == 0x8A


def test_cli_limit_reaches_both(pair: list[Server]) -> None:
    a, b = pair
    u, key = a.create_user("pair")
    a.cli("user", "update", u, "--data-rate", "1")
    with rest(a, u, key) as on_a, rest(b, u, key) as on_b:
        for api in (on_a, on_b):
            wait_for(lambda api=api: api.get("/throttle").json()["data_rate_limit"] == 1)
        assert on_b.post("/feeds/c/data", json={"value": 1}).status_code == 200
        response = on_a.post("/feeds/c/data", json={"value": 2})
        assert response.status_code == 429
        assert response.headers["RateLimit-Limit"] == "1"
