"""The generic core alone: packets through the dispatch table, with a fake transport and
fake hooks (no services, no database, no network): CONNECT, SUBSCRIBE, PUBLISH in the
free-form namespace, a publish to a feed topic handed to the hooks, a takeover, a will."""

from __future__ import annotations

from mqtt_core_fakes import FakeBus, FakeHooks, FakeTransport, settle

from stonechat.domain.records import User
from stonechat.protocols.mqtt.broker import Broker
from stonechat.protocols.mqtt.codec import (
    Connack,
    Connect,
    Disconnect,
    Packet,
    Puback,
    Publish,
    Suback,
    Subscribe,
    SubscriptionOptions,
    Will,
    encode,
)
from stonechat.protocols.mqtt.config import BrokerConfig
from stonechat.protocols.mqtt.connection import Connection

USER = User(1, "ann", None, False, None, None, 0, 0)


def core() -> tuple[Broker, FakeHooks]:
    hooks = FakeHooks(USER)
    return Broker(BrokerConfig(), FakeBus(), hooks), hooks  # type: ignore[arg-type]


async def client(
    b: Broker, client_id: str, *, password: bytes = b"key", will: Will | None = None
) -> tuple[Connection, FakeTransport]:
    conn = Connection(b)
    transport = FakeTransport()
    conn.connection_made(transport)
    connect = Connect(
        protocol_level=5, client_id=client_id, username="ann", password=password, will=will
    )
    conn.data_received(encode(connect, 5))
    await settle()
    return conn, transport


def sent(transport: FakeTransport) -> list[Packet]:
    packets = transport.packets()
    transport.written.clear()
    return packets


async def test_connect_subscribe_publish_round_trip() -> None:
    b, hooks = core()
    sub_conn, sub_t = await client(b, "sub")
    assert sent(sub_t) == [Connack(properties=sent_connack_properties(b))]
    sub_conn.data_received(encode(Subscribe(1, [("ann/room/+", SubscriptionOptions(qos=1))]), 5))
    await settle()
    assert sent(sub_t) == [Suback(1, [1])]
    assert hooks.counted == ["subscribe"]
    pub_conn, pub_t = await client(b, "pub")
    sent(pub_t)
    pub_conn.data_received(encode(Publish("ann/room/1", b"21", qos=1, packet_id=7), 5))
    await settle()
    assert sent(pub_t) == [Puback(7)]
    [delivered] = sent(sub_t)
    assert isinstance(delivered, Publish)
    assert (delivered.topic, delivered.payload, delivered.qos) == ("ann/room/1", b"21", 1)
    assert hooks.published == []  # free-form: the core routes it, the hooks see nothing


async def test_feed_topics_go_to_the_hooks() -> None:
    b, hooks = core()
    conn, transport = await client(b, "c")
    sent(transport)
    conn.data_received(encode(Publish("ann/feeds/temp", b"21", qos=1, packet_id=3), 5))
    await settle()
    assert hooks.published == [("ann/feeds/temp", b"21")]
    assert sent(transport) == [Puback(3)]


async def test_wrong_credentials_are_refused_by_the_hooks_answer() -> None:
    b, _ = core()
    conn, transport = await client(b, "c", password=b"wrong")
    assert sent(transport) == [Connack(reason_code=0x86)]
    assert transport.closed and conn.session is None


async def test_takeover_ends_the_older_connection_and_fires_its_will() -> None:
    b, hooks = core()
    will = Will("ann/feeds/status", b"gone", 0, False)
    _first, first_t = await client(b, "same", will=will)
    sent(first_t)
    second, _second_t = await client(b, "same")
    assert sent(first_t) == [Disconnect(reason_code=0x8E)]  # session taken over
    assert first_t.closed
    assert b.stats["takeovers"] == 1
    assert hooks.wills == [("ann/feeds/status", b"gone")]  # [MQTT-3.1.4-3]
    assert b.sessions[(USER.id, "same")].conn is second


async def test_a_will_in_the_free_form_namespace_reaches_subscribers() -> None:
    b, _ = core()
    watcher, watcher_t = await client(b, "watcher")
    watcher.data_received(encode(Subscribe(1, [("ann/status", SubscriptionOptions())]), 5))
    await settle()
    sent(watcher_t)
    dying, _dying_t = await client(b, "dying", will=Will("ann/status", b"offline", 0, False))
    dying.connection_lost(None)  # no DISCONNECT: the will goes [MQTT-3.1.2-8]
    await settle()
    [delivered] = sent(watcher_t)
    assert isinstance(delivered, Publish)
    assert (delivered.topic, delivered.payload) == ("ann/status", b"offline")
    assert b.stats["wills"] == 1


async def test_a_clean_disconnect_drops_the_will() -> None:
    b, hooks = core()
    conn, transport = await client(b, "c", will=Will("ann/feeds/status", b"gone", 0, False))
    conn.data_received(encode(Disconnect(), 5))
    await settle()
    assert transport.closed
    conn.connection_lost(None)  # what the event loop does once the transport is closed
    assert hooks.wills == []
    assert (USER.id, "c") not in b.sessions  # expiry 0: the session ended with it


def sent_connack_properties(b: Broker) -> object:
    """The CONNACK properties the core announces to an MQTT 5 client."""
    from stonechat.protocols.mqtt.codec import Properties

    config = b.config
    return Properties(
        receive_maximum=config.receive_maximum,
        maximum_packet_size=config.max_packet_size,
        topic_alias_maximum=config.topic_alias_maximum,
        retain_available=1,
        wildcard_subscription_available=1,
        subscription_identifier_available=1,
        shared_subscription_available=1,
    )
