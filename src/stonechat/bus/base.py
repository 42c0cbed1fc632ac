"""The bus interface: in-process by default, Redis to span processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from stonechat.bus.events import FeedEvent

Listener = Callable[[list[FeedEvent]], None]


class Bus(Protocol):
    """Publishes committed points to every listener, in commit order.

    Listeners are plain callables that must not block: they hand work to their own
    bounded queues.
    """

    def subscribe(self, listener: Listener) -> None: ...

    def unsubscribe(self, listener: Listener) -> None: ...

    async def publish(self, events: list[FeedEvent]) -> None: ...

    async def close(self) -> None: ...
