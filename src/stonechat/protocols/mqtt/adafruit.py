"""Adafruit IO semantics on the broker (mqtt-api.md §3-§6).

Publishes to feed and group topics go through the write service like REST writes (it asks
the access policy: shared feeds, scoped tokens); stored points (from MQTT, REST or webhooks)
fan out from the bus to every matching subscription, on the exact topic string each client
subscribed with, in the format that topic asks for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import orjson

from stonechat.bus.events import FeedEvent, Origin
from stonechat.domain import shapes
from stonechat.domain.access import READ, WRITE
from stonechat.domain.errors import (
    Forbidden,
    Invalid,
    NotFound,
    StonechatError,
    Throttled,
    TooLarge,
)
from stonechat.domain.payloads import csv_line, feed_point, group_csv, group_json, group_points
from stonechat.domain.points import PointInput, check_point
from stonechat.domain.records import Datum, Feed, Group, User
from stonechat.domain.timestamps import now_ms
from stonechat.domain.topics import FeedTopic, GroupTopic
from stonechat.protocols.mqtt.codec import Publish, ReasonCode
from stonechat.protocols.mqtt.connection import Handled
from stonechat.protocols.mqtt.failures import delivery_failed
from stonechat.protocols.mqtt.messages import Message, Subscription
from stonechat.protocols.mqtt.replies import acknowledge, is_refusal, not_stored, reason_for
from stonechat.protocols.mqtt.router import Router
from stonechat.protocols.mqtt.shares import ShareGroup

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.broker import Broker
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session

log = logging.getLogger(__name__)


class _Payloads:
    """The payloads of one stored point, each made at most once."""

    __slots__ = ("_csv", "_json", "datum", "feed", "raw", "retention")

    def __init__(self, feed: Feed, datum: Datum, retention: int) -> None:
        self.feed = feed
        self.datum = datum
        self.retention = retention
        self.raw = datum.value.encode()
        self._json: bytes | None = None
        self._csv: bytes | None = None

    def get(self, fmt: str) -> bytes:
        if fmt == "":
            return self.raw
        if fmt == "json":
            if self._json is None:
                self._json = orjson.dumps(shapes.datum(self.datum, self.feed, self.retention))
            return self._json
        if self._csv is None:
            self._csv = csv_line(self.datum).encode()
        return self._csv


class AdafruitBridge:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.services = broker.services
        # The storage outage (``ingest.outage.count``) each connection was last told about.
        self._told: weakref.WeakKeyDictionary[Connection, int] = weakref.WeakKeyDictionary()

    # -- publishing ------------------------------------------------------------------------
    #
    # A thin translation: payload -> (identifier, point) pairs -> ``services.writes``, the one
    # write path (it finds or creates the feeds, asks the access policy, checks the points
    # and the data rate), then its refusals -> reason codes and ``{user}/errors``.

    def publish_feed(self, conn: Connection, topic: FeedTopic, packet: Publish) -> Handled:
        try:
            point = feed_point(packet.payload, topic.fmt)
        except StonechatError as error:
            return self._unreadable_payload(conn, packet, topic, error)
        return self._write(conn, packet, topic, [(topic.ident, point)], None)

    def publish_group(self, conn: Connection, topic: GroupTopic, packet: Publish) -> Handled:
        try:
            pairs, location = group_points(packet.payload, topic.fmt)
        except StonechatError as error:
            return self._unreadable_payload(conn, packet, topic, error)
        points = [
            (
                key,
                PointInput(
                    value=value,
                    lat=location.get("lat"),
                    lon=location.get("lon"),
                    ele=location.get("ele"),
                ),
            )
            for key, value in pairs
        ]
        return self._write(conn, packet, topic, points, topic.ident)

    def _unreadable_payload(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        error: StonechatError,
    ) -> Handled:
        session = conn.session
        assert session is not None
        if topic.owner.lower() == session.owner:
            self.broker.reject_publish(
                conn, packet, f"rejected, {error.message}", reason_for(error)
            )
            return None
        return self._unreadable_shared_payload(conn, packet, topic, error)

    async def _unreadable_shared_payload(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        error: StonechatError,
    ) -> None:
        """A payload error on another user's topic is told only to those who may write
        there; the others learn no more than that they may not."""
        session = conn.session
        assert session is not None
        try:
            owner = await self.services.accounts.users.by_username(topic.owner)
            record: Feed | Group | None = None
            if owner is not None and isinstance(topic, FeedTopic):
                record = await self.services.feeds.find(owner.id, topic.ident)
            elif owner is not None:
                with contextlib.suppress(NotFound):
                    record = await self.services.groups.get(owner, topic.ident)
            may_write = record is not None and await self.services.access.can(
                session.principal, record, WRITE
            )
        except StonechatError as failure:  # the database away: not the client's fault
            self._refused(conn, packet, topic, [], failure)
            return
        if may_write:
            self.broker.reject_publish(
                conn, packet, f"rejected, {error.message}", reason_for(error)
            )
            return
        self._refused(conn, packet, topic, [], NotFound("not found"))

    def _write(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        pairs: list[tuple[str, PointInput]],
        group_key: str | None,
    ) -> Handled:
        session = conn.session
        assert session is not None
        if topic.owner.lower() == session.owner:
            return self._submit(conn, packet, topic, session.user, pairs, group_key)
        return self._write_shared(conn, packet, topic, pairs, group_key)

    async def _write_shared(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        pairs: list[tuple[str, PointInput]],
        group_key: str | None,
    ) -> None:
        """A write to another user's feed or group (shared with ``w``)."""
        try:
            owner = await self.services.accounts.users.by_username(topic.owner)
        except StonechatError as error:  # the database away
            self._refused(conn, packet, topic, pairs, error)
            return
        if owner is None:
            self._refused(conn, packet, topic, pairs, NotFound("not found"))
            return
        waiting = self._submit(conn, packet, topic, owner, pairs, group_key)
        if waiting is not None:
            await waiting

    def _submit(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        owner: User,
        pairs: list[tuple[str, PointInput]],
        group_key: str | None,
    ) -> Handled:
        """Queue the points; the acknowledgement follows the commit.

        For a known feed of the signed-in user the write service answers with a future at
        once (the fast path); otherwise with a coroutine (a lookup, a new feed, a full queue,
        a data rate limit): the connection then holds its later packets (and stops reading)
        until it is done.
        """
        session = conn.session
        assert session is not None
        try:
            origin = Origin(self.broker.bus.node, session.user.id, session.client_id)
            queued = self.services.writes.submit(
                session.principal, owner, pairs, group_key, packet.qos, origin
            )
        except StonechatError as error:
            self._refused(conn, packet, topic, pairs, error)
            return None
        if isinstance(queued, asyncio.Future):
            self._when_stored(conn, packet, queued)
            return None
        return self._submit_when_done(conn, packet, topic, pairs, queued)

    async def _submit_when_done(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        pairs: list[tuple[str, PointInput]],
        queued: Coroutine[Any, Any, asyncio.Future[None]],
    ) -> None:
        try:
            future = await queued
        except StonechatError as error:
            self._refused(conn, packet, topic, pairs, error)
            return
        self._when_stored(conn, packet, future)

    def _refused(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        pairs: list[tuple[str, PointInput]],
        error: StonechatError,
    ) -> None:
        if isinstance(error, Throttled):  # over the data rate: dropped, 0x97, notice
            self.broker.enforcement.throttled(conn, packet, error)
            return
        if not is_refusal(error):  # the database away: not the client's fault
            self._not_stored(conn, packet, error)
            return
        session = conn.session
        assert session is not None
        reason, message = refusal(session, topic, pairs, error)
        self.broker.reject_publish(conn, packet, message, reason)

    def _when_stored(self, conn: Connection, packet: Publish, future: asyncio.Future[None]) -> None:
        if packet.qos == 0:
            future.add_done_callback(_consume)
            return

        def stored(done: asyncio.Future[Any]) -> None:
            error = None if done.cancelled() else done.exception()
            if done.cancelled() or error is not None:
                if error is not None and is_refusal(error):  # the database refused a value
                    self.broker.reject_publish(
                        conn, packet, f"rejected, {error}", reason_for(error)
                    )
                else:
                    self._not_stored(conn, packet, error)
                return
            acknowledge(conn, packet)  # only after commit

        future.add_done_callback(stored)

    def _not_stored(self, conn: Connection, packet: Publish, error: BaseException | None) -> None:
        """A publish whose points could not be stored (the database away, its disk full).

        Not acknowledged as kept (``replies.not_stored``: MQTT 5 gets 0x80, a 3.1.1
        connection is closed so that its client sends the publish again); not the client's
        fault, so never counted toward a ban; told on ``{user}/errors`` once per connection
        and outage, not once per point.
        """
        self.broker.stats["unstored_publishes"] += 1
        session = conn.session
        outage = self.services.ingest.outage.count
        if session is not None and not conn.closed and self._told.get(conn) != outage:
            self._told[conn] = outage
            why = error.message if isinstance(error, StonechatError) else "an internal error"
            self.broker.publish_error(
                session.user.username,
                f"{session.client_id} {conn.peer} PUBLISH {packet.topic} rejected, "
                f"the data could not be stored: {why}",
            )
        not_stored(conn, packet)

    # -- /get ------------------------------------------------------------------------------

    async def get_feed(
        self, conn: Connection, packet: Publish, topic: FeedTopic, reply: str
    ) -> None:
        """The feed's last value, to the asking client alone (mqtt-api.md §3.3); on another
        user's feed (Arduino ``io.feed(name, owner)``) or with a token: if it may read it."""
        session = conn.session
        assert session is not None
        if _owned(session, topic):
            acknowledge(conn, packet)
            feed = await self.services.feeds.find(session.user.id, topic.ident)
        else:
            owner = await self._owner(session, topic.owner)
            feed = await self.services.feeds.find(owner.id, topic.ident) if owner else None
            if feed is None or not await self.services.access.can(session.principal, feed, READ):
                self._not_readable(conn, packet)
                return
            acknowledge(conn, packet)
        datum = await self.services.data.store.edge(feed.id, newest=True) if feed else None
        if feed is None or datum is None:
            return  # nothing stored: no reply (mqtt-api.md §3.3)
        payloads = _Payloads(feed, datum, self.services.retention_ms)
        self._reply(session, reply, payloads.get(topic.fmt))

    async def get_group(
        self, conn: Connection, packet: Publish, topic: GroupTopic, reply: str
    ) -> None:
        session = conn.session
        assert session is not None
        readable: frozenset[int] | None = None
        if _owned(session, topic):
            acknowledge(conn, packet)
            try:
                group = await self.services.groups.get(session.user, topic.ident)
            except StonechatError:
                return
        else:
            owner = await self._owner(session, topic.owner)
            try:
                if owner is None:
                    raise NotFound("not found")
                group = await self.services.groups.get(owner, topic.ident)
            except NotFound:
                self._not_readable(conn, packet)
                return
            if not await self.services.access.can(session.principal, group, READ):
                self._not_readable(conn, packet)
                return
            acknowledge(conn, packet)
            readable = await self.broker.guard.readable_feeds(session.principal, group)
        feeds = await self.services.groups.feeds_of(group)
        updates = {
            f.key: f.last_value
            for f in feeds
            if f.last_value is not None and (readable is None or f.id in readable)
        }
        if not updates:
            return
        body = group_csv(updates) if topic.fmt == "csv" else group_json(updates, None)
        self._reply(session, reply, body.encode())

    async def _owner(self, session: Session, username: str) -> User | None:
        if username.lower() == session.owner:
            return session.user
        return await self.services.accounts.users.by_username(username)

    def _not_readable(self, conn: Connection, packet: Publish) -> None:
        message = "rejected, resource not available or not authorized"
        self.broker.reject_publish(conn, packet, message, ReasonCode.NOT_AUTHORIZED)

    def _reply(self, session: Session, topic: str, payload: bytes) -> None:
        """Only to the asking client, on the topic it is subscribed to (or at QoS 0)."""
        sub = session.subscriptions.get(topic)
        if sub is None:
            sub = Subscription(topic, 0)
        session.deliver(Message(topic, payload, sub.qos), sub)

    # -- fan-out ---------------------------------------------------------------------------

    def fan_out(self, events: list[FeedEvent]) -> None:
        """Bus listener: deliver committed points to their subscribers.

        Feed topics get one message per point. Group topics get one message per group and
        write, holding every feed of that group the write changed (mqtt-api.md §5.3).
        A point written by an MQTT PUBLISH goes out at min(publish QoS, subscription QoS)
        [MQTT-3.8.4-8] (``Session.deliver`` takes the lower), and not to the publisher's
        own No Local subscriptions [MQTT-3.8.3-3]; other points at the subscription's QoS.
        """
        registry = self.broker.registry
        shares = registry.shares
        retention = self.services.retention_ms
        group_updates: dict[tuple[int, str, str], _GroupUpdate] = {}
        for event in events:
            owner = event.username.lower()
            feed_index = registry.feeds.get(owner)
            group_index = registry.groups.get(owner)
            router = registry.routers.get(owner)
            wild = router is not None and router.has_wildcards()
            if feed_index is None and group_index is None and not wild:
                continue
            shares.current = event.datum.id  # the same in every process (shared subscriptions)
            feed = event.feed
            qos = event.qos
            publisher = self._publisher(event.origin)
            payloads = _Payloads(feed, event.datum, retention)
            cache: dict[Any, bytes] = {}
            if feed_index is not None:
                for ident in _identifiers(feed):
                    subs = feed_index.get(ident)
                    if subs:
                        # Who may hold these was decided at SUBSCRIBE and is decided again
                        # when access changes (guard.py), not per point.
                        for (session, topic_filter), sub in list(subs.items()):
                            if sub.no_local and session is publisher:
                                continue
                            msg = Message(topic_filter, payloads.get(sub.fmt), qos)
                            try:
                                session.deliver(msg, sub, cache)
                            except Exception as error:  # that subscriber only
                                delivery_failed(session, error)
            if wild:
                assert router is not None
                self._fan_out_wild(event, router, payloads, cache, publisher)
            if group_index is not None or wild:
                for group_key in _groups(feed):
                    key = (event.batch, owner, group_key)
                    update = group_updates.get(key)
                    if update is None:
                        update = group_updates[key] = _GroupUpdate(
                            event.username, group_key, qos, publisher
                        )
                    update.add(feed, event.datum)
        for (_batch, owner, group_key), update in group_updates.items():
            self._fan_out_group(owner, group_key, update)

    def _publisher(self, origin: Origin | None) -> Session | None:
        """The session here that published a point (for No Local), if it is here."""
        if origin is None or origin.node != self.broker.bus.node:
            return None
        return self.broker.sessions.get((origin.user_id, origin.client_id))

    def _fan_out_group(self, owner: str, group_key: str, update: _GroupUpdate) -> None:
        registry = self.broker.registry
        cache: dict[Any, bytes] = {}
        publisher = update.publisher
        qos = update.qos
        registry.shares.current = update.first  # the same in every process
        subs = registry.groups.get(owner, {}).get(group_key)
        if subs:
            for (receiver, topic_filter), sub in list(subs.items()):
                if sub.no_local and receiver is publisher:
                    continue
                group: ShareGroup | None = None
                if isinstance(receiver, ShareGroup):  # its member first: its access decides
                    picked = receiver.pick()
                    if picked is None:
                        continue
                    group, (receiver, sub) = receiver, picked
                if sub.feeds is None:
                    payload = update.payload(sub.fmt)
                else:  # another user's public group: only the feeds this one may read
                    partial = update.payload_for(sub.fmt, sub.feeds)
                    if partial is None:
                        continue
                    payload = partial
                msg = Message(topic_filter, payload, qos)
                try:
                    if group is None:
                        receiver.deliver(msg, sub, cache)
                    else:
                        group.give(receiver, sub, msg, cache)
                except Exception as error:  # that subscriber only
                    delivery_failed(receiver, error)
        router = registry.routers.get(owner)
        if router is None or not router.has_wildcards():
            return
        for prefix in ("groups", "g"):
            for fmt in ("", "json", "csv"):
                topic = f"{update.username}/{prefix}/{group_key}{f'/{fmt}' if fmt else ''}"
                _deliver_wild(router, topic, update.payload, fmt, cache, qos, publisher)

    def _fan_out_wild(
        self,
        event: FeedEvent,
        router: Router[Subscription],
        payloads: _Payloads,
        cache: dict[Any, bytes],
        publisher: Session | None,
    ) -> None:
        """Wildcard filters get every concrete variant topic they match (mqtt-api.md §3.4).

        Each variant is matched through the owner's router, so the cost follows the
        subscriptions that match, not how many wildcard subscriptions the owner holds.
        """
        feed = event.feed
        user = event.username
        for prefix in ("feeds", "f"):
            for ident in _identifiers(feed):
                for fmt in ("", "json", "csv"):
                    suffix = f"/{fmt}" if fmt else ""
                    topic = f"{user}/{prefix}/{ident}{suffix}"
                    _deliver_wild(router, topic, payloads.get, fmt, cache, event.qos, publisher)


def _deliver_wild(
    router: Router[Subscription],
    topic: str,
    payload: Callable[[str], bytes],
    fmt: str,
    cache: dict[Any, bytes],
    qos: int,
    publisher: Session | None,
) -> None:
    """Deliver on ``topic`` to every wildcard subscription matching it, at ``qos`` (the
    publish QoS; ``deliver`` takes the lower) and not back to the publisher's No Local
    subscriptions; the payload (in format ``fmt``) is made only when one matches."""
    body: bytes | None = None
    for entry, _filter, sub in list(router.match_wild(topic)):
        assert isinstance(entry, tuple)
        receiver = entry[0]
        if sub.no_local and receiver is publisher:
            continue
        if body is None:
            body = payload(fmt)
        try:
            receiver.deliver(Message(topic, body, qos), sub, cache)
        except Exception as error:
            delivery_failed(receiver, error)


class _GroupUpdate:
    """The feeds of one group that one write changed, and their group payloads."""

    __slots__ = (
        "_payloads",
        "first",
        "ids",
        "located",
        "publisher",
        "qos",
        "updates",
        "username",
    )

    def __init__(self, username: str, group_key: str, qos: int, publisher: Session | None) -> None:
        self.username = username
        self.qos = qos  # the points of one write share its QoS and publisher
        self.publisher = publisher
        self.first = ""  # the first point's id: the update's id in every process
        self.updates: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        self.located: Datum | None = None
        self._payloads: dict[str, bytes] = {}

    def add(self, feed: Feed, datum: Datum) -> None:
        if not self.first:
            self.first = datum.id
        self.updates[feed.key] = datum.value
        self.ids[feed.key] = feed.id
        if datum.lat is not None:
            self.located = datum

    def payload_for(self, fmt: str, feeds: frozenset[int]) -> bytes | None:
        """The payload holding only ``feeds`` (None when none of them changed)."""
        updates = {k: v for k, v in self.updates.items() if self.ids[k] in feeds}
        if not updates:
            return None
        if fmt == "csv":
            return group_csv(updates).encode()
        located = self.located if self.located and self.located.feed_id in feeds else None
        return group_json(updates, located).encode()

    def payload(self, fmt: str) -> bytes:
        kind = "csv" if fmt == "csv" else "json"
        made = self._payloads.get(kind)
        if made is None:
            body = (
                group_csv(self.updates) if kind == "csv" else group_json(self.updates, self.located)
            )
            made = self._payloads[kind] = body.encode()
        return made


def _groups(feed: Feed) -> tuple[str, ...]:
    """Keys of the non-default groups the feed is in (its home group at least)."""
    if feed.group_is_default or feed.group_key in feed.member_groups:
        return feed.member_groups
    return (feed.group_key, *feed.member_groups)


def _identifiers(feed: Feed) -> tuple[str, ...]:
    """Every name a subscription may use for this feed.

    ``group.key`` for each group it is in; its bare key and name only when it lives in the
    default group, where lookups by bare key and name find it (rest-api.md §4) — a grouped
    feed must not reach subscribers of a default feed with the same key.
    """
    names = [feed.full_key]
    names.extend(f"{g}.{feed.key}" for g in feed.member_groups if f"{g}.{feed.key}" not in names)
    if feed.group_is_default and feed.name not in names:
        names.append(feed.name)
    return tuple(names)


def refusal(
    session: Session,
    topic: FeedTopic | GroupTopic,
    pairs: list[tuple[str, PointInput]],
    error: StonechatError,
) -> tuple[int, str]:
    """The MQTT 5 reason code and ``{user}/errors`` text of a refused feed or group write."""
    if isinstance(error, NotFound | Forbidden):
        if topic.owner.lower() != session.owner:  # the same answer for missing and refused
            text = (
                "only shared feeds may be published to"
                if isinstance(topic, FeedTopic)
                else "resource not available or not authorized"
            )
            return reason_for(error), f"rejected, {text}"
        if isinstance(error, Forbidden) or not session.principal.is_full_user:
            return reason_for(error), f"rejected, {error.message}"
        # The owner's topic names a group or feed that is not there.
        reason = (
            ReasonCode.TOPIC_NAME_INVALID
            if isinstance(topic, FeedTopic)
            else ReasonCode.PAYLOAD_FORMAT_INVALID
        )
        return reason, f"rejected, {error.message}"
    if (
        isinstance(topic, FeedTopic)
        and isinstance(error, Invalid)
        and not isinstance(error, TooLarge)
        and _points_valid(pairs)
    ):
        # The feed name, not the point.
        return ReasonCode.TOPIC_NAME_INVALID, f"rejected, {error.message}"
    return reason_for(error), f"rejected, {error.message}"


def _points_valid(pairs: list[tuple[str, PointInput]]) -> bool:
    now = now_ms()
    try:
        for _, point in pairs:
            check_point(point, now)
    except StonechatError:
        return False
    return True


def _owned(session: Session, topic: FeedTopic | GroupTopic) -> bool:
    """The session's user's own topic, signed in with every right (not a scoped token)."""
    return topic.owner.lower() == session.owner and session.principal.is_full_user


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # QoS 0: nobody waits; mark the error as seen
