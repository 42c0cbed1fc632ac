"""The official ``adafruit-io`` MQTTClient (clients.md §2) against the broker, plain TCP.

The client's port is fixed by ``secure``; ``_service_port`` points it at the test server.
Its callbacks run in paho's thread; a queue hands ``(topic_id, payload)`` to the test.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from Adafruit_IO import MQTTClient
from mqtt_adafruit_helpers import TIMEOUT, connected, rest, values, wait_for

from support import Server

pytestmark = pytest.mark.filterwarnings("ignore:Callback API version 1:DeprecationWarning")


class Official:
    """An ``MQTTClient`` with its messages, subscriptions and connection state observable."""

    def __init__(self, port: int, username: str, key: str, secure: bool = False) -> None:
        host = "127.0.0.1"
        self.client = MQTTClient(username, key, service_host=host, secure=secure)
        self.client._service_port = port
        self.messages: queue.Queue[tuple[str, str]] = queue.Queue()
        self.granted: queue.Queue[list[int]] = queue.Queue()
        self.client.on_message = lambda _c, topic, payload: self.messages.put((topic, payload))
        self.client.on_subscribe = lambda _c, _u, _mid, qos: self.granted.put(list(qos))

    def connect(self) -> None:
        self.client.connect()
        self.client.loop_background()
        wait_for(self.client.is_connected)

    def granted_next(self) -> list[int]:
        return self.granted.get(timeout=TIMEOUT)

    def next(self, timeout: float = TIMEOUT) -> tuple[str, str]:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout}s") from None

    def close(self) -> None:
        self.client.disconnect()
        self.client._client.loop_stop()


@pytest.fixture
def official(server: Server, user: tuple[str, str]) -> Iterator[Official]:
    client = Official(server.mqtt_port, *user)
    client.connect()
    yield client
    client.close()


@pytest.fixture
def feeds_of(server: Server) -> Callable[[tuple[str, str], str], list[str]]:
    def read(owner: tuple[str, str], feed: str) -> list[str]:
        with rest(server, *owner) as api:
            return values(api, feed)

    return read


def test_connect_reports_connected(official: Official) -> None:
    assert official.client.is_connected() is True


def test_wrong_key_is_refused_with_code_5(server: Server, user: tuple[str, str]) -> None:
    username, _key = user
    client = Official(server.mqtt_port, username, "0" * 32)
    codes: list[int] = []
    # The official client raises MQTTError from its own on_connect for a non-zero code.
    client.client._client.on_connect = lambda _c, _u, _f, rc: codes.append(rc)
    client.client._client.on_disconnect = lambda _c, _u, _rc: None  # it would raise too
    client.client.connect()
    client.client.loop_background()
    try:
        wait_for(lambda: codes)
        assert codes == [5]
        assert client.client.is_connected() is False
    finally:
        client.client._client.loop_stop()


def test_subscribe_then_publish_delivers_own_message(
    official: Official, user: tuple[str, str], feeds_of: Any
) -> None:
    official.client.subscribe("testfeed")
    assert official.granted_next() == [0]
    official.client.publish("testfeed", 42)
    assert official.next() == ("testfeed", "42")
    # The publish auto-created the feed and stored the value as text.
    assert feeds_of(user, "testfeed") == ["42"]


def test_subscribe_at_qos_1_is_granted_qos_1(official: Official) -> None:
    official.client.subscribe("qos-one", qos=1)
    assert official.granted_next() == [1]
    official.client.publish("qos-one", "on")
    assert official.next() == ("qos-one", "on")


def test_receive_gets_the_last_value_on_the_subscribed_topic(
    server: Server, official: Official, user: tuple[str, str]
) -> None:
    with rest(server, *user) as api:
        assert api.post("/feeds/lamp/data", json={"value": "first"}).status_code == 200
        assert api.post("/feeds/lamp/data", json={"value": "7"}).status_code == 200
    official.client.subscribe("lamp")
    assert official.granted_next() == [0]
    official.client.receive("lamp")
    assert official.next() == ("lamp", "7")
    official.client.receive("lamp")
    assert official.next() == ("lamp", "7")


def test_receive_only_answers_the_asking_client(
    server: Server, official: Official, user: tuple[str, str]
) -> None:
    other = Official(server.mqtt_port, *user)
    other.connect()
    try:
        for client in (official, other):
            client.client.subscribe("shared-lamp")
            assert client.granted_next() == [0]
        with rest(server, *user) as api:
            assert api.post("/feeds/shared-lamp/data", json={"value": "3"}).status_code == 200
        assert official.next() == ("shared-lamp", "3")
        assert other.next() == ("shared-lamp", "3")
        other.client.receive("shared-lamp")
        assert other.next() == ("shared-lamp", "3")
        # The other client's /get reply went to it alone: the next thing here is a new point.
        official.client.publish("shared-lamp", "4")
        assert official.next() == ("shared-lamp", "4")
        assert other.next() == ("shared-lamp", "4")
    finally:
        other.close()


def test_publish_with_group_id_goes_to_the_feed_in_the_group(
    server: Server, official: Official, user: tuple[str, str], feeds_of: Any
) -> None:
    with rest(server, *user) as api:
        assert api.post("/groups", json={"name": "weather"}).status_code == 201
    official.client.subscribe("weather.temp")
    assert official.granted_next() == [0]
    official.client.publish("temp", "21.5", group_id="weather")
    assert official.next() == ("weather.temp", "21.5")
    with rest(server, *user) as api:
        response = api.get("/groups/weather/feeds/temp/data")
        assert response.status_code == 200
        assert [d["value"] for d in response.json()] == ["21.5"]
        assert api.get("/feeds/weather.temp").json()["group"]["key"] == "weather"
    assert feeds_of(user, "weather.temp") == ["21.5"]


def test_subscribe_group_gets_group_json(
    server: Server, official: Official, user: tuple[str, str]
) -> None:
    with rest(server, *user) as api:
        assert api.post("/groups", json={"name": "room"}).status_code == 201
    # On the 3-segment topic {u}/groups/room the client's own parser fails (split('/')[3],
    # upstream issue #140); the "room/json" group id gives it a 4th segment to read.
    official.client.subscribe_group("room/json")
    assert official.granted_next() == [0]
    official.client.publish("humidity", "40", group_id="room")
    topic, payload = official.next()
    assert topic == "json"
    assert payload == '{"feeds":{"humidity":"40"}}'


def test_subscribe_group_on_the_plain_group_topic_reaches_paho(
    server: Server, official: Official, user: tuple[str, str]
) -> None:
    username, _ = user
    raw: queue.Queue[tuple[str, bytes]] = queue.Queue()
    official.client._client.on_message = lambda _c, _u, msg: raw.put((msg.topic, msg.payload))
    with rest(server, *user) as api:
        assert api.post("/groups", json={"name": "hall"}).status_code == 201
    official.client.subscribe_group("hall")
    assert official.granted_next() == [0]
    official.client.publish("door", "open", group_id="hall")
    assert raw.get(timeout=TIMEOUT) == (f"{username}/groups/hall", b'{"feeds":{"door":"open"}}')


def test_integration_subscriptions_are_granted(official: Official) -> None:
    official.client.subscribe_randomizer(1)
    official.client.subscribe_weather(2, "forecast_hours_2")
    official.client.subscribe_air_quality(3)
    assert [official.granted_next() for _ in range(3)] == [[0], [0], [0]]


def test_subscribe_time_seconds(official: Official) -> None:
    official.client.subscribe_time("seconds")
    assert official.granted_next() == [0]
    topic, payload = official.next(timeout=3)
    assert topic == "time"
    assert payload.isdigit()
    assert abs(int(payload) - time.time()) < 3
    # One a second, each second once and in order.
    later = [int(official.next(timeout=3)[1]) for _ in range(2)]
    assert later == [int(payload) + 1, int(payload) + 2]


def test_subscribe_time_millis_and_iso(official: Official) -> None:
    official.client.subscribe_time("millis")
    assert official.granted_next() == [0]
    _, millis = official.next(timeout=3)
    assert millis.isdigit() and len(millis) == 13
    assert abs(int(millis) / 1000 - time.time()) < 3
    official.client.unsubscribe_time("millis")
    official.client.subscribe_time("iso")
    assert official.granted_next() == [0]
    deadline = time.monotonic() + 3
    while True:  # a millis message may still be in flight
        _, iso = official.next(timeout=3)
        if not iso.isdigit() or time.monotonic() > deadline:
            break
    assert len(iso) == 24 and iso.endswith("Z") and iso[10] == "T" and iso[19] == "."


def test_feed_user_reads_another_users_public_feed(
    server: Server, official: Official, make_user: Callable[[], tuple[str, str]], feeds_of: Any
) -> None:
    owner = make_user()
    with rest(server, *owner) as api:
        assert api.post("/feeds", json={"feed": {"name": "outside"}}).status_code == 201
        response = api.patch("/feeds/outside", json={"feed": {"visibility": "public"}})
        assert response.status_code == 200
        assert response.json()["visibility"] == "public"
    official.client.subscribe("outside", feed_user=owner[0])
    assert official.granted_next() == [0]
    with connected(server, *owner) as writer:
        assert writer.publish(f"{owner[0]}/feeds/outside", "12", qos=1) == 0
    assert official.next() == ("outside", "12")
    # Readable, not writable: the publish is dropped and nothing is stored.
    official.client.publish("outside", "99", feed_user=owner[0])
    with connected(server, *owner) as writer:
        assert writer.publish(f"{owner[0]}/feeds/outside", "13", qos=1) == 0
    assert official.next() == ("outside", "13")
    assert feeds_of(owner, "outside") == ["12", "13"]


def test_feed_user_of_a_private_feed_is_refused(
    server: Server, official: Official, make_user: Callable[[], tuple[str, str]]
) -> None:
    owner = make_user()
    with rest(server, *owner) as api:
        assert api.post("/feeds", json={"feed": {"name": "inside"}}).status_code == 201
    official.client.subscribe("inside", feed_user=owner[0])
    assert official.granted_next() == [0x80]
    with connected(server, *owner) as writer:
        assert writer.publish(f"{owner[0]}/feeds/inside", "1", qos=1) == 0
    official.client.subscribe("mine")
    assert official.granted_next() == [0]
    official.client.publish("mine", "marker")
    assert official.next() == ("mine", "marker")  # nothing of the private feed before it
