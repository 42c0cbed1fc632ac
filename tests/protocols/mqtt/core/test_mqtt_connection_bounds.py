"""``Connection`` through a fake transport and a fake broker: unprocessed input is bounded
in bytes, and a packet whose handling raises ends that connection alone, cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from types import SimpleNamespace
from typing import Any

import pytest
from mqtt_core_fakes import FakeBroker, FakeTransport, settle

from stonechat.protocols.mqtt.codec import Connect, Disconnect, Packet, Publish, encode
from stonechat.protocols.mqtt.connection import Connection

MIB = 1024 * 1024


def signed_in(broker: FakeBroker, level: int = 5) -> tuple[Connection, FakeTransport]:
    """A connection past CONNECT (a session, the decoder at ``level``)."""
    conn = Connection(broker)  # type: ignore[arg-type]
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.decoder.protocol_level = level
    conn.protocol_level = level
    conn.session = SimpleNamespace(client_id="c1")  # type: ignore[assignment]
    return conn, transport


def publish(topic: str, payload: bytes, level: int = 5) -> bytes:
    return encode(Publish(topic, payload), level)


async def test_a_waiting_handler_bounds_buffered_input_by_bytes() -> None:
    """Reproduction 4: 1 MiB publishes behind a publish that waits are not all kept."""
    release = asyncio.Event()
    handled: list[int] = []

    def handler(conn: Connection, packet: Packet) -> Coroutine[Any, Any, None] | None:
        assert isinstance(packet, Publish)
        handled.append(len(packet.payload))
        return _wait(release) if packet.topic == "u/feeds/new" else None

    broker = FakeBroker(handler, max_packet_size=2 * MIB, max_input_bytes=3 * MIB)
    conn, transport = signed_in(broker)
    conn.data_received(publish("u/feeds/new", b"1"))
    big = publish("u/x", b"x" * MIB)
    sent = 0
    for _ in range(40):  # what a client keeps sending while the server still reads
        if transport.paused:
            break
        conn.data_received(big)
        sent += 1
    assert transport.paused, "40 MiB waiting and the connection is still read"
    assert sent <= 4  # stopped at the byte bound, not at a packet count
    assert conn._backlog_bytes <= 4 * MIB
    release.set()
    await settle()
    assert handled == [1] + [MIB] * sent  # every packet handled, in order
    assert not transport.paused  # drained: read again
    assert conn._backlog_bytes == 0


async def _wait(event: asyncio.Event) -> None:
    await event.wait()


async def test_a_partial_packet_counts_toward_the_bound() -> None:
    release = asyncio.Event()

    def handler(conn: Connection, packet: Packet) -> Any:
        return _wait(release) if isinstance(packet, Publish) and packet.payload == b"w" else None

    broker = FakeBroker(handler, max_packet_size=2 * MIB, max_input_bytes=MIB)
    conn, transport = signed_in(broker)
    conn.data_received(publish("u/a", b"w"))
    big = publish("u/x", b"x" * (MIB + MIB // 2))
    conn.data_received(big[: len(big) - 10])  # most of one packet, still incomplete
    assert transport.paused
    conn.data_received(big[len(big) - 10 :])
    release.set()
    await settle()
    assert not transport.paused and not transport.closed


@pytest.mark.parametrize("where", ["handler", "coroutine"])
async def test_a_failing_packet_closes_that_connection_with_0x83(
    where: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Reproduction 5: an exception while handling one packet (a RecursionError, say) ends
    the connection cleanly and is logged once; packets after it are never handled."""
    handled: list[str] = []

    async def deep() -> None:
        raise RecursionError("maximum recursion depth exceeded")

    def handler(conn: Connection, packet: Packet) -> Any:
        assert isinstance(packet, Publish)
        handled.append(packet.topic)
        if packet.topic == "u/bad":
            if where == "handler":
                raise RecursionError("maximum recursion depth exceeded")
            return deep()
        return None

    broker = FakeBroker(handler)
    conn, transport = signed_in(broker)
    other, other_transport = signed_in(broker)
    with caplog.at_level(logging.ERROR):
        conn.data_received(publish("u/one", b"1") + publish("u/bad", b"2") + publish("u/two", b"3"))
        conn.data_received(publish("u/three", b"4"))
        await settle()
    assert handled == ["u/one", "u/bad"]
    assert transport.closed
    assert transport.packets() == [Disconnect(reason_code=0x83)]
    errors = [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("stonechat")
    ]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert broker.stats["handler_errors"] == 1
    other.data_received(publish("u/four", b"5"))  # the others go on
    assert handled[-1] == "u/four" and not other_transport.closed


async def test_a_failing_packet_on_3_1_1_just_closes() -> None:
    def handler(conn: Connection, packet: Packet) -> Any:
        raise ValueError("bug")

    broker = FakeBroker(handler)
    conn, transport = signed_in(broker, level=4)
    conn.data_received(publish("u/bad", b"1", level=4))
    await settle()
    assert transport.closed and transport.written == b""


async def test_a_failing_packet_waiting_in_the_backlog() -> None:
    release = asyncio.Event()
    handled: list[str] = []

    def handler(conn: Connection, packet: Packet) -> Any:
        assert isinstance(packet, Publish)
        handled.append(packet.topic)
        if packet.topic == "u/wait":
            return _wait(release)
        if packet.topic == "u/bad":
            raise KeyError("bug")
        return None

    broker = FakeBroker(handler)
    conn, transport = signed_in(broker)
    conn.data_received(publish("u/wait", b"1"))
    conn.data_received(publish("u/bad", b"2") + publish("u/after", b"3"))
    release.set()
    await settle()
    assert handled == ["u/wait", "u/bad"]
    assert transport.packets() == [Disconnect(reason_code=0x83)]
    assert conn._backlog_bytes == 0 and not conn._backlog


async def test_a_failing_connect_gets_connack_0x83() -> None:
    def handler(conn: Connection, packet: Packet) -> Any:
        raise RuntimeError("bug")

    broker = FakeBroker(handler)
    conn = Connection(broker)  # type: ignore[arg-type]
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.data_received(encode(Connect(client_id="c", protocol_level=5), 5))
    await settle()
    assert broker.refused == [0x83] and transport.closed
