"""PUBLISH and SUBSCRIBE in the free-form namespace: QoS flows, wildcards, unsubscribe.

MQTT 3.1.1 §3.3-§3.11, §4.3, §4.7 and their MQTT 5 counterparts. Only the basic round
trips run on both backends; routing in the free-form namespace is in memory, so the rest is
``sqlite_only``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mqtt_conformance_support import (
    PUBACK,
    PUBCOMP,
    PUBREC,
    PUBREL,
    QUIET,
    Account,
    Packet,
    Paho,
    Raw,
    ack,
    publish_packet,
    unsubscribe_packet,
    wait_until,
)

PahoFactory = Callable[..., Paho]
RawFactory = Callable[..., Raw]


def assert_ack(packet: Packet, kind: int, packet_id: int, reason: int = 0) -> None:
    """A PUBACK/PUBREC/PUBREL/PUBCOMP with this id and reason (v5 may shorten reason 0)."""
    assert packet.type == kind, packet
    assert packet.first & 0x0F == (2 if kind == PUBREL else 0), packet
    assert packet.packet_id() == packet_id, packet
    rest = packet.body[2:]
    if reason == 0:
        assert rest in (b"", b"\x00", b"\x00\x00"), packet
    else:
        assert rest[:1] == bytes((reason,)) and rest[1:] in (b"", b"\x00"), packet


# -- round trips (both backends) -----------------------------------------------------------


@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_round_trip_at_each_qos(paho: PahoFactory, acct: Account, version: int, qos: int) -> None:
    sub = paho(acct, version=version)
    assert sub.subscribe(acct.t("rt"), 2) == [2]
    pub = paho(acct, version=version)
    pub.publish(acct.t("rt"), b"payload-\x00\xff", qos)
    (msg,) = sub.expect(1)
    assert (msg.topic, msg.payload, msg.qos, msg.retain) == (
        acct.t("rt"),
        b"payload-\x00\xff",
        qos,
        False,
    )
    sub.quiet(0.2)


# -- QoS ------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("sub_qos", "pub_qos", "expected"),
    [(0, 2, 0), (1, 2, 1), (0, 1, 0), (2, 1, 1), (2, 0, 0), (1, 1, 1)],
)
def test_delivery_qos_is_the_lower_of_publish_and_subscription(
    paho: PahoFactory, acct: Account, sub_qos: int, pub_qos: int, expected: int
) -> None:
    sub = paho(acct, version=4)
    assert sub.subscribe(acct.t("dq"), sub_qos) == [sub_qos]  # granted as asked
    paho(acct, version=4).publish(acct.t("dq"), b"x", pub_qos)
    (msg,) = sub.expect(1)
    assert msg.qos == expected  # [MQTT-3.8.4-6] / MQTT 5 §3.8.4


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_qos1_publish_is_acknowledged_with_its_packet_id(
    raw: RawFactory, acct: Account, version: int
) -> None:
    conn = raw(version)
    conn.login(acct, acct.cid())
    conn.publish(acct.t("q1"), b"x", 1, packet_id=0x1234)
    packet = conn.recv()
    assert_ack(packet, PUBACK, 0x1234)
    if version == 4:
        assert packet.raw == b"\x40\x02\x12\x34"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_qos2_inbound_is_delivered_exactly_once_even_when_resent_with_dup(
    paho: PahoFactory, raw: RawFactory, acct: Account, version: int
) -> None:
    sub = paho(acct, version=version)
    sub.subscribe(acct.t("q2"), 2)
    conn = raw(version)
    conn.login(acct, acct.cid())
    conn.publish(acct.t("q2"), b"one", 2, packet_id=7)
    assert_ack(conn.recv(), PUBREC, 7)
    # The PUBREC "was lost": the client sends the PUBLISH again with DUP [MQTT-4.3.3-2].
    conn.publish(acct.t("q2"), b"one", 2, packet_id=7, dup=True)
    assert_ack(conn.recv(), PUBREC, 7)
    conn.send(ack(0x62, 7))
    assert_ack(conn.recv(), PUBCOMP, 7)
    # A resent PUBREL (its PUBCOMP "was lost") is answered again, delivers nothing.
    conn.send(ack(0x62, 7))
    assert_ack(conn.recv(), PUBCOMP, 7, 0 if version == 4 else 0x92)
    # After PUBCOMP the id is free again: the same id is a new message.
    conn.publish(acct.t("q2"), b"two", 2, packet_id=7)
    assert_ack(conn.recv(), PUBREC, 7)
    conn.send(ack(0x62, 7))
    assert_ack(conn.recv(), PUBCOMP, 7)
    assert [m.payload for m in sub.expect(2)] == [b"one", b"two"]
    sub.quiet()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_qos2_outbound_flow(
    paho: PahoFactory, raw: RawFactory, acct: Account, version: int
) -> None:
    conn = raw(version)
    conn.login(acct, acct.cid())
    assert conn.subscribe(1, (acct.t("out"), 2)) == b"\x02"
    paho(acct).publish(acct.t("out"), b"exactly once", 2)
    pub = conn.recv_publish()
    assert (pub.topic, pub.payload, pub.qos, pub.dup, pub.retain) == (
        acct.t("out"),
        b"exactly once",
        2,
        False,
        False,
    )
    assert pub.packet_id  # non-zero [MQTT-2.3.1-1]
    conn.send(ack(0x50, pub.packet_id))  # PUBREC
    assert_ack(conn.recv(), PUBREL, pub.packet_id)
    conn.send(ack(0x70, pub.packet_id))  # PUBCOMP
    conn.expect_nothing()  # not sent again while the connection lasts


@pytest.mark.sqlite_only
def test_qos1_messages_keep_their_order(paho: PahoFactory, acct: Account) -> None:
    sub = paho(acct, version=4)
    sub.subscribe(acct.t("order"), 1)
    pub = paho(acct, version=4)
    for i in range(100):
        pub.client.publish(acct.t("order"), str(i), 1)
    got = sub.expect(100)
    assert [m.payload for m in got] == [str(i).encode() for i in range(100)]  # [MQTT-4.6.0-5]


@pytest.mark.sqlite_only
def test_empty_and_large_payloads_and_unicode_topics(paho: PahoFactory, acct: Account) -> None:
    sub = paho(acct)
    sub.subscribe(acct.t("#"), 1)
    pub = paho(acct)
    big = bytes(range(256)) * 1024  # 256 KiB, below the 1 MiB packet limit
    pub.publish(acct.t("empty"), b"", 1)
    pub.publish(acct.t("big"), big, 1)
    pub.publish(acct.t("ünï/€/😀"), b"u", 1)
    got = sub.expect(3)
    assert [(m.topic, m.payload) for m in got] == [
        (acct.t("empty"), b""),
        (acct.t("big"), big),
        (acct.t("ünï/€/😀"), b"u"),
    ]


# -- overlapping subscriptions, resubscribe, unsubscribe ----------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_overlapping_subscriptions_deliver_at_the_highest_qos(
    paho: PahoFactory, acct: Account, version: int
) -> None:
    sub = paho(acct, version=version)
    assert sub.subscribe([(acct.t("ov/#"), 1), (acct.t("ov/+"), 0)]) == [1, 0]
    paho(acct).publish(acct.t("ov/a"), b"x", 2)
    sub.expect(1)
    wait_until(lambda: False, 0.3)  # room for a second copy
    got = sub.messages
    # [MQTT-3.3.5-1] / MQTT 5 [MQTT-3.3.4-2]: one copy at the maximum QoS of the matching
    # subscriptions, or one copy per subscription.
    assert 1 <= len(got) <= 2
    assert max(m.qos for m in got) == 1
    assert all(m.payload == b"x" and m.topic == acct.t("ov/a") for m in got)


@pytest.mark.sqlite_only
def test_subscribing_again_replaces_the_subscription(paho: PahoFactory, acct: Account) -> None:
    sub = paho(acct, version=4)
    assert sub.subscribe(acct.t("re"), 0) == [0]
    assert sub.subscribe(acct.t("re"), 1) == [1]  # [MQTT-3.8.4-3]
    paho(acct, version=4).publish(acct.t("re"), b"x", 1)
    (msg,) = sub.expect(1)
    assert msg.qos == 1
    sub.quiet()  # one subscription, one copy


@pytest.mark.sqlite_only
def test_unsubscribe_stops_delivery_v311(paho: PahoFactory, raw: RawFactory, acct: Account) -> None:
    conn = raw(4)
    conn.login(acct, acct.cid())
    assert conn.subscribe(5, (acct.t("u/+"), 1), (acct.t("keep"), 0)) == b"\x01\x00"
    conn.send(unsubscribe_packet(9, [acct.t("u/+")]))
    assert conn.recv().raw == b"\xb0\x02\x00\x09"  # UNSUBACK echoes the packet id
    pub = paho(acct)
    pub.publish(acct.t("u/a"), b"gone", 1)
    pub.publish(acct.t("keep"), b"kept", 1)
    got = conn.recv_publish()
    assert (got.topic, got.payload) == (acct.t("keep"), b"kept")  # only the remaining one
    conn.expect_nothing()


@pytest.mark.sqlite_only
def test_unsubscribe_reason_codes_v5(paho: PahoFactory, acct: Account) -> None:
    sub = paho(acct)
    sub.subscribe(acct.t("a"), 1)
    assert sub.unsubscribe([acct.t("a"), acct.t("never")]) == [0x00, 0x11]
    assert sub.unsubscribe(acct.t("a")) == [0x11]  # no subscription existed
    paho(acct).publish(acct.t("a"), b"x", 1)
    sub.quiet()


# -- wildcards ----------------------------------------------------------------------------------

TOPICS = ["", "a", "a/", "a/b", "a/b/c", "a/x", "x/b", "/b"]
FILTERS = {
    "a/+": {"a/", "a/b", "a/x"},
    "+/b": {"a/b", "x/b", "/b"},
    "a/#": {"a", "a/", "a/b", "a/b/c", "a/x"},  # "#" includes the parent level
    "#": set(TOPICS),
    "+": {"a"},
    "+/+": {"a/", "a/b", "a/x", "x/b", "/b"},
    "a/b": {"a/b"},
    "+/#": set(TOPICS) - {""},
    "a/+/c": {"a/b/c"},
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_wildcards_match_exactly_what_the_spec_says(
    paho: PahoFactory, acct: Account, version: int
) -> None:
    base = acct.t()

    def full(rest: str) -> str:
        return f"{base}/{rest}" if rest else base

    subs = {}
    for topic_filter in FILTERS:
        client = paho(acct, version=version)
        assert client.subscribe(full(topic_filter), 1) == [1]
        subs[topic_filter] = client
    pub = paho(acct, version=version)
    for rest in TOPICS:
        pub.publish(full(rest), rest.encode(), 1)
    for topic_filter, expected in FILTERS.items():
        client = subs[topic_filter]
        wait_until(lambda c=client, n=len(expected): len(c.messages) >= n)
    wait_until(lambda: False, QUIET)  # anything extra has time to arrive
    for topic_filter, expected in FILTERS.items():
        got = [m.payload.decode() for m in subs[topic_filter].messages]
        assert sorted(got) == sorted(expected), topic_filter  # each once, nothing else


@pytest.mark.sqlite_only
def test_dollar_topics_and_filters_outside_the_namespace(
    paho: PahoFactory, raw: RawFactory, acct: Account
) -> None:
    v5 = paho(acct)
    # Filters starting with a wildcard reach beyond the user's namespace: refused.
    assert v5.subscribe([("#", 0), ("+/x", 0), ("$SYS/#", 0)]) == [0x87] * 3
    # An exact "$" filter is nobody's namespace either (refused, whichever failure code).
    assert v5.subscribe("$SYS/broker/load", 0)[0] >= 0x80
    v3 = raw(4)
    v3.login(acct, acct.cid())
    assert v3.subscribe(1, ("#", 0), ("+/+", 1)) == b"\x80\x80"
    # A topic beginning with "$" is nobody's: PUBACK 0x90 (topic name invalid), not routed.
    watcher = paho(acct)
    watcher.subscribe(acct.t("#"), 1)
    pub = raw(5)
    pub.login(acct, acct.cid())
    pub.publish("$SYS/broker/load", b"x", 1, packet_id=3)
    assert_ack(pub.recv(), PUBACK, 3, 0x90)
    # "$" inside the namespace is an ordinary level: only a leading "$" is special
    # [MQTT-4.7.2-1].
    pub.publish(acct.t("$inner"), b"in", 1, packet_id=4)
    assert_ack(pub.recv(), PUBACK, 4)
    (msg,) = watcher.expect(1)
    assert (msg.topic, msg.payload) == (acct.t("$inner"), b"in")
    watcher.quiet()


# -- isolation ----------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_free_namespace_is_private_to_its_owner(
    paho: PahoFactory, raw: RawFactory, acct: Account, acct2: Account
) -> None:
    owner = paho(acct)
    owner.subscribe(acct.t("#"), 1)
    intruder = paho(acct2)
    assert intruder.subscribe([(acct.t("#"), 1), (acct.t("x"), 1)]) == [0x87, 0x87]
    intruder.subscribe(f"{acct2.username}/#", 1)
    conn = raw(5)
    conn.login(acct2, acct2.cid())
    conn.send(publish_packet(acct.t("x"), b"intrusion", 1, packet_id=9, v5=True))
    assert_ack(conn.recv(), PUBACK, 9, 0x87)  # not authorized
    paho(acct).publish(acct.t("x"), b"private", 1)
    (msg,) = owner.expect(1)
    assert msg.payload == b"private"
    owner.quiet(0.2)
    # At most its own error reports, nothing of the other user's.
    assert {m.topic for m in intruder.messages} <= {f"{acct2.username}/errors"}
