"""Named byte sequences: malformed CONNECT packets and MQTT 5 properties."""

from __future__ import annotations

import pytest
from mqtt_codec_bytes import (
    MALFORMED,
    PROTOCOL,
    TOPIC_INVALID,
    UNSUPPORTED,
    after_connect,
    connect_body,
    expect,
    expect_first,
    frame,
    s,
)

from stonechat.protocols.mqtt.codec import Connect, Decoder, ProtocolError, Will


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
