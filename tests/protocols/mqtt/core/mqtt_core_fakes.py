"""Fakes for unit tests of the broker core: a transport and the broker as a connection sees it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from stonechat.protocols.mqtt.codec import Decoder, Packet
from stonechat.protocols.mqtt.config import BrokerConfig
from stonechat.protocols.mqtt.connection import Connection
from stonechat.protocols.mqtt.traffic import Traffic


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
        self.traffic = Traffic()
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


class FakeBus:
    """A single process: nothing is distributed."""

    distributed = False
    node = "here"


class FakeHooks:
    """``Hooks`` for the core alone: one user ``ann`` whose key is ``key``; every feed or
    group publish and every will is recorded, nothing is stored."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.published: list[tuple[str, bytes]] = []
        self.wills: list[tuple[str, bytes]] = []
        self.counted: list[str] = []
        self.notices: list[tuple[str, str, bytes]] = []
        self.started = self.stopped_ = False

    def attach(self, broker: Any) -> None:
        self.broker = broker

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        pass

    def stopped(self) -> None:
        self.stopped_ = True

    async def authenticate(self, conn: Any, packet: Any) -> Any:
        from stonechat.domain.access import Principal

        if packet.username == self.user.username and packet.password == b"key":
            return Principal(self.user)
        return "credentials" if packet.protocol_level == 5 else "authorized"

    def signed_in(self, conn: Any, principal: Any, password: str) -> None:
        pass

    async def restore_principal(self, user_id: int, token_id: int | None) -> Any:
        from stonechat.domain.access import Principal

        return Principal(self.user) if user_id == self.user.id else None

    async def reauthorize(self, session: Any) -> None:
        pass

    def blocked(self, owner: str) -> bool:
        return False

    def refuse_publish(self, conn: Any, packet: Any) -> None:
        pass

    def refuse_subscribe(self, conn: Any, topic_filter: str) -> None:
        pass

    def subscribing(self, username: str) -> None:
        self.counted.append("subscribe")

    def publish_refused(self, username: str) -> None:
        self.counted.append("publish refused")

    def subscribe_refused(self, username: str) -> None:
        self.counted.append("subscribe refused")

    def noticed(self, username: str, name: str, payload: bytes) -> None:
        self.notices.append((username, name, payload))

    def publish(self, conn: Any, topic: Any, packet: Any) -> None:
        from stonechat.protocols.mqtt.replies import acknowledge

        self.published.append((packet.topic, packet.payload))
        acknowledge(conn, packet)

    def publish_will(self, principal: Any, user: Any, topic: Any, packet: Any) -> None:
        self.wills.append((packet.topic, packet.payload))

    def access_epoch(self) -> int:
        return 0

    async def authorize(self, principal: Any, subs: list[Any]) -> list[bool]:
        return [True for _ in subs]

    def recheck(self, owner_ids: set[int]) -> None:
        pass
