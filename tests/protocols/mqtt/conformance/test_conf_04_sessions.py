"""Sessions: persistent and clean sessions, MQTT 5 session expiry, redelivery, restarts.

MQTT 3.1.1 §3.1.2.4, §4.1, §4.4 and MQTT 5 §3.1.2.11, §4.1, §4.4. Sessions live in memory
while the server runs (``sqlite_only``); the restart tests, where sessions go through the
database, run on both backends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from mqtt_conformance_support import (
    DISCONNECT_BYTES,
    PUBLISH,
    PUBREL,
    Account,
    Paho,
    Raw,
    account_on,
    ack,
    block,
    connect_props,
    p_u32,
    props,
    sub_props,
)

from support import Server

PahoFactory = Callable[..., Paho]
RawFactory = Callable[..., Raw]

SESSION_PRESENT_V4 = b"\x20\x02\x01\x00"
NO_SESSION_V4 = b"\x20\x02\x00\x00"


def persistent(paho: PahoFactory, acct: Account, cid: str, version: int) -> Paho:
    """A client whose session outlives the connection (clean session 0 / expiry 300 s)."""
    if version == 4:
        return paho(acct, version=4, client_id=cid, clean=False)
    return paho(
        acct,
        version=5,
        client_id=cid,
        clean=False,
        properties=connect_props(SessionExpiryInterval=300),
    )


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_persistent_session_keeps_subscriptions_and_queues_qos1_and_qos2(
    paho: PahoFactory, acct: Account, version: int
) -> None:
    cid = acct.cid()
    first = persistent(paho, acct, cid, version)
    assert first.connack is not None and not first.connack.session_present
    first.subscribe([(acct.t("q/1"), 1), (acct.t("q/2"), 2)])
    first.close()
    pub = paho(acct)
    pub.publish(acct.t("q/1"), b"a", 1)
    pub.publish(acct.t("q/2"), b"b", 2)
    pub.publish(acct.t("q/1"), b"zero", 0)  # QoS 0 is not kept for an offline session
    pub.publish(acct.t("q/2"), b"c", 1)
    again = persistent(paho, acct, cid, version)
    assert again.connack is not None and again.connack.session_present  # [MQTT-3.2.2-2]
    got = again.expect(3)
    again.quiet(0.3)
    # (sorted: paho hands a QoS 2 message over only at PUBREL, after later QoS 1 ones)
    assert sorted((m.payload, m.topic, m.qos) for m in got) == [
        (b"a", acct.t("q/1"), 1),
        (b"b", acct.t("q/2"), 2),
        (b"c", acct.t("q/2"), 1),
    ]
    pub.publish(acct.t("q/1"), b"live", 1)  # the subscriptions are still there
    assert again.expect(4)[3].payload == b"live"


@pytest.mark.sqlite_only
def test_clean_session_discards_the_previous_session_v311(
    paho: PahoFactory, raw: RawFactory, acct: Account
) -> None:
    cid = acct.cid()
    first = paho(acct, version=4, client_id=cid, clean=False)
    first.subscribe(acct.t("cs"), 1)
    first.close()
    paho(acct).publish(acct.t("cs"), b"queued", 1)
    conn = raw(4)
    assert conn.connect(acct, cid, clean=True).raw == NO_SESSION_V4  # [MQTT-3.1.2-6]
    conn.expect_nothing()  # the queued message went with the session
    conn.close()
    conn = raw(4)
    # The clean session ended with its connection: nothing to resume, no subscription.
    assert conn.connect(acct, cid, clean=False).raw == NO_SESSION_V4
    paho(acct).publish(acct.t("cs"), b"after", 1)
    conn.expect_nothing()


@pytest.mark.sqlite_only
def test_session_present_is_0_for_a_new_persistent_session(raw: RawFactory, acct: Account) -> None:
    assert raw(4).connect(acct, acct.cid(), clean=False).raw == NO_SESSION_V4


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("expiry", "wait", "present"),
    [(None, 0.0, False), (0, 0.0, False), (60, 0.0, True), (1, 1.6, False)],
)
def test_v5_session_expiry_interval(
    paho: PahoFactory, acct: Account, expiry: int | None, wait: float, present: bool
) -> None:
    cid = acct.cid()
    properties = None if expiry is None else connect_props(SessionExpiryInterval=expiry)
    first = paho(acct, client_id=cid, clean=False, properties=properties)
    first.subscribe(acct.t("exp"), 1)
    first.close()
    time.sleep(wait)
    again = paho(acct, client_id=cid, clean=False, properties=properties)
    assert again.connack is not None and again.connack.session_present is present
    paho(acct).publish(acct.t("exp"), b"x", 1)
    if present:
        assert again.expect(1)[0].payload == b"x"
    else:
        again.quiet()  # the subscription expired with the session


@pytest.mark.sqlite_only
def test_v5_disconnect_can_shorten_the_session_expiry(
    raw: RawFactory, paho: PahoFactory, acct: Account
) -> None:
    cid = acct.cid()
    conn = raw(5)
    conn.login(acct, cid, clean=False, properties=p_u32(0x11, 60))
    conn.subscribe(1, (acct.t("sd"), 1))
    conn.send(b"\xe0" + bytes((1 + 6,)) + b"\x00" + block(p_u32(0x11, 0)))  # expiry 0
    assert conn.expect_closed() == []
    again = paho(acct, client_id=cid, clean=False)
    assert again.connack is not None and not again.connack.session_present


@pytest.mark.sqlite_only
def test_v5_disconnect_may_not_raise_a_zero_session_expiry(raw: RawFactory, acct: Account) -> None:
    conn = raw(5)
    conn.login(acct, acct.cid(), clean=False)  # no Session Expiry Interval: 0
    conn.send(b"\xe0" + bytes((1 + 6,)) + b"\x00" + block(p_u32(0x11, 60)))
    got = conn.expect_closed()  # [MQTT-3.14.2-2]: a protocol error
    assert [(p.type, p.body[:1]) for p in got] == [(14, b"\x82")]


@pytest.mark.sqlite_only
def test_takeover_with_clean_session_0_keeps_the_session(paho: PahoFactory, acct: Account) -> None:
    cid = acct.cid()
    old = paho(acct, version=4, client_id=cid, clean=False)
    old.subscribe(acct.t("tk"), 1)
    new = paho(acct, version=4, client_id=cid, clean=False)
    assert new.connack is not None and new.connack.session_present  # [MQTT-3.1.4-3]
    assert old.disconnected.wait(2)
    paho(acct).publish(acct.t("tk"), b"to the new one", 1)
    assert new.expect(1)[0].payload == b"to the new one"


# -- redelivery of unacknowledged messages -------------------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_unacknowledged_qos1_is_resent_with_dup_then_queued_ones_follow(
    raw: RawFactory, paho: PahoFactory, acct: Account, version: int
) -> None:
    cid = acct.cid()
    extra = {"properties": p_u32(0x11, 60)} if version == 5 else {}
    conn = raw(version)
    conn.login(acct, cid, clean=False, **extra)
    conn.subscribe(1, (acct.t("dup"), 1))
    pub = paho(acct)
    pub.publish(acct.t("dup"), b"first", 1)
    original = conn.recv_publish()
    assert (original.payload, original.dup) == (b"first", False)
    conn.send(DISCONNECT_BYTES)  # no PUBACK; the broker has seen the end once it closes
    assert conn.expect_closed() == []
    pub.publish(acct.t("dup"), b"second", 1)
    conn = raw(version)
    connack = conn.login(acct, cid, clean=False, **extra)
    assert connack.body[0] == 1  # session present
    again = conn.recv_publish()  # [MQTT-4.4.0-1]
    assert (again.payload, again.dup, again.qos, again.packet_id) == (
        b"first",
        True,
        1,
        original.packet_id,
    )
    assert again.topic == original.topic
    conn.send(ack(0x40, again.packet_id or 0))
    queued = conn.recv_publish()
    assert (queued.payload, queued.dup) == (b"second", False)
    conn.send(ack(0x40, queued.packet_id or 0))
    conn.expect_nothing()  # acknowledged: not sent again


@pytest.mark.sqlite_only
def test_qos2_is_resent_as_publish_before_pubrec_and_as_pubrel_after(
    raw: RawFactory, paho: PahoFactory, acct: Account
) -> None:
    cid = acct.cid()
    conn = raw(4)
    conn.login(acct, cid, clean=False)
    conn.subscribe(1, (acct.t("q2"), 2))
    pub = paho(acct)
    pub.publish(acct.t("q2"), b"a", 2)
    pub.publish(acct.t("q2"), b"b", 2)
    a, b = conn.recv_publish(), conn.recv_publish()
    conn.send(ack(0x50, b.packet_id or 0))  # PUBREC for b only
    assert conn.recv().raw == ack(0x62, b.packet_id or 0)
    conn.send(DISCONNECT_BYTES)  # a: no PUBREC; b: no PUBCOMP
    assert conn.expect_closed() == []
    conn = raw(4)
    assert conn.connect(acct, cid, clean=False).raw == SESSION_PRESENT_V4
    first, second = conn.recv(), conn.recv()  # in the original order [MQTT-4.6.0-1]
    assert first.type == PUBLISH and first.first == 0x3C  # QoS 2 with DUP
    assert second.raw == ack(0x62, b.packet_id or 0)  # PUBREL again, not the PUBLISH
    assert first.body.endswith(b"a")
    conn.send(ack(0x50, a.packet_id or 0))
    assert conn.recv().raw == ack(0x62, a.packet_id or 0)
    conn.send(ack(0x70, a.packet_id or 0))
    conn.send(ack(0x70, b.packet_id or 0))
    conn.expect_nothing()


# -- graceful restart (both backends) -------------------------------------------------------------


def test_sessions_and_queued_messages_survive_a_graceful_restart(
    private_server: Callable[..., Server], paho: PahoFactory, raw: RawFactory
) -> None:
    server = private_server()
    acct = account_on(server)
    port = server.mqtt_port
    v4, v5, flight, rel, inq2, short, watch = (
        acct.cid(t) for t in ("v4", "v5", "fl", "rl", "iq", "sh", "w")
    )

    a = paho(acct, version=4, client_id=v4, clean=False, port=port)
    a.subscribe([(acct.t("q/1"), 1), (acct.t("q/2"), 2)])
    a.close()
    c = paho(
        acct,
        client_id=v5,
        clean=False,
        port=port,
        properties=connect_props(SessionExpiryInterval=300),
    )
    c.subscribe(acct.t("v5"), 1, properties=sub_props(SubscriptionIdentifier=7))
    c.close()
    e = paho(
        acct,
        client_id=short,
        clean=False,
        port=port,
        properties=connect_props(SessionExpiryInterval=1),
    )
    e.subscribe(acct.t("short"), 1)
    e.close()
    r = raw(4, port)  # receives a QoS 1 message and never acknowledges it
    r.login(acct, flight, clean=False)
    r.subscribe(1, (acct.t("fl"), 1))
    q = raw(4, port)  # gets a QoS 2 message to PUBREL and never completes it
    q.login(acct, rel, clean=False)
    q.subscribe(1, (acct.t("rl"), 2))
    p = raw(4, port)  # publishes QoS 2 and never releases it
    p.login(acct, inq2, clean=False)
    watcher = paho(acct, version=4, client_id=watch, clean=False, port=port)
    watcher.subscribe(acct.t("inq2"), 2)
    watcher.close()

    pub = paho(acct, port=port)
    pub.publish(acct.t("fl"), b"in flight", 1)
    in_flight = r.recv_publish()
    r.close()
    pub.publish(acct.t("rl"), b"released", 2)
    released = q.recv_publish()
    q.send(ack(0x50, released.packet_id or 0))
    assert q.recv().type == PUBREL
    q.close()
    p.publish(acct.t("inq2"), b"once", 2, packet_id=21)
    assert p.recv().raw == b"\x50\x02\x00\x15"
    p.close()
    pub.publish(acct.t("q/1"), b"one", 1)
    pub.publish(acct.t("q/2"), b"two", 2)
    pub.publish(
        acct.t("v5"),
        b"{}",
        1,
        properties=props(ContentType="application/json", UserProperty=[("k", "v")]),
    )
    pub.close()

    server.stop()  # SIGTERM: a graceful shutdown saves the sessions
    stopped = time.monotonic()
    server.start()

    a = paho(acct, version=4, client_id=v4, clean=False, port=port)
    assert a.connack is not None and a.connack.session_present
    got = a.expect(2)
    assert [(m.payload, m.qos) for m in got] == [(b"one", 1), (b"two", 2)]
    paho(acct, port=port).publish(acct.t("q/1"), b"live", 1)
    assert a.expect(3)[2].payload == b"live"  # subscriptions came back too

    c = paho(
        acct,
        client_id=v5,
        clean=False,
        port=port,
        properties=connect_props(SessionExpiryInterval=300),
    )
    assert c.connack is not None and c.connack.session_present
    (msg,) = c.expect(1)
    assert msg.payload == b"{}"
    assert msg.properties.SubscriptionIdentifier == [7]
    assert msg.properties.ContentType == "application/json"
    assert msg.properties.UserProperty == [("k", "v")]

    r = raw(4, port)
    assert r.connect(acct, flight, clean=False).raw == SESSION_PRESENT_V4
    again = r.recv_publish()
    assert (again.payload, again.dup, again.packet_id) == (b"in flight", True, in_flight.packet_id)

    q = raw(4, port)
    assert q.connect(acct, rel, clean=False).raw == SESSION_PRESENT_V4
    assert q.recv().raw == ack(0x62, released.packet_id or 0)

    p = raw(4, port)
    assert p.connect(acct, inq2, clean=False).raw == SESSION_PRESENT_V4
    p.publish(acct.t("inq2"), b"once", 2, packet_id=21, dup=True)
    assert p.recv().raw == b"\x50\x02\x00\x15"
    p.send(ack(0x62, 21))
    assert p.recv().raw == b"\x70\x02\x00\x15"
    watcher = paho(acct, version=4, client_id=watch, clean=False, port=port)
    assert [m.payload for m in watcher.expect(1)] == [b"once"]
    watcher.quiet(0.2)  # the resent PUBLISH was not delivered a second time

    time.sleep(max(0.0, 1.2 - (time.monotonic() - stopped)))
    e = paho(acct, client_id=short, clean=False, port=port)
    assert e.connack is not None and not e.connack.session_present  # its 1 s ran out


def test_retained_messages_survive_a_graceful_restart(
    private_server: Callable[..., Server], paho: PahoFactory
) -> None:
    server = private_server()
    acct = account_on(server)
    port = server.mqtt_port
    pub = paho(acct, port=port)
    pub.publish(acct.t("kept/a"), b"alpha", 1, retain=True)
    pub.publish(acct.t("kept/b"), b"beta", 1, retain=True)
    pub.publish(acct.t("kept/b"), b"", 1, retain=True)  # cleared before the restart
    pub.publish(
        acct.t("kept/c"), b"{}", 1, retain=True, properties=props(ContentType="application/json")
    )
    pub.close()

    server.stop()  # SIGTERM: retained messages are saved with the sessions
    server.start()

    sub = paho(acct, port=server.mqtt_port)
    sub.subscribe(acct.t("kept/#"), 1)
    got = sorted(sub.expect(2), key=lambda m: m.topic)
    assert [(m.topic, m.payload, m.retain) for m in got] == [
        (acct.t("kept/a"), b"alpha", True),
        (acct.t("kept/c"), b"{}", True),
    ]
    assert got[1].properties.ContentType == "application/json"
    sub.quiet(already=2)  # kept/b was cleared: nothing else arrives
    sub.close()
