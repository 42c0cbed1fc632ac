"""Where subscriptions live: feed and group indexes, per-owner routers, time topics.

Exact Adafruit IO feed and group subscriptions are indexed by identifier, so a stored point
finds its subscribers with a few dict lookups; every other filter (free-form topics,
wildcards, ``{user}/errors``) sits in the owner's ``Router``. Subscriptions held by
permission rather than ownership are also indexed by the owner's id, for the re-check that
follows a change of access (``guard.py``). A shared subscription (``$share/{name}/{filter}``)
joins its share group (``shares.py``), which sits in these indexes once, under its filter.
How many subscriptions each user's sessions hold is counted here, for the per-user limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from stonechat.protocols.mqtt.messages import Subscription
from stonechat.protocols.mqtt.router import Router
from stonechat.protocols.mqtt.session import Session
from stonechat.protocols.mqtt.shares import ShareGroup, Shares

Receiver = Session | ShareGroup  # both have ``deliver(msg, sub, cache)``
Entry = tuple[Receiver, str]  # (session or share group, topic filter)


class Registry:
    def __init__(self) -> None:
        self.feeds: dict[str, dict[str, dict[Entry, Subscription]]] = {}
        self.groups: dict[str, dict[str, dict[Entry, Subscription]]] = {}
        self.routers: dict[str, Router[Subscription]] = {}
        self.time: dict[str, dict[Entry, Subscription]] = {}
        self.guarded: dict[int, dict[tuple[Session, str], Subscription]] = {}
        self.shares = Shares()
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
        if sub.guarded:
            self.guarded.setdefault(sub.owner_id, {})[(session, sub.topic_filter)] = sub
        if sub.share is not None:
            group = self.shares.join(session, sub)
            self._count(session, 1)
            if group is not None:  # a new share group: indexed once, under its filter
                self._index(group, group.rep)
            return
        if self._index(session, sub):
            self._count(session, 1)

    def _index(self, receiver: Receiver, sub: Subscription) -> bool:
        """Index ``sub`` for ``receiver``; True when the entry is new."""
        entry = (receiver, sub.topic_filter)
        if sub.kind in ("feed", "group", "time"):
            if sub.kind == "time":
                bucket = self.time.setdefault(sub.ident, {})
            else:
                index = self.feeds if sub.kind == "feed" else self.groups
                bucket = index.setdefault(sub.owner, {}).setdefault(sub.ident, {})
            new = entry not in bucket
            bucket[entry] = sub
            return new
        router = self.routers.get(sub.owner)
        if router is None:
            router = self.routers[sub.owner] = Router()
        before = router.count
        router.add(sub.topic_filter, entry, sub)
        return router.count > before

    def remove(self, session: Session, sub: Subscription) -> None:
        if sub.guarded:
            held = self.guarded.get(sub.owner_id)
            if held is not None and held.get((session, sub.topic_filter)) is sub:
                del held[(session, sub.topic_filter)]
                if not held:
                    del self.guarded[sub.owner_id]
        if sub.share is not None:
            group = self.shares.leave(session, sub)
            self._count(session, -1)
            if group is not None:  # its last member left
                self._unindex(group, group.rep)
            return
        if self._unindex(session, sub):
            self._count(session, -1)

    def _unindex(self, receiver: Receiver, sub: Subscription) -> bool:
        """Remove ``receiver``'s entry for ``sub``; True when there was one."""
        entry = (receiver, sub.topic_filter)
        if sub.kind in ("feed", "group"):
            index = self.feeds if sub.kind == "feed" else self.groups
            owned = index.get(sub.owner, {})
            bucket = owned.get(sub.ident, {})
            found = bucket.pop(entry, None) is not None
            if not bucket:
                owned.pop(sub.ident, None)
            if not owned:
                index.pop(sub.owner, None)
            return found
        if sub.kind == "time":
            bucket = self.time.get(sub.ident, {})
            found = bucket.pop(entry, None) is not None
            if not bucket:
                self.time.pop(sub.ident, None)
            return found
        router = self.routers.get(sub.owner)
        if router is None:
            return False
        found = router.remove(sub.topic_filter, entry)
        if router.count == 0:
            del self.routers[sub.owner]
        return found

    def matching(self, owner: str, topic: str) -> list[tuple[Receiver, Subscription]]:
        """Router subscriptions (free-form, wildcard, account topics) matching ``topic``; a
        list, so that delivering may change the subscriptions."""
        router = self.routers.get(owner)
        if router is None:
            return []
        found = cast("Iterator[tuple[Entry, str, Subscription]]", router.match(topic))
        return [(entry[0], sub) for entry, _filter, sub in found]

    def count(self) -> int:
        return (
            sum(len(b) for owned in self.feeds.values() for b in owned.values())
            + sum(len(b) for owned in self.groups.values() for b in owned.values())
            + sum(len(b) for b in self.time.values())
            + sum(r.count for r in self.routers.values())
        )
