"""Helpers for the hand-assembled byte sequences of the malformed-input tests."""

from __future__ import annotations

import pytest

from stonechat.protocols.mqtt.codec import Decoder, Packet, ProtocolError

MALFORMED, PROTOCOL, UNSUPPORTED, TOPIC_INVALID, TOO_LARGE = 0x81, 0x82, 0x84, 0x90, 0x95


def s(raw: bytes) -> bytes:
    """A length-prefixed string/binary field."""
    return len(raw).to_bytes(2, "big") + raw


def frame(first: int, body: bytes) -> bytes:
    """A packet with a (short) remaining length."""
    assert len(body) < 128
    return bytes((first, len(body))) + body


def connect_body(
    level: int = 4, flags: int = 0x02, tail: bytes = b"", name: bytes = b"MQTT"
) -> bytes:
    props = b"\x00" if level == 5 else b""
    return s(name) + bytes((level, flags)) + b"\x00\x3c" + props + s(b"cid") + tail


CONNECT4 = frame(0x10, connect_body(4))
CONNECT5 = frame(0x10, connect_body(5))


def after_connect(level: int, *chunks: bytes) -> list[Packet]:
    """Decode ``chunks`` server-side after a valid CONNECT of ``level``."""
    decoder = Decoder()
    assert len(decoder.feed(CONNECT5 if level == 5 else CONNECT4)) == 1
    out: list[Packet] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out


def expect(reason: int, level: int, *chunks: bytes) -> ProtocolError:
    """Assert that ``chunks`` after a CONNECT raise ProtocolError(``reason``)."""
    with pytest.raises(ProtocolError) as info:
        after_connect(level, *chunks)
    assert info.value.reason_code == reason, info.value
    return info.value


def expect_first(reason: int, data: bytes, **kwargs: object) -> ProtocolError:
    """Assert that ``data`` fed to a new ``Decoder(**kwargs)`` raises ``reason``."""
    with pytest.raises(ProtocolError) as info:
        Decoder(**kwargs).feed(data)  # type: ignore[arg-type]
    assert info.value.reason_code == reason, info.value
    return info.value
