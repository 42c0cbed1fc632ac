"""Fakes for unit tests of the broker core: a transport and the broker as a connection sees it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from stonechat.protocols.mqtt.codec import Decoder, Packet
from stonechat.protocols.mqtt.config import BrokerConfig
from stonechat.protocols.mqtt.connection import Connection


class FakeTransport:
    def __init__(self) -> None:
        self.written = bytearray()
        self.paused = False
        self.pauses = 0
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("192.0.2.1", 1883) if name == "peername" else default

    def write(self, data: bytes) -> None:
        self.written += data

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        self.paused = True
        self.pauses += 1

    def resume_reading(self) -> None:
        self.paused = False

    def close(self) -> None:
        self.closed = True

    def packets(self, level: int = 5) -> list[Packet]:
        return Decoder(server_side=False, protocol_level=level).feed(bytes(self.written))


class FakeBroker:
    """What ``Connection`` asks of the broker; ``handler`` plays every packet handler."""

    def __init__(self, handler: Callable[[Connection, Packet], Any], **config: Any) -> None:
        self.config = BrokerConfig(**config)
        self.connections: set[Connection] = set()
        self.stats: Counter[str] = Counter()
        self.handler = handler
        self.refused: list[int] = []

    def handle(self, conn: Connection, packet: Packet) -> Any:
        return self.handler(conn, packet)

    def flush_later(self, conn: Connection) -> None:
        asyncio.get_running_loop().call_soon(conn.flush)

    def connection_closed(self, conn: Connection) -> None:
        pass

    def refuse_connect(self, conn: Connection, error: Any) -> None:
        self.refused.append(error.reason_code)
        conn.close()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)
