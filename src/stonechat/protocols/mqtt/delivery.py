"""The free-form namespace: subscriptions, routing of client publishes (here and in the
other processes), retained messages sent on subscribe."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from stonechat.bus.signals import ROUTE
from stonechat.protocols.mqtt.failures import delivery_failed
from stonechat.protocols.mqtt.messages import (
    Encodings,
    Message,
    Subscription,
    message_state,
    retained_row,
)
from stonechat.protocols.mqtt.notices import publish_error
from stonechat.protocols.mqtt.replies import acknowledge, not_stored

if TYPE_CHECKING:
    from stonechat.domain.records import User
    from stonechat.protocols.mqtt.codec import Publish
    from stonechat.protocols.mqtt.connection import Connection, Handled
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState

# Properties a broker forwards with an application message (MQTT 5 §3.3.2.3).
_FORWARDED = (
    "payload_format_indicator",
    "message_expiry_interval",
    "content_type",
    "response_topic",
    "correlation_data",
    "user_properties",
)


def subscribe(state: BrokerState, session: Session, sub: Subscription) -> bool:
    """Add or replace a subscription [MQTT-3.8.4-3]; True when it existed."""
    old = session.subscriptions.get(sub.topic_filter)
    if old is not None:
        state.registry.remove(session, old)
    session.subscriptions[sub.topic_filter] = sub
    state.registry.add(session, sub)
    session.changed()
    return old is not None


def unsubscribe(state: BrokerState, session: Session, topic_filter: str) -> bool:
    """Remove a subscription; True when it existed."""
    sub = session.subscriptions.pop(topic_filter, None)
    if sub is None:
        return False
    state.registry.remove(session, sub)
    session.changed()
    return True


def publish_free(state: BrokerState, conn: Connection, packet: Publish) -> Handled:
    """Route a client's free-form publish; acknowledge it once what it changed in the
    durable state (a retained message, copies queued for persistent sessions, the QoS 2
    id of a persistent publisher) is committed. Acknowledgements keep their order
    [MQTT-4.6.0-2]: one with nothing to wait for waits for the one before it."""
    session = conn.session
    assert session is not None
    journal = state.journal
    before = journal.recorded if journal is not None else 0
    route(state, session.user, session, packet)
    if packet.qos == 0:
        return None
    own = journal is not None and (
        journal.recorded != before or (packet.qos == 2 and session.journal is not None)
    )
    if own and journal is not None:
        waiting: asyncio.Future[None] | None = journal.committed()
    else:
        waiting = session.last_commit
        if waiting is not None and waiting.done():
            waiting = session.last_commit = None
    if waiting is None:
        acknowledge(conn, packet)
        return None
    session.last_commit = waiting
    waiting.add_done_callback(partial(acknowledge_kept, state, conn, packet, own))
    return None


def acknowledge_stored(state: BrokerState, conn: Connection, packet: Publish) -> None:
    """Acknowledge a publish whose points are committed (a feed or group topic).

    The fan-out ran before this (the bus delivers in this process as the write commits) and
    may have queued copies for persistent sessions: the acknowledgement waits until those
    are committed too, so a crash right after it loses none of them. Nothing recorded (no
    persistent session took a copy, the usual case) costs one comparison. The point itself
    is stored either way, so a failure to write the copies still acknowledges it. In order
    with the session's earlier acknowledgements that wait [MQTT-4.6.0-2].
    """
    journal = state.journal
    session = conn.session
    waiting: asyncio.Future[None] | None = None
    if journal is not None and not journal.settled:
        waiting = journal.committed()
    elif session is not None and session.last_commit is not None:
        waiting = session.last_commit
        if waiting.done():
            waiting = session.last_commit = None
    if waiting is None:
        acknowledge(conn, packet)
        return
    if session is not None:
        session.last_commit = waiting
    waiting.add_done_callback(partial(acknowledge_kept, state, conn, packet, False))


def acknowledge_kept(
    state: BrokerState, conn: Connection, packet: Publish, own: bool, done: asyncio.Future[None]
) -> None:
    """Acknowledge a free-form publish once what it changed is committed (or say it was not
    kept)."""
    failed = done.cancelled() or done.exception() is not None
    if conn.closed:
        return
    if failed and own:  # not kept: no acknowledgement that says it was
        state.stats["unkept_publishes"] += 1
        not_stored(conn, packet)  # 5.0: 0x80; 3.1.1: closed, the client sends it again
        return
    acknowledge(conn, packet)


def route(state: BrokerState, user: User, sender: Session | None, packet: Publish) -> None:
    """Route a free-form publish: retained store, subscribers here, the other processes."""
    owner = user.username.lower()
    properties = packet.properties
    if properties:
        properties = replace(
            type(properties)(),
            **{name: getattr(properties, name) for name in _FORWARDED},
        )
    msg = Message(packet.topic, packet.payload, packet.qos, packet.retain, properties)
    if properties.message_expiry_interval is not None:  # [MQTT-3.3.2-5]
        msg.expires_at = time.monotonic() + properties.message_expiry_interval
    if packet.retain:
        if not state.retained.put(owner, msg):
            publish_error(
                state,
                user.username,
                f"PUBLISH {packet.topic} retained message refused, retained storage limit reached",
            )
        elif state.journal is not None:  # [MQTT-3.3.1-5], [MQTT-3.3.1-10]
            kept = retained_row(owner, msg) if msg.payload else None
            state.journal.retain(owner, msg.topic, kept)
    # Shared subscriptions here or in another process decide by it.
    message_id = (
        state.message_id() if state.bus.distributed or state.registry.shares.groups else None
    )
    deliver_free(state, owner, sender, msg, message_id)
    if state.bus.distributed:
        state.bus.broadcast(
            ROUTE, {"owner": owner, "message": message_state(msg), "id": message_id}
        )


def deliver_free(
    state: BrokerState, owner: str, sender: Session | None, msg: Message, message_id: str | None
) -> None:
    """Deliver a free-form message to the matching subscriptions here (No Local honoured)."""
    state.registry.shares.current = message_id
    cache: Encodings = {}
    for session, sub in state.registry.matching(owner, msg.topic):
        if sub.no_local and session is sender:  # [MQTT-3.8.3-3]
            continue
        try:
            session.deliver(msg, sub, cache)
        except Exception as error:  # that subscriber only: the others still get it
            delivery_failed(session, error)


def send_retained(state: BrokerState, session: Session, sub: Subscription) -> None:
    """Retained messages matching a new subscription, with RETAIN set [MQTT-3.3.1-8]."""
    if sub.kind not in ("free", "account", "integration"):
        return
    if sub.share is not None:  # only on new non-shared subscriptions (MQTT 5 §3.3.1.3)
        return
    found = list(state.retained.matching(session.owner, sub.topic_filter))
    if not found:
        return
    as_retained = replace(sub, retain_as_published=True)
    for msg in found:
        session.deliver(msg, as_retained)
