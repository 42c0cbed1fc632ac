"""The live WebSocket /ui/api/live: points stored through REST or MQTT reach the browser."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from support import Server
from ui.helpers import Browser


@contextmanager
def live(
    server: Server, cookie: str | None = None, origin: str | None = "same"
) -> Iterator[ClientConnection]:
    headers = {}
    if cookie:
        headers["Cookie"] = f"stonechat_session={cookie}"
    if origin == "same":
        headers["Origin"] = server.base_url
    elif origin:
        headers["Origin"] = origin
    url = f"ws://127.0.0.1:{server.http_port}/ui/api/live"
    with connect(url, additional_headers=headers, open_timeout=10) as ws:
        yield ws


def receive(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next message of this type (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return dict(message)


def subscribe(ws: ClientConnection, *names: str) -> dict[str, Any]:
    ws.send(json.dumps({"subscribe": list(names)}))
    return receive(ws, "subscribed")


def make_feed(client: Browser, name: str, visibility: str = "private") -> str:
    made = client.unsafe(
        "POST",
        f"/api/v2/{client.username}/feeds",
        json={"feed": {"name": name, "visibility": visibility}},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


def test_a_point_posted_through_rest_arrives(server: Server, signed_in: Browser) -> None:
    key = make_feed(signed_in, "Live Rest")
    name = f"{signed_in.username}/{key}"
    with live(server, signed_in.cookie) as ws:
        assert subscribe(ws, name)["feeds"] == [name]
        posted = signed_in.unsafe(
            "POST", f"/api/v2/{signed_in.username}/feeds/{key}/data", json={"value": "17.25"}
        ).json()
        message = receive(ws, "data")
    assert message["feed"] == name
    datum = message["datum"]
    assert datum["value"] == "17.25"
    assert datum["id"] == posted["id"]
    assert datum["feed_key"] == key
    assert datum["created_at"].endswith("Z")
    assert set(datum) >= {"id", "value", "feed_id", "feed_key", "created_at", "lat", "lon", "ele"}


def test_a_point_published_over_mqtt_arrives(server: Server, signed_in: Browser) -> None:
    key = make_feed(signed_in, "Live Mqtt")
    aio_key = signed_in.get("/ui/api/session").json()["aio_key"]
    name = f"{signed_in.username}/{key}"
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"ui-live-{key}")
    client.username_pw_set(signed_in.username, aio_key)
    client.connect("127.0.0.1", server.mqtt_port)
    client.loop_start()
    try:
        with live(server, signed_in.cookie) as ws:
            subscribe(ws, name)
            info = client.publish(f"{signed_in.username}/feeds/{key}", "on", qos=1)
            info.wait_for_publish(5)
            message = receive(ws, "data")
    finally:
        client.loop_stop()
        client.disconnect()
    assert message["feed"] == name
    assert message["datum"]["value"] == "on"


def test_group_feed_names_and_unsubscribe(server: Server, signed_in: Browser) -> None:
    u = signed_in.username
    group = signed_in.unsafe("POST", f"/api/v2/{u}/groups", json={"name": "Yard"})
    assert group.status_code == 201, group.text
    made = signed_in.unsafe(
        "POST", f"/api/v2/{u}/groups/yard/feeds", json={"feed": {"name": "Wind"}}
    )
    assert made.status_code == 201, made.text
    with live(server, signed_in.cookie) as ws:
        assert subscribe(ws, f"{u}/yard.wind")["feeds"] == [f"{u}/yard.wind"]
        signed_in.unsafe("POST", f"/api/v2/{u}/feeds/yard.wind/data", json={"value": 3})
        assert receive(ws, "data")["feed"] == f"{u}/yard.wind"
        ws.send(json.dumps({"unsubscribe": [f"{u}/yard.wind"]}))
        # Subscribe to something else and post to both: only the other one arrives.
        other = make_feed(signed_in, "Other")
        subscribe(ws, f"{u}/{other}")
        signed_in.unsafe("POST", f"/api/v2/{u}/feeds/yard.wind/data", json={"value": 4})
        signed_in.unsafe("POST", f"/api/v2/{u}/feeds/{other}/data", json={"value": 5})
        assert receive(ws, "data")["feed"] == f"{u}/{other}"


def test_foreign_origin_is_refused(server: Server, signed_in: Browser) -> None:
    try:
        with live(server, signed_in.cookie, origin="https://evil.example") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1008
    except InvalidStatus as refused:  # refusing the handshake would do as well
        assert refused.response.status_code == 403


def test_signed_out_sockets_get_public_feeds_only(server: Server, signed_in: Browser) -> None:
    u = signed_in.username
    public = make_feed(signed_in, "Shown", "public")
    private = make_feed(signed_in, "Hidden")
    for cookie in (None, "not-a-session"):
        with live(server, cookie) as ws:
            ws.send(json.dumps({"subscribe": [f"{u}/{public}", f"{u}/{private}", "nobody/x"]}))
            errors = [receive(ws, "error")["error"] for _ in range(2)]
            assert receive(ws, "subscribed")["feeds"] == [f"{u}/{public}"]
            assert any(private in e for e in errors)
            signed_in.unsafe("POST", f"/api/v2/{u}/feeds/{private}/data", json={"value": 1})
            signed_in.unsafe("POST", f"/api/v2/{u}/feeds/{public}/data", json={"value": 2})
            message = receive(ws, "data")
            assert message["feed"] == f"{u}/{public}"
            assert message["datum"]["value"] == "2"


def test_another_users_private_feed_is_refused(server: Server, signed_in: Browser) -> None:
    other, key = server.create_user("l")
    httpx.post(
        f"{server.base_url}/api/v2/{other}/feeds", headers={"X-AIO-Key": key}, json={"name": "Mine"}
    )
    with live(server, signed_in.cookie) as ws:
        ws.send(json.dumps({"subscribe": [f"{other}/mine"]}))
        assert "not found" in receive(ws, "error")["error"]
        assert receive(ws, "subscribed")["feeds"] == []


def test_bad_messages_get_an_error(server: Server) -> None:
    with live(server) as ws:
        ws.send("not json")
        assert receive(ws, "error")["error"]
        ws.send(json.dumps({"subscribe": 5}))
        assert receive(ws, "error")["error"]
        assert subscribe(ws)["feeds"] == []  # still open
