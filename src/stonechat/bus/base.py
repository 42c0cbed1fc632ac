"""The bus interfaces: fan-out of committed points (``FanOutBus``) and messaging between
processes (``ClusterBus``); in-process by default, Redis to span processes."""

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


class FanOutBus(Protocol):
    """Publishes committed points to every listener, in commit order, in every process.

    Listeners are plain callables that must not block: they hand work to their own
    bounded queues.
    """

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every batch of committed points, from any process."""

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``."""

    async def publish(self, events: list[FeedEvent]) -> None:
        """Hand committed points to every listener here and in the other processes."""


class ClusterBus(Protocol):
    """Messages between the processes of one installation (MQTT notices, free-form
    publishes, session hand-over, access changes): signals to all or one, requests with an
    answer, and names held by one process at a time. Kinds and names are in ``signals``.
    With a single process those have nobody to reach and cost nothing.
    """

    # This process's name on the bus; unique per process.
    node: str
    # True when other processes may be listening (Redis); False for the in-process bus.
    distributed: bool

    def broadcast(self, kind: str, body: Signal) -> None:
        """Send ``body`` to the ``on(kind)`` handlers of every OTHER process."""

    def tell(self, node: str, kind: str, body: Signal) -> None:
        """Send ``body`` to the ``on(kind)`` handler of process ``node`` alone."""

    def on(self, kind: str, handler: SignalHandler) -> None:
        """Call ``handler`` with every signal of ``kind`` sent to this process."""

    def on_request(self, kind: str, handler: RequestHandler) -> None:
        """Answer requests of ``kind`` with ``handler``."""

    async def request(self, node: str, kind: str, body: Signal, wait: float) -> Signal | None:
        """Ask process ``node``; None when it is gone, does not answer, or answers None."""

    async def claim(self, name: str) -> str | None:
        """Record this process as the holder of ``name``; returns the previous holder."""

    async def release(self, name: str) -> None:
        """Forget ``name`` if this process holds it."""


class Bus(FanOutBus, ClusterBus, Protocol):
    """Both, as the in-process and the Redis bus implement them; the composition root
    starts and closes it, consumers type against the part they use."""

    def health(self) -> dict[str, Any]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...
