"""Named byte sequences: malformed or forbidden input and the reason code it must raise."""

from __future__ import annotations

import pytest

from stonechat.protocols.mqtt.codec import Connect, Decoder, Packet, ProtocolError, Publish, Will

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
    decoder = Decoder()
    assert len(decoder.feed(CONNECT5 if level == 5 else CONNECT4)) == 1
    out: list[Packet] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out


def expect(reason: int, level: int, *chunks: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        after_connect(level, *chunks)
    assert info.value.reason_code == reason, info.value
    return info.value


def expect_first(reason: int, data: bytes, **kwargs: object) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        Decoder(**kwargs).feed(data)  # type: ignore[arg-type]
    assert info.value.reason_code == reason, info.value
    return info.value


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


def test_connect_reserved_flag() -> None:
    expect_first(MALFORMED, frame(0x10, connect_body(4, flags=0x03)))
    expect_first(MALFORMED, frame(0x10, connect_body(5, flags=0x01)))


@pytest.mark.parametrize(
    ("level", "flags", "tail"),
    [
        (4, 0x08, b""),  # will QoS 1 without will flag [MQTT-3.1.2-11]
        (4, 0x20, b""),  # will retain without will flag [MQTT-3.1.2-13]
        (4, 0x1C, s(b"w") + s(b"m")),  # will QoS 3
        (4, 0x04, s(b"w")),  # will flag but no will message
        (4, 0x40, s(b"pw")),  # 3.1.1: password without user name [MQTT-3.1.2-22]
        (4, 0x80, b""),  # user name flag without user name
        (4, 0x02, s(b"extra")),  # trailing bytes
        (5, 0x08, b""),  # will QoS 1 without will flag
        (5, 0x1C, b"\x00" + s(b"w") + s(b"m")),  # will QoS 3
    ],
)
def test_connect_flag_consistency(level: int, flags: int, tail: bytes) -> None:
    expect_first(MALFORMED, frame(0x10, connect_body(level, flags=flags, tail=tail)))


def test_connect_with_will() -> None:
    (packet,) = Decoder().feed(frame(0x10, connect_body(5, 0x2C, b"\x00" + s(b"w") + s(b"m"))))
    assert isinstance(packet, Connect) and packet.will == Will("w", b"m", 1, True)
    with pytest.raises(ProtocolError) as info:  # a will topic is a topic name
        Decoder().feed(frame(0x10, connect_body(4, 0x04, s(b"w/#") + s(b"m"))))
    assert info.value.reason_code == TOPIC_INVALID


def test_password_without_username_allowed_in_v5() -> None:
    (packet,) = Decoder().feed(frame(0x10, connect_body(5, flags=0x42, tail=s(b"pw"))))
    assert packet.password == b"pw" and packet.username is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "level"), [(b"MQTT", 6), (b"MQTT", 3), (b"MQTT", 0), (b"MQIsdp", 4), (b"HTTP", 4)]
)
def test_unknown_protocol(name: bytes, level: int) -> None:
    decoder = Decoder()
    with pytest.raises(ProtocolError) as info:
        decoder.feed(frame(0x10, connect_body(level, name=name)))
    assert info.value.reason_code == UNSUPPORTED
    assert decoder.protocol_level is None


def test_malformed_connect_still_reports_level() -> None:
    decoder = Decoder()
    with pytest.raises(ProtocolError):
        decoder.feed(frame(0x10, connect_body(5, flags=0x03)))
    assert decoder.protocol_level == 5  # the broker can answer with an MQTT 5 CONNACK


def test_duplicate_property() -> None:
    twice = b"\x0a\x02\x00\x00\x00\x01\x02\x00\x00\x00\x02"  # message expiry interval x2
    expect(PROTOCOL, 5, frame(0x30, s(b"t") + twice + b"x"))
    users = b"\x0e\x26" + s(b"k") + s(b"v") + b"\x26" + s(b"k") + s(b"v")
    (packet,) = after_connect(5, frame(0x30, s(b"t") + users + b"x"))
    assert packet.properties.user_properties == (("k", "v"), ("k", "v"))  # type: ignore[union-attr]
    expect(PROTOCOL, 5, frame(0x82, b"\x00\x01\x04\x0b\x01\x0b\x02" + s(b"a") + b"\x00"))


@pytest.mark.parametrize(
    "wire",
    [
        frame(0x30, s(b"t") + b"\x05\x11\x00\x00\x00\x01x"),  # session expiry in PUBLISH
        frame(0x40, b"\x00\x01\x00\x02\x23\x00"),  # topic alias in PUBACK
        frame(0xE0, b"\x00\x02\x17\x01"),  # request problem information in DISCONNECT
        frame(0x30, s(b"t") + b"\x05\x18\x00\x00\x00\x01x"),  # will delay outside a will
        frame(0x30, s(b"t") + b"\x01\x7fx"),  # unknown property identifier
        frame(0x30, s(b"t") + b"\x05\x02\x00x"),  # property value runs past the block
    ],
)
def test_property_not_allowed_or_unknown(wire: bytes) -> None:
    expect(MALFORMED, 5, wire)


@pytest.mark.parametrize(
    "props",
    [
        b"\x03\x23\x00\x00",  # topic alias 0 [MQTT-3.3.2-8]
        b"\x02\x01\x02",  # payload format indicator 2
        b"\x06\x08" + s(b"a/#"),  # response topic with a wildcard [MQTT-3.3.2-14]
        b"\x02\x0b\x00",  # subscription identifier 0
    ],
)
def test_property_value_constraints(props: bytes) -> None:
    expect(PROTOCOL, 5, frame(0x30, s(b"t") + props + b"x"))


def test_connect_property_constraints() -> None:
    for props in (b"\x03\x21\x00\x00", b"\x05\x27\x00\x00\x00\x00", b"\x03\x16\x00\x00"):
        body = s(b"MQTT") + b"\x05\x02\x00\x3c" + props + s(b"c")
        expect_first(PROTOCOL, frame(0x10, body))  # receive max 0, max packet 0, auth data


def test_subscription_identifier_from_client() -> None:
    wire = frame(0x30, s(b"t") + b"\x02\x0b\x05x")
    expect(PROTOCOL, 5, wire)
    decoder = Decoder(server_side=False, protocol_level=5)
    assert decoder.feed(wire)[0].properties.subscription_identifiers == (5,)  # type: ignore[union-attr]


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
