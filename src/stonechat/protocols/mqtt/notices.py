"""Server messages to a user's subscribers: ``{user}/errors``, ``{user}/throttle`` and
``{user}/throttle/json`` (mqtt-api.md §6), in every process; and the refusals reported there.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from stonechat.bus.signals import NOTICE
from stonechat.protocols.mqtt.failures import delivery_failed
from stonechat.protocols.mqtt.messages import Message
from stonechat.protocols.mqtt.replies import acknowledge

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.codec import Publish
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState

DROP_NOTICE_EVERY = 60.0  # seconds between two "queue limit" notices of one session


def publish_error(state: BrokerState, username: str, text: str) -> None:
    """A message on ``{username}/errors`` for the owner's subscribers."""
    publish_notice(state, username, "errors", text.encode())


def publish_notice(state: BrokerState, username: str, name: str, payload: bytes) -> None:
    """A server message on ``{username}/{name}`` (errors, throttle) in every process."""
    message_id = state.message_id()
    notice_here(state, username, name, payload, message_id)
    if state.bus.distributed:
        state.bus.broadcast(
            NOTICE,
            {"username": username, "name": name, "payload": payload.hex(), "id": message_id},
        )


def remote_notice(state: BrokerState, body: dict[str, Any]) -> None:
    """A notice made in another process, for the subscribers here."""
    payload = bytes.fromhex(body["payload"])
    notice_here(state, str(body["username"]), str(body["name"]), payload, body.get("id"))


def notice_here(
    state: BrokerState, username: str, name: str, payload: bytes, message_id: str | None
) -> None:
    """Deliver a notice to the matching subscriptions in this process."""
    state.registry.shares.current = message_id
    topic = f"{username}/{name}"
    msg = Message(topic, payload, 1)
    for session, sub in state.registry.matching(username.lower(), topic):
        try:
            session.deliver(msg, sub)
        except Exception as error:
            delivery_failed(session, error)
    state.hooks.noticed(username, name, payload)


def reject_publish(
    state: BrokerState, conn: Connection, packet: Publish, message: str, reason: int
) -> None:
    """Refuse a publish for what it is: counted, said on ``{user}/errors``, acknowledged with
    ``reason``."""
    state.stats["rejected_publishes"] += 1
    session = conn.session
    if session is not None:
        publish_error(
            state,
            session.user.username,
            f"{session.client_id} {conn.peer} PUBLISH {packet.topic} {message}",
        )
        state.hooks.publish_refused(session.user.username)
    acknowledge(conn, packet, reason)


def reject_subscribe(state: BrokerState, conn: Connection, topic_filter: str) -> None:
    """Report a refused filter on ``{user}/errors`` and count it (the SUBACK carries the code)."""
    state.stats["rejected_subscribes"] += 1
    session = conn.session
    if session is not None:
        publish_error(
            state,
            session.user.username,
            f"{session.client_id} {conn.peer} SUBSCRIBE {topic_filter} rejected, "
            "resource not available or not authorized",
        )
        state.hooks.subscribe_refused(session.user.username)


def queue_full(state: BrokerState, session: Session, size: int) -> None:
    """A message for ``session`` passed a bytes bound: dropped, counted, and said on
    ``{user}/errors`` at most once a minute per session."""
    state.stats["queue_limit_dropped"] += 1
    now = time.monotonic()
    if now - session.last_drop_notice < DROP_NOTICE_EVERY:
        return
    session.last_drop_notice = now
    publish_error(
        state,
        session.user.username,
        f"{session.client_id} messages dropped, queue limit reached "
        f"({state.config.max_queued_bytes_per_session} bytes per session, "
        f"{state.config.max_queued_bytes_per_user} per user)",
    )
