"""In-process bus: listeners are called directly, in the writer's task."""

from __future__ import annotations

import logging

from stonechat.bus.base import Listener
from stonechat.bus.events import FeedEvent

log = logging.getLogger(__name__)


class MemoryBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    async def publish(self, events: list[FeedEvent]) -> None:
        for listener in list(self._listeners):
            try:
                listener(events)
            except Exception:
                # One broken listener must not stop delivery to the others.
                log.exception("bus listener %r failed", listener)

    async def close(self) -> None:
        self._listeners.clear()
