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
from stonechat.protocols.mqtt import delivery
from stonechat.protocols.mqtt.codec import (
    ProtocolError,
    ReasonCode,
    Suback,
    Subscribe,
    SubscriptionOptions,
    Unsuback,
    Unsubscribe,
    is_valid_topic_filter,
)
from stonechat.protocols.mqtt.connection import Handled
from stonechat.protocols.mqtt.messages import Subscription
from stonechat.protocols.mqtt.notices import reject_subscribe
from stonechat.protocols.mqtt.quotas import report_refused_filters, room_for_subscription
from stonechat.protocols.mqtt.replies import suback_failure

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState


def classify(
    session: Session, topic_filter: str, options: SubscriptionOptions
) -> Subscription | int:
    """A subscription the session may hold, or the MQTT 5 reason code refusing it.

    Feed and group topics that the session's user does not hold as the owner (another
    user's, or any for a scoped token) come back ``guarded``: the caller asks the access
    service about them (async) before granting them. A shared subscription
    ``$share/{name}/{filter}`` (MQTT 5, and 3.1.1 as Mosquitto allows) is classified by
    its filter, with the same rights.
    """
    # [MQTT-4.8.2-1]/[MQTT-4.8.2-2]: a share name without "/", "+", "#", then a filter.
    if not is_valid_topic_filter(topic_filter, allow_shared=True):
        return ReasonCode.TOPIC_FILTER_INVALID
    sub = Subscription(
        topic_filter,
        options.qos,
        options.no_local,
        options.retain_as_published,
        options.retain_handling,
        owner=session.owner,
    )
    return _kind(session, sub)


def classify_again(session: Session, sub: Subscription) -> Subscription | None:
    """A held subscription classified afresh for the session's principal (the same options);
    None when that principal may not hold it at all."""
    fresh = Subscription(
        sub.topic_filter,
        sub.qos,
        sub.no_local,
        sub.retain_as_published,
        sub.retain_handling,
        sub.identifier,
        owner=session.owner,
    )
    result = _kind(session, fresh)
    return result if isinstance(result, Subscription) else None


def _kind(session: Session, sub: Subscription) -> Subscription | int:
    result = _plain_kind(session, sub)
    if sub.share is not None and isinstance(result, Subscription) and sub.kind == "time":
        return (
            ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED
        )  # every process publishes its own ticks
    return result


def _plain_kind(session: Session, sub: Subscription) -> Subscription | int:
    topic_filter = sub.matched
    full = session.principal.is_full_user  # a scoped token reaches only what it names
    if "+" in topic_filter or "#" in topic_filter:
        owner = filter_owner(topic_filter)
        if owner is None or owner.lower() != session.owner or not full:
            return ReasonCode.NOT_AUTHORIZED  # nobody reads outside their own namespace
        return sub
    topic = parse_topic(topic_filter)
    if topic is None:
        return ReasonCode.TOPIC_FILTER_INVALID
    if isinstance(topic, TimeTopic):
        sub.kind, sub.owner, sub.ident = "time", "", topic.name
        return sub
    owner = topic.owner.lower()
    if isinstance(topic, FeedTopic | GroupTopic) and not topic.get:
        sub.kind = "feed" if isinstance(topic, FeedTopic) else "group"
        sub.owner, sub.ident, sub.fmt = owner, topic.ident, topic.fmt
        sub.guarded = owner != session.owner or not full
        return sub
    if owner != session.owner:
        return ReasonCode.NOT_AUTHORIZED
    if isinstance(topic, AccountTopic):
        sub.kind = "account"  # a token's device reads its owner's errors and throttle notices
        return sub
    if not full:
        return ReasonCode.NOT_AUTHORIZED
    if isinstance(topic, IntegrationTopic):
        sub.kind = "integration"
    return sub


def handle_subscribe(state: BrokerState, conn: Connection, packet: Subscribe) -> Handled:
    session = conn.session
    if session is None:
        raise ProtocolError(0x82, "SUBSCRIBE before CONNECT")
    hooks = state.hooks
    if hooks.blocked(session.owner):  # banned: every filter refused (mqtt-api.md §7)
        for topic_filter, _ in packet.subscriptions:
            hooks.refuse_subscribe(conn, topic_filter)
        code = suback_failure(conn, ReasonCode.NOT_AUTHORIZED)
        count = len(packet.subscriptions) + packet.beyond
        conn.send_packet(Suback(packet.packet_id, [code] * count))
        return None
    hooks.subscribing(session.user.username)
    identifier = None
    if packet.properties.subscription_identifiers:
        identifier = packet.properties.subscription_identifiers[0]
    results: list[Subscription | int] = []
    most = state.config.max_subscribe_filters  # the filters past it: 0x97 / 0x80, unread
    for topic_filter, options in packet.subscriptions[:most]:
        result = classify(session, topic_filter, options)
        if isinstance(result, Subscription):
            result.identifier = identifier
        results.append(result)
    # (the decoder stops decoding at the same limit and counts the rest in ``beyond``)
    past = max(len(packet.subscriptions) - most, 0) + packet.beyond
    results.extend([ReasonCode.QUOTA_EXCEEDED] * past)
    if any(isinstance(r, Subscription) and r.guarded for r in results):
        return _with_checks(state, conn, session, packet, results)
    return _finish(state, conn, session, packet, results)


async def _with_checks(
    state: BrokerState,
    conn: Connection,
    session: Session,
    packet: Subscribe,
    results: list[Subscription | int],
) -> None:
    """Ask the hooks about the guarded filters, then SUBACK them all."""
    hooks = state.hooks
    changes = hooks.access_epoch()
    guarded = [(i, r) for i, r in enumerate(results) if isinstance(r, Subscription) and r.guarded]
    allowed = await hooks.authorize(session.principal, [r for _, r in guarded])
    for (index, _), ok in zip(guarded, allowed, strict=True):
        if not ok:
            results[index] = ReasonCode.NOT_AUTHORIZED
    if conn.closed or conn.session is not session:
        return
    waiting = _finish(state, conn, session, packet, results)
    if waiting is not None:
        await waiting
    if hooks.access_epoch() != changes:  # access changed while we asked: look again
        hooks.recheck({r.owner_id for r in results if isinstance(r, Subscription) and r.guarded})


def _finish(
    state: BrokerState,
    conn: Connection,
    session: Session,
    packet: Subscribe,
    results: list[Subscription | int],
) -> Handled:
    """Grant what may be granted, then SUBACK; for a persistent session once its new
    subscriptions are committed, so an acknowledged subscription survives a crash."""
    codes: list[int] = []
    granted: list[Subscription] = []
    added: list[int] = []  # indexes in ``codes`` of filters the session did not hold
    over_quota = 0
    quota_code = suback_failure(conn, ReasonCode.QUOTA_EXCEEDED)
    for index, result in enumerate(results):
        if isinstance(result, Subscription) and not (
            result.topic_filter in session.subscriptions or room_for_subscription(state, session)
        ):
            result = ReasonCode.QUOTA_EXCEEDED  # subscriptions per session or per user
        if result == ReasonCode.QUOTA_EXCEEDED:
            over_quota += 1
            codes.append(quota_code)
            continue
        if isinstance(result, int):
            reject_subscribe(state, conn, packet.subscriptions[index][0])
            codes.append(suback_failure(conn, result))
            continue
        existed = delivery.subscribe(state, session, result)
        granted.append(result)
        if not existed:
            added.append(len(codes))
        codes.append(result.qos)
        result.retain_handling = (
            3 if (result.retain_handling == 1 and existed) else result.retain_handling
        )
    journal = state.journal
    if granted and session.journal is not None and journal is not None and not journal.settled:
        return _answer_when_kept(state, conn, session, packet, codes, granted, added, over_quota)
    _answer(state, conn, session, packet, codes, granted, over_quota)
    return None


async def _answer_when_kept(
    state: BrokerState,
    conn: Connection,
    session: Session,
    packet: Subscribe,
    codes: list[int],
    granted: list[Subscription],
    added: list[int],
    over_quota: int,
) -> None:
    """SUBACK once the persistent session's new subscriptions are committed. If they cannot
    be written (the database away), the filters it did not hold are taken back and refused
    (0x80): a SUBACK never grants what a crash would lose."""
    assert state.journal is not None
    try:
        await state.journal.committed()
    except Exception:
        for index in added:
            topic_filter = packet.subscriptions[index][0]
            delivery.unsubscribe(state, session, topic_filter)
            codes[index] = suback_failure(conn, ReasonCode.UNSPECIFIED_ERROR)
        kept = set(session.subscriptions)
        granted = [sub for sub in granted if sub.topic_filter in kept]
    if conn.closed or conn.session is not session:
        return
    _answer(state, conn, session, packet, codes, granted, over_quota)


def _answer(
    state: BrokerState,
    conn: Connection,
    session: Session,
    packet: Subscribe,
    codes: list[int],
    granted: list[Subscription],
    over_quota: int,
) -> None:
    conn.send_packet(Suback(packet.packet_id, codes))
    report_refused_filters(state, conn, over_quota)
    for sub in granted:  # retained messages after the SUBACK [MQTT-3.3.1-6]
        if sub.retain_handling in (0, 1):
            delivery.send_retained(state, session, sub)


def handle_unsubscribe(state: BrokerState, conn: Connection, packet: Unsubscribe) -> Handled:
    session = conn.session
    if session is None:
        raise ProtocolError(0x82, "UNSUBSCRIBE before CONNECT")
    codes = [
        0x00 if delivery.unsubscribe(state, session, f) else 0x11 for f in packet.topic_filters
    ]
    conn.send_packet(Unsuback(packet.packet_id, codes))
    return None
