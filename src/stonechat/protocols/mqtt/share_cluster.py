"""Shared subscriptions across processes: which process delivers each message.

Every process receives every stored point and every free-form route, so the processes
holding members of one share group must agree which ONE delivers a message. Each process
announces on the bus how many members of each share group it holds (when that changes,
every ``announce_seconds`` in full, and on request from a process that starts); a process
not heard from for three periods is forgotten. For a message with id ``m`` (the datum id
of a stored point, an origin sequence of a free-form route or notice), every process takes
the members of the group by process (sorted by node name), picks member number
``crc32(m) mod total`` and delivers only if that member is its own; inside the process the
group goes round robin. So a group's messages spread over its processes in proportion to
their members.

Windows: an announcement takes a bus round trip to arrive. While a member joins or leaves
(or a process dies, until it is forgotten), processes may disagree on the membership: a
message in that window can reach two members or none, whatever its QoS. A process whose
members all left delivers nothing, and one with no announced members yet is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from typing import TYPE_CHECKING, Any

from stonechat.bus.base import ClusterBus
from stonechat.bus.signals import SHARE_ALL, SHARE_ASK, SHARE_MEMBERS

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.shares import ShareKey, Shares

# Signal kinds on the bus.


class ShareCluster:
    def __init__(self, bus: ClusterBus, shares: Shares, announce_seconds: float) -> None:
        self.bus = bus
        self.shares = shares
        self.node = bus.node
        self.period = announce_seconds
        # share group -> node -> (members there, monotonic time last heard)
        self.remote: dict[ShareKey, dict[str, tuple[int, float]]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.bus.on(SHARE_MEMBERS, self._heard_one)
        self.bus.on(SHARE_ALL, self._heard_all)
        self.bus.on(SHARE_ASK, lambda body: self._tell(str(body["node"])))
        self.bus.broadcast(SHARE_ASK, {"node": self.node})
        self._task = asyncio.get_running_loop().create_task(self._announce(), name="mqtt-shares")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.bus.broadcast(SHARE_ALL, {"node": self.node, "groups": []})  # forget me

    # -- deciding ---------------------------------------------------------------------------

    def mine(self, key: ShareKey, message_id: str | None) -> bool:
        """Whether this process delivers message ``message_id`` to share group ``key``."""
        nodes = self.remote.get(key)
        if not nodes or message_id is None:
            return True  # nobody else holds members (or a message without an id)
        horizon = time.monotonic() - 3 * self.period
        here = len(self.shares.groups[key].members) if key in self.shares.groups else 0
        members = [(node, count) for node, (count, seen) in nodes.items() if seen >= horizon]
        if here:
            members.append((self.node, here))
        members.sort()
        total = sum(count for _, count in members)
        if total == 0:
            return True
        chosen = zlib.crc32(message_id.encode()) % total
        for node, count in members:
            if chosen < count:
                return node == self.node
            chosen -= count
        return False  # not reached

    # -- announcing ------------------------------------------------------------------------

    def changed(self, key: ShareKey, members: int) -> None:
        self.bus.broadcast(SHARE_MEMBERS, {"node": self.node, "key": list(key), "n": members})

    def _tell(self, node: str) -> None:
        self.bus.tell(node, SHARE_ALL, self._all())

    def _all(self) -> dict[str, Any]:
        groups = [[*key, n] for key, n in self.shares.counts().items()]
        return {"node": self.node, "groups": groups}

    async def _announce(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            with contextlib.suppress(Exception):
                self.bus.broadcast(SHARE_ALL, self._all())
            self._forget_silent()

    def _heard_one(self, body: dict[str, Any]) -> None:
        user_id, name, topic_filter = body["key"]
        self._set((int(user_id), str(name), str(topic_filter)), str(body["node"]), int(body["n"]))

    def _heard_all(self, body: dict[str, Any]) -> None:
        node = str(body["node"])
        listed = set()
        for user_id, name, topic_filter, count in body["groups"]:
            key = (int(user_id), str(name), str(topic_filter))
            listed.add(key)
            self._set(key, node, int(count))
        for key in [k for k, nodes in self.remote.items() if node in nodes and k not in listed]:
            self._set(key, node, 0)

    def _set(self, key: ShareKey, node: str, count: int) -> None:
        if node == self.node:
            return
        nodes = self.remote.setdefault(key, {})
        if count > 0:
            nodes[node] = (count, time.monotonic())
        else:
            nodes.pop(node, None)
            if not nodes:
                del self.remote[key]

    def _forget_silent(self) -> None:
        horizon = time.monotonic() - 3 * self.period
        for key, nodes in list(self.remote.items()):
            for node, (_count, seen) in list(nodes.items()):
                if seen < horizon:
                    self._set(key, node, 0)
