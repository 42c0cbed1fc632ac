"""Session state that outlives a connection: subscriptions and QoS 1/2 delivery.

Delivery keeps at most ``max_inflight`` unacknowledged QoS 1/2 messages per session (or the
client's Receive Maximum, if lower) and queues up to ``max_queued`` more, within the bytes
bounds of ``budget.QueueBudget``; beyond that new messages are dropped and counted, never
buffered without bound.

A persistent session (Session Expiry Interval > 0) records every change in the broker's
``Journal``: its row (subscriptions, expiry, QoS 2 ids received) and each message it keeps,
with the packet id once sent. While its client is away its messages live in the store only
(``stored``); they are read back when the client returns.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from stonechat.domain.access import Principal
from stonechat.domain.records import User
from stonechat.protocols.mqtt.budget import QueueBudget
from stonechat.protocols.mqtt.codec import (
    EMPTY_PROPERTIES,
    Properties,
    Will,
    encode_properties,
    encode_publish,
    publish_parts,
    publish_with_packet_id,
)
from stonechat.protocols.mqtt.messages import (
    Encodings,
    Kept,
    Message,
    Subscription,
    kept_from_row,
    message_row,
    pack_subscriptions,
    unpack_subscriptions,
)
from stonechat.protocols.mqtt.persistence import MessageRow, SessionRow

if TYPE_CHECKING:
    import asyncio

    from stonechat.protocols.mqtt.journal import Journal
    from stonechat.protocols.mqtt.link import Link


def token_id(principal: Principal) -> int | None:
    """The id of the scoped token a principal signed in with (None: the master key)."""
    return principal.token.id if principal.token is not None else None


# A QoS 1/2 PUBLISH encoded once for many sessions, split around its packet identifier:
# each session's copy is ``head + packet_id.to_bytes(2, "big") + tail``.
Template = tuple[bytes, bytes]


class _Ids(set[int]):
    """QoS 2 packet ids received and not yet released; a change is journaled."""

    __slots__ = ("_session",)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session

    def add(self, packet_id: int) -> None:
        if packet_id not in self:
            super().add(packet_id)
            self._session.changed()

    def discard(self, packet_id: object) -> None:
        if packet_id in self:
            super().discard(packet_id)
            self._session.changed()


class Session:
    # Slots: one session per connection, and an idle connection's memory is mostly its
    # objects' (a 30-entry instance dict alone is ~1.5 KB; measured in docs/benchmarks.md).
    __slots__ = (
        "_next_id",
        "budget",
        "client_id",
        "conn",
        "dropped",
        "expires_at",
        "expiry",
        "expiry_handle",
        "incoming_qos2",
        "inflight",
        "journal",
        "last_commit",
        "last_drop_notice",
        "max_inflight",
        "max_packet_size",
        "max_queued",
        "next_seq",
        "owner",
        "principal",
        "protocol_level",
        "queue",
        "queued_bytes",
        "send_quota",
        "stored",
        "stored_count",
        "subscriptions",
        "user",
        "user_bytes",
        "will",
        "will_handle",
    )

    def __init__(
        self,
        user: User,
        client_id: str,
        *,
        max_inflight: int,
        max_queued: int,
        budget: QueueBudget | None = None,
    ) -> None:
        self.user = user
        # Who signed in: the user (master key) or one of the user's scoped tokens.
        self.principal = Principal(user)
        self.owner = user.username.lower()
        self.client_id = client_id
        self.subscriptions: dict[str, Subscription] = {}
        self.conn: Link | None = None  # the connection, while the client is on
        self.protocol_level = 4
        self.expiry: float = 0.0  # seconds kept after disconnect; 0 ends with the connection
        self.will: Will | None = None
        self.inflight: dict[int, Kept] = {}
        # Waiting for room in flight (None while nothing does: most sessions never queue).
        self.queue: deque[Kept] | None = None
        self.incoming_qos2: set[int] = _Ids(self)
        self.max_inflight = max_inflight
        self.send_quota = max_inflight
        self.max_queued = max_queued
        self.max_packet_size = 0  # the client's limit (MQTT 5); 0 = none
        self.dropped = 0
        self.expiry_handle: Any = None
        self.will_handle: Any = None
        self.budget = budget if budget is not None else QueueBudget(0, 0)
        self.queued_bytes = 0  # payload bytes kept: queued, in flight and stored
        self.user_bytes = self.budget.of_user(user.id)  # the same, all the user's sessions
        self.journal: Journal | None = None  # set while the session is persistent
        self.stored = False  # offline: its messages are in the store only
        self.stored_count = 0  # how many
        self.next_seq = 1
        self.expires_at: int | None = None  # wall-clock ms it ends at, while offline
        self.last_commit: asyncio.Future[None] | None = None  # acknowledgements in order
        self.last_drop_notice = -math.inf
        self._next_id = 0

    @property
    def key(self) -> tuple[int, str]:
        return (self.user.id, self.client_id)

    def _packet_id(self) -> int:
        """The next identifier not in flight (there is one: ``send_quota`` < 65535)."""
        inflight = self.inflight
        if len(inflight) >= 65535:
            raise RuntimeError("no free packet identifier")
        packet_id = self._next_id % 65535 + 1
        while packet_id in inflight:
            packet_id = packet_id % 65535 + 1
        self._next_id = packet_id
        return packet_id

    # -- delivery ----------------------------------------------------------------------------

    def deliver(
        self, msg: Message, sub: Subscription, cache: Encodings | None = None
    ) -> Kept | None:
        """Send ``msg`` on one subscription: QoS is the lower of the two [MQTT-3.8.4-8].

        Returns what the session keeps of a QoS 1/2 delivery (queued or in flight), None
        when it keeps nothing in memory (QoS 0, expired, dropped, stored). ``cache`` holds
        the encodings shared by the sessions of one fan-out.
        """
        if msg.expires_at is not None:
            fresh = _unexpired(msg)
            if fresh is None:
                return None
            if fresh is not msg:
                msg, cache = fresh, None
        qos = msg.qos if msg.qos < sub.qos else sub.qos
        retain = msg.retain and sub.retain_as_published
        conn = self.conn
        if qos == 0:
            if conn is None:
                return None  # QoS 0 is not kept for offline sessions
            data = self._encode(msg, retain, sub, cache)
            if self.max_packet_size and len(data) > self.max_packet_size:
                self.dropped += 1
                self.budget.drops["too_large"] += 1
                return None
            conn.send_droppable(data)
            return None
        if sub.identifier is not None:  # this session's own message: its properties differ
            properties = _with_subscription_id(msg.properties, sub.identifier)
            msg = Message(msg.topic, msg.payload, msg.qos, msg.retain, properties, msg.expires_at)
            cache = None  # the cache is keyed by id(properties): a fresh object's id is reused
        now = not (
            conn is None or len(self.inflight) >= self.send_quota or self.queue or self.stored
        )
        if not now and (
            (self.stored_count if self.stored else len(self.queue or ())) >= self.max_queued
        ):
            self.dropped += 1
            self.budget.drops["queue_full"] += 1
            return None
        # Its bytes count against the session's and the user's bounds (``QueueBudget``,
        # checked here: this runs for every QoS 1/2 delivery); it gets its place in order.
        size = len(msg.payload)
        cell = self.user_bytes
        budget = self.budget
        if self.queued_bytes + size > budget.per_session or cell.used + size > budget.per_user:
            budget.refused(self, size)
            self.dropped += 1
            return None
        self.queued_bytes += size
        cell.used += size
        kept = Kept(msg, qos, retain, self.next_seq)
        self.next_seq += 1
        if now:
            sent = self._send_now(kept, self._template(msg, qos, retain, cache), True)
            return kept if sent else None
        if self.journal is not None:
            self.journal.message(self.key, message_row(self.key, kept), True)
        if self.stored:
            self.stored_count += 1  # kept in the store alone
            return None
        if self.queue is None:
            self.queue = deque()
        self.queue.append(kept)
        return kept

    def _let_go(self, kept: Kept) -> None:
        """A kept delivery is done: acknowledged, expired or dropped."""
        size = len(kept.msg.payload)
        self.queued_bytes -= size
        self.user_bytes.used -= size
        if self.journal is not None:
            self.journal.remove(self.key, kept.seq)

    def _encode(
        self, msg: Message, retain: bool, sub: Subscription, cache: Encodings | None
    ) -> bytes:
        """``msg`` as a QoS 0 PUBLISH for this session."""
        level = self.protocol_level
        properties = msg.properties
        if sub.identifier is not None and level == 5:
            properties = _with_subscription_id(properties, sub.identifier)
            return _publish(msg.topic, msg.payload, 0, retain, properties, level)
        if cache is None:
            return _publish(msg.topic, msg.payload, 0, retain, properties, level)
        key = (msg.topic, 0, retain, level == 5, id(properties))
        data: bytes | None = cache.get(key)
        if data is None:
            data = cache[key] = _publish(msg.topic, msg.payload, 0, retain, properties, level)
        return data

    def _template(self, msg: Message, qos: int, retain: bool, cache: Encodings | None) -> Template:
        """``msg`` as a QoS 1/2 PUBLISH for this session, without its packet id."""
        level = self.protocol_level
        if cache is None:
            return publish_parts(
                _publish(msg.topic, msg.payload, qos, retain, msg.properties, level)
            )
        key = (msg.topic, qos, retain, level == 5, id(msg.properties))
        template: Template | None = cache.get(key)
        if template is None:
            packet = _publish(msg.topic, msg.payload, qos, retain, msg.properties, level)
            template = cache[key] = publish_parts(packet)
        return template

    def _send_now(self, kept: Kept, template: Template, new: bool) -> bool:
        assert self.conn is not None
        head, tail = template
        if self.max_packet_size and len(head) + 2 + len(tail) > self.max_packet_size:
            self.dropped += 1
            self.budget.drops["too_large"] += 1
            self._let_go(kept)
            return False
        packet_id = self._packet_id()
        kept.packet = data = head + packet_id.to_bytes(2, "big") + tail
        self.inflight[packet_id] = kept
        if self.journal is not None:
            self.journal.message(self.key, message_row(self.key, kept, packet_id), new)
        self.conn.send(data)
        return True

    def pump(self) -> None:
        """Move queued messages into flight while the client's quota allows."""
        while self.queue and self.conn is not None and len(self.inflight) < self.send_quota:
            kept = self.queue.popleft()
            msg = kept.msg
            if msg.expires_at is not None:
                fresh = _unexpired(msg)
                if fresh is None:
                    self._let_go(kept)
                    continue
                kept.msg = msg = fresh
            self._send_now(kept, self._template(msg, kept.qos, kept.retain, None), False)

    def acknowledged(self, packet_id: int) -> bool:
        """PUBACK or PUBCOMP: the delivery is done."""
        kept = self.inflight.pop(packet_id, None)
        if kept is None:
            return False
        self._let_go(kept)
        if self.queue:
            self.pump()
        return True

    def received(self, packet_id: int) -> bool:
        """PUBREC: the QoS 2 delivery moves to its release step."""
        entry = self.inflight.get(packet_id)
        if entry is None or entry.qos != 2:
            return False
        entry.released = True
        if self.journal is not None:
            row = message_row(self.key, entry, packet_id, True)
            self.journal.message(self.key, row, False)
        return True

    def withdraw(self, take: Callable[[Any], bool]) -> list[Any]:
        """Take back deliveries made through shared subscriptions, so that another member
        of the share group gets them; returns their ``share`` records.

        ``take(share)`` chooses which. Queued messages and QoS 1 messages in flight go
        (MQTT 5 §4.8.2: the server may send a QoS 1 message to another client as soon as
        the connection is lost); a QoS 2 message in flight stays, even when the session
        ends [MQTT-4.8.2-4]/[MQTT-4.8.2-5].
        """
        taken: list[Any] = []
        if self.queue and any(k.share is not None for k in self.queue):
            staying: deque[Kept] = deque()
            for k in self.queue:
                if k.share is not None and take(k.share):
                    taken.append(k.share)
                    self._let_go(k)
                else:
                    staying.append(k)
            self.queue = staying or None
        for packet_id, entry in list(self.inflight.items()):
            share = entry.share
            if share is None or entry.qos == 2:
                continue
            if take(share):
                del self.inflight[packet_id]
                taken.append(share)
                self._let_go(entry)
        return taken

    def resend(self) -> list[tuple[int, bytes | None]]:
        """What to send again on reconnect [MQTT-4.4.0-1]: PUBLISH with DUP, or PUBREL."""
        out: list[tuple[int, bytes | None]] = []
        for packet_id, entry in self.inflight.items():
            if entry.released:
                out.append((packet_id, None))
            else:
                entry.packet = publish_with_packet_id(entry.packet, packet_id, dup=True)
                out.append((packet_id, entry.packet))
        return out

    def discard_messages(self) -> None:
        """The session ends: what it kept no longer counts (its rows go with its purge)."""
        self.budget.give(self, self.queued_bytes)
        self.queue = None
        self.inflight.clear()
        self.stored_count = 0

    # -- durability --------------------------------------------------------------------------

    def changed(self) -> None:
        """The session's own row changed (subscriptions, expiry, QoS 2 ids)."""
        if self.journal is not None:
            self.journal.session(self)

    def persist(self, journal: Journal) -> None:
        """Become persistent: write the session and everything it keeps from now on."""
        if self.journal is journal:
            self.changed()
            return
        self.journal = journal
        journal.session(self)
        for kept in self.queue or ():
            journal.message(self.key, message_row(self.key, kept), True)
        for packet_id, entry in self.inflight.items():
            row = message_row(self.key, entry, packet_id, entry.released)
            journal.message(self.key, row, True)

    def forget(self) -> None:
        """Stop being persistent: its row and messages leave the store."""
        if self.journal is not None:
            self.journal.purge(self.key)
            self.journal = None

    def went_offline(self) -> None:
        """The client left; its messages stay in the store only, not in memory."""
        self.expires_at = int(time.time() * 1000 + self.expiry * 1000)
        if self.journal is None:
            return
        self.journal.session(self)
        self.stored_count += len(self.queue or ()) + len(self.inflight)
        self.queue = None
        self.inflight.clear()
        self.stored = True

    def came_back(self) -> int:
        """The client returns: new messages go to memory again. Returns the first ``seq``
        not in the store alone (what ``load`` must read below)."""
        self.expires_at = None
        self.stored = False
        return self.next_seq

    def load(self, rows: list[MessageRow]) -> None:
        """Messages read back from the store (``seq`` below what ``came_back`` returned):
        in flight ones keep their packet id, the rest go before what arrived meanwhile."""
        earlier: list[Kept] = []
        now = time.monotonic()
        for row in rows:
            kept = kept_from_row(row)
            msg = kept.msg
            if msg.expires_at is not None and msg.expires_at <= now:
                self._let_go(kept)
                continue
            if row.packet_id is None or row.packet_id in self.inflight:
                kept.released = False
                earlier.append(kept)
                continue
            head, tail = self._template(msg, kept.qos, kept.retain, None)
            kept.packet = head + row.packet_id.to_bytes(2, "big") + tail
            self.inflight[row.packet_id] = kept
        if earlier:
            if self.queue is None:
                self.queue = deque()
            self.queue.extendleft(reversed(earlier))
        self.stored_count = 0

    def apply(self, row: SessionRow) -> None:
        """The stored state of the session (not its messages)."""
        self.protocol_level = row.protocol_level
        self.expiry = float(row.expiry)
        self.expires_at = row.expires_at
        for sub in unpack_subscriptions(row.subscriptions):
            self.subscriptions[sub.topic_filter] = sub
        ids = row.incoming_qos2
        set.update(
            self.incoming_qos2, (int.from_bytes(ids[i : i + 2]) for i in range(0, len(ids), 2))
        )

    def session_row(self) -> SessionRow:
        token = self.principal.token
        return SessionRow(
            self.user.id,
            self.client_id,
            self.protocol_level,
            int(self.expiry),
            self.expires_at,
            token.id if token is not None else None,
            pack_subscriptions(list(self.subscriptions.values())),
            b"".join(i.to_bytes(2) for i in sorted(self.incoming_qos2)),
        )


def _unexpired(msg: Message) -> Message | None:
    """``None`` once the message expired before onward delivery [MQTT-3.3.2-5]; else the
    message with the seconds it has left as its Message Expiry Interval [MQTT-3.3.2-6]."""
    assert msg.expires_at is not None
    left = math.ceil(msg.expires_at - time.monotonic())
    if left <= 0:
        return None
    if left == msg.properties.message_expiry_interval:
        return msg
    properties = replace(msg.properties, message_expiry_interval=left)
    return Message(msg.topic, msg.payload, msg.qos, msg.retain, properties, msg.expires_at)


def _with_subscription_id(properties: Properties, identifier: int) -> Properties:
    return replace(properties, subscription_identifiers=(identifier,))


def _publish(
    topic: str, payload: bytes, qos: int, retain: bool, properties: Properties, level: int
) -> bytes:
    block: Properties | bytes | None = None
    if level == 5 and properties is not EMPTY_PROPERTIES:
        block = encode_properties(properties)
    return encode_publish(
        topic, payload, qos, retain, False, 1 if qos else None, block, protocol_level=level
    )
