"""MQTT asks the access policy: scoped tokens, feeds and groups shared with another user,
and changes of access taking effect on subscriptions already made.

Alice owns the feeds; Bob is another user. Tokens are made with ``POST /tokens``, shares with
``POST /feeds/{key}/acl``, visibility changed with ``PATCH /feeds/{key}``. Token clients may
not use free-form topics, so "nothing arrived" is checked after a short wait, and "nothing was
stored" through REST.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mqtt_adafruit_helpers import Client, connected, rest, values

from support import Server

QUIET = 0.5  # how long "nothing arrives" is watched
STOP_WITHIN = 1.0  # a change of access stops delivery within this many seconds
END_WITHIN = 2.0  # a revoked token's connection ends within this many seconds


@dataclass
class Account:
    username: str
    key: str
    api: httpx.Client


@pytest.fixture(params=[4, 5], ids=["v311", "v5"])
def version(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def alice(server: Server, user: tuple[str, str]) -> Iterator[Account]:
    with rest(server, *user) as api:
        yield Account(*user, api)


@pytest.fixture
def bob(server: Server, make_user: Callable[[], tuple[str, str]]) -> Iterator[Account]:
    made = make_user()
    with rest(server, *made) as api:
        yield Account(*made, api)


def refused(version: int) -> int:
    """SUBACK for a refused filter."""
    return 0x87 if version == 5 else 0x80


def not_authorized(version: int) -> int:
    """PUBACK of a refused publish (3.1.1 has no failure code)."""
    return 0x87 if version == 5 else 0


def feed(owner: Account, name: str, value: str, visibility: str = "private") -> str:
    made = owner.api.post("/feeds", json={"feed": {"name": name, "visibility": visibility}})
    assert made.status_code == 201, made.text
    key = str(made.json()["key"])
    assert owner.api.post(f"/feeds/{key}/data", json={"value": value}).status_code == 200
    return key


def token(owner: Account, *scopes: tuple[str, str, str], expiration: str | None = None) -> str:
    body: dict[str, Any] = {
        "name": f"dev-{uuid.uuid4().hex[:6]}",
        "permissions": [{"model": m, "key": k, "mode": mode} for m, k, mode in scopes],
    }
    if expiration is not None:
        body["expiration"] = expiration
    made = owner.api.post("/tokens", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def token_id(owner: Account, secret: str) -> int:
    listed = owner.api.get("/tokens").json()
    hints = [t for t in listed if secret.startswith(t["hint"])]
    assert len(hints) == 1, listed
    return int(hints[0]["id"])


def share(owner: Account, model: str, key: str, grantee: Account, mode: str) -> int:
    made = owner.api.post(
        f"/{model}s/{key}/acl",
        json={"scope": "user", "scope_value": grantee.username, "mode": mode},
    )
    assert made.status_code in (200, 201), made.text
    return int(made.json()["id"])


def quiet(client: Client, seconds: float = QUIET) -> list[str]:
    """What arrives within ``seconds`` (topic: payload)."""
    time.sleep(seconds)
    return [f"{m.topic}: {m.text}" for m in client.pending()]


def last_delivered_after(
    client: Client, change: Callable[[], None], write: Callable[[str], None]
) -> float:
    """Make ``change``, then write a point every 50 ms for 1.5 s; returns how long after the
    change the last point that still reached ``client`` (on any topic, in any format) was
    written (0: none)."""
    client.pending()
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
    time.sleep(0.3)
    got = [v for m in client.pending() for v in re.findall(r"after-\d+", m.text)]
    return max((sent[v] for v in got if v in sent), default=0.0)


# -- scoped tokens -----------------------------------------------------------------------------


def test_token_scoped_to_one_feed_reaches_that_feed_only(
    server: Server, alice: Account, version: int
) -> None:
    u = alice.username
    a = feed(alice, "alpha", "a0")
    b = feed(alice, "beta", "b0")
    secret = token(alice, ("feed", a, "rw"))
    with connected(server, u, secret, version=version) as device:
        assert device.subscribe(f"{u}/errors", f"{u}/throttle/json", "time/seconds") == [0] * 3
    with connected(server, u, secret, version=version) as device:
        assert device.subscribe(f"{u}/feeds/{a}", f"{u}/f/{a}/json", f"{u}/f/{a}/csv") == [0] * 3
        for topic in (
            f"{u}/feeds/{b}",
            f"{u}/f/{b}/json",
            f"{u}/feeds/#",
            f"{u}/f/+",
            f"{u}/#",
            f"{u}/groups/default",
            f"{u}/free/form",
            f"{u}/integration/words/1",
        ):
            assert device.subscribe(topic) == [refused(version)], topic
        assert device.publish(f"{u}/feeds/{a}", "a1", qos=1) == 0
        got = {m.topic: m.text for m in device.take(3)}
        assert got[f"{u}/feeds/{a}"] == "a1"
        assert got[f"{u}/f/{a}/csv"] == "a1,,,"
        assert device.publish(f"{u}/feeds/{b}", "b1", qos=1) == not_authorized(version)
        assert device.publish(f"{u}/feeds/gamma", "new", qos=1) == not_authorized(version)
        assert device.publish(f"{u}/groups/default", '{"feeds":{"x":"1"}}', qos=1) == (
            not_authorized(version)
        )
        assert device.publish(f"{u}/free/form", "x", qos=1) == not_authorized(version)
        # /get: the feed in scope answers, the other one is refused and stays silent.
        assert device.publish(f"{u}/feeds/{a}/get", "", qos=1) == 0
        assert device.next().text == "a1"
        assert device.publish(f"{u}/feeds/{b}/get", "", qos=1) == not_authorized(version)
        # Points written to B by the owner reach nobody through the token.
        assert alice.api.post(f"/feeds/{b}/data", json={"value": "b2"}).status_code == 200
        assert quiet(device) == []
    assert values(alice.api, a) == ["a0", "a1"]
    assert values(alice.api, b) == ["b0", "b2"]
    assert sorted(f["key"] for f in alice.api.get("/feeds").json()) == sorted([a, b])


def test_read_only_token_cannot_publish(server: Server, alice: Account, version: int) -> None:
    u = alice.username
    a = feed(alice, "gauge", "1")
    secret = token(alice, ("feed", a, "r"))
    with connected(server, u, secret, version=version) as device:
        assert device.subscribe(f"{u}/f/{a}") == [0]
        assert device.publish(f"{u}/f/{a}", "2", qos=1) == not_authorized(version)
        assert alice.api.post(f"/feeds/{a}/data", json={"value": "3"}).status_code == 200
        assert device.next().text == "3"
        assert quiet(device, 0.2) == []
    assert values(alice.api, a) == ["1", "3"]


def test_token_scoped_to_a_group_reads_and_writes_its_feeds(
    server: Server, alice: Account, version: int
) -> None:
    u = alice.username
    assert alice.api.post("/groups", json={"name": "Home"}).status_code == 201
    assert alice.api.post("/groups/home/feeds/t/data", json={"value": "20"}).status_code == 200
    outside = feed(alice, "outside", "0")
    secret = token(alice, ("group", "home", "rw"))
    with connected(server, u, secret, version=version) as device:
        assert device.subscribe(f"{u}/groups/home", f"{u}/feeds/home.t") == [0, 0]
        assert device.subscribe(f"{u}/feeds/{outside}") == [refused(version)]
        assert device.publish(f"{u}/groups/home", '{"feeds":{"t":"21","h":"40"}}', qos=1) == 0
        got = device.take(2)
        assert {m.topic for m in got} == {f"{u}/groups/home", f"{u}/feeds/home.t"}
    assert values(alice.api, "home.t") == ["20", "21"]
    assert values(alice.api, "home.h") == ["40"]  # a token with w on a group creates in it


def test_token_signs_in_only_with_its_owners_name(
    server: Server, alice: Account, bob: Account
) -> None:
    a = feed(alice, "mine", "1")
    secret = token(alice, ("feed", a, "rw"))
    assert Client(server.mqtt_port, bob.username, secret, version=5).connect() == 0x86
    assert Client(server.mqtt_port, alice.username, "aiotok_forged", version=5).connect() == 0x86


def test_deleted_token_ends_its_connection_and_is_refused(
    server: Server, alice: Account, version: int
) -> None:
    u = alice.username
    a = feed(alice, "lamp", "off")
    secret = token(alice, ("feed", a, "rw"))
    tid = token_id(alice, secret)
    with connected(server, u, alice.key, version=version) as owner:  # the master key stays
        device = connected(server, u, secret, version=version)
        try:
            assert device.subscribe(f"{u}/f/{a}") == [0]
            start = time.monotonic()
            assert alice.api.delete(f"/tokens/{tid}").status_code == 200
            device._wait(lambda: device.disconnected is not None, "disconnect", END_WITHIN)
            took = time.monotonic() - start
            print(f"token deleted -> MQTT connection ended in {took * 1000:.0f} ms")
            assert took < END_WITHIN
            if version == 5:
                assert int(device.disconnected.value) == 0x98  # administrative action
        finally:
            device.close()
        again = Client(server.mqtt_port, u, secret, version=5)
        assert again.connect() == 0x86
        assert owner.publish(f"{u}/f/{a}", "on", qos=1) == 0
        assert owner.disconnected is None
    assert values(alice.api, a) == ["off", "on"]


def test_expired_token_ends_its_connection(server: Server, alice: Account) -> None:
    u = alice.username
    a = feed(alice, "door", "shut")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    secret = token(alice, ("feed", a, "rw"), expiration=expires.isoformat())
    device = connected(server, u, secret, version=5)
    try:
        device._wait(lambda: device.disconnected is not None, "disconnect", 2 + END_WITHIN)
        late = dt.datetime.now(dt.UTC) - expires
        print(f"token expired -> MQTT connection ended {late.total_seconds() * 1000:.0f} ms later")
        assert late.total_seconds() < END_WITHIN
        assert int(device.disconnected.value) == 0x98
    finally:
        device.close()
    assert Client(server.mqtt_port, u, secret, version=5).connect() == 0x86


def test_changed_token_scopes_take_effect(server: Server, alice: Account) -> None:
    u = alice.username
    a = feed(alice, "one", "1")
    b = feed(alice, "two", "2")
    secret = token(alice, ("feed", a, "rw"))
    tid = token_id(alice, secret)
    device = connected(server, u, secret, version=5)
    try:
        assert device.subscribe(f"{u}/f/{a}") == [0]
        patched = alice.api.patch(
            f"/tokens/{tid}", json={"permissions": [{"model": "feed", "key": b, "mode": "rw"}]}
        )
        assert patched.status_code == 200, patched.text
        device._wait(lambda: device.disconnected is not None, "disconnect", END_WITHIN)
    finally:
        device.close()
    with connected(server, u, secret, version=5) as again:
        assert again.subscribe(f"{u}/f/{a}", f"{u}/f/{b}") == [0x87, 0]


def test_session_resumed_with_a_token_keeps_only_what_the_token_may_hold(
    server: Server, alice: Account
) -> None:
    u = alice.username
    a = feed(alice, "kept", "1")
    b = feed(alice, "lost", "2")
    cid = f"resume-{uuid.uuid4().hex[:6]}"
    with Client(server.mqtt_port, u, alice.key, version=5, client_id=cid) as owner:
        assert owner.connect(session_expiry=60) == 0
        assert owner.subscribe(f"{u}/f/{a}", f"{u}/f/{b}", f"{u}/free") == [0, 0, 0]
    secret = token(alice, ("feed", a, "r"))
    device = Client(server.mqtt_port, u, secret, version=5, client_id=cid)
    try:
        assert device.connect(session_expiry=60) == 0
        assert device.session_present
        for key in (a, b):
            assert alice.api.post(f"/feeds/{key}/data", json={"value": "x"}).status_code == 200
        assert [m.topic for m in device.take(1)] == [f"{u}/f/{a}"]
        assert quiet(device) == []
    finally:
        device.close()


# -- feeds and groups shared with another user ------------------------------------------------


def test_grantee_reads_with_r_and_writes_with_w(
    server: Server, alice: Account, bob: Account, version: int
) -> None:
    s = feed(alice, "shared", "s0")
    topic = f"{alice.username}/feeds/{s}"
    with connected(server, bob.username, bob.key, version=version) as reader:
        assert reader.subscribe(topic) == [refused(version)]  # not shared yet
        assert reader.publish(topic, "no", qos=1) == not_authorized(version)
        share(alice, "feed", s, bob, "r")
        assert reader.subscribe(topic, f"{topic}/json", f"{alice.username}/f/{s}/csv") == [0] * 3
        assert alice.api.post(f"/feeds/{s}/data", json={"value": "s1"}).status_code == 200
        got = {m.topic: m.text for m in reader.take(3)}
        assert got[topic] == "s1"
        assert got[f"{alice.username}/f/{s}/csv"] == "s1,,,"
        assert reader.publish(f"{topic}/get", "", qos=1) == 0
        assert reader.next().text == "s1"
        assert reader.publish(topic, "bob-r", qos=1) == not_authorized(version)
        assert reader.barrier() == []
        share(alice, "feed", s, bob, "rw")  # sharing again sets the mode
        assert reader.publish(topic, "bob-w", qos=1) == 0
        got = {m.topic: m.text for m in reader.take(3)}
        assert got[topic] == "bob-w"
    assert values(alice.api, s) == ["s0", "s1", "bob-w"]


def test_grantee_of_a_group_reads_its_topics(
    server: Server, alice: Account, bob: Account, version: int
) -> None:
    a = alice.username
    assert alice.api.post("/groups", json={"name": "Lab"}).status_code == 201
    assert alice.api.post("/groups/lab/feeds/t/data", json={"value": "1"}).status_code == 200
    with connected(server, bob.username, bob.key, version=version) as reader:
        assert reader.subscribe(f"{a}/groups/lab") == [refused(version)]
        share(alice, "group", "lab", bob, "r")
        assert reader.subscribe(f"{a}/groups/lab", f"{a}/g/lab/csv", f"{a}/feeds/lab.t") == [0] * 3
        assert alice.api.post(
            "/groups/lab/data", json={"feeds": [{"key": "t", "value": "2"}]}
        ).is_success
        got = {m.topic: m.text for m in reader.take(3)}
        assert got[f"{a}/groups/lab"] == '{"feeds":{"t":"2"}}'
        assert got[f"{a}/g/lab/csv"] == "t,2"
        assert got[f"{a}/feeds/lab.t"] == "2"
        assert reader.publish(f"{a}/g/lab/get", "", qos=1) == 0
        assert reader.next().text == '{"feeds":{"t":"2"}}'


def test_public_group_carries_only_the_feeds_another_user_may_read(
    server: Server, alice: Account, bob: Account, version: int
) -> None:
    a = alice.username
    made = alice.api.post("/groups", json={"name": "House", "visibility": "public"})
    assert made.status_code == 201, made.text
    assert alice.api.post("/groups/house/feeds", json={"feed": {"name": "secret"}}).is_success
    opened = alice.api.post(
        "/groups/house/feeds", json={"feed": {"name": "pub", "visibility": "public"}}
    )
    assert opened.is_success, opened.text
    with connected(server, bob.username, bob.key, version=version) as reader:
        assert reader.subscribe(f"{a}/groups/house") == [0]
        points = [{"key": "secret", "value": "hidden"}, {"key": "pub", "value": "shown"}]
        assert alice.api.post("/groups/house/data", json={"feeds": points}).is_success
        assert reader.next().text == '{"feeds":{"pub":"shown"}}'
        assert reader.publish(f"{a}/groups/house/get", "", qos=1) == 0
        assert reader.next().text == '{"feeds":{"pub":"shown"}}'
        assert "hidden" not in str(reader.barrier())


# -- changes of access stop delivery -----------------------------------------------------------


def test_feed_made_private_stops_delivery_within_a_second(
    server: Server, alice: Account, bob: Account, version: int
) -> None:
    p = feed(alice, "weather", "w0", visibility="public")
    topic = f"{alice.username}/f/{p}"
    with connected(server, bob.username, bob.key, version=version) as reader:
        assert reader.subscribe(topic) == [0]
        assert alice.api.post(f"/feeds/{p}/data", json={"value": "before"}).status_code == 200
        assert reader.next().text == "before"

        def private() -> None:
            patched = alice.api.patch(f"/feeds/{p}", json={"feed": {"visibility": "private"}})
            assert patched.json()["visibility"] == "private"

        def write(value: str) -> None:
            assert alice.api.post(f"/feeds/{p}/data", json={"value": value}).status_code == 200

        last = last_delivered_after(reader, private, write)
        print(f"made private -> last point delivered was written {last * 1000:.0f} ms after")
        assert last < STOP_WITHIN
        # The subscription is gone: making the feed public again does not bring it back.
        alice.api.patch(f"/feeds/{p}", json={"feed": {"visibility": "public"}})
        write("public-again")
        assert quiet(reader) == []
        assert reader.subscribe(topic) == [0]  # a new SUBSCRIBE may


def test_revoked_share_stops_delivery_within_a_second(
    server: Server, alice: Account, bob: Account, version: int
) -> None:
    s = feed(alice, "meter", "m0")
    pid = share(alice, "feed", s, bob, "r")
    topic = f"{alice.username}/feeds/{s}"
    variants = (topic, f"{topic}/json", f"{alice.username}/f/{s}/csv")
    with connected(server, bob.username, bob.key, version=version) as reader:
        assert reader.subscribe(*variants) == [0, 0, 0]

        def revoke() -> None:
            assert alice.api.delete(f"/feeds/{s}/acl/{pid}").status_code == 200

        def write(value: str) -> None:
            assert alice.api.post(f"/feeds/{s}/data", json={"value": value}).status_code == 200

        last = last_delivered_after(reader, revoke, write)
        print(f"share revoked -> last point delivered was written {last * 1000:.0f} ms after")
        assert last < STOP_WITHIN
        assert reader.subscribe(topic) == [refused(version)]
        assert reader.publish(f"{topic}/get", "", qos=1) == not_authorized(version)


def test_regenerating_the_master_key_leaves_token_connections_up(
    server: Server, alice: Account
) -> None:
    u = alice.username
    a = feed(alice, "keep", "1")
    secret = token(alice, ("feed", a, "rw"))
    device = connected(server, u, secret, version=5)
    try:
        server.cli("user", "key", u, "--regenerate")
        time.sleep(3)  # past a key check
        assert device.disconnected is None
        assert device.publish(f"{u}/f/{a}", "2", qos=1) == 0
    finally:
        device.close()
