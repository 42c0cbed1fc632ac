"""Quotas of one user on the broker: subscriptions and persistent sessions.

Refusals carry MQTT 5 reason code 0x97 (quota exceeded); on 3.1.1 a refused filter gets
SUBACK 0x80 (failure) and a refused CONNECT return code 3 (server unavailable: the only
3.1.1 code that says "not now" rather than "not you"). A quota refusal is reported on
``{user}/errors`` once per packet and does not count toward a ban: it is a limit reached,
not an abuse of someone else's resources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.broker import Broker
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session


def room_for_subscription(broker: Broker, session: Session) -> bool:
    """Whether ``session`` may add one more subscription: under its own limit and its
    user's (over every session of the user in this process)."""
    config = broker.config
    return (
        len(session.subscriptions) < config.max_subscriptions_per_session
        and broker.registry.held_by(session.user.id) < config.max_subscriptions_per_user
    )


def may_persist(broker: Broker, user_id: int, client_id: str) -> bool:
    """Whether the user may hold one more persistent session than those held now (the
    session of ``client_id`` itself, resumed or replaced, does not count)."""
    limit = broker.config.max_persistent_sessions_per_user
    held = 0
    for (owner_id, held_id), session in broker.sessions.items():
        if owner_id == user_id and held_id != client_id and session.expiry > 0:
            held += 1
            if held >= limit:
                return False
    return held < limit


def report_refused_filters(broker: Broker, conn: Connection, refused: int) -> None:
    """One ``{user}/errors`` notice for the filters of one SUBSCRIBE refused over quota."""
    session = conn.session
    if session is None or refused == 0:
        return
    broker.stats["quota_refusals"] += refused
    config = broker.config
    broker.publish_error(
        session.user.username,
        f"{session.client_id} {conn.peer} SUBSCRIBE {refused} topic filter(s) refused, "
        f"quota exceeded (at most {config.max_subscribe_filters} per SUBSCRIBE, "
        f"{config.max_subscriptions_per_session} per session, "
        f"{config.max_subscriptions_per_user} per user)",
    )
