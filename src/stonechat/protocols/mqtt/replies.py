"""Every acknowledgement and refusal the broker sends, and the one table behind them.

``REASONS`` says which MQTT 5 reason code (the codec's ``ReasonCode``) each domain error
(``domain/errors.py``) means; the functions here turn a decision into packets for the
connection's protocol level: MQTT 5 carries the reason, MQTT 3.1.1 has no failure codes on
PUBACK/PUBREC, a single 0x80 on SUBACK and its own CONNACK return codes.

What an acknowledgement of a publish means (docs/mqtt.md): PUBACK/PUBREC only after the
point is committed. A point refused for what it is (a bad value, a wrong topic, not
authorized: ``is_refusal``) is acknowledged with its reason code (3.1.1: a plain PUBACK,
[MQTT-3.3.5-2]) and the client should not send it again. A point that could not be stored
(the database away, its disk full) is not acknowledged as kept: ``not_stored``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from stonechat.domain.errors import (
    BadRequest,
    Forbidden,
    Invalid,
    NotFound,
    PayloadTooLarge,
    StonechatError,
    Throttled,
    Unauthorized,
    Unavailable,
)
from stonechat.protocols.mqtt.codec import (
    Connack,
    ConnackReturnCode,
    Disconnect,
    Puback,
    Publish,
    Pubrec,
    ReasonCode,
)

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection

# Domain error -> MQTT 5 reason code; the first class of an error's MRO listed here decides.
REASONS: dict[type, ReasonCode] = {
    Unauthorized: ReasonCode.NOT_AUTHORIZED,
    Forbidden: ReasonCode.NOT_AUTHORIZED,
    NotFound: ReasonCode.NOT_AUTHORIZED,  # a missing and a refused resource answer alike
    BadRequest: ReasonCode.PAYLOAD_FORMAT_INVALID,
    Invalid: ReasonCode.PAYLOAD_FORMAT_INVALID,  # TooLarge, Conflict too
    PayloadTooLarge: ReasonCode.PAYLOAD_FORMAT_INVALID,
    Throttled: ReasonCode.QUOTA_EXCEEDED,
    # Not stored for now. PUBACK has no "server unavailable" (0x88 is CONNACK/DISCONNECT
    # only); 0x97 "quota exceeded" would tell the client that it sent too much, which is
    # not so, and clients back off or drop for it. 0x80 "unspecified error" says only that
    # this publish was not accepted: the client may send it again.
    Unavailable: ReasonCode.UNSPECIFIED_ERROR,
    StonechatError: ReasonCode.UNSPECIFIED_ERROR,
}

# MQTT 3.1.1 SUBACK has one failure return code [MQTT-3.9.3].
SUBACK_FAILURE_V3 = 0x80

# CONNACK refusals: (MQTT 3.1.1 return code, MQTT 5 reason code). 6 and 7 are Adafruit IO's
# own 3.1.1 codes, which its Arduino library reads as "exceeded reconnect rate limit" and
# "banned" (mqtt-api.md §1).
ConnectRefusal = Literal[
    "version", "identifier", "unavailable", "credentials", "authorized", "rate", "banned", "quota"
]
CONNACK_REFUSALS: dict[str, tuple[int, ReasonCode]] = {
    "version": (
        ConnackReturnCode.UNACCEPTABLE_PROTOCOL_VERSION,
        ReasonCode.UNSUPPORTED_PROTOCOL_VERSION,
    ),
    "identifier": (ConnackReturnCode.IDENTIFIER_REJECTED, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID),
    "unavailable": (ConnackReturnCode.SERVER_UNAVAILABLE, ReasonCode.SERVER_UNAVAILABLE),
    "credentials": (
        ConnackReturnCode.BAD_USER_NAME_OR_PASSWORD,
        ReasonCode.BAD_USER_NAME_OR_PASSWORD,
    ),
    "authorized": (ConnackReturnCode.NOT_AUTHORIZED, ReasonCode.NOT_AUTHORIZED),
    "rate": (6, ReasonCode.CONNECTION_RATE_EXCEEDED),
    "banned": (7, ReasonCode.BANNED),
    # Persistent sessions per user (quotas.py): 3.1.1 "server unavailable" says "not now".
    "quota": (ConnackReturnCode.SERVER_UNAVAILABLE, ReasonCode.QUOTA_EXCEEDED),
}


def reason_for(error: BaseException) -> ReasonCode:
    """The MQTT 5 reason code of ``error`` (anything unknown: 0x80 unspecified error)."""
    for cls in type(error).__mro__:
        reason = REASONS.get(cls)
        if reason is not None:
            return reason
    return ReasonCode.UNSPECIFIED_ERROR


def is_refusal(error: BaseException) -> bool:
    """Refused for what the client sent (bad value, topic, rights, rate): acknowledged with
    a reason and counted toward bans. Otherwise (``Unavailable``, a bug) the server failed
    to keep it: ``not_stored``, never counted."""
    return isinstance(error, StonechatError) and error.status < 500


# -- PUBLISH -----------------------------------------------------------------------------


def acknowledge(conn: Connection, packet: Publish, reason: int = 0) -> None:
    """PUBACK for QoS 1, PUBREC for QoS 2 (the QoS 2 id is remembered until PUBREL).

    ``reason`` (MQTT 5 only; 3.1.1 acknowledgements carry none [MQTT-3.3.5-2]) at 0x80 or
    above refuses the publish: a refused QoS 2 id is forgotten at once.
    """
    if packet.qos == 0 or packet.packet_id is None:
        return
    if conn.protocol_level != 5:
        reason = 0
    if packet.qos == 1 or reason >= 0x80:
        conn.unacked_incoming -= 1  # an accepted QoS 2 publish counts until PUBCOMP (§4.9)
    if packet.qos == 1:
        if reason == 0:  # the common case, without building a packet object
            conn.send(b"\x40\x02" + packet.packet_id.to_bytes(2, "big"))
        else:
            conn.send_packet(Puback(packet.packet_id, reason))
    else:
        if conn.session is not None:
            if reason < 0x80:
                conn.session.incoming_qos2.add(packet.packet_id)
            else:
                conn.session.incoming_qos2.discard(packet.packet_id)
        conn.send_packet(Pubrec(packet.packet_id, reason))


def not_stored(conn: Connection, packet: Publish) -> None:
    """A QoS 1/2 publish whose point could not be stored: never acknowledged as kept.

    MQTT 5: PUBACK/PUBREC with ``REASONS[Unavailable]`` (0x80). MQTT 3.1.1 has no failure
    code for a publish, and a plain PUBACK would promise a point that is not there: the
    connection is closed without one, and the client sends the publish again when it
    reconnects ([MQTT-4.4.0-1] with a persistent session; paho and others with a clean one
    too). A QoS 2 id is forgotten, so that resend is taken as new. A will is published as
    for any connection the server closes [MQTT-3.1.2-8].
    """
    if packet.qos == 0 or packet.packet_id is None:
        return
    if conn.protocol_level == 5:
        acknowledge(conn, packet, REASONS[Unavailable])
        return
    if packet.qos == 2 and conn.session is not None:
        conn.session.incoming_qos2.discard(packet.packet_id)
    conn.close()


# -- SUBSCRIBE ---------------------------------------------------------------------------


def suback_failure(conn: Connection, reason: int) -> int:
    """The SUBACK code refusing one filter: ``reason`` on MQTT 5, 0x80 on 3.1.1."""
    return reason if conn.protocol_level == 5 else SUBACK_FAILURE_V3


# -- CONNECT, DISCONNECT -----------------------------------------------------------------


def refuse_connect(conn: Connection, why: ConnectRefusal) -> None:
    """CONNACK with a failure code, then close [MQTT-3.2.2-5]."""
    v3, v5 = CONNACK_REFUSALS[why]
    code = v5 if conn.protocol_level == 5 else v3
    conn.send_packet(Connack(session_present=False, reason_code=code))
    conn.close()


def disconnect(conn: Connection, reason: int) -> None:
    """Close ``conn``; MQTT 5 first gets a DISCONNECT carrying ``reason`` [MQTT-4.13.2-1]."""
    if conn.protocol_level == 5 and conn.session is not None and not conn.closed:
        conn.send_packet(Disconnect(reason_code=reason))
    conn.close()
