"""The live WebSocket asks the access policy: one subscription per feed whatever its name,
shares honoured, and changes of access stopping delivery within a second."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from support import Server
from ui.helpers import Browser, browser

STOP_WITHIN = 1.0


@contextmanager
def live(server: Server, cookie: str | None = None) -> Iterator[ClientConnection]:
    headers = {"Origin": server.base_url}
    if cookie:
        headers["Cookie"] = f"stonechat_session={cookie}"
    url = f"ws://127.0.0.1:{server.http_port}/ui/api/live"
    with connect(url, additional_headers=headers, open_timeout=10) as ws:
        yield ws


def messages(ws: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    """Everything that arrives within ``seconds``."""
    out = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            out.append(json.loads(ws.recv(timeout=left)))
        except TimeoutError:
            break
        except ConnectionClosed:
            break
    return out


def first(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return dict(message)


def subscribe(ws: ClientConnection, *names: str) -> list[str]:
    ws.send(json.dumps({"subscribe": list(names)}))
    return list(first(ws, "subscribed")["feeds"])


@pytest.fixture
def alice(server: Server) -> Iterator[tuple[str, httpx.Client]]:
    username, key = server.create_user("live")  # letters to spell in upper and lower case
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=10
    ) as api:
        yield username, api


@pytest.fixture
def bob(server: Server) -> Iterator[Browser]:
    username, _key = server.create_user("w")
    with browser(server) as client:
        assert client.sign_in(username).status_code == 200
        yield client


def make_feed(api: httpx.Client, name: str, visibility: str) -> dict[str, Any]:
    made = api.post("/feeds", json={"feed": {"name": name, "visibility": visibility}})
    assert made.status_code == 201, made.text
    return dict(made.json())


def spellings(username: str, feed: dict[str, Any], count: int = 64) -> list[str]:
    """``count`` different names of one feed: user name in mixed case, key, name, id."""
    idents = [feed["key"], feed["name"], str(feed["id"]), f"default.{feed['key']}"]
    letters = [i for i, c in enumerate(username) if c.isalpha()][:4]
    users = []
    for mask in itertools.product((False, True), repeat=len(letters)):
        chars = list(username)
        for index, upper in zip(letters, mask, strict=True):
            chars[index] = chars[index].upper() if upper else chars[index]
        users.append("".join(chars))
    names = [f"{u}/{i}" for u, i in itertools.product(users, idents)]
    assert len(set(names)) >= count
    return names[:count]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_64_names_of_one_feed_are_one_subscription(
    server: Server, alice: tuple[str, httpx.Client], bob: Browser, signed_in: bool
) -> None:
    username, api = alice
    feed = make_feed(api, "Temp Out", "public")
    names = spellings(username, feed)
    with live(server, bob.cookie if signed_in else None) as ws:
        assert subscribe(ws, *names) == names
        assert api.post(f"/feeds/{feed['key']}/data", json={"value": "21.5"}).status_code == 200
        got = [m for m in messages(ws, 1.0) if m["type"] == "data"]
        assert len(got) == 1, got
        assert got[0]["feed"] == names[0]
        assert got[0]["datum"]["value"] == "21.5"
        # Dropping 63 names keeps the subscription; dropping the last ends it.
        ws.send(json.dumps({"unsubscribe": names[:-1]}))
        api.post(f"/feeds/{feed['key']}/data", json={"value": "22"})
        got = [m for m in messages(ws, 1.0) if m["type"] == "data"]
        assert [(m["feed"], m["datum"]["value"]) for m in got] == [(names[-1], "22")]
        ws.send(json.dumps({"unsubscribe": names[-1:]}))
        api.post(f"/feeds/{feed['key']}/data", json={"value": "23"})
        assert [m for m in messages(ws, 0.5) if m["type"] == "data"] == []


def last_delivered_after(
    ws: ClientConnection, change: Callable[[], None], write: Callable[[str], None]
) -> tuple[float, list[dict[str, Any]]]:
    """Make ``change``, then write a point every 50 ms for 1.5 s; how long after the change
    the last point that still arrived was written (0: none), and what else arrived."""
    change()
    start = time.monotonic()
    sent: dict[str, float] = {}
    n = 0
    while time.monotonic() - start < STOP_WITHIN + 0.5:
        value = f"after-{n}"
        sent[value] = time.monotonic() - start
        write(value)
        n += 1
        time.sleep(0.05)
    arrived = messages(ws, 0.3)
    data = [m["datum"]["value"] for m in arrived if m["type"] == "data"]
    others = [m for m in arrived if m["type"] != "data"]
    return max((sent[v] for v in data if v in sent), default=0.0), others


def test_anonymous_socket_stops_seeing_a_feed_made_private(
    server: Server, alice: tuple[str, httpx.Client]
) -> None:
    username, api = alice
    key = make_feed(api, "Porch", "public")["key"]
    with live(server) as ws:
        assert subscribe(ws, f"{username}/{key}") == [f"{username}/{key}"]
        api.post(f"/feeds/{key}/data", json={"value": "seen"})
        assert first(ws, "data")["datum"]["value"] == "seen"

        def private() -> None:
            patched = api.patch(f"/feeds/{key}", json={"feed": {"visibility": "private"}})
            assert patched.json()["visibility"] == "private"

        def write(value: str) -> None:
            assert api.post(f"/feeds/{key}/data", json={"value": value}).status_code == 200

        last, others = last_delivered_after(ws, private, write)
        print(f"live: made private -> last point delivered was written {last * 1000:.0f} ms after")
        assert last < STOP_WITHIN
        assert [m["type"] for m in others] == ["error"]  # the socket is told it ended
        api.patch(f"/feeds/{key}", json={"feed": {"visibility": "public"}})
        write("public-again")  # the subscription is gone, not paused
        assert [m for m in messages(ws, 0.5) if m["type"] == "data"] == []


def test_shared_feed_is_live_for_the_grantee_until_revoked(
    server: Server, alice: tuple[str, httpx.Client], bob: Browser
) -> None:
    username, api = alice
    key = make_feed(api, "Cellar", "private")["key"]
    name = f"{username}/{key}"
    with live(server, bob.cookie) as ws:
        assert subscribe(ws, name) == []  # not shared yet
        made = api.post(
            f"/feeds/{key}/acl", json={"scope": "user", "scope_value": bob.username, "mode": "r"}
        )
        assert made.status_code == 201, made.text
        assert subscribe(ws, name) == [name]
        api.post(f"/feeds/{key}/data", json={"value": "12"})
        assert first(ws, "data")["datum"]["value"] == "12"

        def revoke() -> None:
            assert api.delete(f"/feeds/{key}/acl/{made.json()['id']}").status_code == 200

        def write(value: str) -> None:
            assert api.post(f"/feeds/{key}/data", json={"value": value}).status_code == 200

        last, _others = last_delivered_after(ws, revoke, write)
        print(f"live: share revoked -> last point delivered was written {last * 1000:.0f} ms after")
        assert last < STOP_WITHIN
        assert subscribe(ws, name) == []
