"""Fan-out with a failing subscriber: that subscriber's connection ends (MQTT 5 DISCONNECT
0x83), every other subscriber still gets the message. And wildcard fan-out of feed and group
points reaches exactly the matching filters, on every concrete variant topic."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from mqtt_core_fakes import FakeTransport, settle

from stonechat.bus.events import FeedEvent
from stonechat.domain.records import Datum, Feed, User
from stonechat.domain.retention import Retention
from stonechat.protocols.mqtt import delivery
from stonechat.protocols.mqtt.adafruit.hooks import AdafruitHooks
from stonechat.protocols.mqtt.broker import Broker
from stonechat.protocols.mqtt.codec import Disconnect, Publish
from stonechat.protocols.mqtt.config import BrokerConfig
from stonechat.protocols.mqtt.connection import Connection
from stonechat.protocols.mqtt.messages import Message, Subscription
from stonechat.protocols.mqtt.notices import publish_error
from stonechat.protocols.mqtt.session import Session
from stonechat.services.notices import Notices

USER = User(1, "ann", None, False, None, None, 0, 0)


def broker() -> Broker:
    services: Any = SimpleNamespace(
        limiter=SimpleNamespace(banned={}),
        access=SimpleNamespace(),
        notices=Notices(),
        retention=Retention(),
        ingest=SimpleNamespace(bus=SimpleNamespace(distributed=False, node="here")),
    )
    return Broker(BrokerConfig(), services.ingest.bus, AdafruitHooks(services), store=None)


def fan_out(b: Broker, events: list[FeedEvent]) -> None:
    hooks = b.hooks
    assert isinstance(hooks, AdafruitHooks)
    hooks.fan_out.fan_out(events)


class Broken(Session):
    def deliver(self, msg: Message, sub: Subscription, cache: Any = None) -> None:
        raise RecursionError("a subscriber that cannot take it")


def online(b: Broker, client_id: str, kind: type[Session] = Session) -> tuple[Session, Any]:
    session = kind(USER, client_id, max_inflight=10, max_queued=10)
    session.protocol_level = 5
    conn = Connection(b)
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.protocol_level = 5
    conn.session = session
    session.conn = conn
    b.sessions[session.key] = session
    return session, transport


def subscribe(b: Broker, session: Session, topic_filter: str, **kind: Any) -> None:
    delivery.subscribe(b, session, Subscription(topic_filter, 0, owner="ann", **kind))


def received(transport: FakeTransport) -> list[tuple[str, bytes]]:
    return [(p.topic, p.payload) for p in transport.packets() if isinstance(p, Publish)]


def feed_event(key: str = "temp", group: str = "g1", value: str = "21") -> FeedEvent:
    feed = Feed(
        7, 1, 2, group, False, key, key, None, None, None, True, "private", None, False,
        0, None, None, 0, 0, 0,
    )  # fmt: skip
    return FeedEvent("ann", feed, Datum("d1", 7, value, None, None, None, 0, 0))


async def test_free_form_delivery_goes_past_a_failing_subscriber() -> None:
    b = broker()
    first, t1 = online(b, "first")
    bad, t_bad = online(b, "bad", Broken)
    last, t2 = online(b, "last")
    for session in (first, bad, last):
        subscribe(b, session, "ann/t")
    delivery.route(b, USER, None, Publish("ann/t", b"hello"))
    await settle()
    assert received(t1) == received(t2) == [("ann/t", b"hello")]
    assert t_bad.closed and t_bad.packets() == [Disconnect(reason_code=0x83)]
    assert b.stats["handler_errors"] == 1


async def test_notices_go_past_a_failing_subscriber() -> None:
    b = broker()
    bad, t_bad = online(b, "bad", Broken)
    good, t_good = online(b, "good")
    for session in (bad, good):
        subscribe(b, session, "ann/errors", kind="account")
    publish_error(b, "ann", "something")
    await settle()
    assert received(t_good) == [("ann/errors", b"something")]
    assert t_bad.closed


async def test_feed_group_and_wildcard_fan_out_go_past_a_failing_subscriber() -> None:
    b = broker()
    bad, t_bad = online(b, "bad", Broken)
    good, t_good = online(b, "good")
    for session in (bad, good):
        subscribe(b, session, "ann/feeds/g1.temp", kind="feed", ident="g1.temp")
        subscribe(b, session, "ann/groups/g1", kind="group", ident="g1")
        subscribe(b, session, "ann/f/+")
        subscribe(b, session, "ann/g/#")
    fan_out(b, [feed_event()])
    await settle()
    assert t_bad.closed and t_bad.packets() == [Disconnect(reason_code=0x83)]
    topics = [topic for topic, _ in received(t_good)]
    assert sorted(topics) == sorted(
        [
            *("ann/feeds/g1.temp", "ann/groups/g1", "ann/f/g1.temp"),
            *("ann/g/g1", "ann/g/g1/json", "ann/g/g1/csv"),
        ]
    )


async def test_wildcards_get_exactly_the_variants_they_match() -> None:
    """Matched through the owner's router: the same topics as testing every filter."""
    b = broker()
    session, transport = online(b, "s")
    for topic_filter in (
        "ann/feeds/+/json",  # one variant
        "ann/+/g1.temp",  # both prefixes, raw
        "ann/f/#",  # every /f/ variant
        "ann/nothing/+",  # nothing
        "ann/groups/+/csv",
    ):
        subscribe(b, session, topic_filter)
    for i in range(2000):  # many non-matching wildcard subscriptions beside them
        subscribe(b, session, f"ann/other{i}/+")
    fan_out(b, [feed_event()])
    await settle()
    got = sorted(topic for topic, _ in received(transport))
    assert got == sorted(
        [
            "ann/feeds/g1.temp/json",
            *("ann/feeds/g1.temp", "ann/f/g1.temp"),
            *("ann/f/g1.temp", "ann/f/g1.temp/json", "ann/f/g1.temp/csv"),
            "ann/groups/g1/csv",
        ]
    )
    payloads = dict(received(transport))
    assert payloads["ann/f/g1.temp"] == b"21"
    assert payloads["ann/groups/g1/csv"] == b"temp,21"
