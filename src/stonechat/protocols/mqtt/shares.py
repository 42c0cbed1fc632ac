"""Shared subscriptions: ``$share/{name}/{filter}`` (MQTT 5 §4.8.2; 3.1.1 as Mosquitto).

The sessions of one user subscribed with the same ``$share/{name}/{filter}`` form a share
group; share groups never span users. The registry holds each group once, under its
filter, where a plain subscription to that filter would be: every delivery path (stored
points, free-form routes, notices) reaches the group like any subscriber, and the group
hands each message to ONE member, round robin, connected members first (an offline
persistent member keeps QoS 1/2 messages until it returns, when no member is connected).

Across processes every process receives every message; ``share_cluster`` decides from the
message's id which process delivers it (``Shares.current`` names the message in delivery;
each delivery path sets it). A member that disconnects passes its QoS 1 messages in flight
and its queued messages to another connected member of the group in its process (any
member when its session ends); a QoS 2 message in flight stays with its session, to be
completed when it reconnects [MQTT-4.8.2-4], and goes nowhere else [MQTT-4.8.2-5].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stonechat.protocols.mqtt.messages import Encodings, Message, Subscription
from stonechat.protocols.mqtt.session import Session

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.share_cluster import ShareCluster

# (user id of the members, share name, filter): one share group.
ShareKey = tuple[int, str, str]


@dataclass(slots=True)
class Handed:
    """A QoS 1/2 message a share group gave one member, as it was published."""

    group: ShareGroup
    message: Message


class ShareGroup:
    """The members of one share group; a subscriber in the registry like a session."""

    __slots__ = ("_next", "key", "members", "rep", "shares")

    def __init__(self, shares: Shares, key: ShareKey, sub: Subscription) -> None:
        self.shares = shares
        self.key = key
        self.members: list[tuple[Session, Subscription]] = []
        self._next = 0
        # What the registry indexes: the filter, and what kind of topic it names.
        self.rep = Subscription(
            sub.matched,
            2,
            kind=sub.kind,
            owner=sub.owner,
            ident=sub.ident,
            fmt=sub.fmt,
            owner_id=sub.owner_id,
        )

    def deliver(self, msg: Message, sub: Subscription, cache: Encodings | None = None) -> None:
        """Give ``msg`` to one member (if this process is the one to deliver it)."""
        picked = self.pick()
        if picked is not None:
            self.give(picked[0], picked[1], msg, cache)

    def pick(self) -> tuple[Session, Subscription] | None:
        """The member for the message in delivery: None when another process delivers it
        (or nobody is here)."""
        if not self.members or not self.shares.ours(self.key):
            return None
        return self._choose(None)

    def give(
        self,
        session: Session,
        sub: Subscription,
        msg: Message,
        cache: Encodings | None = None,
    ) -> None:
        kept = session.deliver(msg, sub, cache)
        if kept is not None:  # QoS 1/2: remembered, so another member can have it
            kept.share = Handed(self, msg)

    def _choose(self, exclude: Session | None) -> tuple[Session, Subscription] | None:
        """Round robin; connected members first, then offline ones (they queue QoS 1/2)."""
        members = self.members
        count = len(members)
        start = self._next
        for connected in (True, False):
            for step in range(count):
                index = (start + step) % count
                session, sub = members[index]
                if session is exclude or (connected and session.conn is None):
                    continue
                self._next = (index + 1) % count
                return session, sub
        return None

    def has_other(self, session: Session, connected: bool) -> bool:
        return any(
            s is not session and (s.conn is not None or not connected) for s, _ in self.members
        )


class Shares:
    """Every share group of this process."""

    def __init__(self) -> None:
        self.groups: dict[ShareKey, ShareGroup] = {}
        # The id of the message being delivered, the same in every process (a datum id, an
        # origin sequence); set by each delivery path before it reaches the registry.
        self.current: str | None = None
        self.cluster: ShareCluster | None = None
        self.handed_over = 0  # messages passed to another member

    @staticmethod
    def key(session: Session, sub: Subscription) -> ShareKey:
        return (session.user.id, sub.share or "", sub.matched)

    def ours(self, key: ShareKey) -> bool:
        """Whether this process delivers the current message to the group ``key``."""
        cluster = self.cluster
        return cluster is None or cluster.mine(key, self.current)

    def join(self, session: Session, sub: Subscription) -> ShareGroup | None:
        """Add a member; returns the group when it is new (the registry indexes it)."""
        key = self.key(session, sub)
        group = self.groups.get(key)
        created = group is None
        if group is None:
            group = self.groups[key] = ShareGroup(self, key, sub)
        group.members = [m for m in group.members if m[0] is not session]
        group.members.append((session, sub))
        self._announce(group)
        return group if created else None

    def leave(self, session: Session, sub: Subscription) -> ShareGroup | None:
        """Remove a member; returns the group when it is now empty (the registry drops it).

        Deliveries it started stay with it [MQTT-3.10.4-3]."""
        key = self.key(session, sub)
        group = self.groups.get(key)
        if group is None:
            return None
        group.members = [m for m in group.members if m[0] is not session]
        self._announce(group)
        if group.members:
            return None
        del self.groups[key]
        return group

    def disconnected(self, session: Session) -> None:
        """A member's connection ended (its session may go on): its queued and QoS 1 in
        flight shared messages go to another connected member of each group, if any."""
        self._hand_over(session, ending=False)

    def ended(self, session: Session) -> None:
        """A member's session ends: its queued and QoS 1 in flight shared messages go to
        another member (connected first); QoS 2 ones in flight do not [MQTT-4.8.2-5]."""
        self._hand_over(session, ending=True)

    def _hand_over(self, session: Session, ending: bool) -> None:
        if not self.groups:
            return
        groups = set()
        for sub in session.subscriptions.values():
            if sub.share is not None:
                group = self.groups.get(self.key(session, sub))
                if group is not None and group.has_other(session, connected=not ending):
                    groups.add(id(group))
        if not groups:
            return
        for handed in session.withdraw(lambda h: id(h.group) in groups):
            group = handed.group
            picked = group._choose(session)
            if picked is not None:
                self.handed_over += 1
                group.give(picked[0], picked[1], handed.message)

    def counts(self) -> dict[ShareKey, int]:
        """Members here of each share group (what the cluster announces)."""
        return {key: len(group.members) for key, group in self.groups.items()}

    def _announce(self, group: ShareGroup) -> None:
        if self.cluster is not None:
            self.cluster.changed(group.key, len(group.members))
