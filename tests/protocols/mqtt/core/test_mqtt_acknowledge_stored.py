"""A stored feed point is acknowledged only once the copies its fan-out queued for persistent
sessions are committed too (issue 11: nothing acknowledged that is not kept)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from mqtt_core_fakes import FakeBroker, FakeTransport, settle

from stonechat.domain.mqtt_state import Changes, MessageRow
from stonechat.protocols.mqtt.codec import Puback, Publish
from stonechat.protocols.mqtt.connection import Connection
from stonechat.protocols.mqtt.delivery import acknowledge_stored
from stonechat.protocols.mqtt.journal import Journal

KEY = (1, "offline")


class HeldStore:
    """Commits wait until the test lets them through."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.batches: list[Changes] = []

    async def commit(self, changes: Changes) -> None:
        await self.open.wait()
        self.batches.append(changes)


def connected() -> tuple[Connection, FakeTransport]:
    conn = Connection(FakeBroker(lambda c, p: None))  # type: ignore[arg-type]
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.protocol_level = 4
    conn.session = SimpleNamespace(client_id="pub", last_commit=None)  # type: ignore[assignment]
    return conn, transport


def copy_for_offline_session(journal: Journal, seq: int) -> None:
    row = MessageRow(1, "offline", seq, "ann/feeds/t", b"1", 1, False, b"", None, None)
    journal.message(KEY, row, True)


def pubacks(transport: FakeTransport) -> list[int]:
    return [p.packet_id for p in transport.packets(4) if isinstance(p, Puback)]


async def test_the_puback_waits_for_the_queued_copies() -> None:
    store = HeldStore()
    journal = Journal(store)  # type: ignore[arg-type]
    journal.start()
    state: Any = SimpleNamespace(journal=journal)
    conn, transport = connected()
    assert journal.settled
    copy_for_offline_session(journal, 1)  # the fan-out of point 1 queued a copy
    assert not journal.settled
    acknowledge_stored(state, conn, Publish("ann/feeds/t", b"1", 1, packet_id=1))
    acknowledge_stored(state, conn, Publish("ann/feeds/t", b"2", 1, packet_id=2))
    await settle()
    assert pubacks(transport) == []  # the copy is not committed yet
    store.open.set()
    await journal.flush()
    await settle()
    assert pubacks(transport) == [1, 2]  # in order, once committed
    assert journal.settled and len(store.batches) == 1
    await journal.close()


async def test_nothing_queued_is_acknowledged_at_once() -> None:
    journal = Journal(HeldStore())  # type: ignore[arg-type]
    journal.start()
    conn, transport = connected()
    acknowledge_stored(SimpleNamespace(journal=journal), conn, Publish("t", b"1", 1, packet_id=7))
    await settle()
    assert pubacks(transport) == [7]
    acknowledge_stored(SimpleNamespace(journal=None), conn, Publish("t", b"1", 1, packet_id=8))
    await settle()
    assert pubacks(transport) == [7, 8]
    await journal.close()
