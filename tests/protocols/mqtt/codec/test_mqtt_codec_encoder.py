"""Encoder: exact byte layouts per version, short forms, and the PUBLISH fast path."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mqtt_codec_strategies import CODEC_SETTINGS, publishes

from stonechat.protocols.mqtt.codec import (
    Auth,
    Connack,
    Connect,
    Decoder,
    Disconnect,
    Packet,
    Pingreq,
    Pingresp,
    Properties,
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
    Will,
    encode,
    encode_properties,
    encode_publish,
    publish_parts,
    publish_with_packet_id,
)

REASON_X = Properties(reason_string="x")


@pytest.mark.parametrize(
    ("packet", "level", "wire"),
    [
        (
            Connect(client_id="c", keep_alive=60),
            4,
            b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01c",
        ),
        (
            Connect(protocol_level=5, client_id="c", keep_alive=60),
            5,
            b"\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01c",
        ),
        (
            Connect("MQIsdp", 3, False, 10, "c", "u", b"p", Will("w", b"m", 2, True)),
            3,
            b"\x10\x1b\x00\x06MQIsdp\x03\xf4\x00\x0a\x00\x01c\x00\x01w\x00\x01m\x00\x01u\x00\x01p",
        ),
        (Connack(True, 0), 4, b"\x20\x02\x01\x00"),
        (Connack(True, 0), 3, b"\x20\x02\x00\x00"),  # MQTT 3.1 has no session present
        (Connack(False, 0x86), 5, b"\x20\x03\x00\x86\x00"),
        (Publish("a/b", b"hi"), 4, b"\x30\x07\x00\x03a/bhi"),
        (Publish("a/b", b"hi"), 5, b"\x30\x08\x00\x03a/b\x00hi"),
        (Publish("t", b"", 1, True, True, 9), 4, b"\x3b\x05\x00\x01t\x00\x09"),
        (Publish("t", b"", 2, packet_id=9), 5, b"\x34\x06\x00\x01t\x00\x09\x00"),
        (Puback(7), 4, b"\x40\x02\x00\x07"),
        (Puback(7, 0x10, REASON_X), 4, b"\x40\x02\x00\x07"),  # 3.1.1 drops v5 fields
        (Puback(7), 5, b"\x40\x02\x00\x07"),  # [MQTT-3.4.2.1] short form
        (Puback(7, 0x10), 5, b"\x40\x03\x00\x07\x10"),
        (Puback(7, 0x10, REASON_X), 5, b"\x40\x08\x00\x07\x10\x04\x1f\x00\x01x"),
        (Puback(7, 0, REASON_X), 5, b"\x40\x08\x00\x07\x00\x04\x1f\x00\x01x"),
        (Pubrec(7), 4, b"\x50\x02\x00\x07"),
        (Pubrel(7), 4, b"\x62\x02\x00\x07"),
        (Pubrel(7, 0x92), 5, b"\x62\x03\x00\x07\x92"),
        (Pubcomp(7), 5, b"\x70\x02\x00\x07"),
        (
            Subscribe(1, [("a/#", SubscriptionOptions(1, True, True, 2))]),
            4,
            b"\x82\x08\x00\x01\x00\x03a/#\x01",
        ),
        (
            Subscribe(1, [("a/#", SubscriptionOptions(2, True, True, 2))]),
            5,
            b"\x82\x09\x00\x01\x00\x00\x03a/#\x2e",
        ),
        (Suback(1, [0, 0x80]), 4, b"\x90\x04\x00\x01\x00\x80"),
        (Suback(1, [2]), 5, b"\x90\x04\x00\x01\x00\x02"),
        (Unsubscribe(1, ["a"]), 4, b"\xa2\x05\x00\x01\x00\x01a"),
        (Unsubscribe(1, ["a"]), 5, b"\xa2\x06\x00\x01\x00\x00\x01a"),
        (Unsuback(1, [0x11]), 4, b"\xb0\x02\x00\x01"),
        (Unsuback(1, [0x11]), 5, b"\xb0\x04\x00\x01\x00\x11"),
        (Pingreq(), 4, b"\xc0\x00"),
        (Pingresp(), 5, b"\xd0\x00"),
        (Disconnect(0x04), 4, b"\xe0\x00"),
        (Disconnect(), 5, b"\xe0\x00"),
        (Disconnect(0x04), 5, b"\xe0\x01\x04"),
        (
            Disconnect(0, Properties(session_expiry_interval=10)),
            5,
            b"\xe0\x07\x00\x05\x11\x00\x00\x00\x0a",
        ),
        (Auth(), 5, b"\xf0\x00"),
        (Auth(0x18), 5, b"\xf0\x01\x18"),
    ],
)
def test_exact_encoding(packet: Packet, level: int, wire: bytes) -> None:
    assert encode(packet, level) == wire
    decoded = Decoder(server_side=False, protocol_level=level).feed(wire)
    assert len(decoded) == 1 and type(decoded[0]) is type(packet)


@pytest.mark.parametrize(
    ("payload_size", "header"),
    [
        (123, b"\x30\x7f"),
        (124, b"\x30\x80\x01"),
        (16379, b"\x30\xff\x7f"),
        (16380, b"\x30\x80\x80\x01"),
    ],
)
def test_remaining_length_boundaries(payload_size: int, header: bytes) -> None:
    packet = Publish("a", bytes(payload_size))  # remaining length: 3 + 1 + payload
    wire = encode(packet, 5)
    assert wire.startswith(header)
    assert Decoder(server_side=False, protocol_level=5).feed(wire) == [packet]


def test_auth_does_not_exist_in_mqtt311() -> None:
    with pytest.raises(ValueError, match="AUTH"):
        encode(Auth(), 4)


def test_encoder_rejects_unencodable_values() -> None:
    with pytest.raises(ValueError):
        encode(Connect(password=b"p"), 4)  # 3.1.1 password needs a user name
    with pytest.raises(ValueError):
        encode(Puback(0x10000), 4)
    with pytest.raises(ValueError):
        encode_publish("t", b"", qos=1)  # no packet id
    with pytest.raises(ValueError):
        encode_publish("t" * 0x10000, b"")
    with pytest.raises(TypeError):
        encode("PUBLISH", 4)  # type: ignore[arg-type]


def test_user_property_order_is_preserved() -> None:
    props = Properties(user_properties=(("b", "2"), ("a", "1"), ("b", "3")))
    packet = Publish("t", b"", properties=props)
    (decoded,) = Decoder(server_side=False, protocol_level=5).feed(encode(packet, 5))
    assert decoded.properties.user_properties == props.user_properties  # type: ignore[union-attr]


@pytest.mark.parametrize("level", [4, 5])
@CODEC_SETTINGS
@given(data=st.data())
def test_encode_publish_matches_encode(level: int, data: st.DataObject) -> None:
    packet = data.draw(publishes(level == 5))
    wire = encode(packet, level)
    fast = encode_publish(
        packet.topic.encode(),
        packet.payload,
        packet.qos,
        packet.retain,
        packet.dup,
        packet.packet_id,
        encode_properties(packet.properties) if level == 5 else b"junk-ignored",
        level,
    )
    assert fast == wire
    assert (
        encode_publish(
            packet.topic,
            packet.payload,
            qos=packet.qos,
            retain=packet.retain,
            dup=packet.dup,
            packet_id=packet.packet_id,
            properties=packet.properties,
            protocol_level=level,
        )
        == wire
    )


@pytest.mark.parametrize("level", [4, 5])
@CODEC_SETTINGS
@given(data=st.data(), new_id=st.integers(1, 0xFFFF), dup=st.none() | st.booleans())
def test_publish_with_packet_id(
    level: int, data: st.DataObject, new_id: int, dup: bool | None
) -> None:
    packet = data.draw(publishes(level == 5).filter(lambda p: p.qos > 0))
    patched = publish_with_packet_id(encode(packet, level), new_id, dup=dup)
    expected = dataclasses.replace(packet, packet_id=new_id, dup=packet.dup if dup is None else dup)
    assert Decoder(server_side=False, protocol_level=level).feed(patched) == [expected]


def test_publish_with_packet_id_rejects_qos0() -> None:
    with pytest.raises(ValueError):
        publish_with_packet_id(encode_publish("t", b"x"), 5)
    with pytest.raises(ValueError):
        publish_with_packet_id(encode(Puback(1), 4), 5)


@pytest.mark.parametrize("level", [4, 5])
@CODEC_SETTINGS
@given(data=st.data(), new_id=st.integers(1, 0xFFFF))
def test_publish_parts_around_the_packet_id(level: int, data: st.DataObject, new_id: int) -> None:
    """head + id + tail is the packet with that id: topic, properties and payload intact."""
    packet = data.draw(publishes(level == 5).filter(lambda p: p.qos > 0))
    head, tail = publish_parts(encode(packet, level))
    joined = head + new_id.to_bytes(2, "big") + tail
    expected = dataclasses.replace(packet, packet_id=new_id)
    assert Decoder(server_side=False, protocol_level=level).feed(joined) == [expected]


def test_publish_parts_rejects_what_has_no_packet_id() -> None:
    with pytest.raises(ValueError):
        publish_parts(encode_publish("t", b"x"))
    with pytest.raises(ValueError):
        publish_parts(encode(Puback(1), 4))
