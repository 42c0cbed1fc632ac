"""Property tests: any input makes the decoder return packets or raise ProtocolError only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mqtt_codec_strategies import CODEC_SETTINGS, STREAM_SETTINGS, any_packets, connects, packets

from stonechat.protocols.mqtt.codec import Connect, Decoder, Packet, ProtocolError, encode
from stonechat.protocols.mqtt.codec.reason_codes import ReasonCode

VERSIONS = [pytest.param(False, id="mqtt311"), pytest.param(True, id="mqtt5")]
REASONS = {
    ReasonCode.MALFORMED_PACKET,
    ReasonCode.PROTOCOL_ERROR,
    ReasonCode.UNSUPPORTED_PROTOCOL_VERSION,
    ReasonCode.TOPIC_NAME_INVALID,
    ReasonCode.PACKET_TOO_LARGE,
}


def _feed(decoder: Decoder, *chunks: bytes) -> list[Packet]:
    """Feed chunks; a ProtocolError is fine as long as it is a deliberate one."""
    out: list[Packet] = []
    try:
        for chunk in chunks:
            out += decoder.feed(chunk)
    except ProtocolError as exc:
        assert "internal" not in exc.message, exc
        assert exc.reason_code in REASONS
        with pytest.raises(ProtocolError):  # the error is sticky
            decoder.feed(b"\xc0\x00")
    return out


@CODEC_SETTINGS
@given(st.binary(max_size=200), st.booleans())
def test_arbitrary_bytes_first(data: bytes, server_side: bool) -> None:
    _feed(Decoder(server_side=server_side), data)


@CODEC_SETTINGS
@given(st.binary(max_size=200), st.sampled_from((3, 4, 5)))
def test_arbitrary_bytes_client_side(data: bytes, level: int) -> None:
    _feed(Decoder(server_side=False, protocol_level=level), data)


@pytest.mark.parametrize("v5", VERSIONS)
@CODEC_SETTINGS
@given(data=st.data())
def test_arbitrary_bytes_after_valid_connect(v5: bool, data: st.DataObject) -> None:
    connect = data.draw(connects(v5))
    tail = data.draw(st.binary(max_size=200))
    decoder = Decoder()
    decoded = _feed(decoder, encode(connect, 5), tail)
    assert decoded[:1] == [connect]


@st.composite
def _mutations(draw: st.DrawFn, wire: bytes) -> bytes:
    data = bytearray(wire)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("flip", "set", "insert", "delete", "truncate")))
        index = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[index] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[index:index] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete" and data:
            del data[index]
        elif kind == "truncate":
            del data[index:]
    return bytes(data)


@pytest.mark.parametrize("v5", VERSIONS)
@CODEC_SETTINGS
@given(data=st.data())
def test_mutated_valid_packets(v5: bool, data: st.DataObject) -> None:
    packet = data.draw(any_packets(v5))
    level = packet.protocol_level if isinstance(packet, Connect) else (5 if v5 else 4)
    mutated = data.draw(_mutations(encode(packet, level)))
    decoded = _feed(Decoder(server_side=False, protocol_level=level), mutated)
    # Whatever decodes must re-encode to something that decodes to the same packets.
    for item in decoded:
        item_level = item.protocol_level if isinstance(item, Connect) else level
        again = Decoder(server_side=False, protocol_level=item_level)
        assert again.feed(encode(item, item_level)) == [item]


@pytest.mark.parametrize("v5", VERSIONS)
@STREAM_SETTINGS
@given(data=st.data())
def test_mutated_client_stream_server_side(v5: bool, data: st.DataObject) -> None:
    connect = data.draw(connects(v5))
    rest = data.draw(st.lists(packets(v5, from_client=True), max_size=3))
    stream = encode(connect, 5) + b"".join(encode(p, connect.protocol_level) for p in rest)
    cut = data.draw(st.integers(0, len(stream)))
    _feed(Decoder(max_packet_size=512), stream[:cut], stream[cut:])
    _feed(Decoder(), data.draw(_mutations(stream)))
