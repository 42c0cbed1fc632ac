"""Quotas (mqtt.md "Limits"): topic filters per SUBSCRIBE, subscriptions per session and
per user, persistent sessions per user. MQTT 5 gets 0x97 quota exceeded; 3.1.1 gets SUBACK
0x80 and CONNACK return code 3. A server with small limits, so each is reached quickly."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
from mqtt_abuse_scenarios import RawClient
from mqtt_adafruit_helpers import TIMEOUT, Client, connected, own_server

from stonechat.protocols.mqtt.codec import (
    Connack,
    Connect,
    Decoder,
    Unsuback,
    Unsubscribe,
    encode,
)
from support import Server

FILTERS, PER_SESSION, PER_USER, PERSISTENT = 5, 8, 12, 2


@pytest.fixture(scope="module")
def limited(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "STONECHAT_MQTT_MAX_SUBSCRIBE_FILTERS": str(FILTERS),
        "STONECHAT_MQTT_MAX_SUBSCRIPTIONS_PER_SESSION": str(PER_SESSION),
        "STONECHAT_MQTT_MAX_SUBSCRIPTIONS_PER_USER": str(PER_USER),
        "STONECHAT_MQTT_MAX_PERSISTENT_SESSIONS_PER_USER": str(PERSISTENT),
    }
    with own_server(backend, tmp_path_factory.mktemp(f"limits-{backend}"), env) as server:
        yield server


def topics(username: str, count: int, prefix: str = "t") -> list[str]:
    return [f"{username}/{prefix}{i}" for i in range(count)]


@pytest.mark.parametrize(("version", "refused"), [(5, 0x97), (4, 0x80)])
def test_filters_past_the_limit_of_one_subscribe_are_refused(
    limited: Server, version: int, refused: int
) -> None:
    username, key = limited.create_user("q")
    with connected(limited, username, key, version=version) as client:
        codes = client.subscribe(*topics(username, FILTERS + 2))
        assert codes == [0] * FILTERS + [refused] * 2
        client.publish(f"{username}/t0", b"in", qos=1)  # the first ones hold
        assert client.next().text == "in"


def test_the_quota_refusal_is_reported_once_on_errors(limited: Server) -> None:
    username, key = limited.create_user("q")
    with connected(limited, username, key, version=5) as watcher:
        assert watcher.subscribe(f"{username}/errors") == [0]
        with connected(limited, username, key, version=5) as client:
            client.subscribe(*topics(username, FILTERS + 3))
        notice = watcher.next()
        assert "SUBSCRIBE 3 topic filter(s) refused, quota exceeded" in notice.text
        assert watcher.pending() == []


@pytest.mark.parametrize(("version", "refused"), [(5, 0x97), (4, 0x80)])
def test_subscriptions_per_session(limited: Server, version: int, refused: int) -> None:
    username, key = limited.create_user("q")
    client = RawClient(limited, username, key, level=version)
    try:
        assert client.subscribe(topics(username, 5), 1) == [0] * 5
        assert client.subscribe(topics(username, 3, "u"), 2) == [0] * 3  # 8: the limit
        assert client.subscribe([f"{username}/one-more"], 3) == [refused]
        assert client.subscribe([f"{username}/t1"], 4) == [0]  # replacing one is no new one
        client.send(Unsubscribe(5, [f"{username}/t2"]))
        assert client.recv(Unsuback).packet_id == 5
        assert client.subscribe([f"{username}/one-more"], 6) == [0]  # room again
    finally:
        client.close()


def test_subscriptions_per_user_over_sessions(limited: Server) -> None:
    username, key = limited.create_user("q")
    with (
        connected(limited, username, key, version=5) as first,
        connected(limited, username, key, version=5) as second,
    ):
        assert first.subscribe(*topics(username, 5, "a")) == [0] * 5
        assert first.subscribe(*topics(username, 3, "b")) == [0] * 3  # 8
        assert second.subscribe(*topics(username, 5, "c")) == [0, 0, 0, 0, 0x97]  # 12
        other, other_key = limited.create_user("q")  # another user is not affected
        with connected(limited, other, other_key, version=5) as third:
            assert third.subscribe(*topics(other, 5)) == [0] * 5
    # The sessions ended with their connections: their subscriptions no longer count.
    with connected(limited, username, key, version=5) as again:
        assert again.subscribe(*topics(username, 5, "d")) == [0] * 5


def connect_v311(server: Server, username: str, key: str, client_id: str, clean: bool) -> Connack:
    with socket.create_connection(("127.0.0.1", server.mqtt_port), timeout=TIMEOUT) as sock:
        sock.sendall(
            encode(
                Connect(
                    protocol_level=4,
                    clean_start=clean,
                    client_id=client_id,
                    username=username,
                    password=key.encode(),
                ),
                4,
            )
        )
        decoder = Decoder(server_side=False, protocol_level=4)
        while True:
            data = sock.recv(4096)
            assert data, "closed without CONNACK"
            packets = decoder.feed(data)
            if packets:
                connack = packets[0]
                assert isinstance(connack, Connack)
                return connack


def test_persistent_sessions_per_user(limited: Server) -> None:
    username, key = limited.create_user("q")
    held = []
    try:
        for i in range(PERSISTENT):
            client = Client(limited.mqtt_port, username, key, version=5, client_id=f"p{i}")
            assert client.connect(session_expiry=300) == 0
            held.append(client)
        extra = Client(limited.mqtt_port, username, key, version=5, client_id="p-extra")
        assert extra.connect(session_expiry=300) == 0x97
        # 3.1.1 with clean session 0: return code 3, server unavailable.
        refused = connect_v311(limited, username, key, f"v3-{uuid.uuid4().hex[:6]}", False)
        assert refused.reason_code == 3
        # A clean session is no persistent one; a held one resumes.
        assert connect_v311(limited, username, key, "v3-clean", True).reason_code == 0
        held[0].close()
        again = Client(limited.mqtt_port, username, key, version=5, client_id="p0")
        assert again.connect(session_expiry=300) == 0
        assert again.session_present
        held[0] = again
        # Another user has room of their own.
        other, other_key = limited.create_user("q")
        assert connect_v311(limited, other, other_key, "v3-other", False).reason_code == 0
    finally:
        for client in held:
            client.close()


def test_raw_subscribe_beyond_limits_keeps_the_connection(limited: Server) -> None:
    username, key = limited.create_user("q")
    client = RawClient(limited, username, key)
    try:
        codes = client.subscribe(topics(username, 1000))
        assert codes == [0] * FILTERS + [0x97] * (1000 - FILTERS)
        assert client.subscribe([f"{username}/x"], packet_id=2) == [0]
    finally:
        client.close()
