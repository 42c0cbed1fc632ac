"""``BrokerState``: everything the broker holds, and nothing it does.

One per process, built by ``Broker``; every module of the core (``sessions``, ``wills``,
``delivery``, ``notices``, ``cluster``, the packet handlers) takes it as its first argument
and works on it; none of them calls back up into the broker.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from stonechat.protocols.mqtt.budget import QueueBudget
from stonechat.protocols.mqtt.journal import Journal
from stonechat.protocols.mqtt.registry import Registry
from stonechat.protocols.mqtt.retained import RetainedStore
from stonechat.protocols.mqtt.traffic import Traffic

if TYPE_CHECKING:
    from stonechat.bus.base import ClusterBus
    from stonechat.protocols.mqtt.config import BrokerConfig
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.hooks import Hooks
    from stonechat.protocols.mqtt.persistence import StateStore
    from stonechat.protocols.mqtt.session import Session


class BrokerState:
    """The broker's state: configuration, connections, sessions, subscriptions, retained
    messages, counters, the journal and the hooks of the application it serves."""

    def __init__(
        self,
        config: BrokerConfig,
        bus: ClusterBus,
        hooks: Hooks,
        store: StateStore | None,
        queue_full: Callable[[Session, int], None],
    ) -> None:
        self.config = config
        self.bus = bus
        self.hooks = hooks
        # The store of record of persistent sessions and retained messages, written through
        # the journal; without one (unit tests) they live in memory only.
        self.store = store
        self.journal = Journal(store) if store is not None else None
        self.budget = QueueBudget(
            config.max_queued_bytes_per_session, config.max_queued_bytes_per_user, queue_full
        )
        self.connections: set[Connection] = set()
        self.sessions: dict[tuple[int, str], Session] = {}
        self.registry = Registry()
        self.retained = RetainedStore(
            config.max_retained_per_user, config.max_retained_bytes_per_user
        )
        # Events counted where they happen (drops, refusals, errors...), read by metrics.
        self.stats: Counter[str] = Counter()
        self.traffic = Traffic()  # packets and bytes in and out
        self.to_flush: list[Connection] = []  # written at the end of this loop turn
        self.background: set[asyncio.Task[None]] = set()  # wills, releases: kept referenced
        self.stopping = False
        self.adopting: set[asyncio.Task[None]] = set()  # sessions let go by another process
        self.message_ids = itertools.count(1)  # free-form routes and notices (shares)

    def message_id(self) -> str:
        """An id every process gives the same message (shared subscriptions decide by it)."""
        return f"{self.bus.node}:{next(self.message_ids)}"

    def in_background(self, task: asyncio.Task[None]) -> None:
        """Keep a task referenced until it is done."""
        self.background.add(task)
        task.add_done_callback(self.background.discard)
