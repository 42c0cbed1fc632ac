"""In-process bus: listeners are called directly, in the writer's task."""

from __future__ import annotations

import logging
from typing import Any

from stonechat.bus.base import Listener, RequestHandler, Signal, SignalHandler
from stonechat.bus.events import FeedEvent

log = logging.getLogger(__name__)


def deliver(listeners: list[Listener], events: list[FeedEvent]) -> None:
    """Call each listener; one broken listener must not stop delivery to the others."""
    for listener in list(listeners):
        try:
            listener(events)
        except Exception:
            log.exception("bus listener %r failed", listener)


class MemoryBus:
    node = "local"
    distributed = False

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    async def publish(self, events: list[FeedEvent]) -> None:
        deliver(self._listeners, events)

    # One process: there is nobody else to signal, ask or hand anything over to.

    def broadcast(self, kind: str, body: Signal) -> None:
        return None

    def tell(self, node: str, kind: str, body: Signal) -> None:
        return None

    def on(self, kind: str, handler: SignalHandler) -> None:
        return None

    def on_request(self, kind: str, handler: RequestHandler) -> None:
        return None

    async def request(self, node: str, kind: str, body: Signal, wait: float) -> Signal | None:
        return None

    async def claim(self, name: str) -> str | None:
        return None

    async def release(self, name: str) -> None:
        return None

    def health(self) -> dict[str, Any]:
        return {"kind": "memory", "connected": True}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._listeners.clear()
