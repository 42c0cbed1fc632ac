"""MQTT 5 features: flow control, packet size, topic aliases, subscription identifiers,
forwarded properties, no local, request/response, message expiry, reason codes.

MQTT 5 §3.1.2.11, §3.2.2.3, §3.3.2.3, §3.8.3.1, §3.9.3, §4.9. Nothing here involves the
database (free-form topics, in-memory sessions), so every test is ``sqlite_only``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from mqtt_conformance_support import (
    DISCONNECT,
    PUBLISH,
    Account,
    Paho,
    Raw,
    ack,
    connect_props,
    p_u16,
    p_u32,
    p_var,
    parse_properties,
    parse_publish,
    props,
    publish_packet,
    read_varint,
    sub_props,
    subscribe_packet,
    wait_until,
)
from paho.mqtt.subscribeoptions import SubscribeOptions

pytestmark = pytest.mark.sqlite_only

PahoFactory = Callable[..., Paho]
RawFactory = Callable[..., Raw]


def connack_properties(
    conn: Raw, acct: Account, properties: bytes = b""
) -> dict[int, list[object]]:
    connack = conn.login(acct, acct.cid(), properties=properties)
    length, pos = read_varint(connack.body, 2)
    return parse_properties(connack.body[pos : pos + length])


def disconnect_reason(conn: Raw) -> int:
    got = conn.expect_closed()
    assert len(got) == 1 and got[0].type == DISCONNECT, got
    return got[0].body[0]


def test_connack_announces_what_the_server_supports(raw: RawFactory, acct: Account) -> None:
    p = connack_properties(raw(5), acct)
    assert p[0x25] == [1]  # retain available
    assert p[0x28] == [1]  # wildcard subscriptions available
    assert p[0x29] == [1]  # subscription identifiers available
    assert p[0x2A] == [1]  # shared subscriptions available
    assert p[0x27] == [1024 * 1024]  # maximum packet size
    assert p[0x22][0] > 0 and p[0x21][0] > 0  # topic alias maximum, receive maximum


# -- flow control ---------------------------------------------------------------------------


@pytest.mark.parametrize("qos", [1, 2])
def test_receive_maximum_of_the_client_is_respected(
    raw: RawFactory, paho: PahoFactory, acct: Account, qos: int
) -> None:
    conn = raw(5)
    conn.login(acct, acct.cid(), properties=p_u16(0x21, 2))  # Receive Maximum 2
    conn.subscribe(1, (acct.t("rm"), qos))
    pub = paho(acct)
    for i in range(5):
        pub.publish(acct.t("rm"), str(i).encode(), qos)
    first = [conn.recv_publish(), conn.recv_publish()]
    conn.expect_nothing()  # [MQTT-3.3.4-9]: no more than 2 unacknowledged
    assert [p.payload for p in first] == [b"0", b"1"]
    if qos == 2:
        conn.send(ack(0x50, first[0].packet_id or 0))  # PUBREC: still in flight
        assert conn.recv().raw == ack(0x62, first[0].packet_id or 0)
        conn.expect_nothing()
        conn.send(ack(0x70, first[0].packet_id or 0))  # PUBCOMP ends it
    else:
        conn.send(ack(0x40, first[0].packet_id or 0))
    third = conn.recv_publish()
    assert third.payload == b"2"
    conn.expect_nothing()
    done = 0x70 if qos == 2 else 0x40
    pids = [first[1].packet_id or 0, third.packet_id or 0]
    if qos == 2:
        for pid in pids:
            conn.send(ack(0x50, pid))
            assert conn.recv().raw == ack(0x62, pid)
    for pid in pids:
        conn.send(ack(done, pid))
    rest = [conn.recv_publish(), conn.recv_publish()]
    assert [p.payload for p in rest] == [b"3", b"4"]


def test_maximum_packet_size_of_the_client_is_respected(
    raw: RawFactory, paho: PahoFactory, acct: Account
) -> None:
    conn = raw(5)
    conn.login(acct, acct.cid(), properties=p_u32(0x27, 128))  # Maximum Packet Size 128
    conn.subscribe(1, (acct.t("mps/#"), 1))
    pub = paho(acct)
    pub.publish(acct.t("mps/q1"), b"small", 1)
    pub.publish(acct.t("mps/q1"), b"x" * 200, 1)  # too large: discarded [MQTT-3.1.2-25]
    pub.publish(acct.t("mps/q0"), b"y" * 200, 0)
    pub.publish(acct.t("mps/q0"), b"small too", 0)
    pub.publish(acct.t("mps/q1"), b"after", 1)
    got = []
    while len(got) < 3:
        packet = conn.recv()
        assert len(packet.raw) <= 128, packet
        if packet.type == PUBLISH:
            pub_msg = parse_publish(packet, True)
            got.append(pub_msg.payload)
            if pub_msg.packet_id:
                conn.send(ack(0x40, pub_msg.packet_id))
    assert got == [b"small", b"small too", b"after"]
    conn.expect_nothing()
    assert conn.is_open()


# -- topic aliases ----------------------------------------------------------------------------


def test_topic_aliases_from_the_client(raw: RawFactory, paho: PahoFactory, acct: Account) -> None:
    watcher = paho(acct)
    watcher.subscribe(acct.t("#"), 1)
    conn = raw(5)
    conn.login(acct, acct.cid())
    alias = p_u16(0x23, 1)
    steps = [("ta/one", b"a"), ("", b"b"), ("ta/two", b"c"), ("", b"d")]
    for i, (topic, payload) in enumerate(steps, start=1):
        full = acct.t(topic) if topic else ""
        conn.send(publish_packet(full, payload, 1, packet_id=i, v5=True, properties=alias))
        assert conn.recv().packet_id() == i  # PUBACK
    got = watcher.expect(4)
    assert [(m.topic, m.payload) for m in got] == [
        (acct.t("ta/one"), b"a"),
        (acct.t("ta/one"), b"b"),  # [MQTT-3.3.2-12]: the alias stands for the topic
        (acct.t("ta/two"), b"c"),  # a new topic with the alias replaces the mapping
        (acct.t("ta/two"), b"d"),
    ]
    assert all(not hasattr(m.properties, "TopicAlias") for m in got)


@pytest.mark.parametrize(
    ("case", "reasons"),
    [
        # [MQTT-3.3.2-8]: 0 is never an alias; brokers answer 0x94 (Mosquitto) or 0x82
        ("alias 0", (0x94, 0x82)),
        ("above maximum", (0x94,)),  # Topic Alias invalid [MQTT-3.3.2-9]
        ("unknown alias", (0x82,)),  # Protocol Error, MQTT 5 §3.3.2.3.4
    ],
)
def test_bad_topic_aliases_end_the_connection(
    raw: RawFactory, acct: Account, case: str, reasons: tuple[int, ...]
) -> None:
    conn = raw(5)
    maximum = connack_properties(conn, acct)[0x22][0]
    assert isinstance(maximum, int)
    topic, alias = {
        "alias 0": (acct.t("x"), 0),
        "above maximum": (acct.t("x"), maximum + 1),
        "unknown alias": ("", 5),  # aliases are per connection: none is set here
    }[case]
    conn.send(publish_packet(topic, b"x", 0, v5=True, properties=p_u16(0x23, alias)))
    assert disconnect_reason(conn) in reasons


# -- subscription identifiers -------------------------------------------------------------------


def test_subscription_identifiers_are_sent_back(paho: PahoFactory, acct: Account) -> None:
    sub = paho(acct)
    sub.subscribe(acct.t("si/#"), 1, properties=sub_props(SubscriptionIdentifier=5))
    sub.subscribe(acct.t("si/+"), 1, properties=sub_props(SubscriptionIdentifier=9))
    sub.subscribe(acct.t("plain"), 1)
    pub = paho(acct)
    pub.publish(acct.t("si/a"), b"both", 1)
    sub.expect(1)
    wait_until(lambda: False, 0.3)
    copies = sub.take()
    ids = [sorted(m.properties.SubscriptionIdentifier) for m in copies]
    # [MQTT-3.3.4-3/4/5]: one copy per subscription with its identifier, or one with both.
    assert sorted(ids) in ([[5], [9]], [[5, 9]]), ids
    pub.publish(acct.t("si/a/b"), b"deep", 1)
    (deep,) = sub.expect(1)
    assert deep.properties.SubscriptionIdentifier == [5]
    pub.publish(acct.t("plain"), b"none", 1)
    (plain,) = sub.expect(2)[1:]
    assert not hasattr(plain.properties, "SubscriptionIdentifier")
    # Replacing the subscription without an identifier removes it.
    sub.take()
    sub.subscribe(acct.t("si/#"), 1)
    pub.publish(acct.t("si/a/b"), b"deep", 1)
    (deep,) = sub.expect(1)
    assert not hasattr(deep.properties, "SubscriptionIdentifier")


def test_subscription_identifier_on_retained_and_queued_messages(
    paho: PahoFactory, acct: Account
) -> None:
    pub = paho(acct)
    pub.publish(acct.t("sr"), b"retained", 1, retain=True)
    cid = acct.cid()
    expiry = connect_props(SessionExpiryInterval=60)
    sub = paho(acct, client_id=cid, clean=False, properties=expiry)
    sub.subscribe(acct.t("sr"), 1, properties=sub_props(SubscriptionIdentifier=77))
    (retained,) = sub.expect(1)
    assert retained.properties.SubscriptionIdentifier == [77]
    sub.close()
    pub.publish(acct.t("sr"), b"queued", 1)
    sub = paho(acct, client_id=cid, clean=False, properties=expiry)
    (queued,) = sub.expect(1)
    assert (queued.payload, queued.properties.SubscriptionIdentifier) == (b"queued", [77])


def test_subscription_identifier_0_is_a_protocol_error(raw: RawFactory, acct: Account) -> None:
    conn = raw(5)
    conn.login(acct, acct.cid())
    conn.send(subscribe_packet(1, [(acct.t("x"), 1)], v5=True, properties=p_var(0x0B, 0)))
    assert disconnect_reason(conn) in (0x81, 0x82)  # malformed / protocol error


def test_publish_from_a_client_may_not_carry_a_subscription_identifier(
    raw: RawFactory, acct: Account
) -> None:
    conn = raw(5)
    conn.login(acct, acct.cid())
    conn.send(publish_packet(acct.t("x"), b"x", 0, v5=True, properties=p_var(0x0B, 3)))
    assert disconnect_reason(conn) in (0x81, 0x82)  # [MQTT-3.3.4-6]


# -- forwarded properties, no local, request/response --------------------------------------------


def test_application_properties_are_forwarded_unchanged(paho: PahoFactory, acct: Account) -> None:
    v5 = paho(acct)
    v5.subscribe(acct.t("fw"), 1)
    v3 = paho(acct, version=4)
    v3.subscribe(acct.t("fw"), 1)
    pairs = [("a", "1"), ("a", "2"), ("b", "ünïcode"), ("a", "3")]
    paho(acct).publish(
        acct.t("fw"),
        "text ✓".encode(),
        1,
        properties=props(
            PayloadFormatIndicator=1,
            ContentType="text/plain; charset=utf-8",
            ResponseTopic=acct.t("reply"),
            CorrelationData=b"\x00corr\xff",
            UserProperty=pairs,
            MessageExpiryInterval=3600,
        ),
    )
    (msg,) = v5.expect(1)
    p = msg.properties
    assert p.PayloadFormatIndicator == 1
    assert p.ContentType == "text/plain; charset=utf-8"
    assert p.ResponseTopic == acct.t("reply")
    assert p.CorrelationData == b"\x00corr\xff"
    assert p.UserProperty == pairs  # order and repeats kept [MQTT-3.3.2-18]
    assert p.MessageExpiryInterval in (3599, 3600)
    (plain,) = v3.expect(1)  # a 3.1.1 subscriber gets the message without properties
    assert plain.payload == "text ✓".encode()


def test_no_local(paho: PahoFactory, acct: Account) -> None:
    me = paho(acct)
    local = SubscribeOptions(qos=1, noLocal=True)
    assert me.subscribe(acct.t("nl"), options=local) == [1]
    me.subscribe(acct.t("echo"), 1)
    me.publish(acct.t("nl"), b"mine", 1)  # [MQTT-3.8.3-3]: not sent back to me
    me.publish(acct.t("echo"), b"echoed", 1)
    paho(acct).publish(acct.t("nl"), b"theirs", 1)
    got = me.expect(2)
    me.quiet(0.3)
    assert sorted(m.payload for m in got) == [b"echoed", b"theirs"]


def test_request_response(paho: PahoFactory, acct: Account) -> None:
    responder = paho(acct)
    responder.subscribe(acct.t("svc/request"), 1)
    requester = paho(acct, properties=connect_props(RequestResponseInformation=1))
    assert requester.connack is not None
    info = getattr(requester.connack.properties, "ResponseInformation", None)
    assert info is None or isinstance(info, str)  # optional; a string if given
    requester.subscribe(acct.t("svc/reply/me"), 1)
    requester.publish(
        acct.t("svc/request"),
        b"2+2",
        1,
        properties=props(ResponseTopic=acct.t("svc/reply/me"), CorrelationData=b"req-17"),
    )
    (request,) = responder.expect(1)
    responder.publish(
        request.properties.ResponseTopic,
        b"4",
        1,
        properties=props(CorrelationData=request.properties.CorrelationData),
    )
    (reply,) = requester.expect(1)
    assert (reply.topic, reply.payload, reply.properties.CorrelationData) == (
        acct.t("svc/reply/me"),
        b"4",
        b"req-17",
    )


# -- message expiry ----------------------------------------------------------------------------


def test_queued_message_expires_while_the_client_is_offline(
    paho: PahoFactory, acct: Account
) -> None:
    cid = acct.cid()
    expiry = connect_props(SessionExpiryInterval=60)
    sub = paho(acct, client_id=cid, clean=False, properties=expiry)
    sub.subscribe(acct.t("mx"), 1)
    sub.close()
    pub = paho(acct)
    pub.publish(acct.t("mx"), b"short", 1, properties=props(MessageExpiryInterval=1))
    pub.publish(acct.t("mx"), b"long", 1, properties=props(MessageExpiryInterval=30))
    pub.publish(acct.t("mx"), b"forever", 1)
    time.sleep(2.1)
    sub = paho(acct, client_id=cid, clean=False, properties=expiry)
    got = sub.expect(2)
    sub.quiet(0.3)
    # [MQTT-3.3.2-5]: expired before delivery started, so never sent; [MQTT-3.3.2-6]: the
    # others carry what is left of their interval.
    assert [m.payload for m in got] == [b"long", b"forever"]
    assert got[0].properties.MessageExpiryInterval in (27, 28)
    assert not hasattr(got[1].properties, "MessageExpiryInterval")


# -- reason codes -------------------------------------------------------------------------------


def test_suback_reason_codes_for_invalid_and_shared_filters(raw: RawFactory, acct: Account) -> None:
    conn = raw(5)
    conn.login(acct, acct.cid())
    codes = conn.subscribe(
        1,
        (acct.t("a#"), 1),  # "#" not alone in its level
        (acct.t("#/b"), 1),  # "#" not last
        (acct.t("a+/b"), 1),  # "+" not alone in its level
        (f"$share/group/{acct.t('x')}", 1),  # shared: granted (test_conf_08_shared.py)
        ("$share/time/seconds", 1),  # share "time" of filter "seconds": not a topic here
        (acct.t("fine/+"), 2),
    )
    assert codes == b"\x8f\x8f\x8f\x01\x8f\x02"  # MQTT 5 §3.9.3
    assert conn.is_open()


@pytest.mark.parametrize(("asked", "echoed"), [(30, [30]), (0xFFFFFFFF, [7 * 86400])])
def test_session_expiry_the_server_uses_is_told(
    raw: RawFactory, acct: Account, asked: int, echoed: list[int]
) -> None:
    p = connack_properties(raw(5), acct, p_u32(0x11, asked))
    # MQTT 5 §3.2.2.3.2: a different interval than asked must be sent back; the same one
    # may be.
    assert p.get(0x11, [asked]) == echoed


def test_client_exceeding_the_servers_receive_maximum_is_disconnected(
    raw: RawFactory, acct: Account
) -> None:
    conn = raw(5)
    maximum = connack_properties(conn, acct)[0x21][0]
    assert isinstance(maximum, int)
    # QoS 2 publishes count against the Receive Maximum until the PUBCOMP (MQTT 5 §4.9):
    # never releasing them, the client runs out after `maximum` of them.
    data = b"".join(
        publish_packet(acct.t("rx"), b"x", 2, packet_id=i, v5=True) for i in range(1, maximum + 2)
    )
    conn.send(data)
    got = conn.expect_closed()
    assert got[-1].type == DISCONNECT and got[-1].body[0] == 0x93, got[-3:]
    assert len(got) == maximum + 1  # a PUBREC for each of the first `maximum`
