"""Issue 11's reproductions 3, 4, 5 and 8 against a real server: while each abuse runs the
server's RSS stays under a stated bound and ``/health`` keeps answering (within 2 s: a
generous bound, not a measurement; ``bench/mqtt_abuse.py`` prints the latencies)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_abuse_scenarios import (
    MIB,
    Watch,
    deep_payload,
    flood_behind_wait,
    huge_subscribe,
    silent_tls,
    wildcard_writes,
)
from mqtt_adafruit_helpers import connected, make_ca, own_server

from support import Server

GROWTH = 100 * MIB  # how much the server's RSS may grow during one abuse


def healthy(watch: Watch) -> None:
    assert watch.latencies, "no /health probe ran"
    assert not watch.failures, watch.failures
    assert max(watch.latencies) < 2.0, watch.summary()
    assert watch.growth < GROWTH, watch.summary()


def test_one_subscribe_with_30000_filters_over_1000_retained(
    server: Server, user: tuple[str, str]
) -> None:
    """Reproduction 3: the filters past 100 get 0x97 at once; the rest find their retained
    messages through the topic tree."""
    username, key = user
    with Watch(server).running() as watch:
        codes = huge_subscribe(server, username, key, filters=30_000, retained=1000)
    assert codes == [0] * 100 + [0x97] * 29_900
    healthy(watch)


@pytest.fixture(scope="module")
def wild_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    limits = {
        "STONECHAT_MQTT_MAX_SUBSCRIPTIONS_PER_SESSION": "60000",
        "STONECHAT_MQTT_MAX_SUBSCRIPTIONS_PER_USER": "60000",
    }
    with own_server(backend, tmp_path_factory.mktemp(f"wild-{backend}"), limits) as server:
        yield server


def test_rest_writes_of_a_user_with_50000_wildcard_subscriptions(wild_server: Server) -> None:
    """Reproduction 3: each point is matched through the owner's router, not against every
    wildcard subscription (before: 182 ms of the event loop per point, so a batch of 20
    points held ``/health`` for seconds)."""
    username, key = wild_server.create_user("w")
    with Watch(wild_server).running() as watch:
        codes, _times = wildcard_writes(
            wild_server, username, key, subscriptions=50_000, per_packet=100
        )
    assert codes == [0] * 50_000
    healthy(watch)


def test_megabyte_packets_behind_a_waiting_publish(tmp_path: Path) -> None:
    """Reproduction 4: while a publish to a new feed waits (the database is locked), two
    connections send 150 x 1 MiB each; the server stops reading them at its byte bound
    (2 MiB of waiting input each) instead of holding 300 MiB, and reads on once the
    database is back: every packet is handled. It locks the SQLite database file to make the
    publish wait, so it runs once, on a SQLite server of its own."""
    with own_server("sqlite", tmp_path) as server:
        username, key = server.create_user("m")
        with Watch(server).running() as watch:
            sent, acks = flood_behind_wait(server, username, key, watch, connections=2, mib=150)
        assert all(count < 150 for count in sent), sent  # the senders were held back
        assert acks == [{1: 0, 2: 0}, {1: 0, 2: 0}]  # then everything was handled
        healthy(watch)


def test_deeply_nested_payload_behind_a_waiting_publish(
    server: Server, user: tuple[str, str]
) -> None:
    """Reproduction 5: 5,000 levels of ``[`` are a validation refusal (0x99 and a notice on
    ``{user}/errors``); the packets after it are handled on the same connection."""
    username, key = user
    with connected(server, username, key, version=5) as errors:
        assert errors.subscribe(f"{username}/errors") == [0]
        with Watch(server).running() as watch:
            acks = deep_payload(server, username, key, depth=5000)
        assert acks == {1: 0, 2: 0x99, 3: 0, 4: 0}
        notice = errors.next()
        assert "nested deeper than 32 levels" in notice.text, notice.text
    healthy(watch)


@pytest.fixture(scope="module")
def tls_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _ca, cert, key = make_ca(tmp_path_factory.mktemp("ca"))
    env = {
        "STONECHAT_TLS_CERT": str(cert),
        "STONECHAT_TLS_KEY": str(key),
        "STONECHAT_MQTT_CONNECT_TIMEOUT": "1",
    }
    with own_server(backend, tmp_path_factory.mktemp(f"tls-{backend}"), env, mqtts=True) as srv:
        yield srv


def test_tls_connections_that_never_say_hello_are_dropped(tls_server: Server) -> None:
    """Reproduction 8: the TLS handshake is bounded by the CONNECT timeout (1 s here;
    asyncio's own default held such connections 60 s)."""
    port = int(tls_server.extra_env["STONECHAT_MQTTS_PORT"])
    with Watch(tls_server).running() as watch:
        held = silent_tls(port, count=20, wait=20)
    assert max(held) < 10, held
    healthy(watch)


def test_plain_connections_that_never_send_connect_are_dropped(tls_server: Server) -> None:
    held = silent_tls(tls_server.mqtt_port, count=5, wait=20)
    assert max(held) < 10, held
