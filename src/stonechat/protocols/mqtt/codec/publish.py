"""Fast PUBLISH encoding for fan-out.

The broker encodes a message once per (topic, QoS, protocol version) and writes the same
``bytes`` to every matching subscriber. For QoS 1/2 each subscriber needs its own packet
identifier: :func:`publish_parts` splits the shared packet around it once, and each copy is
``head + id + tail``; :func:`publish_with_packet_id` patches another id (and optionally DUP)
into one packet. Neither re-encodes topic, properties or payload.
"""

from __future__ import annotations

from typing import Final

from .properties import EMPTY_PROPERTIES, Properties
from .property_codec import encode_properties
from .varint import encode_varint

_FIRST_BYTE: Final[tuple[bytes, ...]] = tuple(bytes((0x30 | flags,)) for flags in range(16))
_BYTES: Final[tuple[bytes, ...]] = tuple(bytes((i,)) for i in range(256))
_NO_PROPERTIES: Final = b"\x00"


def encode_publish(
    topic: str | bytes,
    payload: bytes,
    qos: int = 0,
    retain: bool = False,
    dup: bool = False,
    packet_id: int | None = None,
    properties: Properties | bytes | None = None,
    protocol_level: int = 4,
) -> bytes:
    """Encode a complete PUBLISH packet.

    ``topic`` may be given pre-encoded as UTF-8 ``bytes`` (not re-validated) so a hot topic
    is encoded only once. ``properties`` (MQTT 5 only, ignored below level 5) is either a
    :class:`Properties` or an already encoded property block from
    :func:`~.property_codec.encode_properties`, length prefix included. For QoS > 0 a
    ``packet_id`` in 1..65535 is required; for fan-out pass any placeholder (e.g. 1) and
    use :func:`publish_with_packet_id` per subscriber. Raises :class:`ValueError` for
    values that cannot be encoded.
    """
    raw_topic = topic.encode() if isinstance(topic, str) else topic
    topic_size = len(raw_topic)
    if topic_size > 0xFFFF:
        raise ValueError(f"topic too long: {topic_size} bytes encoded (max 65535)")
    if protocol_level < 5 or properties is None or properties is EMPTY_PROPERTIES:
        block = _NO_PROPERTIES if protocol_level >= 5 else b""
    elif isinstance(properties, bytes):
        block = properties
    else:
        block = encode_properties(properties)
    if qos:
        if qos > 2 or packet_id is None or not 0 < packet_id <= 0xFFFF:
            raise ValueError(f"QoS {qos} PUBLISH needs a packet id in 1..65535, got {packet_id}")
        length = 4 + topic_size + len(block) + len(payload)
        parts: tuple[bytes, ...] = (
            _FIRST_BYTE[(8 if dup else 0) | (qos << 1) | (1 if retain else 0)],
            _BYTES[length] if length < 128 else encode_varint(length),
            topic_size.to_bytes(2, "big"),
            raw_topic,
            packet_id.to_bytes(2, "big"),
            block,
            payload,
        )
    else:
        if qos < 0:
            raise ValueError(f"invalid QoS {qos}")
        length = 2 + topic_size + len(block) + len(payload)
        parts = (
            _FIRST_BYTE[(8 if dup else 0) | (1 if retain else 0)],
            _BYTES[length] if length < 128 else encode_varint(length),
            topic_size.to_bytes(2, "big"),
            raw_topic,
            block,
            payload,
        )
    return b"".join(parts)


def publish_with_packet_id(packet: bytes, packet_id: int, *, dup: bool | None = None) -> bytes:
    """Return a copy of an encoded QoS 1/2 PUBLISH with another packet identifier.

    ``dup=True``/``False`` also sets/clears the DUP flag (for retransmissions);
    ``None`` keeps it. ``packet`` must be a well-formed PUBLISH such as one returned by
    :func:`encode_publish`; a QoS 0 PUBLISH (no packet identifier) raises ValueError.
    """
    if not 0 < packet_id <= 0xFFFF:
        raise ValueError(f"packet id out of range: {packet_id}")
    offset = _packet_id_offset(packet)
    first = packet[0]
    if dup is not None:
        first = (first | 0x08) if dup else (first & 0xF7)
    view = memoryview(packet)
    return b"".join(
        (_BYTES[first], view[1:offset], packet_id.to_bytes(2, "big"), view[offset + 2 :])
    )


def publish_parts(packet: bytes) -> tuple[bytes, bytes]:
    """Split an encoded QoS 1/2 PUBLISH around its packet identifier: ``(head, tail)``.

    ``head + packet_id.to_bytes(2, "big") + tail`` is then the packet with that id, the
    cheapest way to send one encoding to many subscribers (about 0.1 us against 0.9 us for
    :func:`publish_with_packet_id` per copy). Raises ValueError like it.
    """
    offset = _packet_id_offset(packet)
    return packet[:offset], packet[offset + 2 :]


def _packet_id_offset(packet: bytes) -> int:
    """Where the packet identifier of a QoS 1/2 PUBLISH starts."""
    first = packet[0]
    if first >> 4 != 3 or not first & 0x06:
        raise ValueError("not a QoS 1/2 PUBLISH packet")
    index = 1
    while packet[index] & 0x80:
        index += 1
    index += 1  # first byte of the topic length
    return index + 2 + ((packet[index] << 8) | packet[index + 1])


__all__ = ["encode_publish", "publish_parts", "publish_with_packet_id"]
