"""What the broker does with a publish to a feed: errors, acknowledgements, QoS, retain, time.

- rejected publishes are reported on ``{user}/errors`` (mqtt-api.md §3.5) and, to MQTT 5
  clients, in the PUBACK reason code;
- a QoS 1 PUBACK means the point is readable through REST;
- a QoS 2 publish to a feed is stored once, even when it is sent again with DUP;
- retain on feed topics is ignored (§2); time topics carry the formats of §3.6.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from mqtt_adafruit_helpers import Client, Raw, connected, rest, values

from stonechat.protocols.mqtt.codec import (
    EMPTY_PROPERTIES,
    Connack,
    Connect,
    Properties,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    encode,
)
from support import Server


@pytest.fixture(params=[4, 5], ids=["v311", "v5"])
def version(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def api(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    with rest(server, *user) as client:
        yield client


@pytest.fixture
def u(user: tuple[str, str]) -> str:
    return user[0]


def named(server: Server, user: tuple[str, str], version: int = 4) -> Client:
    """A connected client with a known client id (the error texts start with it)."""
    cid = f"cid-{uuid.uuid4().hex[:8]}"
    return connected(server, *user, version=version, client_id=cid)


# --- errors ----------------------------------------------------------------------------------


REJECTIONS = [
    # (topic, payload, v5 reason code, error text after "PUBLISH {topic} ")
    ("{u}/feeds/a/b/c", "1", 0x90, "rejected, not a valid resource topic"),
    ("time/seconds", "1", 0x90, "rejected, not a valid resource topic"),
    ("{u}/errors", "1", 0x90, "rejected, not a valid resource topic"),
    ("{other}/feeds/theirs", "1", 0x87, "rejected, only shared feeds may be published to"),
    (
        "{u}/f/big",
        "x" * 1025,
        0x99,
        "rejected, value is 1025 bytes, over the limit of 1024 bytes for a feed with history on",
    ),
    ("{u}/f/empty", "", 0x99, "rejected, value may not be empty"),
    ("{u}/f/loc/json", '{"value":1,"lat":91,"lon":0}', 0x99, "rejected, lat must be between"),
]


@pytest.mark.parametrize(
    ("template", "payload", "reason", "text"),
    REJECTIONS,
    ids=["invalid-topic", "time", "errors", "other-user", "oversize", "empty", "bad-lat"],
)
def test_rejected_publish_is_reported_on_errors_and_in_the_v5_puback(
    server: Server,
    user: tuple[str, str],
    make_user: object,
    api: httpx.Client,
    version: int,
    template: str,
    payload: str,
    reason: int,
    text: str,
) -> None:
    u = user[0]
    other = make_user()  # type: ignore[operator]
    topic = template.format(u=u, other=other[0])
    with named(server, user, version) as mq:
        assert mq.subscribe(f"{u}/errors") == [0]
        code = mq.publish(topic, payload, qos=1)
        assert code == (reason if version == 5 else 0)
        msg = mq.next()
        assert msg.topic == f"{u}/errors"
        prefix = f"{mq.paho._client_id.decode()} 127.0.0.1 PUBLISH {topic} "
        assert msg.text.startswith(prefix + text), msg.text
        assert mq.barrier() == []  # one error message only
    # Nothing was stored or created by the refused publish.
    assert api.get("/feeds").json() == []


def test_errors_topic_at_qos_0(server: Server, user: tuple[str, str]) -> None:
    u = user[0]
    with named(server, user) as mq:
        assert mq.subscribe(f"{u}/errors") == [0]
        mq.publish(f"{u}/f/bad*name", "1")  # QoS 0: the errors topic is the only report
        msg = mq.next()
        assert msg.topic == f"{u}/errors"
        assert " PUBLISH " + f"{u}/f/bad*name rejected, " in msg.text
        assert "Name may contain only letters, digits, underscores, spaces, or dashes" in msg.text


def test_rejected_subscribe_is_reported_on_errors(
    server: Server, user: tuple[str, str], make_user: object, version: int
) -> None:
    u = user[0]
    other = make_user()  # type: ignore[operator]
    with named(server, user, version) as mq:
        assert mq.subscribe(f"{u}/errors") == [0]
        assert mq.subscribe(f"{other[0]}/f/private") == [0x87 if version == 5 else 0x80]
        msg = mq.next()
        cid = mq.paho._client_id.decode()
        assert (msg.topic, msg.text) == (
            f"{u}/errors",
            f"{cid} 127.0.0.1 SUBSCRIBE {other[0]}/f/private rejected, "
            "resource not available or not authorized",
        )


def test_the_connection_stays_open_after_rejections(
    server: Server, user: tuple[str, str], api: httpx.Client, version: int
) -> None:
    u = user[0]
    with named(server, user, version) as mq:
        for _ in range(3):
            mq.publish(f"{u}/nope/a/b/c/feeds", "1", qos=1)
            mq.publish("time/millis", "1", qos=1)
        assert mq.publish(f"{u}/f/after", "ok", qos=1) == 0
        assert mq.disconnected is None
    assert values(api, "after") == ["ok"]


# --- acknowledgements ------------------------------------------------------------------------


def test_qos1_puback_only_after_the_point_is_readable(
    server: Server, user: tuple[str, str], api: httpx.Client, version: int
) -> None:
    u = user[0]
    with connected(server, *user, version=version) as mq:
        for i in range(15):
            assert mq.publish(f"{u}/f/acked", str(i), qos=1) == 0
            # No polling: the moment the PUBACK is in, REST must see the point.
            assert api.get("/feeds/acked/data/last").json()["value"] == str(i)
        assert api.post("/groups", json={"name": "acks"}).status_code == 201
        for i in range(5):
            assert mq.publish(f"{u}/g/acks", f'{{"feeds":{{"k":"{i}"}}}}', qos=1) == 0
            assert api.get("/feeds/acks.k/data/last").json()["value"] == str(i)


def test_qos2_publish_with_paho_is_stored_once(
    server: Server, user: tuple[str, str], api: httpx.Client, version: int
) -> None:
    u = user[0]
    with connected(server, *user, version=version) as mq:
        assert mq.subscribe(f"{u}/f/q2", qos=2) == [2]
        for value in ("a", "b"):
            assert mq.publish(f"{u}/f/q2", value, qos=2) == 0
        got = mq.take(2)
        assert [(m.text, m.qos) for m in got] == [("a", 2), ("b", 2)]
        assert mq.barrier() == []
    assert values(api, "q2") == ["a", "b"]


def raw_session(server: Server, user: tuple[str, str], level: int, cid: str, clean: bool) -> Raw:
    raw = Raw(server.mqtt_port, level)
    username, key = user
    raw.send(
        Connect(
            protocol_level=level,
            clean_start=clean,
            keep_alive=30,
            client_id=cid,
            username=username,
            password=key.encode(),
            # MQTT 5: a session outlives its connection only with a Session Expiry Interval.
            properties=Properties(session_expiry_interval=60)
            if level == 5 and not clean
            else EMPTY_PROPERTIES,
        )
    )
    assert raw.recv(Connack).reason_code == 0
    return raw


def test_qos2_resent_with_dup_is_stored_once(
    server: Server, user: tuple[str, str], api: httpx.Client, version: int
) -> None:
    topic = f"{user[0]}/f/exactly"
    raw = raw_session(server, user, version, f"raw-{uuid.uuid4().hex[:6]}", True)
    try:
        raw.send(Publish(topic, b"one", qos=2, packet_id=7))
        assert raw.recv(Pubrec).packet_id == 7
        raw.send(Publish(topic, b"one", qos=2, dup=True, packet_id=7))  # PUBREC was lost
        rec = raw.recv(Pubrec)
        assert (rec.packet_id, rec.reason_code) == (7, 0)
        raw.send(Pubrel(7))
        comp = raw.recv(Pubcomp)
        assert (comp.packet_id, comp.reason_code) == (7, 0)
        # After PUBCOMP the packet id is free again: a new message with it is stored.
        raw.send(Publish(topic, b"two", qos=2, packet_id=7))
        assert raw.recv(Pubrec).packet_id == 7
        raw.send(Pubrel(7))
        assert raw.recv(Pubcomp).packet_id == 7
    finally:
        raw.close()
    assert values(api, "exactly") == ["one", "two"]


def test_qos2_dup_sent_before_the_pubrec_is_stored_once(
    server: Server, user: tuple[str, str], api: httpx.Client, version: int
) -> None:
    topic = f"{user[0]}/f/eager"
    raw = raw_session(server, user, version, f"raw-{uuid.uuid4().hex[:6]}", True)
    try:
        raw.send(Publish(topic, b"warm-up", qos=1, packet_id=1))  # the feed exists
        raw.recv()
        first = Publish(topic, b"once", qos=2, packet_id=9)
        again = Publish(topic, b"once", qos=2, dup=True, packet_id=9)
        raw.sock.sendall(encode(first, version) + encode(again, version))  # one segment
        assert raw.recv(Pubrec).packet_id == 9
        assert raw.recv(Pubrec).packet_id == 9
        raw.send(Pubrel(9))
        assert raw.recv(Pubcomp).packet_id == 9
    finally:
        raw.close()
    assert values(api, "eager") == ["warm-up", "once"]


def test_qos2_dup_after_reconnect_to_the_session_is_stored_once(
    server: Server, user: tuple[str, str], api: httpx.Client, version: int
) -> None:
    topic = f"{user[0]}/f/resumed"
    cid = f"raw-{uuid.uuid4().hex[:6]}"
    raw = raw_session(server, user, version, cid, False)
    raw.send(Publish(topic, b"kept", qos=2, packet_id=3))
    assert raw.recv(Pubrec).packet_id == 3
    raw.close()  # the connection drops before PUBREL
    raw = raw_session(server, user, version, cid, False)
    try:
        raw.send(Publish(topic, b"kept", qos=2, dup=True, packet_id=3))
        assert raw.recv(Pubrec).packet_id == 3
        raw.send(Pubrel(3))
        comp = raw.recv(Pubcomp)
        assert (comp.packet_id, comp.reason_code) == (3, 0)
    finally:
        raw.close()
    assert values(api, "resumed") == ["kept"]


# --- retain ----------------------------------------------------------------------------------


def test_retain_on_feed_topics_is_ignored(
    server: Server, user: tuple[str, str], api: httpx.Client, version: int
) -> None:
    u = user[0]
    assert api.post("/groups", json={"name": "box"}).status_code == 201
    with connected(server, *user, version=version) as live:
        assert live.subscribe(f"{u}/f/kept", f"{u}/g/box") == [0, 0]
        assert live.publish(f"{u}/f/kept", "on", qos=1, retain=True) == 0
        assert live.publish(f"{u}/f/box.inner", "in", qos=1, retain=True) == 0
        assert live.publish(f"{u}/g/box", '{"feeds":{"inner":"g"}}', qos=1, retain=True) == 0
        got = live.barrier()
        assert [(m.topic, m.text, m.retain) for m in got] == [
            (f"{u}/f/kept", "on", False),
            (f"{u}/g/box", '{"feeds":{"inner":"in"}}', False),
            (f"{u}/g/box", '{"feeds":{"inner":"g"}}', False),
        ]
    with connected(server, *user, version=version) as late:
        filters = [f"{u}/f/kept", f"{u}/f/#", f"{u}/g/box", f"{u}/groups/#", f"{u}/#"]
        assert late.subscribe(*filters) == [0] * 5
        assert late.barrier() == []  # nothing retained, nothing pushed on subscribe
    assert values(api, "kept") == ["on"]
    assert values(api, "box.inner") == ["in", "g"]


# --- time ------------------------------------------------------------------------------------


ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_time_topics_formats(server: Server, user: tuple[str, str], version: int) -> None:
    with connected(server, *user, version=version) as mq:
        assert mq.subscribe("time/seconds", "time/millis", "time/ISO-8601", "time/hours") == [0] * 4
        first = {}
        while len(first) < 3:  # one tick: the three per-second topics
            msg = mq.next(timeout=3)
            first.setdefault(msg.topic, msg.text)
        seconds, millis, iso = first["time/seconds"], first["time/millis"], first["time/ISO-8601"]
        assert re.fullmatch(r"\d{10}", seconds)
        assert re.fullmatch(r"\d{13}", millis)
        assert ISO.match(iso), iso
        assert abs(int(seconds) - time.time()) < 3
        assert int(millis) // 1000 == int(seconds)
        parsed = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert round(parsed.timestamp() * 1000) == int(millis)
        # The server writes time topics; clients may not.
        code = mq.publish("time/seconds", "0", qos=1)
        assert code == (0x90 if version == 5 else 0)


def test_time_topics_carry_real_milliseconds(server: Server, user: tuple[str, str]) -> None:
    """``time/millis`` and ``time/ISO-8601`` are the clock when sent, not a rounded second
    (they were always ``...000`` and ``.000Z``); each second comes once, in order."""
    with connected(server, *user, version=5) as mq:
        assert mq.subscribe("time/seconds", "time/millis", "time/ISO-8601") == [0] * 3
        ticks: dict[str, list[str]] = {"time/seconds": [], "time/millis": [], "time/ISO-8601": []}
        while len(ticks["time/millis"]) < 4 or len(ticks["time/ISO-8601"]) < 4:
            msg = mq.next(timeout=3)
            ticks[msg.topic].append(msg.text)
    seconds = [int(s) for s in ticks["time/seconds"][:4]]
    millis = [int(m) for m in ticks["time/millis"][:4]]
    assert seconds == list(range(seconds[0], seconds[0] + 4))  # once each, in order
    assert [m // 1000 for m in millis] == seconds
    assert all(m % 1000 for m in millis), millis  # not a second rounded to ms
    assert not any(iso.endswith(".000Z") for iso in ticks["time/ISO-8601"][:4])


def test_unknown_time_topic_is_refused(server: Server, user: tuple[str, str], version: int) -> None:
    with connected(server, *user, version=version) as mq:
        assert mq.subscribe("time/minutes") == [0x8F if version == 5 else 0x80]
