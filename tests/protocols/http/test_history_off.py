"""A feed with history off keeps only its latest value, as in Adafruit IO: whatever writes
to it (REST, batch, MQTT), and from the moment its history is turned off. Subscribers still
get every value; another user cannot turn someone's history off."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from support import Server


@pytest.fixture(scope="module")
def user(server: Server) -> tuple[str, str]:
    return server.create_user("hist")


@pytest.fixture(scope="module")
def api(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    username, key = user
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def new_feed(api: httpx.Client, history: Any) -> str:
    key = f"h-{uuid.uuid4().hex[:10]}"
    feed = ok(api.post("/feeds", json={"feed": {"name": key, "history": history}}), 201)
    assert feed["history"] is (history in (True, "ON"))
    return key


def stored(api: httpx.Client, key: str) -> tuple[list[str], int, str | None]:
    """The values stored (newest first), the feed's count, and its last value."""
    values = [d["value"] for d in ok(api.get(f"/feeds/{key}/data"))]
    details = ok(api.get(f"/feeds/{key}/details"))
    return values, details["details"]["data"]["count"], details["last_value"]


def test_rest_writes_keep_only_the_latest_value(api: httpx.Client) -> None:
    key = new_feed(api, "OFF")  # the official clients send "ON"/"OFF"
    for value in ("1", "2", "3"):
        ok(api.post(f"/feeds/{key}/data", json={"value": value}))
    assert stored(api, key) == (["3"], 1, "3")
    batch = [{"value": "4"}, {"value": "5", "created_at": "2020-01-01T00:00:00Z"}]
    ok(api.post(f"/feeds/{key}/data/batch", json={"data": batch}))
    # The back-dated 5 is older than 4: the latest value is 4.
    assert stored(api, key) == (["4"], 1, "4")


def test_a_large_value_is_allowed_and_kept_alone(api: httpx.Client) -> None:
    key = new_feed(api, False)
    big = "x" * 50_000  # over 1 KB: allowed without history (rest-api.md §10)
    ok(api.post(f"/feeds/{key}/data", json={"value": big}))
    ok(api.post(f"/feeds/{key}/data", json={"value": big + "y"}))
    values, count, _ = stored(api, key)
    assert values == [big + "y"] and count == 1


def test_mqtt_publishes_keep_only_the_latest_and_subscribers_get_every_value(
    server: Server, user: tuple[str, str], api: httpx.Client
) -> None:
    username, key = user
    feed = new_feed(api, False)
    topic = f"{username}/feeds/{feed}"
    got: list[str] = []
    subscribed = threading.Event()
    all_in = threading.Event()

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        got.append(message.payload.decode())
        if len(got) == 5:
            all_in.set()

    clients = []
    for _ in range(2):
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        client.username_pw_set(username, key)
        client.connect("127.0.0.1", server.mqtt_port, keepalive=30)
        client.loop_start()
        clients.append(client)
    subscriber, publisher = clients
    try:
        subscriber.on_message = on_message
        subscriber.on_subscribe = lambda *_: subscribed.set()
        subscriber.subscribe(topic, qos=1)
        assert subscribed.wait(10)
        for i in range(5):
            info = publisher.publish(topic, str(i), qos=1)
            info.wait_for_publish(10)
            assert info.is_published()  # PUBACK: committed
        assert all_in.wait(10), got
        assert got == ["0", "1", "2", "3", "4"]
    finally:
        for client in clients:
            client.loop_stop()
            client.disconnect()
    assert stored(api, feed) == (["4"], 1, "4")


def test_turning_history_off_keeps_the_latest_and_on_again_keeps_everything(
    api: httpx.Client,
) -> None:
    key = new_feed(api, True)
    hour_ago = time.time() - 3600  # recent: the retention sweep leaves them be
    points = [{"value": str(i), "epoch": hour_ago + i} for i in range(1, 6)]
    ok(api.post(f"/feeds/{key}/data/batch", json={"data": points}))
    assert stored(api, key)[1] == 5
    feed = ok(api.put(f"/feeds/{key}", json={"feed": {"history": "OFF"}}))
    assert feed["history"] is False
    assert stored(api, key) == (["5"], 1, "5")
    ok(api.put(f"/feeds/{key}", json={"feed": {"history": True}}))
    for value in ("6", "7"):
        ok(api.post(f"/feeds/{key}/data", json={"value": value}))
    assert stored(api, key) == (["7", "6", "5"], 3, "7")


def test_another_user_cannot_turn_history_off(server: Server, api: httpx.Client) -> None:
    key = new_feed(api, True)
    ok(api.post(f"/feeds/{key}/data", json={"value": "1"}))
    ok(api.post(f"/feeds/{key}/data", json={"value": "2"}))
    owner = str(api.base_url).rstrip("/").rsplit("/", 1)[-1]
    _, other_key = server.create_user("histx")
    for headers in ({"X-AIO-Key": other_key}, {}):  # another user; signed out
        response = httpx.put(
            f"{server.base_url}/api/v2/{owner}/feeds/{key}",
            json={"feed": {"history": False}},
            headers=headers,
        )
        assert response.status_code in (401, 403, 404), response.text
        assert "error" in response.json()
    assert stored(api, key)[1] == 2


@pytest.mark.parametrize("history", ["maybe", [], {}])
def test_a_bad_history_value_is_refused(api: httpx.Client, history: Any) -> None:
    response = api.post(
        "/feeds", json={"feed": {"name": f"bad-{uuid.uuid4().hex[:8]}", "history": history}}
    )
    assert response.status_code in (400, 422), response.text
    assert "error" in response.json()
