"""Variable byte integers, field readers/writers, topic syntax helpers and properties."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mqtt_codec_strategies import CODEC_SETTINGS

from stonechat.protocols.mqtt.codec import (
    EMPTY_PROPERTIES,
    Properties,
    ProtocolError,
    encode_properties,
)
from stonechat.protocols.mqtt.codec.fields import (
    encode_binary,
    encode_string,
    encode_u16,
    encode_u32,
    read_binary,
    read_string,
    read_u16,
    read_u32,
)
from stonechat.protocols.mqtt.codec.properties import PROPERTY_NAMES
from stonechat.protocols.mqtt.codec.topics import (
    check_topic_name,
    is_valid_topic_filter,
    is_valid_topic_name,
    split_shared_subscription,
)
from stonechat.protocols.mqtt.codec.varint import (
    INCOMPLETE,
    MAX_VARINT,
    decode_varint,
    encode_varint,
    read_remaining_length,
    varint_size,
)


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16_383, b"\xff\x7f"),
        (16_384, b"\x80\x80\x01"),
        (2_097_151, b"\xff\xff\x7f"),
        (2_097_152, b"\x80\x80\x80\x01"),
        (MAX_VARINT, b"\xff\xff\xff\x7f"),
    ],
)
def test_varint_spec_examples(value: int, wire: bytes) -> None:
    # MQTT 5 table 1-1 (size of Variable Byte Integer)
    assert encode_varint(value) == wire
    assert varint_size(value) == len(wire)
    assert decode_varint(wire + b"rest", 0, len(wire) + 4) == (value, len(wire))
    for cut in range(len(wire)):
        assert read_remaining_length(wire, 0, cut) == (INCOMPLETE, 0)


@CODEC_SETTINGS
@given(st.integers(0, MAX_VARINT))
def test_varint_roundtrip(value: int) -> None:
    wire = encode_varint(value)
    assert decode_varint(wire, 0, len(wire)) == (value, len(wire))


@pytest.mark.parametrize("value", [-1, MAX_VARINT + 1])
def test_varint_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        encode_varint(value)


@pytest.mark.parametrize("wire", [b"\x80\x80\x80\x80\x01", b"\x80\x00", b"\xff\x80\x00", b"\x80"])
def test_varint_malformed(wire: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_varint(wire, 0, len(wire))
    assert info.value.reason_code == 0x81


def test_readers_respect_the_packet_end() -> None:
    data = b"\x00\x03abcdef"
    assert read_string(data, 0, 5) == ("abc", 5)
    with pytest.raises(ProtocolError):
        read_string(data, 0, 4)  # the string would run past ``end`` into the next packet
    with pytest.raises(ProtocolError):
        read_binary(data, 0, 1)
    with pytest.raises(ProtocolError):
        read_u16(data, 7, 8)
    with pytest.raises(ProtocolError):
        read_u32(data, 0, 3)
    assert read_u32(b"\x01\x02\x03\x04", 0, 4) == (0x01020304, 4)


def test_byte_order_mark_is_kept() -> None:
    # [MQTT-1.5.4-3] 0xEF 0xBB 0xBF is U+FEFF and MUST NOT be skipped or stripped
    assert read_string(b"\x00\x04\xef\xbb\xbfa", 0, 6) == ("\ufeffa", 6)


def test_writers_reject_unencodable_values() -> None:
    assert encode_u16(0xFFFF) == b"\xff\xff"
    assert encode_u32(1) == b"\x00\x00\x00\x01"
    assert encode_string("é") == b"\x00\x02\xc3\xa9"
    assert encode_binary(b"") == b"\x00\x00"
    with pytest.raises(ValueError):
        encode_u16(0x10000)
    with pytest.raises(ValueError):
        encode_u32(-1)
    with pytest.raises(ValueError):
        encode_string("x" * 0x10000)
    with pytest.raises(ValueError):
        encode_binary(bytes(0x10000))


@CODEC_SETTINGS
@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=50))
def test_string_roundtrip(text: str) -> None:
    wire = encode_string(text)
    assert read_string(wire, 0, len(wire)) == (text, len(wire))


@pytest.mark.parametrize(
    ("topic_filter", "valid"),
    [
        ("a/b", True),
        ("#", True),
        ("a/#", True),
        ("+", True),
        ("+/+/c", True),
        ("/", True),
        ("a/+/#", True),
        ("$SYS/#", True),
        ("", False),
        ("a#", False),
        ("a/#/b", False),
        ("a/b#", False),
        ("a+", False),
        ("a/+b/c", False),
        ("$share/g/a/+", True),
        ("$share/g/#", True),
        ("$share//a", False),
        ("$share/g", False),
        ("$share/g/", False),
        ("$share/g+/a", False),
        ("$share/g#/a", False),
    ],
)
def test_topic_filter_syntax(topic_filter: str, valid: bool) -> None:
    assert is_valid_topic_filter(topic_filter) is valid


def test_shared_subscription_helpers() -> None:
    assert split_shared_subscription("$share/grp/a/b") == ("grp", "a/b")
    assert split_shared_subscription("a/b") == (None, "a/b")
    assert is_valid_topic_filter("$share/g", allow_shared=False)  # plain filter in 3.1.1


def test_topic_name_syntax() -> None:
    assert is_valid_topic_name("a/b") and not is_valid_topic_name("a/+")
    assert not is_valid_topic_name("")
    check_topic_name("", allow_empty=True)
    for bad in ("", "a/#", "+"):
        with pytest.raises(ProtocolError) as info:
            check_topic_name(bad)
        assert info.value.reason_code == 0x90


def test_properties_value_object() -> None:
    assert not EMPTY_PROPERTIES and not Properties()
    assert Properties() == EMPTY_PROPERTIES  # and the other way round:
    assert EMPTY_PROPERTIES.__eq__(Properties())
    # The shared empty value holds no fields of its own (cheap to test); it reads, hashes,
    # prints, encodes and is replaced like Properties().
    assert hash(EMPTY_PROPERTIES) == hash(Properties())
    assert repr(EMPTY_PROPERTIES) == repr(Properties()) == "Properties()"
    assert EMPTY_PROPERTIES.user_properties == () and EMPTY_PROPERTIES.topic_alias is None
    assert encode_properties(EMPTY_PROPERTIES) == encode_properties(Properties()) == b"\x00"
    assert dataclasses.replace(EMPTY_PROPERTIES, topic_alias=2) == Properties(topic_alias=2)
    props = Properties(topic_alias=3, user_properties=(("k", "v"),))
    assert props and hash(props) == hash(Properties(topic_alias=3, user_properties=(("k", "v"),)))
    assert repr(props) == "Properties(topic_alias=3, user_properties=(('k', 'v'),))"
    with pytest.raises(dataclasses.FrozenInstanceError):
        props.topic_alias = 4  # type: ignore[misc]
    assert dataclasses.replace(props, topic_alias=None).topic_alias is None
    # every attribute is named in the id table, and the table covers all 27 properties
    assert sorted(PROPERTY_NAMES.values()) == sorted(f.name for f in dataclasses.fields(props))
    assert len(PROPERTY_NAMES) == 27


def test_protocol_error_str() -> None:
    error = ProtocolError(0x81, "bad")
    assert error.reason_code == 0x81 and error.message == "bad"
    assert str(error) == "bad (reason code 0x81)"
    assert repr(error) == "ProtocolError(0x81, 'bad')"
