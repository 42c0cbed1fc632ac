"""Variable Byte Integers (MQTT 5 section 1.5.5, MQTT 3.1.1 section 2.2.3).

Used for the fixed header's Remaining Length, the MQTT 5 Property Length and the
Subscription Identifier property. At most four bytes encode at most 268,435,455.
"""

from __future__ import annotations

from typing import Final

from .errors import malformed

MAX_VARINT: Final = 268_435_455
"""Largest value a Variable Byte Integer can encode (four bytes)."""

INCOMPLETE: Final = -1
"""Returned by :func:`read_remaining_length` when more bytes are needed."""

_SMALL: Final[tuple[bytes, ...]] = tuple(bytes((i,)) for i in range(128))


def encode_varint(value: int) -> bytes:
    """Encode ``value`` (0..268,435,455) as a Variable Byte Integer.

    Raises :class:`ValueError` for values outside that range.
    """
    if value < 128:
        if value < 0:
            raise ValueError(f"variable byte integer out of range: {value}")
        return _SMALL[value]
    if value > MAX_VARINT:
        raise ValueError(f"variable byte integer out of range: {value}")
    out = bytearray()
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint_size(value: int) -> int:
    """Return how many bytes :func:`encode_varint` uses for ``value``."""
    if value < 128:
        return 1
    if value < 16_384:
        return 2
    if value < 2_097_152:
        return 3
    return 4


def decode_varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Decode a Variable Byte Integer from ``data[pos:end]``.

    Returns ``(value, position after the integer)``. Raises a malformed-packet
    :class:`~.errors.ProtocolError` when the integer is truncated, longer than four bytes
    or not minimally encoded.
    """
    value, new_pos = read_remaining_length(data, pos, end)
    if value == INCOMPLETE:
        raise malformed("truncated variable byte integer")
    return value, new_pos


def read_remaining_length(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Decode a Variable Byte Integer that may not have fully arrived yet.

    Like :func:`decode_varint`, but returns ``(INCOMPLETE, pos)`` when ``data[pos:end]``
    ends before the last byte of the integer, so a stream decoder can wait for more input.
    """
    value = 0
    shift = 0
    for i in range(pos, min(pos + 4, end)):
        byte = data[i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            # [MQTT-1.5.5-1] the encoded value MUST use the minimum number of bytes
            if byte == 0 and i != pos:
                raise malformed("variable byte integer is not minimally encoded [MQTT-1.5.5-1]")
            return value, i + 1
        shift += 7
    if end - pos >= 4:
        raise malformed("variable byte integer longer than four bytes")
    return INCOMPLETE, pos


__all__ = [
    "INCOMPLETE",
    "MAX_VARINT",
    "decode_varint",
    "encode_varint",
    "read_remaining_length",
    "varint_size",
]
