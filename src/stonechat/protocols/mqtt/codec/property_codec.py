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
from .properties import EMPTY_PROPERTIES, PROPERTY_NAMES, Properties, PropertyId
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

# Properties whose only legal values are 0 and 1.
_BOOLEAN: Final = frozenset(
    PROPERTY_NAMES[p]
    for p in (
        _P.PAYLOAD_FORMAT_INDICATOR,
        _P.REQUEST_PROBLEM_INFORMATION,
        _P.REQUEST_RESPONSE_INFORMATION,
        _P.MAXIMUM_QOS,
        _P.RETAIN_AVAILABLE,
        _P.WILDCARD_SUBSCRIPTION_AVAILABLE,
        _P.SUBSCRIPTION_IDENTIFIER_AVAILABLE,
        _P.SHARED_SUBSCRIPTION_AVAILABLE,
    )
)
# Properties for which the value 0 is a protocol error.
_NON_ZERO: Final = frozenset(
    ("receive_maximum", "maximum_packet_size", "topic_alias", "subscription_identifiers")
)


def _check_value(name: str, value: Any) -> None:
    if name in _BOOLEAN and value > 1:
        raise protocol_error(f"property {name} must be 0 or 1, got {value}")
    if name in _NON_ZERO and value == 0:
        # [MQTT-3.3.2-8] topic alias 0; 3.1.2.11.3 / 3.1.2.11.4 / 3.8.2.1.2 likewise
        raise protocol_error(f"property {name} must not be 0")
    if name == "response_topic" and (not value or "+" in value or "#" in value):
        raise protocol_error("response topic must be a topic name [MQTT-3.3.2-14]")


def decode_properties(data: bytes, pos: int, end: int, packet_type: int) -> tuple[Properties, int]:
    """Decode the property block at ``data[pos:end]`` of a packet of ``packet_type``.

    ``packet_type`` is a :class:`~.packets.PacketType` value or :data:`WILL_PROPERTIES`.
    Returns ``(properties, position after the block)``; :data:`EMPTY_PROPERTIES` when the
    block is empty.
    """
    length, pos = decode_varint(data, pos, end)
    if length == 0:
        return EMPTY_PROPERTIES, pos
    stop = pos + length
    if stop > end:
        raise malformed("property length runs past the end of the packet")
    values: dict[str, Any] = {}
    user: list[tuple[str, str]] = []
    sub_ids: list[int] = []
    while pos < stop:
        identifier, pos = decode_varint(data, pos, stop)
        spec = _SPEC.get(identifier)
        if spec is None:
            raise malformed(f"unknown property identifier 0x{identifier:02X}")
        reader, allowed = spec
        if packet_type not in allowed:
            # MQTT 5 2.2.2.2: an identifier not valid for the packet type is malformed
            raise malformed(f"property 0x{identifier:02X} is not allowed in this packet")
        value, pos = reader(data, pos, stop)
        name = PROPERTY_NAMES[identifier]
        if identifier == _P.USER_PROPERTY:
            user.append(value)
            continue
        _check_value(name, value)
        if identifier == _P.SUBSCRIPTION_IDENTIFIER and packet_type == T.PUBLISH:
            sub_ids.append(value)  # a server may send several in one PUBLISH (3.3.2.3.8)
        elif name in values:
            raise protocol_error(f"property 0x{identifier:02X} included more than once")
        else:
            values[name] = value
    if "subscription_identifiers" in values:
        values["subscription_identifiers"] = (values["subscription_identifiers"],)
    elif sub_ids:
        values["subscription_identifiers"] = tuple(sub_ids)
    if user:
        values["user_properties"] = tuple(user)
    if "authentication_data" in values and "authentication_method" not in values:
        raise protocol_error("authentication data without authentication method")
    return Properties(**values), pos


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
_ENCODE_TABLE: Final[tuple[tuple[bytes, str, Writer], ...]] = tuple(
    (_byte(identifier), PROPERTY_NAMES[identifier], _WRITER_FOR_READER[reader])
    for identifier, (reader, _) in _SPEC.items()
)
_REPEATABLE: Final = frozenset(("user_properties", "subscription_identifiers"))


def encode_properties(properties: Properties) -> bytes:
    """Encode ``properties`` as a property block (length prefix included).

    The encoder does not check which properties the packet type allows: the broker is
    trusted to build sensible packets. Raises :class:`ValueError` for out-of-range values.
    """
    if properties is EMPTY_PROPERTIES:
        return b"\x00"
    parts: list[bytes] = []
    for identifier, name, writer in _ENCODE_TABLE:
        value = getattr(properties, name)
        if name in _REPEATABLE:
            for item in value:
                parts.append(identifier)
                parts.append(writer(item))
        elif value is not None:
            parts.append(identifier)
            parts.append(writer(value))
    body = b"".join(parts)
    return encode_varint(len(body)) + body


__all__ = ["WILL_PROPERTIES", "decode_properties", "encode_properties"]
