"""The bus interface: in-process by default, Redis to span processes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from stonechat.bus.events import FeedEvent

Listener = Callable[[list[FeedEvent]], None]
# A message between processes: a small JSON-able dict. Handlers must not block.
Signal = dict[str, Any]
SignalHandler = Callable[[Signal], None]
# A request to one process; the answer (or None) goes back to the asking process.
RequestHandler = Callable[[Signal], Awaitable[Signal | None]]


class Bus(Protocol):
    """Publishes committed points to every listener, in commit order, in every process.

    Listeners are plain callables that must not block: they hand work to their own
    bounded queues. Besides data points the bus carries signals between the processes of
    one installation (MQTT notices, free-form publishes, session hand-over). With a single
    process those have nobody to reach and cost nothing.
    """

    # This process's name on the bus; unique per process.
    node: str
    # True when other processes may be listening (Redis); False for the in-process bus.
    distributed: bool

    def subscribe(self, listener: Listener) -> None: ...

    def unsubscribe(self, listener: Listener) -> None: ...

    async def publish(self, events: list[FeedEvent]) -> None: ...

    def broadcast(self, kind: str, body: Signal) -> None:
        """Send ``body`` to the ``on(kind)`` handlers of every OTHER process."""

    def tell(self, node: str, kind: str, body: Signal) -> None:
        """Send ``body`` to the ``on(kind)`` handler of process ``node`` alone."""

    def on(self, kind: str, handler: SignalHandler) -> None: ...

    def on_request(self, kind: str, handler: RequestHandler) -> None: ...

    async def request(self, node: str, kind: str, body: Signal, wait: float) -> Signal | None:
        """Ask process ``node``; None when it is gone, does not answer, or answers None."""

    async def claim(self, name: str) -> str | None:
        """Record this process as the holder of ``name``; returns the previous holder."""

    async def release(self, name: str) -> None:
        """Forget ``name`` if this process holds it."""

    def health(self) -> dict[str, Any]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...
