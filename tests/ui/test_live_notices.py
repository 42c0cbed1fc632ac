"""Notices on the live WebSocket: a signed-in socket that asks ({"notices": true}) gets its
own user's ``{user}/errors`` and ``{user}/throttle`` notices, as MQTT subscribers do; other
users' notices never reach it, and a signed-out socket may not ask."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from websockets.sync.client import ClientConnection

from support import Server
from ui.conftest import LIMITED_RATE
from ui.helpers import Browser, browser
from ui.test_live_access import first, live, messages


@contextmanager
def device(server: Server, username: str, key: str, name: str) -> Iterator[mqtt.Client]:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"notice-{name}")
    client.username_pw_set(username, key)
    client.connect("127.0.0.1", server.mqtt_port)
    client.loop_start()
    try:
        yield client
    finally:
        client.loop_stop()
        client.disconnect()


def follow(ws: ClientConnection, on: Any = True) -> dict[str, Any]:
    ws.send(json.dumps({"notices": on}))
    return first(ws, "notices" if isinstance(on, bool) else "error")


@pytest.fixture
def carol(server: Server) -> Iterator[Browser]:
    username, _key = server.create_user("n")
    with browser(server) as client:
        assert client.sign_in(username).status_code == 200
        yield client


def test_a_refused_publish_reaches_the_users_socket(
    server: Server, signed_in: Browser, carol: Browser
) -> None:
    u = signed_in.username
    key = signed_in.get("/ui/api/session").json()["aio_key"]
    with live(server, signed_in.cookie) as mine, live(server, carol.cookie) as theirs:
        assert follow(mine) == {"type": "notices", "on": True}
        assert follow(theirs) == {"type": "notices", "on": True}
        with device(server, u, key, u) as client:
            # Another user's feed: refused, said on {u}/errors.
            client.publish(f"{carol.username}/feeds/nope", "1", qos=1).wait_for_publish(5)
            notice = first(mine, "notice", timeout=5)
        assert notice["topic"] == f"{u}/errors"
        assert f"PUBLISH {carol.username}/feeds/nope" in notice["message"]
        assert notice["at"].endswith("Z")
        # Carol follows her own notices only.
        assert [m for m in messages(theirs, 0.5) if m["type"] == "notice"] == []


def test_notices_stop_when_turned_off(server: Server, signed_in: Browser) -> None:
    u = signed_in.username
    key = signed_in.get("/ui/api/session").json()["aio_key"]
    with live(server, signed_in.cookie) as ws, device(server, u, key, f"{u}-off") as client:
        follow(ws, True)
        assert follow(ws, False) == {"type": "notices", "on": False}
        client.publish(f"{u}/feeds/bad topic/x/y", "1", qos=1).wait_for_publish(5)
        assert [m for m in messages(ws, 1.0) if m["type"] == "notice"] == []


def test_a_throttled_publish_is_a_throttle_notice(limited_server: Server) -> None:
    server = limited_server
    u, key = server.create_user("t")
    with browser(server) as signed_in:
        assert signed_in.sign_in(u).status_code == 200
        limit = signed_in.get(f"/api/v2/{u}/throttle").json()["data_rate_limit"]
        cookie = signed_in.cookie
    assert limit == LIMITED_RATE
    with live(server, cookie) as ws, device(server, u, key, f"{u}-fast") as client:
        follow(ws)
        for i in range(limit + 2):
            client.publish(f"{u}/feeds/fast", str(i), qos=1).wait_for_publish(5)
        notice = first(ws, "notice", timeout=5)
    assert notice["topic"] == f"{u}/throttle"
    assert "data rate limit reached" in notice["message"]


def test_signed_out_socket_and_bad_input_are_refused(server: Server) -> None:
    with live(server) as ws:
        ws.send(json.dumps({"notices": True}))
        assert first(ws, "error")["error"] == "sign in to follow notices"
        assert follow(ws, "yes")["error"] == "notices takes true or false"
