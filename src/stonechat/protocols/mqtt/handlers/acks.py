"""PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, DISCONNECT, AUTH."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stonechat.protocols.mqtt.codec import (
    Auth,
    Disconnect,
    Pingreq,
    Pingresp,
    ProtocolError,
    Puback,
    Pubcomp,
    Pubrec,
    Pubrel,
)
from stonechat.protocols.mqtt.connection import Handled

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.state import BrokerState


def _session(conn: Connection) -> object:
    if conn.session is None:
        raise ProtocolError(0x82, "packet before CONNECT [MQTT-3.1.0-1]")
    return conn.session


def handle_puback(state: BrokerState, conn: Connection, packet: Puback) -> Handled:
    _session(conn)
    assert conn.session is not None
    conn.session.acknowledged(packet.packet_id)
    return None


def handle_pubrec(state: BrokerState, conn: Connection, packet: Pubrec) -> Handled:
    _session(conn)
    assert conn.session is not None
    if packet.reason_code >= 0x80:  # the receiver refused it: the delivery ends here
        conn.session.acknowledged(packet.packet_id)
        return None
    known = conn.session.received(packet.packet_id)
    conn.send_packet(Pubrel(packet.packet_id, 0 if known else 0x92))
    return None


def handle_pubrel(state: BrokerState, conn: Connection, packet: Pubrel) -> Handled:
    _session(conn)
    assert conn.session is not None
    known = packet.packet_id in conn.session.incoming_qos2
    conn.session.incoming_qos2.discard(packet.packet_id)
    if known and conn.unacked_incoming > 0:  # (ids of an earlier connection were not counted)
        conn.unacked_incoming -= 1
    conn.send_packet(Pubcomp(packet.packet_id, 0 if known else 0x92))
    return None


def handle_pubcomp(state: BrokerState, conn: Connection, packet: Pubcomp) -> Handled:
    _session(conn)
    assert conn.session is not None
    conn.session.acknowledged(packet.packet_id)
    return None


def handle_pingreq(state: BrokerState, conn: Connection, packet: Pingreq) -> Handled:
    _session(conn)
    conn.send_packet(Pingresp())
    return None


def handle_disconnect(state: BrokerState, conn: Connection, packet: Disconnect) -> Handled:
    session = conn.session
    _session(conn)
    assert session is not None
    expiry = packet.properties.session_expiry_interval
    if expiry is not None:
        if session.expiry == 0 and expiry > 0:
            raise ProtocolError(0x82, "session expiry raised from 0 [MQTT-3.14.2-2]")
        session.expiry = min(float(expiry), float(state.config.max_session_expiry))
    # 0x04 "disconnect with will message" keeps the will; anything else drops it.
    conn.clean_exit = packet.reason_code != 0x04
    conn.close()
    return None


def handle_auth(state: BrokerState, conn: Connection, packet: Auth) -> Handled:
    raise ProtocolError(0x8C, "enhanced authentication is not supported")
