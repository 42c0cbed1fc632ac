"""Where subscriptions live: feed and group indexes, per-owner routers, time topics.

Exact Adafruit IO feed and group subscriptions are indexed by identifier, so a stored point
finds its subscribers with a few dict lookups; every other filter (free-form topics,
wildcards, ``{user}/errors``) sits in the owner's ``Router``. Subscriptions held by
permission rather than ownership are also indexed by the owner's id, for the re-check that
follows a change of access (``guard.py``). How many subscriptions each user's sessions hold
is counted here, for the per-user limit.
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
        self._held: dict[int, int] = {}  # user id -> subscriptions of that user's sessions

    def held_by(self, user_id: int) -> int:
        """How many subscriptions the sessions of ``user_id`` hold (in this process)."""
        return self._held.get(user_id, 0)

    def _count(self, session: Session, change: int) -> None:
        user_id = session.user.id
        held = self._held.get(user_id, 0) + change
        if held > 0:
            self._held[user_id] = held
        else:
            self._held.pop(user_id, None)

    def add(self, session: Session, sub: Subscription) -> None:
        entry = (session, sub.topic_filter)
        if sub.guarded:
            self.guarded.setdefault(sub.owner_id, {})[entry] = sub
        if sub.kind in ("feed", "group", "time"):
            if sub.kind == "time":
                bucket = self.time.setdefault(sub.ident, {})
            else:
                index = self.feeds if sub.kind == "feed" else self.groups
                bucket = index.setdefault(sub.owner, {}).setdefault(sub.ident, {})
            if entry not in bucket:
                self._count(session, 1)
            bucket[entry] = sub
        else:
            router = self.routers.get(sub.owner)
            if router is None:
                router = self.routers[sub.owner] = Router()
            before = router.count
            router.add(sub.topic_filter, entry, sub)
            self._count(session, router.count - before)

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
            if bucket.pop(entry, None) is not None:
                self._count(session, -1)
            if not bucket:
                owned.pop(sub.ident, None)
            if not owned:
                index.pop(sub.owner, None)
        elif sub.kind == "time":
            bucket = self.time.get(sub.ident, {})
            if bucket.pop(entry, None) is not None:
                self._count(session, -1)
            if not bucket:
                self.time.pop(sub.ident, None)
        else:
            router = self.routers.get(sub.owner)
            if router is not None:
                if router.remove(sub.topic_filter, entry):
                    self._count(session, -1)
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
