"""Quotas of one user on the state: subscriptions and persistent sessions.

Refusals carry MQTT 5 reason code 0x97 (quota exceeded); on 3.1.1 a refused filter gets
SUBACK 0x80 (failure) and a refused CONNECT return code 3 (server unavailable: the only
3.1.1 code that says "not now" rather than "not you"). A quota refusal is reported on
``{user}/errors`` once per packet and does not count toward a ban: it is a limit reached,
not an abuse of someone else's resources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stonechat.protocols.mqtt.notices import publish_error

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState


def room_for_subscription(state: BrokerState, session: Session) -> bool:
    """Whether ``session`` may add one more subscription: under its own limit and its
    user's (over every session of the user in this process)."""
    config = state.config
    return (
        len(session.subscriptions) < config.max_subscriptions_per_session
        and state.registry.held_by(session.user.id) < config.max_subscriptions_per_user
    )


def may_persist(state: BrokerState, user_id: int, client_id: str) -> bool:
    """Whether the user may hold one more persistent session than those held now (the
    session of ``client_id`` itself, resumed or replaced, does not count)."""
    limit = state.config.max_persistent_sessions_per_user
    held = 0
    for (owner_id, held_id), session in state.sessions.items():
        if owner_id == user_id and held_id != client_id and session.expiry > 0:
            held += 1
            if held >= limit:
                return False
    return held < limit


def report_refused_filters(state: BrokerState, conn: Connection, refused: int) -> None:
    """One ``{user}/errors`` notice for the filters of one SUBSCRIBE refused over quota."""
    session = conn.session
    if session is None or refused == 0:
        return
    state.stats["quota_refusals"] += refused
    config = state.config
    publish_error(
        state,
        session.user.username,
        f"{session.client_id} {conn.peer} SUBSCRIBE {refused} topic filter(s) refused, "
        f"quota exceeded (at most {config.max_subscribe_filters} per SUBSCRIBE, "
        f"{config.max_subscriptions_per_session} per session, "
        f"{config.max_subscriptions_per_user} per user)",
    )
