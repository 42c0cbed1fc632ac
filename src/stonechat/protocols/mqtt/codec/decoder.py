"""Incremental, sans-I/O MQTT stream decoder.

Typical use from an :class:`asyncio.Protocol`::

    def data_received(self, data: bytes) -> None:
        try:
            packets = self.decoder.feed(data)
        except ProtocolError as exc:
            ...  # CONNACK/DISCONNECT with exc.reason_code (per decoder.protocol_level), close
            return
        for packet in packets:
            ...

The fixed header's first byte is validated as soon as it arrives, through a 256-entry
table chosen by protocol level and direction, and the packet size is checked against
``max_packet_size`` as soon as the Remaining Length is complete, so neither an invalid
nor an oversized packet is ever buffered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Final

from .connect_parser import (
    parse_connack,
    parse_connect_body,
    parse_connect_header,
    requested_level,
)
from .errors import (
    PACKET_TOO_LARGE,
    UNSUPPORTED_PROTOCOL_VERSION,
    ProtocolError,
    malformed,
    protocol_error,
)
from .packets import Connect, Packet, PacketType
from .parsers import (
    parse_auth,
    parse_disconnect,
    parse_pingreq,
    parse_pingresp,
    parse_puback,
    parse_pubcomp,
    parse_publish,
    parse_publish_from_client,
    parse_pubrec,
    parse_pubrel,
    parse_suback,
    parse_subscribe,
    parse_unsuback,
    parse_unsubscribe,
)
from .varint import INCOMPLETE, MAX_VARINT, read_remaining_length

Parser = Callable[[bytes, int, int, int, bool], Packet]

MAX_PACKET_SIZE: Final = 1 + 4 + MAX_VARINT
"""Largest packet the wire format allows (fixed header included)."""

_SERVER_ORIGINATED: Final = frozenset(
    (PacketType.CONNACK, PacketType.SUBACK, PacketType.UNSUBACK, PacketType.PINGRESP)
)
_PARSERS: Final[dict[int, Parser]] = {
    PacketType.CONNACK: parse_connack,
    PacketType.PUBLISH: parse_publish,
    PacketType.PUBACK: parse_puback,
    PacketType.PUBREC: parse_pubrec,
    PacketType.PUBREL: parse_pubrel,
    PacketType.PUBCOMP: parse_pubcomp,
    PacketType.SUBSCRIBE: parse_subscribe,
    PacketType.SUBACK: parse_suback,
    PacketType.UNSUBSCRIBE: parse_unsubscribe,
    PacketType.UNSUBACK: parse_unsuback,
    PacketType.PINGREQ: parse_pingreq,
    PacketType.PINGRESP: parse_pingresp,
    PacketType.DISCONNECT: parse_disconnect,
    PacketType.AUTH: parse_auth,
}


def _connect_marker(data: bytes, pos: int, end: int, first: int, v5: bool) -> Packet:
    raise AssertionError("CONNECT is decoded by Decoder._decode_connect")  # pragma: no cover


def _header_error(first: int, level: int | None, server_side: bool) -> ProtocolError | None:
    """Return why ``first`` cannot start a packet in this state, or None if it can."""
    kind = first >> 4
    flags = first & 0x0F
    if kind == 0 or (kind == PacketType.AUTH and level is not None and level < 5):
        return malformed(f"reserved packet type {kind}")
    if kind == PacketType.PUBLISH:
        if flags & 0x06 == 0x06:
            return malformed("PUBLISH QoS is 3 [MQTT-3.3.1-4]")
        if level == 5 and flags & 0x0E == 0x08:
            return malformed("PUBLISH DUP flag set on QoS 0 [MQTT-3.3.1-2]")
    elif kind in (PacketType.PUBREL, PacketType.SUBSCRIBE, PacketType.UNSUBSCRIBE):
        if flags != 0x02:
            # [MQTT-3.6.1-1], [MQTT-3.8.1-1], [MQTT-3.10.1-1]
            return malformed(
                f"fixed header flags of packet type {kind} must be 0010 [MQTT-2.1.3-1]"
            )
    elif flags:
        # [MQTT-2.1.3-1] (3.1.1: [MQTT-2.2.2-1], [MQTT-2.2.2-2])
        return malformed(f"reserved fixed header flags set on packet type {kind} [MQTT-2.1.3-1]")
    if kind == PacketType.CONNECT:
        if server_side and level is not None:
            return protocol_error("second CONNECT on a connection [MQTT-3.1.0-2]")
    elif level is None:
        return protocol_error("the first packet must be CONNECT [MQTT-3.1.0-1]")
    elif server_side and kind in _SERVER_ORIGINATED:
        return protocol_error(f"a client must not send packet type {kind}")
    return None


_TABLES: dict[tuple[int | None, bool, int | None], tuple[Parser | None, ...]] = {}


def _table(level: int | None, server_side: bool, most: int | None) -> tuple[Parser | None, ...]:
    table = _TABLES.get((level, server_side, most))
    if table is None:
        entries: list[Parser | None] = []
        for first in range(256):
            kind = first >> 4
            if _header_error(first, level, server_side) is not None:
                entries.append(None)
            elif kind == PacketType.CONNECT:
                entries.append(_connect_marker)
            elif kind == PacketType.PUBLISH and server_side:
                entries.append(parse_publish_from_client)
            elif kind == PacketType.SUBSCRIBE and most is not None:
                entries.append(partial(parse_subscribe, most=most))
            else:
                entries.append(_PARSERS[kind])
        table = _TABLES[(level, server_side, most)] = tuple(entries)
    return table


class Decoder:
    """Turn a byte stream into MQTT packets, one :meth:`feed` call per received chunk.

    ``max_packet_size`` bounds the total size of one packet (fixed header included); a
    larger packet raises ``ProtocolError(0x95)`` as soon as its fixed header is read.
    ``max_subscribe_filters`` bounds the topic filters decoded from one SUBSCRIBE; the rest
    are checked for framing and counted in ``Subscribe.beyond`` (see ``parse_subscribe``).
    ``tally``, a list of 256 counters, counts the complete packets by their first byte.

    With ``server_side=True`` (the broker's view) the first packet must be CONNECT, a
    second CONNECT and server-only packet types (CONNACK, SUBACK, UNSUBACK, PINGRESP) are
    protocol errors and PUBLISH may not carry a subscription identifier. With
    ``server_side=False`` every packet type decodes (for clients and tests); the
    ``protocol_level`` must then be given, or learned from a CONNECT in the stream.

    :attr:`protocol_level` is ``None`` until known; it is set from the CONNECT's level byte
    as soon as that byte is read and validated, even if the rest of the CONNECT is
    malformed, so the broker knows which CONNACK format to answer with. After a
    :class:`ProtocolError` the stream cannot be resynchronised: every later :meth:`feed`
    raises the same error, and the connection must be closed.
    """

    __slots__ = (
        "_buf",
        "_error",
        "_level",
        "_need",
        "_table",
        "_v5",
        "max_packet_size",
        "max_subscribe_filters",
        "server_side",
        "tally",
    )

    def __init__(
        self,
        max_packet_size: int = MAX_PACKET_SIZE,
        *,
        server_side: bool = True,
        protocol_level: int | None = None,
        max_subscribe_filters: int | None = None,
        tally: list[int] | None = None,
    ) -> None:
        self.max_packet_size: int = max_packet_size
        # 256 counters, one per first byte: each complete packet adds one (metrics).
        self.tally = tally
        self.max_subscribe_filters: Final = max_subscribe_filters
        self.server_side: Final = server_side
        self._buf = bytearray()
        self._need = 0
        self._error: ProtocolError | None = None
        self._level: int | None = None
        self._v5 = False
        self._table = _table(None, server_side, max_subscribe_filters)
        if protocol_level is not None:
            self.protocol_level = protocol_level

    @property
    def protocol_level(self) -> int | None:
        """The connection's protocol level (3, 4 or 5), or ``None`` before CONNECT."""
        return self._level

    @protocol_level.setter
    def protocol_level(self, level: int | None) -> None:
        if level not in (None, 3, 4, 5):
            raise ValueError(f"unsupported protocol level: {level}")
        self._level = level
        self._v5 = level == 5
        self._table = _table(level, self.server_side, self.max_subscribe_filters)

    @property
    def buffered(self) -> int:
        """Number of bytes held back waiting for the rest of a packet."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Packet]:
        """Consume ``data`` and return every packet it completes, in order.

        Incomplete trailing input is buffered until the next call. Raises only
        :class:`ProtocolError`.
        """
        if self._error is not None:
            raise self._error
        buf = self._buf
        if buf:
            buf += data
            if len(buf) < self._need:
                return []
            data = bytes(buf)
            buf.clear()
        elif type(data) is not bytes:
            data = bytes(data)
        try:
            return self._decode(data)
        except ProtocolError as exc:
            self._error = exc
            raise
        except Exception as exc:
            # Defence in depth: the parsers check bounds and types explicitly, so reaching
            # this is a codec bug; still, the caller is promised ProtocolError only.
            self._error = malformed(f"internal decoder error: {exc!r}")
            raise self._error from exc

    def _decode(self, data: bytes) -> list[Packet]:
        out: list[Packet] = []
        pos = 0
        size = len(data)
        table = self._table
        v5 = self._v5
        limit = self.max_packet_size
        tally = self.tally
        while pos < size:
            first = data[pos]
            parser = table[first]
            if parser is None:
                raise _header_error(first, self._level, self.server_side) or malformed("bad header")
            start = pos + 1
            if start < size and data[start] < 0x80:
                length = data[start]
                start += 1
            else:
                length, start = read_remaining_length(data, start, size)
                if length == INCOMPLETE:
                    self._need = size - pos + 1
                    break
            end = start + length
            if end - pos > limit:
                raise ProtocolError(
                    PACKET_TOO_LARGE, f"packet of {end - pos} bytes exceeds maximum {limit}"
                )
            if end > size:
                self._need = end - pos
                break
            if tally is not None:
                tally[first] += 1
            if parser is _connect_marker:
                out.append(self._decode_connect(data, start, end))
                table = self._table
                v5 = self._v5
            else:
                out.append(parser(data, start, end, first, v5))
            pos = end
        if pos < size:
            self._buf += memoryview(data)[pos:]
        return out

    def _decode_connect(self, data: bytes, pos: int, end: int) -> Connect:
        try:
            name, level, pos = parse_connect_header(data, pos, end)
        except ProtocolError as error:
            if (
                error.reason_code == UNSUPPORTED_PROTOCOL_VERSION
                and requested_level(data, pos, end) == 5
            ):
                # A wrong protocol name at level 5 [MQTT-3.1.2-1]: refused with CONNACK 0x84
                # in MQTT 5 form [MQTT-3.1.2-2], the form the client asked for.
                self.protocol_level = 5
            raise
        self.protocol_level = level
        return parse_connect_body(data, pos, end, name, level)


__all__ = ["MAX_PACKET_SIZE", "Decoder"]
