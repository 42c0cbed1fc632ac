"""Property tests: encode/decode round trips and stream splitting, both protocol versions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mqtt_codec_strategies import (
    CODEC_SETTINGS,
    STREAM_SETTINGS,
    acks,
    connacks,
    connects,
    packets,
    properties,
    publishes,
    subscribes,
    texts,
)

from stonechat.protocols.mqtt.codec import (
    Auth,
    Connect,
    Decoder,
    Disconnect,
    Packet,
    Pingreq,
    Pingresp,
    Puback,
    Publish,
    Suback,
    Unsuback,
    Unsubscribe,
    encode,
)
from stonechat.protocols.mqtt.codec import reason_codes as rc

VERSIONS = [pytest.param(False, id="mqtt311"), pytest.param(True, id="mqtt5")]
LEVEL = {False: 4, True: 5}


def _strategy(kind: str, v5: bool) -> st.SearchStrategy[Any]:
    ids = st.integers(1, 0xFFFF)
    if kind == "CONNECT":
        return connects(v5)
    if kind == "CONNACK":
        return connacks(v5)
    if kind == "PUBLISH":
        return publishes(v5)
    if kind in ("PUBACK", "PUBREC", "PUBREL", "PUBCOMP"):
        return acks(kind, v5)
    if kind == "SUBSCRIBE":
        return subscribes(v5)
    if kind == "SUBACK":
        codes = st.sampled_from(sorted(rc.SUBACK_V5 if v5 else rc.SUBACK_V3))
        return st.builds(Suback, ids, st.lists(codes, max_size=5), properties("SUBACK", v5))
    if kind == "UNSUBSCRIBE":
        filters = st.lists(texts, min_size=1, max_size=5)
        return st.builds(Unsubscribe, ids, filters, properties("UNSUBSCRIBE", v5))
    if kind == "UNSUBACK":
        if not v5:
            return st.builds(Unsuback, ids)
        code_lists = st.lists(st.sampled_from(sorted(rc.UNSUBACK_V5)), max_size=5)
        return st.builds(Unsuback, ids, code_lists, properties("UNSUBACK"))
    if kind == "PINGREQ":
        return st.builds(Pingreq)
    if kind == "PINGRESP":
        return st.builds(Pingresp)
    if kind == "DISCONNECT":
        if not v5:
            return st.builds(Disconnect)
        code = st.sampled_from(sorted(rc.DISCONNECT_V5))
        return st.builds(Disconnect, code, properties("DISCONNECT"))
    assert kind == "AUTH"
    return st.builds(Auth, st.sampled_from(sorted(rc.AUTH_V5)), properties("AUTH"))


KINDS = [
    "CONNECT",
    "CONNACK",
    "PUBLISH",
    "PUBACK",
    "PUBREC",
    "PUBREL",
    "PUBCOMP",
    "SUBSCRIBE",
    "SUBACK",
    "UNSUBSCRIBE",
    "UNSUBACK",
    "PINGREQ",
    "PINGRESP",
    "DISCONNECT",
    "AUTH",
]
CASES = [
    pytest.param(kind, v5, id=f"{kind}-{'mqtt5' if v5 else 'mqtt311'}")
    for kind in KINDS
    for v5 in (False, True)
    if kind != "AUTH" or v5
]


def _roundtrip(packet: Packet, level: int) -> None:
    wire = encode(packet, level)
    decoder = Decoder(server_side=False, protocol_level=level)
    assert decoder.feed(wire) == [packet]
    assert decoder.buffered == 0
    assert encode(packet, level) == wire  # encoding is deterministic


@pytest.mark.parametrize(("kind", "v5"), CASES)
@CODEC_SETTINGS
@given(data=st.data())
def test_roundtrip_every_packet_type(kind: str, v5: bool, data: st.DataObject) -> None:
    packet = data.draw(_strategy(kind, v5), label=kind)
    _roundtrip(packet, packet.protocol_level if isinstance(packet, Connect) else LEVEL[v5])


@pytest.mark.parametrize("v5", VERSIONS)
@STREAM_SETTINGS
@given(data=st.data())
def test_server_side_decodes_client_stream(v5: bool, data: st.DataObject) -> None:
    connect = data.draw(connects(v5))
    rest = data.draw(st.lists(packets(v5, from_client=True), max_size=6))
    stream = encode(connect, 5)
    stream += b"".join(encode(p, connect.protocol_level) for p in rest)
    decoder = Decoder()
    assert decoder.feed(stream) == [connect, *rest]
    assert decoder.protocol_level == connect.protocol_level


@pytest.mark.parametrize("v5", VERSIONS)
@STREAM_SETTINGS
@given(data=st.data())
def test_split_stream_yields_same_packets(v5: bool, data: st.DataObject) -> None:
    connect = data.draw(connects(v5))
    rest = data.draw(st.lists(packets(v5, from_client=True), max_size=6))
    stream = encode(connect, 5) + b"".join(encode(p, connect.protocol_level) for p in rest)
    whole = Decoder().feed(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12), label="cuts"))
    decoder = Decoder()
    pieces: list[Packet] = []
    previous = 0
    for cut in [*cuts, len(stream)]:
        pieces += decoder.feed(stream[previous:cut])
        previous = cut
    assert pieces == whole == [connect, *rest]
    assert decoder.buffered == 0


@pytest.mark.parametrize("v5", VERSIONS)
@STREAM_SETTINGS
@given(data=st.data())
def test_byte_at_a_time(v5: bool, data: st.DataObject) -> None:
    level = LEVEL[v5]
    packet = data.draw(packets(v5))
    wire = encode(packet, level)
    decoder = Decoder(server_side=False, protocol_level=level)
    decoded: list[Packet] = []
    for index in range(len(wire)):
        decoded += decoder.feed(wire[index : index + 1])
        if index < len(wire) - 1:
            assert decoded == []
    assert decoded == [packet]


@pytest.mark.parametrize("level", [4, 5])
def test_bytearray_and_memoryview_input(level: int) -> None:
    packets: list[Packet] = [Publish("t", bytes(200), 1, packet_id=3), Pingreq(), Puback(3)]
    wire = b"".join(encode(p, level) for p in packets)
    for chunk in (bytearray(wire), memoryview(wire)):
        assert Decoder(server_side=False, protocol_level=level).feed(chunk) == packets
    decoder = Decoder(server_side=False, protocol_level=level)
    assert decoder.feed(memoryview(wire)[:100]) == []
    assert decoder.feed(bytearray(wire[100:])) == packets
