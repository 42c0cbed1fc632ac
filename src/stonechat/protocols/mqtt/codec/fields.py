"""Fixed-size integers, UTF-8 strings and binary data (MQTT 5 section 1.5).

Readers take ``(data, pos, end)`` and return ``(value, new_pos)``; they never read at or
beyond ``end`` (the end of the current packet) and raise only
:class:`~.errors.ProtocolError`. Writers return the encoded ``bytes`` and raise
:class:`ValueError` for values the wire format cannot hold.
"""

from __future__ import annotations

from .errors import malformed


def read_u8(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read a one-byte integer."""
    if pos >= end:
        raise malformed("packet truncated (expected a byte)")
    return data[pos], pos + 1


def read_u16(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read a big-endian Two Byte Integer (MQTT 5 1.5.2)."""
    if pos + 2 > end:
        raise malformed("packet truncated (expected a two byte integer)")
    return (data[pos] << 8) | data[pos + 1], pos + 2


def read_u32(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read a big-endian Four Byte Integer (MQTT 5 1.5.3)."""
    if pos + 4 > end:
        raise malformed("packet truncated (expected a four byte integer)")
    return int.from_bytes(data[pos : pos + 4], "big"), pos + 4


def read_binary(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    """Read Binary Data: a two-byte length followed by that many bytes (MQTT 5 1.5.6)."""
    if pos + 2 > end:
        raise malformed("packet truncated (expected a length prefix)")
    stop = pos + 2 + ((data[pos] << 8) | data[pos + 1])
    if stop > end:
        raise malformed("length-prefixed field runs past the end of the packet")
    return data[pos + 2 : stop], stop


def read_string(data: bytes, pos: int, end: int) -> tuple[str, int]:
    """Read a UTF-8 Encoded String (MQTT 5 1.5.4, MQTT 3.1.1 1.5.3).

    The bytes must be well-formed UTF-8 without surrogates [MQTT-1.5.4-1] and must not
    contain U+0000 [MQTT-1.5.4-2]; otherwise the packet is malformed.
    """
    if pos + 2 > end:
        raise malformed("packet truncated (expected a string length)")
    stop = pos + 2 + ((data[pos] << 8) | data[pos + 1])
    if stop > end:
        raise malformed("string runs past the end of the packet")
    raw = data[pos + 2 : stop]
    try:
        # Python's strict UTF-8 codec rejects encoded surrogates and overlong forms.
        text = raw.decode()
    except UnicodeDecodeError:
        raise malformed("string is not valid UTF-8 [MQTT-1.5.4-1]") from None
    if "\x00" in text:
        raise malformed("string contains U+0000 [MQTT-1.5.4-2]")
    return text, stop


def read_string_pair(data: bytes, pos: int, end: int) -> tuple[tuple[str, str], int]:
    """Read a UTF-8 String Pair (MQTT 5 1.5.7): a name string then a value string."""
    name, pos = read_string(data, pos, end)
    value, pos = read_string(data, pos, end)
    return (name, value), pos


def encode_u16(value: int) -> bytes:
    """Encode a big-endian Two Byte Integer."""
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"two byte integer out of range: {value}")
    return value.to_bytes(2, "big")


def encode_u32(value: int) -> bytes:
    """Encode a big-endian Four Byte Integer."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"four byte integer out of range: {value}")
    return value.to_bytes(4, "big")


def encode_binary(value: bytes) -> bytes:
    """Encode Binary Data with its two-byte length prefix."""
    size = len(value)
    if size > 0xFFFF:
        raise ValueError(f"binary field too long: {size} bytes (max 65535)")
    return size.to_bytes(2, "big") + value


def encode_string(value: str) -> bytes:
    """Encode a UTF-8 Encoded String with its two-byte length prefix."""
    raw = value.encode()
    size = len(raw)
    if size > 0xFFFF:
        raise ValueError(f"string too long: {size} bytes encoded (max 65535)")
    return size.to_bytes(2, "big") + raw


def encode_string_pair(pair: tuple[str, str]) -> bytes:
    """Encode a UTF-8 String Pair."""
    return encode_string(pair[0]) + encode_string(pair[1])


__all__ = [
    "encode_binary",
    "encode_string",
    "encode_string_pair",
    "encode_u16",
    "encode_u32",
    "read_binary",
    "read_string",
    "read_string_pair",
    "read_u8",
    "read_u16",
    "read_u32",
]
