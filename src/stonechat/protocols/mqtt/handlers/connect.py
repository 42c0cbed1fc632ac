"""CONNECT: authenticate with username + AIO key or scoped token, attach or create the
session, CONNACK.

Who signs in (and whether a ban or the connection rate refuses it) is the hooks' answer
(``Hooks.authenticate``); this module does the MQTT part.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from stonechat.domain.access import Principal
from stonechat.domain.topics import AccountTopic, FeedTopic, GroupTopic, TimeTopic, parse_topic
from stonechat.protocols.mqtt import sessions
from stonechat.protocols.mqtt.codec import Connack, Connect, Properties, ProtocolError
from stonechat.protocols.mqtt.quotas import may_persist
from stonechat.protocols.mqtt.replies import ConnectRefusal, refuse_connect
from stonechat.protocols.mqtt.session import token_id

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.state import BrokerState


async def handle_connect(state: BrokerState, conn: Connection, packet: Connect) -> None:
    if conn.session is not None:
        raise ProtocolError(0x82, "second CONNECT [MQTT-3.1.0-2]")
    conn.protocol_level = packet.protocol_level
    v5 = packet.protocol_level == 5
    client_id = packet.client_id
    assigned = None
    if not client_id:
        if not packet.clean_start and not v5:
            refuse(state, conn, "identifier")  # [MQTT-3.1.3-8]
            return
        client_id = assigned = f"stonechat-{secrets.token_hex(8)}"  # [MQTT-3.1.3-6]
    # Wrong or missing credentials: 3.1.1 code 5 "not authorized" (what Adafruit IO's
    # clients treat as fatal), MQTT 5 0x86 "bad user name or password".
    if not packet.username or not packet.password:
        refuse(state, conn, "authorized" if not v5 else "credentials")
        return
    principal = await state.hooks.authenticate(conn, packet)
    if not isinstance(principal, Principal):
        refuse(state, conn, principal)
        return
    user = principal.user
    assert user is not None
    if packet.will is not None and not will_allowed(principal, packet.will.topic):
        refuse(state, conn, "authorized")
        return
    await sessions.claim(state, user, client_id, packet.clean_start)
    if conn.closed:
        return
    existing = state.sessions.get((user.id, client_id))
    if (
        existing is not None
        and not packet.clean_start
        and token_id(existing.principal) != token_id(principal)
    ):
        # Resumed with another key or token: it holds only what the new one may hold.
        existing.principal = principal
        await state.hooks.reauthorize(existing)
        if conn.closed:
            return
    props = packet.properties
    expiry: float
    if v5:
        expiry = float(props.session_expiry_interval or 0)
    else:
        expiry = 0.0 if packet.clean_start else float(state.config.max_session_expiry)
    expiry = min(expiry, float(state.config.max_session_expiry))
    if expiry > 0 and not may_persist(state, user.id, client_id):
        state.stats["quota_refusals"] += 1
        refuse(state, conn, "quota")
        return
    state.hooks.signed_in(conn, principal, packet.password.decode("utf-8", errors="replace"))
    session, present = sessions.attach(
        state, conn, principal, client_id, packet.clean_start, expiry
    )
    session.protocol_level = packet.protocol_level
    session.will = packet.will
    session.send_quota = min(session.max_inflight, props.receive_maximum or 65535)
    session.max_packet_size = props.maximum_packet_size or 0
    conn.decoder.max_packet_size = state.config.max_packet_size
    connack_props = Properties()
    if v5:
        connack_props = Properties(
            assigned_client_identifier=assigned,
            receive_maximum=state.config.receive_maximum,
            maximum_packet_size=state.config.max_packet_size,
            topic_alias_maximum=state.config.topic_alias_maximum,
            retain_available=1,
            wildcard_subscription_available=1,
            subscription_identifier_available=1,
            shared_subscription_available=1,
            session_expiry_interval=(
                int(expiry) if props.session_expiry_interval is not None else None
            ),
        )
    state.stats["connect_accepted"] += 1
    conn.send_packet(Connack(session_present=present, reason_code=0, properties=connack_props))
    conn.start_keep_alive(packet.keep_alive)
    sessions.resume(state, session)


def refuse(state: BrokerState, conn: Connection, why: ConnectRefusal) -> None:
    """CONNACK refusing the connection, counted by why (metrics)."""
    state.stats[f"connect_refused_{why}"] += 1
    refuse_connect(conn, why)


def will_allowed(principal: Principal, topic: str) -> bool:
    """Wills go to the user's own namespace, never to server-written topics; a scoped
    token's only to feed and group topics (the write path checks its scopes)."""
    parsed = parse_topic(topic)
    user = principal.user
    if user is None or parsed is None or isinstance(parsed, TimeTopic | AccountTopic):
        return False
    if not principal.is_full_user and not isinstance(parsed, FeedTopic | GroupTopic):
        return False
    return parsed.owner.lower() == user.username.lower()
