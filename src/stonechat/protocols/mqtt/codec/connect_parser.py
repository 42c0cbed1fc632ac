"""Decoding of the connection handshake packets: CONNECT and CONNACK.

CONNECT is decoded in two steps so that the :class:`~.decoder.Decoder` can learn the
protocol level (and so the CONNACK format the broker must use to refuse the client) even
when the rest of the packet turns out to be malformed.
"""

from __future__ import annotations

from typing import Final

from .errors import UNSUPPORTED_PROTOCOL_VERSION, ProtocolError, malformed, protocol_error
from .fields import read_binary, read_string, read_u8, read_u16
from .packets import Connack, Connect, PacketType, Will
from .properties import EMPTY_PROPERTIES
from .property_codec import WILL_PROPERTIES, decode_properties
from .reason_codes import CONNACK_V3, CONNACK_V5
from .topics import check_topic_name

SUPPORTED_PROTOCOLS: Final = {"MQTT": frozenset((4, 5)), "MQIsdp": frozenset((3,))}
"""Protocol name -> protocol levels accepted (MQTT 3.1 used the name ``MQIsdp``)."""


def parse_connect_header(data: bytes, pos: int, end: int) -> tuple[str, int, int]:
    """Read the protocol name and level at the start of a CONNECT variable header.

    Returns ``(protocol_name, protocol_level, position after the level byte)``. An
    unknown name or level raises ``ProtocolError(0x84)`` (Unsupported Protocol Version);
    the broker answers it with CONNACK 0x01 (3.1.1) or 0x84 (MQTT 5) and closes.
    """
    name, pos = read_string(data, pos, end)
    level, pos = read_u8(data, pos, end)
    levels = SUPPORTED_PROTOCOLS.get(name)
    if levels is None:
        # [MQTT-3.1.2-1] the Server MAY disconnect on an unknown protocol name
        raise ProtocolError(UNSUPPORTED_PROTOCOL_VERSION, f"unknown protocol name {name!r}")
    if level not in levels:
        # [MQTT-3.1.2-2] unsupported protocol level
        raise ProtocolError(
            UNSUPPORTED_PROTOCOL_VERSION, f"unsupported protocol level {level} for {name!r}"
        )
    return name, level, pos


def requested_level(data: bytes, pos: int, end: int) -> int | None:
    """The protocol level byte of a CONNECT whose header was refused, if it can be read.

    A client that asks for level 5 under a wrong protocol name is refused in MQTT 5 form
    (CONNACK 0x84) [MQTT-3.1.2-1]/[MQTT-3.1.2-2]: it reads that form.
    """
    try:
        _name, pos = read_string(data, pos, end)
        level, _ = read_u8(data, pos, end)
    except ProtocolError:
        return None
    return level


def parse_connect_body(data: bytes, pos: int, end: int, name: str, level: int) -> Connect:
    """Decode the rest of a CONNECT after :func:`parse_connect_header`."""
    v5 = level >= 5
    flags, pos = read_u8(data, pos, end)
    if flags & 0x01:
        raise malformed("CONNECT reserved flag is set [MQTT-3.1.2-3]")
    will_flag = flags & 0x04
    will_qos = (flags >> 3) & 0x03
    will_retain = bool(flags & 0x20)
    password_flag = flags & 0x40
    username_flag = flags & 0x80
    if will_flag:
        if will_qos == 3:
            # [MQTT-3.1.2-14] (3.1.1); MQTT 5 3.1.2.6: a Will QoS of 3 is malformed
            raise malformed("CONNECT will QoS is 3")
    elif will_qos or will_retain:
        # [MQTT-3.1.2-11] / [MQTT-3.1.2-13] (3.1.1: [MQTT-3.1.2-13] / [MQTT-3.1.2-15])
        raise malformed("CONNECT will QoS/retain set without the will flag")
    if password_flag and not username_flag and not v5:
        raise malformed("CONNECT password flag without user name flag [MQTT-3.1.2-22]")
    keep_alive, pos = read_u16(data, pos, end)
    properties = EMPTY_PROPERTIES
    if v5:
        properties, pos = decode_properties(data, pos, end, PacketType.CONNECT)
    # [MQTT-3.1.3-3] the ClientID MUST be present and is the first field in the payload
    client_id, pos = read_string(data, pos, end)
    will = None
    if will_flag:
        # [MQTT-3.1.2-9] will properties (MQTT 5), topic and payload MUST be present
        will_properties = EMPTY_PROPERTIES
        if v5:
            will_properties, pos = decode_properties(data, pos, end, WILL_PROPERTIES)
        will_topic, pos = read_string(data, pos, end)
        check_topic_name(will_topic)
        will_payload, pos = read_binary(data, pos, end)
        will = Will(will_topic, will_payload, will_qos, will_retain, will_properties)
    username = None
    if username_flag:
        # [MQTT-3.1.2-17] (3.1.1: [MQTT-3.1.2-19]) user name MUST be present
        username, pos = read_string(data, pos, end)
    password = None
    if password_flag:
        # [MQTT-3.1.2-19] (3.1.1: [MQTT-3.1.2-21]) password MUST be present
        password, pos = read_binary(data, pos, end)
    if pos != end:
        # [MQTT-3.1.2-16]/[MQTT-3.1.2-18] (3.1.1: -18/-20): nothing beyond the flagged fields
        raise malformed("unexpected bytes after the CONNECT payload")
    return Connect(
        name,
        level,
        bool(flags & 0x02),
        keep_alive,
        client_id,
        username,
        password,
        will,
        properties,
    )


def parse_connack(data: bytes, pos: int, end: int, first: int, v5: bool) -> Connack:
    """Decode the variable header of a CONNACK (sent by servers)."""
    flags, pos = read_u8(data, pos, end)
    if flags & 0xFE:
        raise malformed("CONNACK reserved acknowledge flags are set [MQTT-3.2.2-1]")
    reason_code, pos = read_u8(data, pos, end)
    session_present = bool(flags)
    properties = EMPTY_PROPERTIES
    if v5:
        if reason_code not in CONNACK_V5:
            raise malformed(f"invalid CONNACK reason code 0x{reason_code:02X}")
        properties, pos = decode_properties(data, pos, end, PacketType.CONNACK)
    elif reason_code not in CONNACK_V3:
        raise malformed(f"invalid CONNACK return code {reason_code}")
    if reason_code and session_present:
        # [MQTT-3.2.2-6] (3.1.1: [MQTT-3.2.2-4]) session present MUST be 0 on refusal
        raise protocol_error("CONNACK refuses the connection but sets session present")
    if pos != end:
        raise malformed("unexpected bytes after the CONNACK variable header")
    return Connack(session_present, reason_code, properties)


__all__ = [
    "SUPPORTED_PROTOCOLS",
    "parse_connack",
    "parse_connect_body",
    "parse_connect_header",
    "requested_level",
]
