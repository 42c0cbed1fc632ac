"""Wire format of MQTT 5 properties (MQTT 5 section 2.2.2).

A property block is a Variable Byte Integer length followed by ``identifier, value``
entries. :func:`decode_properties` checks that every identifier is known and allowed in
the packet type (else malformed, 0x81, per MQTT 5 2.2.2.2), that no non-repeatable
property appears twice (protocol error, 0x82) and the value constraints the specification
puts on individual properties.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from .errors import malformed, protocol_error
from .fields import (
    encode_binary,
    encode_string,
    encode_u16,
    encode_u32,
    read_binary,
    read_string,
    read_string_pair,
    read_u8,
    read_u16,
    read_u32,
)
from .packets import PacketType as T
from .properties import (
    EMPTY_PROPERTIES,
    PROPERTY_NAMES,
    Properties,
    PropertyId,
    properties_from_values,
)
from .varint import decode_varint, encode_varint

WILL_PROPERTIES: Final = 0
"""Pseudo packet type (the reserved type 0) used for the Will Properties of a CONNECT."""

Reader = Callable[[bytes, int, int], tuple[Any, int]]

_ALL_WITH_PROPERTIES: Final = frozenset(T) - {T.PINGREQ, T.PINGRESP} | {WILL_PROPERTIES}
_MESSAGE: Final = {T.PUBLISH, WILL_PROPERTIES}
_ACKS: Final = {T.PUBACK, T.PUBREC, T.PUBREL, T.PUBCOMP}
_P = PropertyId

# identifier -> (reader, packet types in which it may appear), MQTT 5 table 2-4.
_SPEC: Final[dict[int, tuple[Reader, frozenset[int]]]] = {
    _P.PAYLOAD_FORMAT_INDICATOR: (read_u8, frozenset(_MESSAGE)),
    _P.MESSAGE_EXPIRY_INTERVAL: (read_u32, frozenset(_MESSAGE)),
    _P.CONTENT_TYPE: (read_string, frozenset(_MESSAGE)),
    _P.RESPONSE_TOPIC: (read_string, frozenset(_MESSAGE)),
    _P.CORRELATION_DATA: (read_binary, frozenset(_MESSAGE)),
    _P.SUBSCRIPTION_IDENTIFIER: (decode_varint, frozenset({T.PUBLISH, T.SUBSCRIBE})),
    _P.SESSION_EXPIRY_INTERVAL: (read_u32, frozenset({T.CONNECT, T.CONNACK, T.DISCONNECT})),
    _P.ASSIGNED_CLIENT_IDENTIFIER: (read_string, frozenset({T.CONNACK})),
    _P.SERVER_KEEP_ALIVE: (read_u16, frozenset({T.CONNACK})),
    _P.AUTHENTICATION_METHOD: (read_string, frozenset({T.CONNECT, T.CONNACK, T.AUTH})),
    _P.AUTHENTICATION_DATA: (read_binary, frozenset({T.CONNECT, T.CONNACK, T.AUTH})),
    _P.REQUEST_PROBLEM_INFORMATION: (read_u8, frozenset({T.CONNECT})),
    _P.WILL_DELAY_INTERVAL: (read_u32, frozenset({WILL_PROPERTIES})),
    _P.REQUEST_RESPONSE_INFORMATION: (read_u8, frozenset({T.CONNECT})),
    _P.RESPONSE_INFORMATION: (read_string, frozenset({T.CONNACK})),
    _P.SERVER_REFERENCE: (read_string, frozenset({T.CONNACK, T.DISCONNECT})),
    _P.REASON_STRING: (
        read_string,
        frozenset(_ACKS | {T.CONNACK, T.SUBACK, T.UNSUBACK, T.DISCONNECT, T.AUTH}),
    ),
    _P.RECEIVE_MAXIMUM: (read_u16, frozenset({T.CONNECT, T.CONNACK})),
    _P.TOPIC_ALIAS_MAXIMUM: (read_u16, frozenset({T.CONNECT, T.CONNACK})),
    _P.TOPIC_ALIAS: (read_u16, frozenset({T.PUBLISH})),
    _P.MAXIMUM_QOS: (read_u8, frozenset({T.CONNACK})),
    _P.RETAIN_AVAILABLE: (read_u8, frozenset({T.CONNACK})),
    _P.USER_PROPERTY: (read_string_pair, _ALL_WITH_PROPERTIES),
    _P.MAXIMUM_PACKET_SIZE: (read_u32, frozenset({T.CONNECT, T.CONNACK})),
    _P.WILDCARD_SUBSCRIPTION_AVAILABLE: (read_u8, frozenset({T.CONNACK})),
    _P.SUBSCRIPTION_IDENTIFIER_AVAILABLE: (read_u8, frozenset({T.CONNACK})),
    _P.SHARED_SUBSCRIPTION_AVAILABLE: (read_u8, frozenset({T.CONNACK})),
}

# Value constraints: 0/1 only, non-zero, or a topic name (3.3.2.3.5 [MQTT-3.3.2-14]).
_BOOLEAN, _NON_ZERO, _TOPIC = 1, 2, 3
_CHECKS: Final[dict[int, int]] = {
    _P.PAYLOAD_FORMAT_INDICATOR: _BOOLEAN,
    _P.REQUEST_PROBLEM_INFORMATION: _BOOLEAN,  # 3.1.2.11.7
    _P.REQUEST_RESPONSE_INFORMATION: _BOOLEAN,  # 3.1.2.11.6
    _P.MAXIMUM_QOS: _BOOLEAN,  # 3.2.2.3.4
    _P.RETAIN_AVAILABLE: _BOOLEAN,  # 3.2.2.3.5
    _P.WILDCARD_SUBSCRIPTION_AVAILABLE: _BOOLEAN,
    _P.SUBSCRIPTION_IDENTIFIER_AVAILABLE: _BOOLEAN,
    _P.SHARED_SUBSCRIPTION_AVAILABLE: _BOOLEAN,
    _P.RECEIVE_MAXIMUM: _NON_ZERO,  # 3.1.2.11.3
    _P.MAXIMUM_PACKET_SIZE: _NON_ZERO,  # 3.1.2.11.4
    _P.TOPIC_ALIAS: _NON_ZERO,  # [MQTT-3.3.2-8]
    _P.SUBSCRIPTION_IDENTIFIER: _NON_ZERO,  # 3.8.2.1.2
    _P.RESPONSE_TOPIC: _TOPIC,
}
_REPEATABLE: Final = frozenset(("user_properties", "subscription_identifiers"))

# Lookup table indexed by identifier (all identifiers fit in one byte below 0x80).
_BY_ID: Final[tuple[tuple[str, Reader, frozenset[int], int] | None, ...]] = tuple(
    (PROPERTY_NAMES[i], _SPEC[i][0], _SPEC[i][1], _CHECKS.get(i, 0)) if i in _SPEC else None
    for i in range(0x80)
)


def _check_value(check: int, name: str, value: Any) -> None:
    if check == _BOOLEAN:
        if value > 1:
            raise protocol_error(f"property {name} must be 0 or 1, got {value}")
    elif check == _NON_ZERO:
        if value == 0:
            raise protocol_error(f"property {name} must not be 0")
    elif not value or "+" in value or "#" in value:
        raise protocol_error("response topic must be a topic name [MQTT-3.3.2-14]")


def decode_properties(data: bytes, pos: int, end: int, packet_type: int) -> tuple[Properties, int]:
    """Decode the property block at ``data[pos:end]`` of a packet of ``packet_type``.

    ``packet_type`` is a :class:`~.packets.PacketType` value or :data:`WILL_PROPERTIES`.
    Returns ``(properties, position after the block)``; :data:`EMPTY_PROPERTIES` when the
    block is empty.
    """
    if pos < end and data[pos] < 0x80:
        length = data[pos]
        pos += 1
    else:
        length, pos = decode_varint(data, pos, end)
    if length == 0:
        return EMPTY_PROPERTIES, pos
    stop = pos + length
    if stop > end:
        raise malformed("property length runs past the end of the packet")
    values: dict[str, Any] = {}
    while pos < stop:
        # The identifier is a Variable Byte Integer, but every defined one is below 0x80.
        identifier = data[pos]
        spec = _BY_ID[identifier] if identifier < 0x80 else None
        if spec is None:
            raise malformed(f"unknown property identifier 0x{identifier:02X}")
        name, reader, allowed, check = spec
        if packet_type not in allowed:
            # MQTT 5 2.2.2.2: an identifier not valid for the packet type is malformed
            raise malformed(f"property 0x{identifier:02X} is not allowed in this packet")
        value, pos = reader(data, pos + 1, stop)
        if check:
            _check_value(check, name, value)
        if name in values:
            # Repeatable: user property always; subscription identifier only in a
            # server's PUBLISH (3.3.2.3.8); anything else twice is a protocol error.
            if identifier == _P.USER_PROPERTY or (
                identifier == _P.SUBSCRIPTION_IDENTIFIER and packet_type == T.PUBLISH
            ):
                values[name].append(value)
                continue
            raise protocol_error(f"property 0x{identifier:02X} included more than once")
        values[name] = [value] if name in _REPEATABLE else value
    if "authentication_data" in values and "authentication_method" not in values:
        raise protocol_error("authentication data without authentication method")
    for name in _REPEATABLE:
        if name in values:
            values[name] = tuple(values[name])
    return properties_from_values(values), pos


def _byte(value: int) -> bytes:
    return bytes((value,))


def _string_pair(pair: tuple[str, str]) -> bytes:
    return encode_string(pair[0]) + encode_string(pair[1])


Writer = Callable[[Any], bytes]
_WRITER_FOR_READER: Final[dict[Reader, Writer]] = {
    read_u8: _byte,
    read_u16: encode_u16,
    read_u32: encode_u32,
    decode_varint: encode_varint,
    read_string: encode_string,
    read_binary: encode_binary,
    read_string_pair: _string_pair,
}
# attribute name -> (identifier byte, writer, repeatable)
_BY_NAME: Final[dict[str, tuple[bytes, Writer, bool]]] = {
    PROPERTY_NAMES[i]: (_byte(i), _WRITER_FOR_READER[reader], PROPERTY_NAMES[i] in _REPEATABLE)
    for i, (reader, _) in _SPEC.items()
}


def encode_properties(properties: Properties) -> bytes:
    """Encode ``properties`` as a property block (length prefix included).

    The encoder does not check which properties the packet type allows: the broker is
    trusted to build sensible packets. Raises :class:`ValueError` for out-of-range values.
    """
    if properties is EMPTY_PROPERTIES:
        return b"\x00"
    parts: list[bytes] = []
    for name, value in properties.__dict__.items():
        if value is None:
            continue
        identifier, writer, repeatable = _BY_NAME[name]
        if repeatable:
            for item in value:
                parts.append(identifier)
                parts.append(writer(item))
        else:
            parts.append(identifier)
            parts.append(writer(value))
    body = b"".join(parts)
    return encode_varint(len(body)) + body


__all__ = ["WILL_PROPERTIES", "decode_properties", "encode_properties"]
