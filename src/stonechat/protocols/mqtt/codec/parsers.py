"""Decoding of every control packet body except CONNECT/CONNACK.

Each parser has the signature ``(data, pos, end, first, v5) -> packet``: the packet's
variable header and payload are ``data[pos:end]``, ``first`` is the fixed header's first
byte (already checked against the reserved flags by the decoder) and ``v5`` selects the
MQTT 5 layout. Parsers raise only :class:`~.errors.ProtocolError`.
"""

from __future__ import annotations

from .errors import TOPIC_NAME_INVALID, ProtocolError, malformed, protocol_error
from .fields import read_string
from .packets import (
    Auth,
    Disconnect,
    PacketType,
    Pingreq,
    Pingresp,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Suback,
    Subscribe,
    SubscriptionOptions,
    Unsuback,
    Unsubscribe,
)
from .properties import EMPTY_PROPERTIES, Properties
from .property_codec import decode_properties
from .reason_codes import (
    AUTH_V5,
    DISCONNECT_V5,
    PUBACK_V5,
    PUBCOMP_V5,
    PUBREC_V5,
    PUBREL_V5,
    SUBACK_V3,
    SUBACK_V5,
    UNSUBACK_V5,
)
from .topics import SHARED_PREFIX


def _packet_id(data: bytes, pos: int, end: int) -> int:
    if pos + 2 > end:
        raise malformed("packet truncated (expected a packet identifier)")
    packet_id = (data[pos] << 8) | data[pos + 1]
    if packet_id == 0:
        # [MQTT-2.2.1-3] (3.1.1: [MQTT-2.3.1-1]) packet identifiers are non-zero
        raise protocol_error("packet identifier is 0 [MQTT-2.2.1-3]")
    return packet_id


def parse_publish(data: bytes, pos: int, end: int, first: int, v5: bool) -> Publish:
    """Decode a PUBLISH (QoS 3 and DUP rules are checked on the fixed header)."""
    qos = (first >> 1) & 0x03
    if pos + 2 > end:
        raise malformed("PUBLISH truncated (expected the topic name)")
    stop = pos + 2 + ((data[pos] << 8) | data[pos + 1])
    if stop > end:
        raise malformed("PUBLISH topic name runs past the end of the packet")
    try:
        topic = data[pos + 2 : stop].decode()
    except UnicodeDecodeError:
        raise malformed("topic name is not valid UTF-8 [MQTT-1.5.4-1]") from None
    if "\x00" in topic:
        raise malformed("topic name contains U+0000 [MQTT-1.5.4-2]")
    if "+" in topic or "#" in topic:
        raise ProtocolError(TOPIC_NAME_INVALID, "wildcard in PUBLISH topic name [MQTT-3.3.2-2]")
    pos = stop
    packet_id = None
    if qos:
        packet_id = _packet_id(data, pos, end)
        pos += 2
    properties = EMPTY_PROPERTIES
    if v5:
        properties, pos = decode_properties(data, pos, end, PacketType.PUBLISH)
        if not topic and properties.topic_alias is None:
            # [MQTT-3.3.2-1] a zero-length topic name is only valid with a topic alias
            raise protocol_error("empty topic name without topic alias")
    elif not topic:
        raise ProtocolError(TOPIC_NAME_INVALID, "empty topic name [MQTT-4.7.3-1]")
    return Publish(
        topic, data[pos:end], qos, bool(first & 0x01), bool(first & 0x08), packet_id, properties
    )


def parse_publish_from_client(data: bytes, pos: int, end: int, first: int, v5: bool) -> Publish:
    """Decode a PUBLISH received by a server: no subscription identifier allowed."""
    packet = parse_publish(data, pos, end, first, v5)
    if packet.properties.subscription_identifiers:
        raise protocol_error("client PUBLISH carries a subscription identifier [MQTT-3.3.4-6]")
    return packet


def _ack(
    data: bytes, pos: int, end: int, v5: bool, packet_type: int, codes: frozenset[int]
) -> tuple[int, int, Properties]:
    packet_id = _packet_id(data, pos, end)
    pos += 2
    if pos == end:
        # [MQTT-3.4.2-1] (and 3.5/3.6/3.7) reason code 0 and no properties may be omitted
        return packet_id, 0, EMPTY_PROPERTIES
    if not v5:
        raise malformed("acknowledgement remaining length must be 2")
    reason_code = data[pos]
    if reason_code not in codes:
        raise malformed(f"invalid reason code 0x{reason_code:02X}")
    pos += 1
    properties = EMPTY_PROPERTIES
    if pos < end:
        properties, pos = decode_properties(data, pos, end, packet_type)
        if pos != end:
            raise malformed("unexpected bytes after the properties")
    return packet_id, reason_code, properties


def parse_puback(data: bytes, pos: int, end: int, first: int, v5: bool) -> Puback:
    """Decode a PUBACK."""
    return Puback(*_ack(data, pos, end, v5, PacketType.PUBACK, PUBACK_V5))


def parse_pubrec(data: bytes, pos: int, end: int, first: int, v5: bool) -> Pubrec:
    """Decode a PUBREC."""
    return Pubrec(*_ack(data, pos, end, v5, PacketType.PUBREC, PUBREC_V5))


def parse_pubrel(data: bytes, pos: int, end: int, first: int, v5: bool) -> Pubrel:
    """Decode a PUBREL."""
    return Pubrel(*_ack(data, pos, end, v5, PacketType.PUBREL, PUBREL_V5))


def parse_pubcomp(data: bytes, pos: int, end: int, first: int, v5: bool) -> Pubcomp:
    """Decode a PUBCOMP."""
    return Pubcomp(*_ack(data, pos, end, v5, PacketType.PUBCOMP, PUBCOMP_V5))


def _options(byte: int, v5: bool, topic_filter: str) -> SubscriptionOptions:
    if not v5:
        if byte & 0xFC:
            raise malformed("SUBSCRIBE requested QoS reserved bits are set [MQTT-3-8.3-4]")
        if byte == 3:
            raise malformed("SUBSCRIBE requested QoS is 3 [MQTT-3-8.3-4]")
        return SubscriptionOptions(byte)
    if byte & 0xC0:
        raise malformed("subscription options reserved bits are set [MQTT-3.8.3-5]")
    qos = byte & 0x03
    retain_handling = (byte >> 4) & 0x03
    if qos == 3 or retain_handling == 3:
        raise protocol_error("subscription options: QoS or retain handling is 3 (3.8.3.1)")
    no_local = bool(byte & 0x04)
    if no_local and topic_filter.startswith(SHARED_PREFIX):
        raise protocol_error("no local set on a shared subscription [MQTT-3.8.3-4]")
    return SubscriptionOptions(qos, no_local, bool(byte & 0x08), retain_handling)


def parse_subscribe(
    data: bytes, pos: int, end: int, first: int, v5: bool, most: int | None = None
) -> Subscribe:
    """Decode a SUBSCRIBE. Topic filter syntax is left to the broker (see ``topics``).

    With ``most`` (the broker's limit of filters per SUBSCRIBE), the filters past it are
    only counted (``Subscribe.beyond``): their framing and option bits are checked, their
    text is neither decoded nor validated, so a packet of 30,000 filters costs little more
    than one of ``most``.
    """
    packet_id = _packet_id(data, pos, end)
    pos += 2
    properties = EMPTY_PROPERTIES
    if v5:
        properties, pos = decode_properties(data, pos, end, PacketType.SUBSCRIBE)
    subscriptions: list[tuple[str, SubscriptionOptions]] = []
    while pos < end and (most is None or len(subscriptions) < most):
        topic_filter, pos = read_string(data, pos, end)
        if pos >= end:
            raise malformed("SUBSCRIBE topic filter without subscription options")
        subscriptions.append((topic_filter, _options(data[pos], v5, topic_filter)))
        pos += 1
    beyond = 0
    reserved = 0xC0 if v5 else 0xFC
    while pos < end:
        if pos + 2 > end:
            raise malformed("packet truncated (expected a string length)")
        pos += 2 + ((data[pos] << 8) | data[pos + 1])
        if pos >= end:
            raise malformed("SUBSCRIBE topic filter without subscription options")
        byte = data[pos]
        if byte & reserved or byte & 0x03 == 0x03 or byte & 0x30 == 0x30:
            _options(byte, v5, "")  # raises the error a decoded filter would get
        pos += 1
        beyond += 1
    if not subscriptions:
        # [MQTT-3.8.3-3] (MQTT 5: [MQTT-3.8.3-2]) at least one filter/options pair
        raise protocol_error("SUBSCRIBE without topic filters [MQTT-3.8.3-3]")
    return Subscribe(packet_id, subscriptions, properties, beyond)


def parse_suback(data: bytes, pos: int, end: int, first: int, v5: bool) -> Suback:
    """Decode a SUBACK (sent by servers)."""
    packet_id = _packet_id(data, pos, end)
    pos += 2
    properties = EMPTY_PROPERTIES
    codes = SUBACK_V3
    if v5:
        properties, pos = decode_properties(data, pos, end, PacketType.SUBACK)
        codes = SUBACK_V5
    reason_codes = list(data[pos:end])
    for code in reason_codes:
        if code not in codes:
            raise malformed(f"invalid SUBACK reason code 0x{code:02X}")
    return Suback(packet_id, reason_codes, properties)


def parse_unsubscribe(data: bytes, pos: int, end: int, first: int, v5: bool) -> Unsubscribe:
    """Decode an UNSUBSCRIBE."""
    packet_id = _packet_id(data, pos, end)
    pos += 2
    properties = EMPTY_PROPERTIES
    if v5:
        properties, pos = decode_properties(data, pos, end, PacketType.UNSUBSCRIBE)
    topic_filters: list[str] = []
    while pos < end:
        topic_filter, pos = read_string(data, pos, end)
        topic_filters.append(topic_filter)
    if not topic_filters:
        raise protocol_error("UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]")
    return Unsubscribe(packet_id, topic_filters, properties)


def parse_unsuback(data: bytes, pos: int, end: int, first: int, v5: bool) -> Unsuback:
    """Decode an UNSUBACK (sent by servers)."""
    packet_id = _packet_id(data, pos, end)
    pos += 2
    if not v5:
        if pos != end:
            raise malformed("UNSUBACK remaining length must be 2")
        return Unsuback(packet_id)
    properties, pos = decode_properties(data, pos, end, PacketType.UNSUBACK)
    reason_codes = list(data[pos:end])
    for code in reason_codes:
        if code not in UNSUBACK_V5:
            raise malformed(f"invalid UNSUBACK reason code 0x{code:02X}")
    return Unsuback(packet_id, reason_codes, properties)


def parse_pingreq(data: bytes, pos: int, end: int, first: int, v5: bool) -> Pingreq:
    """Decode a PINGREQ (remaining length must be 0)."""
    if pos != end:
        raise malformed("PINGREQ remaining length must be 0")
    return Pingreq()


def parse_pingresp(data: bytes, pos: int, end: int, first: int, v5: bool) -> Pingresp:
    """Decode a PINGRESP (remaining length must be 0)."""
    if pos != end:
        raise malformed("PINGRESP remaining length must be 0")
    return Pingresp()


def _reason_and_properties(
    data: bytes, pos: int, end: int, packet_type: int, codes: frozenset[int]
) -> tuple[int, Properties]:
    if pos == end:
        # MQTT 5 3.14.2.1 / 3.15.2.1: remaining length 0 means reason code 0x00
        return 0, EMPTY_PROPERTIES
    reason_code = data[pos]
    if reason_code not in codes:
        raise malformed(f"invalid reason code 0x{reason_code:02X}")
    pos += 1
    properties = EMPTY_PROPERTIES
    if pos < end:
        properties, pos = decode_properties(data, pos, end, packet_type)
        if pos != end:
            raise malformed("unexpected bytes after the properties")
    return reason_code, properties


def parse_disconnect(data: bytes, pos: int, end: int, first: int, v5: bool) -> Disconnect:
    """Decode a DISCONNECT (3.1.1: remaining length must be 0)."""
    if not v5:
        if pos != end:
            raise malformed("DISCONNECT remaining length must be 0")
        return Disconnect()
    return Disconnect(*_reason_and_properties(data, pos, end, PacketType.DISCONNECT, DISCONNECT_V5))


def parse_auth(data: bytes, pos: int, end: int, first: int, v5: bool) -> Auth:
    """Decode an AUTH (MQTT 5 only; the decoder rejects type 15 on 3.1.1)."""
    return Auth(*_reason_and_properties(data, pos, end, PacketType.AUTH, AUTH_V5))
