"""Changes of access made through one process take effect on the other within a second.

Two processes, X and Y, of one installation (PostgreSQL + Redis). Bob follows Alice's feed
over MQTT and the live socket on both; Alice changes who may read it through Y's REST API
(visibility, a share, a token) and keeps writing through X and Y, REST and MQTT. What she
writes more than a second after the change reaches nobody who lost access (issue 10,
reproduction 3). A deleted token's MQTT connection on X ends within a second too.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
from mqtt_adafruit_helpers import Client, connected, rest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from support import Server

pytestmark = pytest.mark.timeout(120)

WITHIN = 1.0


@contextmanager
def live(server: Server, cookie: str | None = None) -> Iterator[ClientConnection]:
    headers = {"Origin": server.base_url}
    if cookie:
        headers["Cookie"] = f"stonechat_session={cookie}"
    url = f"ws://127.0.0.1:{server.http_port}/ui/api/live"
    with connect(url, additional_headers=headers, open_timeout=10) as ws:
        yield ws


def follow(ws: ClientConnection, name: str) -> None:
    ws.send(json.dumps({"subscribe": [name]}))
    while True:
        message = json.loads(ws.recv(timeout=5))
        if message["type"] == "subscribed":
            assert message["feeds"] == [name], message
            return


def live_values(ws: ClientConnection, seconds: float) -> list[str]:
    out = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(ws.recv(timeout=left))
        except (TimeoutError, ConnectionClosed):
            break
        if message["type"] == "data":
            out.append(message["datum"]["value"])
    return out


def signed_in(server: Server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=10)
    response = client.post("/ui/api/signin", json={"username": username, "password": "password123"})
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def xy(cluster: list[Server]) -> tuple[Server, Server]:
    return cluster[0], cluster[1]


@pytest.fixture
def people(cluster: list[Server]) -> list[tuple[str, str]]:
    return cluster[0].create_users(2, "acc")


class Watchers:
    """Bob's MQTT subscriptions and live sockets on both processes, read together."""

    def __init__(self, mqtt: list[Client], sockets: list[ClientConnection], topic: str) -> None:
        self.mqtt = mqtt
        self.sockets = sockets
        self.topic = topic

    def received(self, seconds: float) -> dict[str, list[str]]:
        got: dict[str, list[str]] = {}
        for i, ws in enumerate(self.sockets):
            got[f"live{i}"] = live_values(ws, seconds if i == 0 else 0.05)
        for i, client in enumerate(self.mqtt):
            got[f"mqtt{i}"] = [m.text for m in client.pending() if m.topic == self.topic]
        return got


def stop_time(
    watchers: Watchers, change: Callable[[], None], writers: list[Callable[[str], None]]
) -> float:
    """Make ``change``, then write through each writer in turn every 50 ms for 1.5 s;
    returns how long after the change the last point any watcher still got was written."""
    watchers.received(0.2)  # whatever came before
    change()
    start = time.monotonic()
    sent: dict[str, float] = {}
    for n, write in zip(itertools.count(), itertools.cycle(writers), strict=False):
        if time.monotonic() - start > WITHIN + 0.5:
            break
        value = f"after-{n}"
        sent[value] = time.monotonic() - start
        write(value)
        time.sleep(0.05)
    got = watchers.received(0.5)
    late = {who: [v for v in values if v in sent] for who, values in got.items()}
    last = max((sent[v] for values in late.values() for v in values), default=0.0)
    assert last < WITHIN, late
    return last


@contextmanager
def watching(
    x: Server, y: Server, bob: tuple[str, str], topic: str, name: str, cookie: bool
) -> Iterator[Watchers]:
    """Bob on X and Y: MQTT on ``topic``, live sockets on ``name`` (signed in or not)."""
    with ExitStack() as stack:
        clients = [stack.enter_context(connected(s, *bob, version=5)) for s in (x, y)]
        for client in clients:
            assert client.subscribe(topic) == [0]
        sockets = []
        for server in (x, y):
            session = signed_in(server, bob[0]) if cookie else None
            if session is not None:
                stack.callback(session.close)
            ws = stack.enter_context(
                live(server, session.cookies.get("stonechat_session") if session else None)
            )
            follow(ws, name)
            sockets.append(ws)
        yield Watchers(clients, sockets, topic)


def writers(
    x: Server, y: Server, alice: tuple[str, str], key: str, stack: ExitStack
) -> list[Callable[[str], None]]:
    """Alice writing through X's and Y's REST API and over MQTT on X and Y."""
    apis = [stack.enter_context(rest(s, *alice)) for s in (x, y)]
    devices = [stack.enter_context(connected(s, *alice, version=5)) for s in (x, y)]

    def by_rest(api: httpx.Client) -> Callable[[str], None]:
        return lambda v: api.post(f"/feeds/{key}/data", json={"value": v}).raise_for_status()

    def by_mqtt(device: Client) -> Callable[[str], None]:
        return lambda v: device.publish(f"{alice[0]}/f/{key}", v, qos=1)

    return [by_rest(apis[0]), by_mqtt(devices[0]), by_rest(apis[1]), by_mqtt(devices[1])]


def test_feed_made_private_through_y_stops_reaching_bob_and_anonymous_sockets(
    xy: tuple[Server, Server], people: list[tuple[str, str]]
) -> None:
    x, y = xy
    alice, bob = people
    key = f"pub{uuid.uuid4().hex[:6]}"
    with rest(x, *alice) as api_x, rest(y, *alice) as api_y, ExitStack() as stack:
        made = api_x.post("/feeds", json={"feed": {"name": key, "visibility": "public"}})
        assert made.status_code == 201, made.text
        topic, name = f"{alice[0]}/feeds/{key}", f"{alice[0]}/{key}"
        watchers = stack.enter_context(watching(x, y, bob, topic, name, cookie=False))
        api_y.post(f"/feeds/{key}/data", json={"value": "before"}).raise_for_status()
        got = watchers.received(1.0)
        assert all(values == ["before"] for values in got.values()), got

        def private() -> None:
            patched = api_y.patch(f"/feeds/{key}", json={"feed": {"visibility": "private"}})
            assert patched.json()["visibility"] == "private"

        last = stop_time(watchers, private, writers(x, y, alice, key, stack))
        print(f"cluster: made private on Y -> last point delivered written {last * 1000:.0f} ms")


def test_share_revoked_through_y_stops_reaching_bob_on_x(
    xy: tuple[Server, Server], people: list[tuple[str, str]]
) -> None:
    x, y = xy
    alice, bob = people
    key = f"shr{uuid.uuid4().hex[:6]}"
    with rest(x, *alice) as api_x, rest(y, *alice) as api_y, ExitStack() as stack:
        assert api_x.post("/feeds", json={"feed": {"name": key}}).status_code == 201
        made = api_y.post(
            f"/feeds/{key}/acl", json={"scope": "user", "scope_value": bob[0], "mode": "r"}
        )
        assert made.status_code == 201, made.text
        topic, name = f"{alice[0]}/feeds/{key}", f"{alice[0]}/{key}"
        watchers = stack.enter_context(watching(x, y, bob, topic, name, cookie=True))
        api_x.post(f"/feeds/{key}/data", json={"value": "before"}).raise_for_status()
        got = watchers.received(1.0)
        assert all(values == ["before"] for values in got.values()), got

        def revoke() -> None:
            assert api_y.delete(f"/feeds/{key}/acl/{made.json()['id']}").status_code == 200

        last = stop_time(watchers, revoke, writers(x, y, alice, key, stack))
        print(f"cluster: share revoked on Y -> last point delivered written {last * 1000:.0f} ms")


def test_token_deleted_through_y_ends_its_connection_on_x(
    xy: tuple[Server, Server], people: list[tuple[str, str]]
) -> None:
    x, y = xy
    alice, _bob = people
    with rest(y, *alice) as api_y:
        made = api_y.post(
            "/tokens",
            json={"name": "dev", "permissions": [{"model": "feed", "key": "lamp", "mode": "rw"}]},
        )
        if made.status_code == 422:  # scopes name feeds that exist
            api_y.post("/feeds", json={"feed": {"name": "lamp"}}).raise_for_status()
            made = api_y.post(
                "/tokens",
                json={
                    "name": "dev",
                    "permissions": [{"model": "feed", "key": "lamp", "mode": "rw"}],
                },
            )
        assert made.status_code == 201, made.text
        body: dict[str, Any] = made.json()
        device = connected(x, alice[0], body["token"], version=5)
        try:
            assert device.subscribe(f"{alice[0]}/f/lamp") == [0]
            start = time.monotonic()
            assert api_y.delete(f"/tokens/{body['id']}").status_code == 200
            device._wait(lambda: device.disconnected is not None, "disconnect", WITHIN)
            took = time.monotonic() - start
            print(f"cluster: token deleted on Y -> connection on X ended in {took * 1000:.0f} ms")
            assert int(device.disconnected.value) == 0x98
        finally:
            device.close()
        assert Client(x.mqtt_port, alice[0], body["token"], version=5).connect() == 0x86
