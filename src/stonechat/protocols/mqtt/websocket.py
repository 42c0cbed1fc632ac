"""MQTT over WebSocket at ``/mqtt`` (subprotocol ``mqtt``), on the HTTP port.

Binary frames carry the MQTT byte stream; the same ``Connection`` class handles it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from stonechat.protocols.mqtt.broker import Broker
from stonechat.protocols.mqtt.connection import Connection

SUBPROTOCOLS = ("mqtt", "mqttv3.1")


class WebSocketTransport:
    """The bits of ``asyncio.Transport`` a ``Connection`` uses, over a WebSocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self._out: deque[bytes] = deque()
        self._size = 0
        self.wake = asyncio.Event()
        self.readable = asyncio.Event()
        self.readable.set()
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername" and self.websocket.client is not None:
            return (self.websocket.client.host, self.websocket.client.port)
        return default

    def write(self, data: bytes) -> None:
        if self.closing:
            return
        self._out.append(data)
        self._size += len(data)
        self.wake.set()

    def get_write_buffer_size(self) -> int:
        return self._size

    def pause_reading(self) -> None:
        self.readable.clear()

    def resume_reading(self) -> None:
        self.readable.set()

    def close(self) -> None:
        self.closing = True
        self.wake.set()
        self.readable.set()

    async def send_loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self._out:
                data = self._out.popleft()
                self._size -= len(data)
                await self.websocket.send_bytes(data)
            if self.closing:
                await self.websocket.close()
                return


async def mqtt_over_websocket(websocket: WebSocket) -> None:
    broker: Broker = websocket.app.state.broker
    offered = websocket.scope.get("subprotocols", [])
    chosen = next((p for p in offered if p in SUBPROTOCOLS), None)
    await websocket.accept(subprotocol=chosen)
    transport = WebSocketTransport(websocket)
    conn = Connection(broker)
    conn.connection_made(transport)
    sender = asyncio.create_task(transport.send_loop())
    try:
        while not transport.closing:
            await transport.readable.wait()
            if transport.closing:
                break
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data = message.get("bytes")
            if data is None and message.get("text") is not None:
                data = message["text"].encode()
            if data:
                conn.data_received(data)
    except WebSocketDisconnect:
        pass
    finally:
        transport.closing = True
        transport.wake.set()
        conn.connection_lost(None)
        try:
            await asyncio.wait_for(sender, 5)
        except (TimeoutError, Exception):
            sender.cancel()
