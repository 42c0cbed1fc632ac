"""Named byte sequences: malformed framing, headers, strings, PUBLISH and SUBSCRIBE."""

from __future__ import annotations

import pytest
from mqtt_codec_bytes import (
    CONNECT4,
    CONNECT5,
    MALFORMED,
    PROTOCOL,
    TOO_LARGE,
    TOPIC_INVALID,
    after_connect,
    expect,
    expect_first,
    frame,
    s,
)

from stonechat.protocols.mqtt.codec import Decoder, Packet, ProtocolError, Publish, Subscribe

PUBLISH_QOS1 = frame(0x32, s(b"a/b") + b"\x00\x07" + b"payload")
PUBLISH_QOS1_V5 = frame(0x32, s(b"a/b") + b"\x00\x07\x00" + b"payload")


@pytest.mark.parametrize(
    ("level", "wire"),
    [
        (4, PUBLISH_QOS1),
        (5, PUBLISH_QOS1_V5),
        (4, frame(0x82, b"\x00\x01" + s(b"a/#") + b"\x01")),
        (5, frame(0xE0, b"\x04\x00")),
        (4, bytes((0x30, 0xC8, 0x01)) + s(b"t") + bytes(197)),  # two-byte remaining length
    ],
)
def test_truncated_packet_waits_for_more(level: int, wire: bytes) -> None:
    for cut in range(len(wire)):
        decoder = Decoder(server_side=False, protocol_level=level)
        assert decoder.feed(wire[:cut]) == []
        assert decoder.buffered == cut
        assert len(decoder.feed(wire[cut:])) == 1
        assert decoder.buffered == 0


def test_truncated_connect_waits() -> None:
    decoder = Decoder()
    assert decoder.feed(CONNECT4[:-1]) == []
    assert decoder.protocol_level is None
    assert len(decoder.feed(CONNECT4[-1:])) == 1
    assert decoder.protocol_level == 4


def test_remaining_length_of_five_bytes() -> None:
    expect(MALFORMED, 4, b"\x30\xff\xff\xff\xff\x01")
    # rejected as soon as the fourth byte shows a continuation bit, without more input
    expect(MALFORMED, 4, b"\x30\x80\x80\x80\x80")


def test_remaining_length_not_minimal() -> None:
    expect(MALFORMED, 4, b"\xc0\x80\x00")


@pytest.mark.parametrize("bad", [b"\xff", b"a\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf"])
def test_invalid_utf8_in_topic(bad: bytes) -> None:
    expect(MALFORMED, 4, frame(0x30, s(bad) + b"x"))
    expect(MALFORMED, 5, frame(0x30, s(bad) + b"\x00x"))


@pytest.mark.parametrize("bad", [b"\xff", b"\xed\xb0\x80"])
def test_invalid_utf8_in_client_id(bad: bytes) -> None:
    body = s(b"MQTT") + b"\x04\x02\x00\x3c" + s(bad)
    expect_first(MALFORMED, frame(0x10, body))


def test_nul_character_in_strings() -> None:
    expect(MALFORMED, 4, frame(0x30, s(b"a\x00b") + b"x"))
    expect_first(MALFORMED, frame(0x10, s(b"MQTT") + b"\x04\x02\x00\x3c" + s(b"c\x00")))
    username = s(b"MQTT") + b"\x04\x82\x00\x3c" + s(b"c") + s(b"\x00user")
    expect_first(MALFORMED, frame(0x10, username))
    expect(MALFORMED, 5, frame(0x82, b"\x00\x01\x00" + s(b"a/\x00") + b"\x00"))


@pytest.mark.parametrize(
    "first", [0x11, 0x41, 0x52, 0x60, 0x64, 0x72, 0x80, 0x83, 0xA0, 0xC1, 0xE8, 0x00, 0x02]
)
def test_reserved_fixed_header_flags(first: int) -> None:
    # Rejected on the first byte alone, before any remaining length arrives.
    expect(MALFORMED, 5, bytes((first,)))
    expect(MALFORMED, 4, bytes((first,)))


def test_publish_qos_3() -> None:
    expect(MALFORMED, 4, b"\x36")
    expect(MALFORMED, 5, frame(0x37, s(b"t") + b"\x00\x01\x00"))


def test_publish_dup_on_qos0() -> None:
    expect(MALFORMED, 5, frame(0x38, s(b"t") + b"\x00x"))
    # MQTT 3.1.1 receivers are lenient here
    (packet,) = after_connect(4, frame(0x38, s(b"t") + b"x"))
    assert packet == Publish("t", b"x", dup=True)


def test_oversized_packet_rejected_before_body() -> None:
    decoder = Decoder(max_packet_size=100)
    decoder.feed(CONNECT4)
    with pytest.raises(ProtocolError) as info:
        decoder.feed(b"\x30\xe8\x07")  # remaining length 1000, no body yet
    assert info.value.reason_code == TOO_LARGE
    assert decoder.buffered == 0
    exact = Decoder(max_packet_size=10, server_side=False, protocol_level=4)
    assert len(exact.feed(frame(0x30, s(b"t") + b"12345"))) == 1  # 2 + 8 bytes: accepted
    too_big = frame(0x30, s(b"t") + b"123456")
    expect_first(TOO_LARGE, too_big, max_packet_size=10, server_side=False, protocol_level=4)


@pytest.mark.parametrize("topic", [b"a/+", b"+", b"a/#", b"#", b"a+b"])
def test_wildcard_in_publish_topic(topic: bytes) -> None:
    expect(TOPIC_INVALID, 4, frame(0x30, s(topic) + b"x"))
    expect(TOPIC_INVALID, 5, frame(0x30, s(topic) + b"\x00x"))


def test_empty_publish_topic() -> None:
    expect(TOPIC_INVALID, 4, frame(0x30, s(b"") + b"x"))
    expect(PROTOCOL, 5, frame(0x30, s(b"") + b"\x00x"))
    (packet,) = after_connect(5, frame(0x30, s(b"") + b"\x03\x23\x00\x01x"))  # topic alias 1
    assert isinstance(packet, Publish)
    assert packet.topic == "" and packet.properties.topic_alias == 1


@pytest.mark.parametrize(
    "wire",
    [
        frame(0x32, s(b"t") + b"\x00\x00x"),
        frame(0x40, b"\x00\x00"),
        frame(0x50, b"\x00\x00"),
        frame(0x62, b"\x00\x00"),
        frame(0x70, b"\x00\x00"),
        frame(0x82, b"\x00\x00" + s(b"a") + b"\x00"),
        frame(0xA2, b"\x00\x00" + s(b"a")),
    ],
)
def test_zero_packet_id(wire: bytes) -> None:
    expect(PROTOCOL, 4, wire)


def test_empty_subscribe_and_unsubscribe() -> None:
    expect(PROTOCOL, 4, frame(0x82, b"\x00\x01"))
    expect(PROTOCOL, 5, frame(0x82, b"\x00\x01\x00"))
    expect(PROTOCOL, 4, frame(0xA2, b"\x00\x01"))
    expect(PROTOCOL, 5, frame(0xA2, b"\x00\x01\x00"))
    expect(MALFORMED, 4, frame(0x82, b"\x00\x01" + s(b"a")))  # filter without options byte


@pytest.mark.parametrize(
    ("level", "options", "reason"),
    [
        (4, 0x04, MALFORMED),  # 3.1.1: upper six bits reserved
        (4, 0x03, MALFORMED),  # QoS 3
        (5, 0x40, MALFORMED),  # MQTT 5: bits 6 and 7 reserved
        (5, 0x80, MALFORMED),
        (5, 0x03, PROTOCOL),  # QoS 3
        (5, 0x30, PROTOCOL),  # retain handling 3
    ],
)
def test_subscription_options(level: int, options: int, reason: int) -> None:
    props = b"\x00" if level == 5 else b""
    expect(reason, level, frame(0x82, b"\x00\x01" + props + s(b"a/b") + bytes((options,))))


def test_no_local_on_shared_subscription() -> None:
    expect(PROTOCOL, 5, frame(0x82, b"\x00\x01\x00" + s(b"$share/g/a") + b"\x04"))
    assert len(after_connect(5, frame(0x82, b"\x00\x01\x00" + s(b"$share/g/a") + b"\x01"))) == 1


def test_first_packet_must_be_connect() -> None:
    expect_first(PROTOCOL, b"\xc0\x00")
    expect_first(PROTOCOL, b"\x30")
    expect(PROTOCOL, 4, CONNECT4)  # second CONNECT [MQTT-3.1.0-2]


@pytest.mark.parametrize("first", [0x20, 0x90, 0xB0, 0xD0])
def test_server_originated_packets_rejected_by_server(first: int) -> None:
    expect(PROTOCOL, 5, bytes((first,)))


def test_auth_is_reserved_in_mqtt311() -> None:
    expect(MALFORMED, 4, b"\xf0\x00")
    assert len(after_connect(5, b"\xf0\x00")) == 1


@pytest.mark.parametrize(
    ("level", "wire"),
    [
        (4, b"\x40\x03\x00\x01\x00"),  # 3.1.1 PUBACK must be exactly 2 bytes
        (4, b"\xe0\x01\x00"),  # 3.1.1 DISCONNECT must be empty
        (4, b"\xc0\x01\x00"),  # PINGREQ must be empty
        (5, b"\x40\x03\x00\x01\x05"),  # invalid PUBACK reason code
        (5, b"\xe0\x01\x03"),  # invalid DISCONNECT reason code
        (5, b"\x40\x05\x00\x01\x00\x00\x00"),  # bytes after the properties
    ],
)
def test_bad_lengths_and_reason_codes(level: int, wire: bytes) -> None:
    expect(MALFORMED, level, wire)


def test_error_is_sticky() -> None:
    decoder = Decoder()
    with pytest.raises(ProtocolError):
        decoder.feed(b"\x36")
    with pytest.raises(ProtocolError):
        decoder.feed(CONNECT4)


def _bounded(level: int, body: bytes) -> list[Packet]:
    """Decode one SUBSCRIBE of ``body`` with a decoder that decodes at most 2 filters."""
    decoder = Decoder(max_subscribe_filters=2)
    decoder.feed(CONNECT5 if level == 5 else CONNECT4)
    props = b"\x00" if level == 5 else b""
    return decoder.feed(frame(0x82, b"\x00\x01" + props + body))


@pytest.mark.parametrize("level", [4, 5])
def test_filters_past_the_limit_are_counted_not_decoded(level: int) -> None:
    filters = b"".join(s(f"t/{i}".encode()) + b"\x01" for i in range(5))
    (packet,) = _bounded(level, filters)
    assert isinstance(packet, Subscribe)
    assert [f for f, _ in packet.subscriptions] == ["t/0", "t/1"]
    assert packet.beyond == 3
    (packet,) = _bounded(level, s(b"t/0") + b"\x01")
    assert isinstance(packet, Subscribe) and packet.beyond == 0


@pytest.mark.parametrize(
    ("level", "tail", "reason"),
    [
        (4, s(b"c"), MALFORMED),  # past the limit: a filter without its options byte
        (4, b"\x00", MALFORMED),  # a string length cut in half
        (4, b"\x00\x09ab" + b"\x01", MALFORMED),  # a length past the end of the packet
        (4, s(b"c") + b"\x04", MALFORMED),  # reserved bits
        (4, s(b"c") + b"\x03", MALFORMED),  # QoS 3
        (5, s(b"c") + b"\x80", MALFORMED),
        (5, s(b"c") + b"\x03", PROTOCOL),  # QoS 3
        (5, s(b"c") + b"\x30", PROTOCOL),  # retain handling 3
    ],
)
def test_filters_past_the_limit_are_still_framed(level: int, tail: bytes, reason: int) -> None:
    """The filters past the limit are skipped by their lengths: a broken frame or option
    bits there still make the packet malformed, as if they had been decoded."""
    with pytest.raises(ProtocolError) as info:
        _bounded(level, s(b"a") + b"\x01" + s(b"b") + b"\x01" + tail)
    assert info.value.reason_code == reason
