"""Two processes of one installation (PostgreSQL + Redis) behave like one server.

Server A and server B are separate ``stonechat serve`` processes. A client of either one
sees every point stored through the other, exactly once, on REST, MQTT and the official
Adafruit IO client; client-id takeover, persistent sessions, key revocation, ``/get`` and
``{user}/errors`` work wherever the client is connected.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from Adafruit_IO import Client as AioRestClient
from Adafruit_IO import MQTTClient
from mqtt_adafruit_helpers import Client, connected, rest, values, wait_for

from support import Server, free_port

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def ab(cluster: list[Server]) -> tuple[Server, Server]:
    return cluster[0], cluster[1]


@pytest.fixture
def account(cluster: list[Server]) -> tuple[str, str]:
    return cluster[0].create_user("c")


def test_points_published_on_one_process_reach_subscribers_of_both_exactly_once(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    feed = f"temp{uuid.uuid4().hex[:6]}"
    topics = [f"{username}/feeds/{feed}", f"{username}/f/{feed}/json"]
    with connected(b, username, key) as far, connected(a, username, key) as near:
        for client in (far, near):
            assert client.subscribe(*topics, qos=1) == [1, 1]
        with connected(a, username, key) as publisher:
            for i in range(50):
                assert publisher.publish(f"{username}/feeds/{feed}", str(i), qos=1) == 0
        with rest(a, username, key) as api:
            api.post(f"/feeds/{feed}/data", json={"value": "rest"}).raise_for_status()
        for client in (far, near):
            got = client.take(102, timeout=10)
            raw = [m.text for m in got if m.topic == topics[0]]
            assert raw == [str(i) for i in range(50)] + ["rest"]
            assert len([m for m in got if m.topic == topics[1]]) == 51
            time.sleep(0.3)
            assert client.pending() == []  # exactly once: nothing more arrives


def test_group_writes_and_wildcards_cross_processes(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    with rest(a, username, key) as api:
        api.post("/groups", json={"name": "Weather"}).raise_for_status()
        with connected(b, username, key) as far:
            far.subscribe(f"{username}/groups/weather", f"{username}/feeds/#")
            api.post(
                "/groups/weather/data",
                json={"feeds": [{"key": "t", "value": "20"}, {"key": "h", "value": "40"}]},
            ).raise_for_status()
            # one group message; for each feed, feeds/weather.KEY in raw, json and csv
            got = far.take(1 + 2 * 3, timeout=10)
            time.sleep(0.3)
            assert far.pending() == []
    assert sorted(m.topic for m in got if "/feeds/" in m.topic) == sorted(
        f"{username}/feeds/weather.{k}{fmt}" for k in "th" for fmt in ("", "/json", "/csv")
    )
    group = [m for m in got if m.topic == f"{username}/groups/weather"]
    assert len(group) == 1
    assert group[0].text in ('{"feeds":{"t":"20","h":"40"}}', '{"feeds":{"h":"40","t":"20"}}')


def test_official_client_receives_points_stored_through_the_other_process(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    feed = f"office{uuid.uuid4().hex[:6]}"
    received: list[tuple[str, str]] = []
    subscribed = threading.Event()
    arrived = threading.Event()

    mqtt = MQTTClient(username, key, service_host="127.0.0.1", secure=False)
    mqtt._service_port = b.mqtt_port  # the client has no port argument

    def on_message(_client: Any, feed_id: str, payload: str) -> None:
        received.append((feed_id, payload))
        if len(received) >= 3:
            arrived.set()

    mqtt.on_message = on_message
    mqtt.on_subscribe = lambda *args: subscribed.set()
    mqtt.connect()
    mqtt.loop_background()
    try:
        mqtt.subscribe(feed)
        assert subscribed.wait(5)
        aio = AioRestClient(username, key, base_url=a.base_url)
        for value in (1, 2, 3):
            aio.send_data(feed, value)
        assert arrived.wait(5), received
        time.sleep(0.3)
        assert received == [(feed, "1"), (feed, "2"), (feed, "3")]
    finally:
        mqtt.disconnect()


def test_client_id_taken_over_from_the_other_process(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    client_id = f"device-{uuid.uuid4().hex[:6]}"
    first = connected(a, username, key, client_id=client_id, version=5)
    try:
        second = connected(b, username, key, client_id=client_id, version=5)
        try:
            reason = wait_for(lambda: first.disconnected, timeout=5)
            assert int(reason.value) == 0x8E  # session taken over
            assert second.disconnected is None
        finally:
            second.close()
    finally:
        first.paho.loop_stop()


def test_persistent_session_is_found_on_the_other_process(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    """Subscriptions and the messages queued while offline move with the client."""
    a, b = ab
    username, key = account
    client_id = f"keeper-{uuid.uuid4().hex[:6]}"
    topic = f"{username}/feeds/kept{uuid.uuid4().hex[:6]}"
    first = Client(a.mqtt_port, username, key, client_id=client_id, version=5)
    assert first.connect(session_expiry=300) == 0
    assert first.subscribe(topic, qos=1) == [1]
    first.close()

    with rest(b, username, key) as api:  # stored while the client is away
        for value in ("x", "y"):
            api.post(f"/feeds/{topic.rsplit('/', 1)[1]}/data", json={"value": value})

    second = Client(b.mqtt_port, username, key, client_id=client_id, version=5)
    try:
        assert second.connect(session_expiry=300) == 0
        assert second.session_present is True
        assert [m.text for m in second.take(2)] == ["x", "y"]
        with rest(a, username, key) as api:  # the subscription lives on B now
            api.post(f"/feeds/{topic.rsplit('/', 1)[1]}/data", json={"value": "z"})
        assert second.next().text == "z"
    finally:
        second.close()


def test_get_and_errors_answer_wherever_the_client_is(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    with rest(a, username, key) as api:
        api.post("/feeds/lamp/data", json={"value": "on"}).raise_for_status()
    with connected(b, username, key) as asker, connected(b, username, key) as watcher:
        asker.subscribe(f"{username}/feeds/lamp")
        asker.publish(f"{username}/feeds/lamp/get", b"")
        assert asker.next().text == "on"
        watcher.subscribe(f"{username}/errors")
        with connected(a, username, key) as bad:
            bad.publish(f"{username}/f/bad*name", b"1")
            assert f"PUBLISH {username}/f/bad*name rejected" in watcher.next().text


def test_free_form_and_retained_messages_cross_processes(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    with connected(b, username, key) as far, connected(a, username, key) as publisher:
        far.subscribe(f"{username}/home/#")
        publisher.publish(f"{username}/home/door", b"open", qos=1)
        publisher.publish(f"{username}/home/light", b"dim", qos=1, retain=True)
        got = far.take(2)
        assert [(m.topic, m.text) for m in got] == [
            (f"{username}/home/door", "open"),
            (f"{username}/home/light", "dim"),
        ]
    with connected(b, username, key) as late:
        late.subscribe(f"{username}/home/light")
        msg = late.next()
        assert (msg.text, msg.retain) == ("dim", True)


def test_regenerated_key_ends_sessions_in_every_process(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    clients = [connected(server, username, key, version=5) for server in (a, b)]
    try:
        a.cli("user", "key", username, "--regenerate")
        for client in clients:
            reason = wait_for(lambda c=client: c.disconnected, timeout=8)
            assert int(reason.value) == 0x98
    finally:
        for client in clients:
            client.paho.loop_stop()


def test_health_reports_the_bus(ab: tuple[Server, Server]) -> None:
    import httpx

    for server in ab:
        body = httpx.get(f"{server.base_url}/health").json()
        assert body["status"] == "ok"
        assert body["bus"]["kind"] == "redis" and body["bus"]["connected"] is True


def test_data_written_through_each_process_is_one_history(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    a, b = ab
    username, key = account
    for i, server in enumerate((a, b, a, b)):
        with rest(server, username, key) as api:
            api.post("/feeds/shared/data", json={"value": str(i)}).raise_for_status()
    with rest(b, username, key) as api:
        assert values(api, "shared") == ["0", "1", "2", "3"]


def test_a_process_joining_later_gets_the_retained_messages(
    ab: tuple[Server, Server], account: tuple[str, str], tmp_path: Path
) -> None:
    a, _b = ab
    username, key = account
    with connected(a, username, key) as publisher:
        publisher.publish(f"{username}/config/mode", b"eco", qos=1, retain=True)
    late = Server(
        backend="postgresql",
        data_dir=tmp_path / "late",
        database_url=a.database_url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=dict(a.extra_env),
    )
    late.start()
    try:
        with connected(late, username, key) as client:
            client.subscribe(f"{username}/config/#")
            msg = client.next()
            assert (msg.topic, msg.text, msg.retain) == (f"{username}/config/mode", "eco", True)
    finally:
        late.stop()


def test_history_turned_off_through_one_process_holds_for_writes_through_the_other(
    ab: tuple[Server, Server], account: tuple[str, str]
) -> None:
    """B has the feed cached for its MQTT writers when A turns history off: B forgets it
    (the access-change signal) and its later writes keep only the latest value."""
    a, b = ab
    username, key = account
    feed = f"hist{uuid.uuid4().hex[:6]}"
    topic = f"{username}/feeds/{feed}"
    with connected(b, username, key) as publisher, rest(a, username, key) as api:
        for i in range(3):
            assert publisher.publish(topic, str(i), qos=1) == 0  # PUBACK: stored
        api.put(f"/feeds/{feed}", json={"feed": {"history": False}}).raise_for_status()

        def count() -> int:
            details = api.get(f"/feeds/{feed}/details").raise_for_status().json()
            return int(details["details"]["data"]["count"])

        assert count() == 1
        sent = 3
        deadline = time.monotonic() + 10
        while True:  # the signal reaches B within moments; until then B may keep a point more
            assert publisher.publish(topic, str(sent), qos=1) == 0
            sent += 1
            if count() == 1:
                break
            assert time.monotonic() < deadline, "B still keeps every point"
        for _ in range(3):
            assert publisher.publish(topic, str(sent), qos=1) == 0
            sent += 1
        assert count() == 1
        latest = api.get(f"/feeds/{feed}/data").raise_for_status().json()
        assert [d["value"] for d in latest] == [str(sent - 1)]
