"""One MQTT connection over any byte stream (TCP, TLS, WebSocket).

An ``asyncio.Protocol``: bytes arrive in ``data_received``, are decoded, and each packet is
handled by a plain function in ``handlers/``. Handlers that must wait (authentication, a
database lookup) return a coroutine; the connection then runs it and holds later packets
until it is done, so packets are always handled in order without a task per message.
Outgoing packets are collected and written once per event-loop turn.

Bounded: while packets wait, their bytes are counted; past ``max_input_bytes`` (with the
decoder's partial packet) the connection is no longer read until they are handled. A packet
whose handling raises ends this connection alone (MQTT 5: DISCONNECT 0x83), logged once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from stonechat.protocols.mqtt import replies
from stonechat.protocols.mqtt.codec import (
    Decoder,
    Packet,
    ProtocolError,
    Publish,
    Subscribe,
    Unsubscribe,
    encode,
)

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.config import BrokerConfig
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.traffic import Traffic

log = logging.getLogger(__name__)

Handled = Coroutine[Any, Any, None] | None

IMPLEMENTATION_ERROR = 0x83
# What a decoded packet holds in memory beyond its topic, payload and filters (the objects).
PACKET_OVERHEAD = 200
MAX_BACKLOG_PACKETS = 1000


def held_bytes(packet: Packet) -> int:
    """About how much memory a decoded packet waiting in the backlog holds."""
    if isinstance(packet, Publish):
        return PACKET_OVERHEAD + len(packet.payload) + len(packet.topic)
    if isinstance(packet, Subscribe):
        return PACKET_OVERHEAD + sum(PACKET_OVERHEAD + len(f) for f, _ in packet.subscriptions)
    if isinstance(packet, Unsubscribe):
        return PACKET_OVERHEAD + sum(PACKET_OVERHEAD + len(f) for f in packet.topic_filters)
    return PACKET_OVERHEAD


class Server(Protocol):
    """What a connection needs of the broker it serves (``Broker``; a fake in tests)."""

    config: BrokerConfig
    connections: set[Connection]
    stats: Counter[str]
    traffic: Traffic

    def handle(self, conn: Connection, packet: Packet) -> Handled:
        """Handle one packet: None, or a coroutine to wait for before the next one."""
        ...

    def flush_later(self, conn: Connection) -> None:
        """Call ``conn.flush()`` at the end of this loop turn."""

    def connection_closed(self, conn: Connection) -> None:
        """The connection ended: detach its session."""

    def refuse_connect(self, conn: Connection, error: ProtocolError) -> None:
        """Answer a bad CONNECT (CONNACK with a reason where the version is known), close."""


class Connection(asyncio.Protocol):
    """One client connection; it implements ``link.Link`` for its session."""

    # Slots, and no backlog until one is needed: an idle connection's memory is mostly its
    # objects' (measured in docs/benchmarks.md).
    __slots__ = (
        "__weakref__",
        "_backlog",
        "_backlog_bytes",
        "_busy",
        "_flush_scheduled",
        "_out",
        "_paused",
        "_sent",
        "_timer",
        "broker",
        "clean_exit",
        "closed",
        "connected_at",
        "decoder",
        "incoming_aliases",
        "keep_alive",
        "key_hash",
        "last_received",
        "loop",
        "peer",
        "protocol_level",
        "session",
        "token_id",
        "token_timer",
        "traffic",
        "transport",
        "unacked_incoming",
    )

    def __init__(self, broker: Server) -> None:
        self.broker = broker
        self.loop = asyncio.get_running_loop()
        self.traffic = broker.traffic
        self._sent = broker.traffic.packets_out  # by first byte, bumped per packet sent
        self.decoder = Decoder(
            broker.config.max_packet_size,
            max_subscribe_filters=broker.config.max_subscribe_filters,
            tally=broker.traffic.packets_in,
        )
        self.transport: Any = None  # asyncio.Transport or the WebSocket adapter
        self.session: Session | None = None
        self.peer = "?"
        self.connected_at = time.time()  # shown to administrators (Unix seconds)
        self.protocol_level = 4
        self.keep_alive = 0
        self.last_received = self.loop.time()
        self.incoming_aliases: dict[int, str] = {}
        self.unacked_incoming = 0  # QoS 1/2 publishes not yet acknowledged
        self.clean_exit = False  # DISCONNECT 0x00 received: no will
        self.closed = False
        self.key_hash: str | None = None  # of the AIO key this connection signed in with
        self.token_id: int | None = None  # of the scoped token it signed in with, if any
        self.token_timer: asyncio.TimerHandle | None = None  # ends it when the token expires
        self._out: list[bytes] = []
        self._flush_scheduled = False
        self._backlog: deque[Packet] | None = None  # packets held while a handler waits
        self._backlog_bytes = 0
        self._busy = False
        self._timer: asyncio.TimerHandle | None = None
        self._paused = False

    # -- transport callbacks -------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = str(peer[0])
        self.broker.connections.add(self)
        # A connection that never sends CONNECT is closed [MQTT-3.1.0-1 spirit].
        self._timer = self.loop.call_later(
            self.broker.config.connect_timeout, self._connect_timeout
        )

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self.last_received = self.loop.time()
        self.traffic.bytes_in += len(data)
        try:
            packets = self.decoder.feed(data)
        except ProtocolError as error:
            self.protocol_error(error)
            return
        if self._busy or self._backlog:
            self._hold(packets)
            return
        handle = self.broker.handle
        for index, packet in enumerate(packets):
            if self.closed:
                return
            try:
                waiting = handle(self, packet)
            except Exception as error:  # one bad packet ends this connection only
                self.fail(error)
                return
            if waiting is not None:
                self._hold(packets[index + 1 :])
                self._run(waiting)
                return

    def _hold(self, packets: list[Packet]) -> None:
        """Keep packets for after the waiting handler; stop reading past the byte bound."""
        if packets:
            if self._backlog is None:
                self._backlog = deque()
            self._backlog.extend(packets)
            self._backlog_bytes += sum(map(held_bytes, packets))
        if self._backlog_bytes + self.decoder.buffered > self.broker.config.max_input_bytes or (
            self._backlog is not None and len(self._backlog) > MAX_BACKLOG_PACKETS
        ):
            self._pause()

    def _run(self, waiting: Coroutine[Any, Any, None]) -> None:
        self._busy = True
        task = self.loop.create_task(waiting)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._busy = False
        if not task.cancelled():
            error = task.exception()
            if error is not None:
                self.fail(error)
                return
        self._drain_backlog()

    def _drain_backlog(self) -> None:
        handle = self.broker.handle
        while self._backlog and not self._busy and not self.closed:
            packet = self._backlog.popleft()
            self._backlog_bytes -= held_bytes(packet)
            try:
                waiting = handle(self, packet)
            except Exception as error:
                self.fail(error)
                return
            if waiting is not None:
                self._run(waiting)
                return
        if not self._backlog:
            self._backlog = None
            if self._paused:
                self._resume()

    def _pause(self) -> None:
        if not self._paused and hasattr(self.transport, "pause_reading"):
            self._paused = True
            self.transport.pause_reading()

    def _resume(self) -> None:
        if self._paused and not self.closed:
            self._paused = False
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        if self.token_timer is not None:
            self.token_timer.cancel()
            self.token_timer = None
        self.broker.connections.discard(self)
        self.broker.connection_closed(self)
        # Drop what ties this object into cycles, so reference counting frees it now
        # instead of the cyclic collector, later.
        self._timer = None
        self._backlog = None
        self._backlog_bytes = 0
        self._out.clear()
        self.transport = None  # the transport refers back to us

    # -- sending -------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        if self.closed:
            return
        self._sent[data[0]] += 1  # one packet per call
        self._out.append(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.broker.flush_later(self)

    def send_packet(self, packet: Packet) -> None:
        self.send(encode(packet, self.protocol_level))

    def send_droppable(self, data: bytes) -> None:
        """QoS 0 to a consumer that is far behind is dropped and counted, not buffered."""
        if self.closed:
            return
        if self.transport.get_write_buffer_size() > self.broker.config.write_buffer_limit:
            self.broker.stats["dropped_qos0"] += 1
            if self.session is not None:
                self.session.dropped += 1
            return
        self.send(data)

    def flush(self) -> None:
        """Write what was collected this event-loop turn in one call."""
        self._flush_scheduled = False
        if self._out and not self.closed:
            out, self._out = self._out, []
            data = out[0] if len(out) == 1 else b"".join(out)
            self.traffic.bytes_out += len(data)
            self.transport.write(data)

    # -- ending --------------------------------------------------------------------------

    def start_keep_alive(self, seconds: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.keep_alive = seconds
        if seconds > 0:
            # [MQTT-3.1.2-24]: one and a half keep-alive periods without a packet.
            self._timer = self.loop.call_later(seconds * 1.5, self._check_keep_alive)

    def _check_keep_alive(self) -> None:
        limit = self.keep_alive * 1.5
        idle = self.loop.time() - self.last_received
        if idle >= limit:
            self.disconnect(0x8D)  # keep alive timeout
            return
        self._timer = self.loop.call_later(limit - idle, self._check_keep_alive)

    def _connect_timeout(self) -> None:
        if self.session is None:
            self.close()

    def fail(self, error: BaseException, doing: str = "handling a packet") -> None:
        """Handling a packet (or delivering to it) raised: close this connection cleanly,
        log it once.

        A ``ProtocolError`` closes with its own reason code (0x81 malformed, ...); anything
        else is the server's fault: MQTT 5 DISCONNECT (or CONNACK) 0x83 implementation
        specific error, 3.1.1 just closed. Packets still waiting are dropped unhandled.
        """
        if self.closed:
            return
        self._backlog = None
        self._backlog_bytes = 0
        if isinstance(error, ProtocolError):
            self.protocol_error(error)
            return
        self.broker.stats["handler_errors"] += 1
        session = self.session
        log.error(
            "MQTT connection from %s (client %s) closed: %s failed",
            self.peer,
            session.client_id if session is not None else "?",
            doing,
            exc_info=error,
        )
        error.__traceback__ = None  # its frames would keep this connection alive
        if session is None:
            self.broker.refuse_connect(self, ProtocolError(IMPLEMENTATION_ERROR, "internal"))
        else:
            self.disconnect(IMPLEMENTATION_ERROR)

    def protocol_error(self, error: ProtocolError) -> None:
        # The decoder keeps the error; its traceback would hold this connection in a cycle.
        error.__traceback__ = None
        self.broker.stats["protocol_errors"] += 1
        if self.session is None:
            self.broker.refuse_connect(self, error)
        else:
            self.disconnect(error.reason_code)

    def disconnect(self, reason_code: int) -> None:
        """Close with a DISCONNECT carrying the reason (MQTT 5 only) [MQTT-4.13.2-1]."""
        replies.disconnect(self, reason_code)

    def let_go(self) -> None:
        """Forget the session (taken over): this connection's end no longer touches it."""
        self.session = None

    def close(self) -> None:
        if self.closed:
            return
        self.flush()
        self.closed = True
        if self.transport is not None:
            self.transport.close()
