"""Encoding of every control packet for MQTT 3.1.1 (levels 3 and 4) and MQTT 5.

:func:`encode` is the general entry point; the PUBLISH fast path
:func:`~.publish.encode_publish` is re-exported here. Fields a version does not have are
dropped (properties and most reason codes on 3.1.1), and MQTT 5 acknowledgements use the
short forms when possible: PUBACK/PUBREC/PUBREL/PUBCOMP omit reason code 0 and empty
properties [MQTT-3.4.2-1 .. 3.7.2-1], DISCONNECT and AUTH likewise (3.14.2.1, 3.15.2.1).

The encoder trusts its caller (the broker) and does not check that each property is
allowed in the packet type; it raises :class:`ValueError` for values that the wire format
cannot represent and for packets the protocol version does not have (AUTH on 3.1.1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from .fields import encode_binary, encode_string, encode_u16
from .packets import (
    Auth,
    Connack,
    Connect,
    Disconnect,
    Packet,
    Pingreq,
    Pingresp,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Suback,
    Subscribe,
    Unsuback,
    Unsubscribe,
)
from .properties import Properties
from .property_codec import encode_properties
from .publish import encode_publish, publish_parts, publish_with_packet_id
from .varint import encode_varint


def _packet(first: int, *body: bytes) -> bytes:
    payload = b"".join(body)
    return bytes((first,)) + encode_varint(len(payload)) + payload


def _props(properties: Properties, v5: bool) -> bytes:
    return encode_properties(properties) if v5 else b""


def _connect(packet: Connect, v5: bool) -> bytes:
    # The CONNECT's own protocol_level decides its layout.
    v5 = packet.protocol_level >= 5
    will = packet.will
    flags = 0x02 if packet.clean_start else 0x00
    parts = [
        encode_string(packet.protocol_name),
        bytes((packet.protocol_level,)),
        b"",  # flags, filled in below
        encode_u16(packet.keep_alive),
        _props(packet.properties, v5),
        encode_string(packet.client_id),
    ]
    if will is not None:
        if not 0 <= will.qos <= 2:
            raise ValueError(f"invalid will QoS {will.qos}")
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
        parts += (_props(will.properties, v5), encode_string(will.topic))
        parts.append(encode_binary(will.payload))
    if packet.username is not None:
        flags |= 0x80
        parts.append(encode_string(packet.username))
    if packet.password is not None:
        if packet.username is None and not v5:
            raise ValueError("MQTT 3.1.1 CONNECT cannot have a password without a user name")
        flags |= 0x40
        parts.append(encode_binary(packet.password))
    parts[2] = bytes((flags,))
    return _packet(0x10, *parts)


def _connack(packet: Connack, level: int) -> bytes:
    # MQTT 3.1 (level 3) has no session present flag: the byte is reserved there.
    flags = b"\x01" if packet.session_present and level >= 4 else b"\x00"
    props = _props(packet.properties, level >= 5)
    return _packet(0x20, flags, bytes((packet.reason_code,)), props)


def _publish(packet: Publish, v5: bool) -> bytes:
    return encode_publish(
        packet.topic,
        packet.payload,
        packet.qos,
        packet.retain,
        packet.dup,
        packet.packet_id,
        packet.properties,
        5 if v5 else 4,
    )


def _ack(first: int, packet: Puback | Pubrec | Pubrel | Pubcomp, v5: bool) -> bytes:
    packet_id = encode_u16(packet.packet_id)
    if not v5 or (packet.reason_code == 0 and not packet.properties):
        return bytes((first, 2)) + packet_id
    if not packet.properties:
        return bytes((first, 3)) + packet_id + bytes((packet.reason_code,))
    return _packet(
        first, packet_id, bytes((packet.reason_code,)), encode_properties(packet.properties)
    )


def _subscribe(packet: Subscribe, v5: bool) -> bytes:
    parts = [encode_u16(packet.packet_id), _props(packet.properties, v5)]
    for topic_filter, options in packet.subscriptions:
        byte = options.qos
        if v5:
            byte |= (options.retain_handling << 4) | (0x08 if options.retain_as_published else 0)
            byte |= 0x04 if options.no_local else 0
        parts.append(encode_string(topic_filter))
        parts.append(bytes((byte,)))
    return _packet(0x82, *parts)


def _suback(packet: Suback, v5: bool) -> bytes:
    codes = bytes(packet.reason_codes)
    return _packet(0x90, encode_u16(packet.packet_id), _props(packet.properties, v5), codes)


def _unsubscribe(packet: Unsubscribe, v5: bool) -> bytes:
    parts = [encode_u16(packet.packet_id), _props(packet.properties, v5)]
    parts += [encode_string(topic_filter) for topic_filter in packet.topic_filters]
    return _packet(0xA2, *parts)


def _unsuback(packet: Unsuback, v5: bool) -> bytes:
    if not v5:
        return b"\xb0\x02" + encode_u16(packet.packet_id)
    props = encode_properties(packet.properties)
    return _packet(0xB0, encode_u16(packet.packet_id), props, bytes(packet.reason_codes))


def _reason_packet(first: int, reason_code: int, properties: Properties) -> bytes:
    if not properties:
        if reason_code == 0:
            return bytes((first, 0))
        return bytes((first, 1, reason_code))
    return _packet(first, bytes((reason_code,)), encode_properties(properties))


def _disconnect(packet: Disconnect, v5: bool) -> bytes:
    if not v5:
        return b"\xe0\x00"
    return _reason_packet(0xE0, packet.reason_code, packet.properties)


def _auth(packet: Auth, v5: bool) -> bytes:
    if not v5:
        raise ValueError("AUTH does not exist in MQTT 3.1.1")
    return _reason_packet(0xF0, packet.reason_code, packet.properties)


_ENCODERS: Final[dict[type, Callable[[Any, bool], bytes]]] = {
    Connect: _connect,
    Publish: _publish,
    Puback: lambda packet, v5: _ack(0x40, packet, v5),
    Pubrec: lambda packet, v5: _ack(0x50, packet, v5),
    Pubrel: lambda packet, v5: _ack(0x62, packet, v5),
    Pubcomp: lambda packet, v5: _ack(0x70, packet, v5),
    Subscribe: _subscribe,
    Suback: _suback,
    Unsubscribe: _unsubscribe,
    Unsuback: _unsuback,
    Pingreq: lambda packet, v5: b"\xc0\x00",
    Pingresp: lambda packet, v5: b"\xd0\x00",
    Disconnect: _disconnect,
    Auth: _auth,
}


def encode(packet: Packet, protocol_level: int) -> bytes:
    """Encode ``packet`` for a connection at ``protocol_level`` (3, 4 or 5).

    A :class:`~.packets.Connect` is always encoded at its own ``protocol_level``.
    """
    if isinstance(packet, Connack):  # the one layout that differs between levels 3 and 4
        return _connack(packet, protocol_level)
    encoder = _ENCODERS.get(type(packet))
    if encoder is None:
        raise TypeError(f"not an MQTT packet: {packet!r}")
    return encoder(packet, protocol_level >= 5)


__all__ = ["encode", "encode_publish", "publish_parts", "publish_with_packet_id"]
