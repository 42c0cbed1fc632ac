"""Namespaces: user A cannot write to, read from or be reached through user B's topics.

Feeds, groups, free-form topics, retained messages, wills and error topics are all checked,
with MQTT 3.1.1 and 5.0. B's public feeds are readable by A, never writable.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from mqtt_adafruit_helpers import Client, Raw, connected, rest, values

from stonechat.protocols.mqtt.codec import Connack, Connect, Will
from support import Server

Users = tuple[tuple[str, str], tuple[str, str]]


@pytest.fixture(params=[4, 5], ids=["v311", "v5"])
def version(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def pair(user: tuple[str, str], make_user: Callable[[], tuple[str, str]]) -> Users:
    """(A, B): A is the intruder, B the owner."""
    return user, make_user()


@pytest.fixture
def b_api(server: Server, pair: Users) -> Iterator[httpx.Client]:
    with rest(server, *pair[1]) as client:
        yield client


@pytest.fixture
def b_setup(b_api: httpx.Client) -> None:
    """B's resources: a private feed with a point, a group with a feed, a public feed."""
    assert b_api.post("/feeds/secret/data", json={"value": "s0"}).status_code == 200
    assert b_api.post("/groups", json={"name": "home"}).status_code == 201
    assert b_api.post("/groups/home/feeds/t/data", json={"value": "h0"}).status_code == 200
    assert b_api.post("/feeds", json={"feed": {"name": "open"}}).status_code == 201
    patched = b_api.patch("/feeds/open", json={"feed": {"visibility": "public"}})
    assert patched.json()["visibility"] == "public"
    assert b_api.post("/feeds/open/data", json={"value": "o0"}).status_code == 200


def refused(version: int) -> int:
    return 0x87 if version == 5 else 0x80


B_TOPICS = [
    "{b}/feeds/secret",
    "{b}/f/secret/json",
    "{b}/f/secret/csv",
    "{b}/f/secret/get",
    "{b}/f/open",
    "{b}/f/open/csv",
    "{b}/feeds/home.t",
    "{b}/groups/home",
    "{b}/g/home/csv",
    "{b}/g/home/get",
    "{b}/errors",
    "{b}/throttle",
    "{b}/anything",
    "{b}/free/form/topic",
    "{b}/integration/words/1",
]


@pytest.mark.usefixtures("b_setup")
def test_a_cannot_publish_into_bs_namespace(
    server: Server, pair: Users, b_api: httpx.Client, version: int
) -> None:
    a, b = pair
    with connected(server, *b, version=version) as owner:
        assert owner.subscribe(f"{b[0]}/#", f"{b[0]}/f/secret", f"{b[0]}/g/home") == [0, 0, 0]
        with connected(server, *a, version=version) as intruder:
            for template in B_TOPICS:
                topic = template.format(b=b[0])
                # Server-written topics are invalid for anyone, the rest not authorized.
                server_only = topic.endswith(("/errors", "/throttle"))
                expected = (0x90 if server_only else 0x87) if version == 5 else 0
                assert intruder.publish(topic, "intrusion", qos=1) == expected, topic
                code = intruder.publish(topic, "intrusion", qos=1, retain=True)
                assert code == expected, topic
        assert owner.barrier() == []  # nothing reached B
    assert values(b_api, "secret") == ["s0"]
    assert values(b_api, "open") == ["o0"]
    assert values(b_api, "home.t") == ["h0"]
    assert sorted(f["key"] for f in b_api.get("/feeds").json()) == ["home.t", "open", "secret"]
    # Nothing was retained in B's namespace either.
    with connected(server, *b, version=version) as late:
        assert late.subscribe(f"{b[0]}/#") == [0]
        assert late.barrier() == []


SUBSCRIBE_REFUSED = [
    "{b}/feeds/secret",
    "{b}/f/secret/json",
    "{b}/f/secret/csv",
    "{b}/f/nothing-yet",
    "{b}/feeds/home.t",
    "{b}/groups/home",
    "{b}/g/home/json",
    "{b}/errors",
    "{b}/throttle",
    "{b}/anything",
    "{b}/free/form/topic",
    "{b}/integration/words/1",
    "{b}/#",
    "{b}/f/#",
    "{b}/f/+",
    "{b}/+/secret",
    "+/feeds/#",
    "+/f/secret",
    "+/errors",
    "+/#",
    "#",
    "$SYS/#",
]


@pytest.mark.usefixtures("b_setup")
def test_a_cannot_subscribe_to_bs_topics_or_everyone(
    server: Server, pair: Users, b_api: httpx.Client, version: int
) -> None:
    a, b = pair
    filters = [t.format(b=b[0]) for t in SUBSCRIBE_REFUSED]
    with connected(server, *a, version=version) as intruder:
        codes = [intruder.subscribe(f)[0] for f in filters]
        assert dict(zip(filters, codes, strict=True)) == dict.fromkeys(filters, refused(version))
        with connected(server, *b, version=version) as owner:
            for topic in ("f/secret", "f/secret/json", "anything", "free/form/topic"):
                assert owner.publish(f"{b[0]}/{topic}", "private", qos=1) == 0
            assert owner.publish(f"{b[0]}/groups/home", '{"feeds":{"t":"1"}}', qos=1) == 0
            assert owner.publish(f"{b[0]}/f/nothing-yet", "new", qos=1) == 0
            assert owner.publish(f"{b[0]}/f/bad/a/b", "x", qos=1) == (0x90 if version == 5 else 0)
        assert b_api.post("/feeds/secret/data", json={"value": "rest"}).status_code == 200
        assert intruder.barrier() == []


@pytest.mark.usefixtures("b_setup")
def test_bs_public_feed_is_readable_not_writable(
    server: Server, pair: Users, b_api: httpx.Client, version: int
) -> None:
    a, b = pair
    bu = b[0]
    with connected(server, *a, version=version) as reader:
        granted = reader.subscribe(f"{bu}/f/open", f"{bu}/feeds/open/json", f"{bu}/f/open/csv")
        assert granted == [0, 0, 0]
        assert b_api.post("/feeds/open/data", json={"value": "o1"}).status_code == 200
        got = {m.topic: m.text for m in reader.take(3)}
        assert got[f"{bu}/f/open"] == "o1"
        assert got[f"{bu}/f/open/csv"] == "o1,,,"
        assert '"value":"o1"' in got[f"{bu}/feeds/open/json"]
        assert reader.publish(f"{bu}/f/open", "a-writes", qos=1) == (0x87 if version == 5 else 0)
        assert reader.barrier() == []  # the refused write was not fanned out
    assert values(b_api, "open") == ["o0", "o1"]


@pytest.mark.usefixtures("b_setup")
def test_get_on_bs_public_feed_answers_only_the_reader(
    server: Server, pair: Users, b_api: httpx.Client, version: int
) -> None:
    a, b = pair
    bu = b[0]
    with (
        connected(server, *a, version=version) as reader,
        connected(server, *b, version=version) as owner,
    ):
        assert owner.subscribe(f"{bu}/f/open", f"{bu}/f/open/csv") == [0, 0]
        # Arduino's io.feed(name, owner)->get(): {owner}/f/{name}/csv/get.
        assert reader.subscribe(f"{bu}/f/open/csv", f"{bu}/f/open") == [0, 0]
        assert reader.publish(f"{bu}/f/open/csv/get", b"", qos=1) == 0
        msg = reader.next()
        assert (msg.topic, msg.text) == (f"{bu}/f/open/csv", "o0,,,")
        assert reader.publish(f"{bu}/f/open/get", b"\x00", qos=1) == 0
        msg = reader.next()
        assert (msg.topic, msg.text) == (f"{bu}/f/open", "o0")
        # A private feed's /get is refused and answers nothing.
        code = reader.publish(f"{bu}/f/secret/get", b"", qos=1)
        assert code == (0x87 if version == 5 else 0)
        assert reader.barrier() == []
        assert owner.barrier() == []  # the replies went to the reader alone
    assert values(b_api, "open") == ["o0"]


@pytest.mark.usefixtures("b_setup")
def test_a_feed_made_private_again_stops_reaching_other_users(
    server: Server, pair: Users, b_api: httpx.Client, version: int
) -> None:
    a, b = pair
    with connected(server, *a, version=version) as reader:
        assert reader.subscribe(f"{b[0]}/f/open") == [0]
        patched = b_api.patch("/feeds/open", json={"feed": {"visibility": "private"}})
        assert patched.json()["visibility"] == "private"
        assert b_api.post("/feeds/open/data", json={"value": "after"}).status_code == 200
        with connected(server, *b, version=version) as owner:
            assert owner.publish(f"{b[0]}/f/open", "after-mqtt", qos=1) == 0
        assert reader.barrier() == []


def test_retained_messages_stay_in_their_namespace(
    server: Server, pair: Users, version: int
) -> None:
    a, b = pair
    with connected(server, *b, version=version) as owner:
        assert owner.publish(f"{b[0]}/status", "b-up", qos=1, retain=True) == 0
    with connected(server, *a, version=version) as other:
        assert other.publish(f"{a[0]}/status", "a-up", qos=1, retain=True) == 0
    with connected(server, *a, version=version) as intruder:
        assert intruder.subscribe(f"{b[0]}/status") == [refused(version)]
        assert intruder.subscribe(f"{a[0]}/#") == [0]
        got = intruder.barrier()
        assert [(m.topic, m.text, m.retain) for m in got] == [(f"{a[0]}/status", "a-up", True)]
    with connected(server, *b, version=version) as owner:
        assert owner.subscribe(f"{b[0]}/#") == [0]
        got = owner.barrier()
        assert [(m.topic, m.text, m.retain) for m in got] == [(f"{b[0]}/status", "b-up", True)]


def connect_raw(server: Server, who: tuple[str, str], version: int, will: Will) -> Raw:
    raw = Raw(server.mqtt_port, version)
    raw.send(
        Connect(
            protocol_level=version,
            keep_alive=30,
            client_id=f"w-{uuid.uuid4().hex[:6]}",
            username=who[0],
            password=who[1].encode(),
            will=will,
        )
    )
    return raw


@pytest.mark.usefixtures("b_setup")
@pytest.mark.parametrize("target", ["{b}/status", "{b}/f/secret", "{b}/errors", "time/seconds"])
def test_a_will_into_bs_namespace_is_refused(
    server: Server, pair: Users, b_api: httpx.Client, version: int, target: str
) -> None:
    a, b = pair
    topic = target.format(b=b[0])
    with connected(server, *b, version=version) as owner:
        assert owner.subscribe(f"{b[0]}/#") == [0]
        raw = connect_raw(server, a, version, Will(topic, b"a-died", qos=1))
        try:
            assert raw.recv(Connack).reason_code == (0x87 if version == 5 else 5)
        finally:
            raw.close()
        assert owner.barrier() == []
    assert values(b_api, "secret") == ["s0"]


def test_a_will_reaches_only_its_owners_subscribers(
    server: Server, pair: Users, version: int
) -> None:
    a, b = pair
    with (
        connected(server, *a, version=version) as mine,
        connected(server, *b, version=version) as theirs,
    ):
        assert mine.subscribe(f"{a[0]}/will") == [0]
        assert theirs.subscribe(f"{b[0]}/#") == [0]
        raw = connect_raw(server, a, version, Will(f"{a[0]}/will", b"a-died", qos=1))
        assert raw.recv(Connack).reason_code == 0
        raw.close()  # no DISCONNECT: the will is published
        msg = mine.next()
        assert (msg.topic, msg.text) == (f"{a[0]}/will", "a-died")
        assert theirs.barrier() == []


def test_errors_go_only_to_the_user_who_caused_them(
    server: Server, pair: Users, version: int
) -> None:
    a, b = pair
    with (
        connected(server, *a, version=version) as mine,
        connected(server, *b, version=version) as theirs,
    ):
        assert mine.subscribe(f"{a[0]}/errors") == [0]
        assert theirs.subscribe(f"{b[0]}/errors") == [0]
        mine.publish(f"{b[0]}/f/secret", "x", qos=1)
        mine.publish(f"{a[0]}/f/a/b/c", "x", qos=1)
        got = [m.text for m in mine.take(2)]
        assert f"PUBLISH {b[0]}/f/secret rejected, only shared feeds may be published to" in got[0]
        assert f"PUBLISH {a[0]}/f/a/b/c rejected, not a valid resource topic" in got[1]
        assert theirs.barrier() == []


def test_wrong_username_for_the_key_is_refused(server: Server, pair: Users, version: int) -> None:
    a, b = pair
    client = Client(server.mqtt_port, b[0], a[1], version=version)
    # paho reports the 3.1.1 return code 5 as its MQTT 5 equivalent, 0x87.
    assert client.connect() == (0x86 if version == 5 else 0x87)
    client.paho.loop_stop()
