"""Live MQTT connections of every process, for administrators.

Each process's broker holds its own connections (``list_local``/``disconnect_local`` are
plugged in by the broker's admin link). ``gather`` asks every other process over the bus
(``CONNECTIONS_ASK``, answered with ``tell`` to the asker) and waits a bounded time for the
answers: a request/reply, nothing kept between asks. The processes that answered are the
live workers the health view shows. Ending a connection is a broadcast; the process holding
it ends it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stonechat.bus.base import ClusterBus, Signal
from stonechat.bus.signals import CLIENT_DISCONNECT, CONNECTIONS_ANSWER, CONNECTIONS_ASK

log = logging.getLogger(__name__)

ANSWER_SECONDS = 0.5  # how long ``gather`` waits for the other processes
MAX_PENDING = 16  # asks waiting for answers at once (each holds a small dict)

Listed = list[dict[str, Any]]


@dataclass(slots=True)
class Gathered:
    """Every process's connections, and the processes that answered (this one first)."""

    connections: Listed
    nodes: list[str] = field(default_factory=list)


def _none() -> Listed:
    return []


def _no_disconnect(user_id: int, client_id: str) -> int:
    return 0


class ConnectionDirectory:
    def __init__(self, bus: ClusterBus, answer_seconds: float = ANSWER_SECONDS) -> None:
        self._bus = bus
        self._answer_seconds = answer_seconds
        self.list_local: Callable[[], Listed] = _none
        self.disconnect_local: Callable[[int, str], int] = _no_disconnect
        self._pending: dict[int, Gathered] = {}
        self._ids = itertools.count(1)
        bus.on(CONNECTIONS_ASK, self._asked)
        bus.on(CONNECTIONS_ANSWER, self._answered)
        bus.on(CLIENT_DISCONNECT, self._remote_disconnect)

    async def gather(self) -> Gathered:
        """The live connections of every process that answers within ANSWER_SECONDS."""
        here = Gathered(self._mark(self.list_local(), self._bus.node), [self._bus.node])
        if not self._bus.distributed or len(self._pending) >= MAX_PENDING:
            return here
        ask = next(self._ids)
        self._pending[ask] = here
        try:
            self._bus.broadcast(CONNECTIONS_ASK, {"id": ask, "node": self._bus.node})
            await asyncio.sleep(self._answer_seconds)
        finally:
            self._pending.pop(ask, None)
        return here

    def disconnect(self, user_id: int, client_id: str) -> int:
        """End the user's connection with ``client_id`` wherever it is; how many ended here
        (the other processes end theirs on the signal)."""
        self._bus.broadcast(CLIENT_DISCONNECT, {"user_id": user_id, "client_id": client_id})
        return self.disconnect_local(user_id, client_id)

    @staticmethod
    def _mark(listed: Listed, node: str) -> Listed:
        return [{**c, "node": node} for c in listed]

    def _asked(self, body: Signal) -> None:
        try:
            node, ask = str(body["node"]), int(body["id"])
        except (KeyError, TypeError, ValueError):
            return
        answer = {"id": ask, "node": self._bus.node, "connections": self.list_local()}
        self._bus.tell(node, CONNECTIONS_ANSWER, answer)

    def _answered(self, body: Signal) -> None:
        try:
            pending = self._pending.get(int(body["id"]))
            node = str(body["node"])
            listed = list(body["connections"])
        except (KeyError, TypeError, ValueError):
            return
        if pending is not None and node not in pending.nodes:
            pending.nodes.append(node)
            pending.connections.extend(self._mark(listed, node))

    def _remote_disconnect(self, body: Signal) -> None:
        try:
            self.disconnect_local(int(body["user_id"]), str(body["client_id"]))
        except (KeyError, TypeError, ValueError):
            log.warning("ignored a malformed disconnect signal: %r", body)
