"""SUBSCRIBE and UNSUBSCRIBE: classify each filter, check who may read it, SUBACK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stonechat.domain.topics import (
    AccountTopic,
    FeedTopic,
    GroupTopic,
    IntegrationTopic,
    TimeTopic,
    filter_owner,
    parse_topic,
)
from stonechat.limits.constants import SUBSCRIBES
from stonechat.protocols.mqtt.codec import (
    ProtocolError,
    Suback,
    Subscribe,
    SubscriptionOptions,
    Unsuback,
    Unsubscribe,
    is_valid_topic_filter,
)
from stonechat.protocols.mqtt.connection import Handled
from stonechat.protocols.mqtt.messages import Subscription

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.broker import Broker
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session

FAILURE_V3 = 0x80
TOPIC_FILTER_INVALID = 0x8F
NOT_AUTHORIZED = 0x87
SHARED_NOT_SUPPORTED = 0x9E


def classify(
    session: Session, topic_filter: str, options: SubscriptionOptions
) -> Subscription | int:
    """A subscription the session may hold, or the MQTT 5 reason code refusing it.

    Other users' feeds come back as ``kind="foreign"``: the caller checks them (async).
    """
    if topic_filter.startswith("$share/"):
        return SHARED_NOT_SUPPORTED
    if not is_valid_topic_filter(topic_filter, allow_shared=False):
        return TOPIC_FILTER_INVALID
    sub = Subscription(
        topic_filter,
        options.qos,
        options.no_local,
        options.retain_as_published,
        options.retain_handling,
        owner=session.owner,
    )
    if "+" in topic_filter or "#" in topic_filter:
        owner = filter_owner(topic_filter)
        if owner is None or owner.lower() != session.owner:
            return NOT_AUTHORIZED  # nobody reads outside their own namespace
        return sub
    topic = parse_topic(topic_filter)
    if topic is None:
        return TOPIC_FILTER_INVALID
    if isinstance(topic, TimeTopic):
        sub.kind, sub.owner, sub.ident = "time", "", topic.name
        return sub
    owner = topic.owner.lower()
    if owner != session.owner:
        if isinstance(topic, FeedTopic) and not topic.get:
            sub.kind, sub.owner, sub.ident, sub.fmt = "foreign", owner, topic.ident, topic.fmt
            return sub
        return NOT_AUTHORIZED
    if isinstance(topic, FeedTopic) and not topic.get:
        sub.kind, sub.ident, sub.fmt = "feed", topic.ident, topic.fmt
    elif isinstance(topic, GroupTopic) and not topic.get:
        sub.kind, sub.ident, sub.fmt = "group", topic.ident, topic.fmt
    elif isinstance(topic, AccountTopic):
        sub.kind = "account"
    elif isinstance(topic, IntegrationTopic):
        sub.kind = "integration"
    return sub


def handle_subscribe(broker: Broker, conn: Connection, packet: Subscribe) -> Handled:
    session = conn.session
    if session is None:
        raise ProtocolError(0x82, "SUBSCRIBE before CONNECT")
    enforcement = broker.enforcement
    if enforcement.blocked(session.owner):  # banned: every filter refused (mqtt-api.md §7)
        for topic_filter, _ in packet.subscriptions:
            enforcement.refuse_subscribe(conn, topic_filter)
        code = NOT_AUTHORIZED if conn.protocol_level == 5 else FAILURE_V3
        conn.send_packet(Suback(packet.packet_id, [code] * len(packet.subscriptions)))
        return None
    enforcement.count(SUBSCRIBES, session.user.username)
    identifier = None
    if packet.properties.subscription_identifiers:
        identifier = packet.properties.subscription_identifiers[0]
    results: list[Subscription | int] = []
    for topic_filter, options in packet.subscriptions:
        result = classify(session, topic_filter, options)
        if isinstance(result, Subscription):
            result.identifier = identifier
        results.append(result)
    if any(isinstance(r, Subscription) and r.kind == "foreign" for r in results):
        return _with_foreign(broker, conn, session, packet, results)
    _finish(broker, conn, session, packet, results)
    return None


async def _with_foreign(
    broker: Broker,
    conn: Connection,
    session: Session,
    packet: Subscribe,
    results: list[Subscription | int],
) -> None:
    for index, result in enumerate(results):
        if isinstance(result, Subscription) and result.kind == "foreign":
            if await broker.adafruit.public_feed(result.owner, result.ident):
                result.kind = "feed"
            else:
                results[index] = NOT_AUTHORIZED
    _finish(broker, conn, session, packet, results)


def _finish(
    broker: Broker,
    conn: Connection,
    session: Session,
    packet: Subscribe,
    results: list[Subscription | int],
) -> None:
    codes: list[int] = []
    granted: list[Subscription] = []
    for (topic_filter, _), result in zip(packet.subscriptions, results, strict=True):
        if isinstance(result, int):
            broker.reject_subscribe(conn, topic_filter)
            codes.append(result if conn.protocol_level == 5 else FAILURE_V3)
            continue
        existed = broker.subscribe(session, result)
        granted.append(result)
        codes.append(result.qos)
        result.retain_handling = (
            3 if (result.retain_handling == 1 and existed) else result.retain_handling
        )
    conn.send_packet(Suback(packet.packet_id, codes))
    for sub in granted:  # retained messages after the SUBACK [MQTT-3.3.1-6]
        if sub.retain_handling in (0, 1):
            broker.send_retained(session, sub)


def handle_unsubscribe(broker: Broker, conn: Connection, packet: Unsubscribe) -> Handled:
    session = conn.session
    if session is None:
        raise ProtocolError(0x82, "UNSUBSCRIBE before CONNECT")
    codes = [0x00 if broker.unsubscribe(session, f) else 0x11 for f in packet.topic_filters]
    conn.send_packet(Unsuback(packet.packet_id, codes))
    return None
