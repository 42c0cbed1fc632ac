"""Where subscriptions live: feed and group indexes, per-owner routers, time topics.

Exact Adafruit IO feed and group subscriptions are indexed by identifier, so a stored point
finds its subscribers with a few dict lookups; every other filter (free-form topics,
wildcards, ``{user}/errors``) sits in the owner's ``Router``. Subscriptions held by
permission rather than ownership are also indexed by the owner's id, for the re-check that
follows a change of access (``guard.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

from stonechat.protocols.mqtt.messages import Subscription
from stonechat.protocols.mqtt.router import Router
from stonechat.protocols.mqtt.session import Session

Entry = tuple[Session, str]  # (session, topic filter)


class Registry:
    def __init__(self) -> None:
        self.feeds: dict[str, dict[str, dict[Entry, Subscription]]] = {}
        self.groups: dict[str, dict[str, dict[Entry, Subscription]]] = {}
        self.routers: dict[str, Router[Subscription]] = {}
        self.time: dict[str, dict[Entry, Subscription]] = {}
        self.guarded: dict[int, dict[Entry, Subscription]] = {}

    def add(self, session: Session, sub: Subscription) -> None:
        entry = (session, sub.topic_filter)
        if sub.guarded:
            self.guarded.setdefault(sub.owner_id, {})[entry] = sub
        if sub.kind == "feed":
            self.feeds.setdefault(sub.owner, {}).setdefault(sub.ident, {})[entry] = sub
        elif sub.kind == "group":
            self.groups.setdefault(sub.owner, {}).setdefault(sub.ident, {})[entry] = sub
        elif sub.kind == "time":
            self.time.setdefault(sub.ident, {})[entry] = sub
        else:
            self.routers.setdefault(sub.owner, Router()).add(sub.topic_filter, entry, sub)

    def remove(self, session: Session, sub: Subscription) -> None:
        entry = (session, sub.topic_filter)
        if sub.guarded:
            held = self.guarded.get(sub.owner_id)
            if held is not None and held.get(entry) is sub:
                del held[entry]
                if not held:
                    del self.guarded[sub.owner_id]
        if sub.kind in ("feed", "group"):
            index = self.feeds if sub.kind == "feed" else self.groups
            owned = index.get(sub.owner, {})
            bucket = owned.get(sub.ident, {})
            bucket.pop(entry, None)
            if not bucket:
                owned.pop(sub.ident, None)
            if not owned:
                index.pop(sub.owner, None)
        elif sub.kind == "time":
            bucket = self.time.get(sub.ident, {})
            bucket.pop(entry, None)
            if not bucket:
                self.time.pop(sub.ident, None)
        else:
            router = self.routers.get(sub.owner)
            if router is not None:
                router.remove(sub.topic_filter, entry)
                if router.count == 0:
                    del self.routers[sub.owner]

    def matching(self, owner: str, topic: str) -> Iterator[tuple[Session, Subscription]]:
        """Router subscriptions (free-form, wildcard, account topics) matching ``topic``."""
        router = self.routers.get(owner)
        if router is None:
            return
        for entry, _filter, sub in router.match(topic):
            assert isinstance(entry, tuple)
            yield entry[0], sub

    def count(self) -> int:
        return (
            sum(len(b) for owned in self.feeds.values() for b in owned.values())
            + sum(len(b) for owned in self.groups.values() for b in owned.values())
            + sum(len(b) for b in self.time.values())
            + sum(r.count for r in self.routers.values())
        )
