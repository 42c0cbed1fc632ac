"""PUBLISH from a client: feed and group topics are stored, free-form topics are routed.

QoS 1 is acknowledged (QoS 2 PUBREC'd) only after the point is committed. A rejected
publish is reported on ``{user}/errors``; MQTT 5 clients also get a failure reason code,
3.1.1 clients a normal acknowledgement [MQTT-3.3.5-2]. A point that could not be stored is
never acknowledged as kept (``replies.not_stored``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stonechat.domain.topics import (
    AccountTopic,
    FeedTopic,
    FreeTopic,
    GroupTopic,
    IntegrationTopic,
    TimeTopic,
    parse_topic,
)
from stonechat.protocols.mqtt import delivery
from stonechat.protocols.mqtt.codec import ProtocolError, Publish, ReasonCode
from stonechat.protocols.mqtt.connection import Handled
from stonechat.protocols.mqtt.notices import reject_publish
from stonechat.protocols.mqtt.replies import acknowledge

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.state import BrokerState


def handle_publish(state: BrokerState, conn: Connection, packet: Publish) -> Handled:
    session = conn.session
    if session is None:
        raise ProtocolError(0x82, "PUBLISH before CONNECT [MQTT-3.1.0-1]")
    alias = packet.properties.topic_alias
    if alias is not None:
        # [MQTT-3.3.2-8..12]: aliases within our maximum; an empty topic uses the mapping.
        if not 0 < alias <= state.config.topic_alias_maximum:
            raise ProtocolError(0x94, "topic alias out of range")
        if packet.topic:
            conn.incoming_aliases[alias] = packet.topic
        elif alias in conn.incoming_aliases:
            packet.topic = conn.incoming_aliases[alias]
        else:
            raise ProtocolError(0x82, "unknown topic alias")
    elif not packet.topic:
        raise ProtocolError(0x82, "empty topic without alias")
    if packet.qos:
        conn.unacked_incoming += 1
        if conn.unacked_incoming > state.config.receive_maximum and conn.protocol_level == 5:
            raise ProtocolError(0x93, "receive maximum exceeded")
        if packet.qos == 2 and packet.packet_id is not None:
            if packet.packet_id in session.incoming_qos2:
                conn.unacked_incoming -= 1  # counted when it first came
                acknowledge(conn, packet)  # a resent QoS 2 publish is not delivered twice
                return None
            session.incoming_qos2.add(packet.packet_id)  # also while it is being stored
    hooks = state.hooks
    if hooks.blocked(session.owner):  # banned (mqtt-api.md §7)
        hooks.refuse_publish(conn, packet)
        return None
    topic = parse_topic(packet.topic)
    if topic is None or isinstance(topic, TimeTopic | AccountTopic):
        reject_publish(
            state,
            conn,
            packet,
            "rejected, not a valid resource topic",
            ReasonCode.TOPIC_NAME_INVALID,
        )
        return None
    # Feed and group topics, the user's own or another's: the write path and the access
    # service decide (shared feeds, scoped tokens).
    if isinstance(topic, FeedTopic | GroupTopic):
        return hooks.publish(conn, topic, packet)
    if topic.owner.lower() != session.owner or not session.principal.is_full_user:
        message = "rejected, resource not available or not authorized"
        reject_publish(state, conn, packet, message, ReasonCode.NOT_AUTHORIZED)
        return None
    if isinstance(topic, IntegrationTopic):
        acknowledge(conn, packet)  # accepted; this server publishes nothing there
        return None
    assert isinstance(topic, FreeTopic)
    return delivery.publish_free(state, conn, packet)  # acknowledged once what it changed is kept
