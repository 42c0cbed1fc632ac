"""The broker: one per process, a thin facade over its state and the core's modules.

Connections call ``handle`` for every packet (the dispatch table in ``handlers/dispatch``).
What is not generic MQTT (signing in, bans, feed and group topics, who may hold a
subscription) is asked of the ``Hooks`` it is given (``hooks.py``; Adafruit IO's are in
``adafruit/``); a session keeps the principal it signed in with. Where things are:
``sessions`` (attach, takeover, expiry, restore), ``wills``, ``delivery`` (the free-form
namespace, retained messages), ``notices`` (``{user}/errors``), ``time_topics``,
``cluster`` (messages between processes).
"""

from __future__ import annotations

import asyncio
import time
from functools import partial

from stonechat.bus.base import ClusterBus
from stonechat.bus.signals import SESSIONS_SAVED
from stonechat.domain.timestamps import now_ms
from stonechat.protocols.mqtt import cluster, sessions
from stonechat.protocols.mqtt.codec import Connack, Connect, Packet, ProtocolError
from stonechat.protocols.mqtt.config import BrokerConfig
from stonechat.protocols.mqtt.connection import Connection, Handled
from stonechat.protocols.mqtt.handlers.dispatch import HANDLERS
from stonechat.protocols.mqtt.hooks import Hooks
from stonechat.protocols.mqtt.messages import retained_from_row
from stonechat.protocols.mqtt.notices import queue_full
from stonechat.protocols.mqtt.persistence import StateStore
from stonechat.protocols.mqtt.state import BrokerState
from stonechat.protocols.mqtt.time_topics import publish_time


class Broker(BrokerState):
    """The state (``BrokerState``) with what connections and the runtime call on it."""

    def __init__(
        self, config: BrokerConfig, bus: ClusterBus, hooks: Hooks, store: StateStore | None = None
    ) -> None:
        super().__init__(config, bus, hooks, store, partial(queue_full, self))
        self._time_task: asyncio.Task[None] | None = None
        hooks.attach(self)

    # -- what a connection calls -----------------------------------------------------------

    def handle(self, conn: Connection, packet: Packet) -> Handled:
        """Handle one packet of ``conn`` through the dispatch table: None, or a coroutine
        the connection waits for before its next packet."""
        if conn.session is None and not isinstance(packet, Connect):
            raise_first = ProtocolError(0x82, "the first packet must be CONNECT [MQTT-3.1.0-1]")
            conn.protocol_error(raise_first)
            return None
        handler = HANDLERS.get(type(packet))
        if handler is None:
            conn.protocol_error(ProtocolError(0x82, f"unexpected {type(packet).__name__}"))
            return None
        try:
            return handler(self, conn, packet)
        except ProtocolError as error:
            conn.protocol_error(error)
            return None

    def flush_later(self, conn: Connection) -> None:
        """Write ``conn``'s output at the end of this loop turn: one callback for all."""
        if not self.to_flush:
            asyncio.get_running_loop().call_soon(self._flush_all)
        self.to_flush.append(conn)

    def _flush_all(self) -> None:
        pending, self.to_flush = self.to_flush, []
        for conn in pending:
            conn.flush()

    def connection_closed(self, conn: Connection) -> None:
        sessions.closed(self, conn)

    def refuse_connect(self, conn: Connection, error: ProtocolError) -> None:
        """A bad CONNECT: CONNACK with a reason where the version is known, then close."""
        level = conn.decoder.protocol_level
        self.stats["connect_refused_version" if error.reason_code == 0x84 else "bad_connect"] += 1
        if error.reason_code == 0x84:
            # [MQTT-3.1.2-2]: unsupported level -> 3.1.1 code 1 (v5 clients get 0x84).
            conn.protocol_level = 5 if level == 5 else 4
            code = 0x84 if level == 5 else 0x01
            conn.send_packet(Connack(reason_code=code))
        elif level == 5:
            conn.protocol_level = 5
            conn.send_packet(Connack(reason_code=error.reason_code))
        conn.close()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self.hooks.start()
        cluster.start(self)
        if self.store is not None and self.journal is not None:
            self.journal.start()
            await self._load_retained(self.store)
            # Alone, this process holds every stored session; with others running, only
            # those nobody holds (the rest are found when their clients reconnect).
            for stored in await self.store.sessions(free_only=self.bus.distributed):
                await sessions.restore(self, stored)
        self._time_task = asyncio.create_task(publish_time(self.registry), name="mqtt-time")

    async def _load_retained(self, store: StateStore) -> None:
        now = time.monotonic()
        for row in await store.retained():
            msg = retained_from_row(row)
            if msg.expires_at is not None and msg.expires_at <= now:
                if self.journal is not None:
                    self.journal.retain(row.owner, row.topic, None)
                continue
            self.retained.put(row.owner, msg)

    async def stop(self) -> None:
        """Close every connection (MQTT 5: 0x8B server shutting down), write what is pending.

        The state is already in the database; with other processes running, this one lets
        go of its sessions and one of the others adopts each at once, so messages for those
        clients are queued while they reconnect.
        """
        self.stopping = True
        self.hooks.stop()
        if self.registry.shares.cluster is not None:
            self.registry.shares.cluster.stop()
        if self.adopting:  # sessions this process is taking over: finish first
            await asyncio.gather(*self.adopting, return_exceptions=True)
        if self._time_task is not None:
            self._time_task.cancel()
        for conn in list(self.connections):
            conn.clean_exit = True  # a server shutdown is not the client's failure
            conn.disconnect(0x8B)
        await asyncio.sleep(0)
        held = []
        for session in self.sessions.values():
            if session.journal is None:
                continue
            held.append(list(session.key))
            if session.conn is not None:  # its expiry counts from now
                session.expires_at = now_ms() + int(session.expiry * 1000)
                session.changed()
        if self.journal is not None:
            await self.journal.close()
        if self.store is not None and self.bus.distributed:
            await self.store.release()
            if held:
                self.bus.broadcast(SESSIONS_SAVED, {"sessions": held})
        self.hooks.stopped()
