"""Adafruit IO semantics on the broker (mqtt-api.md §3-§6).

Publishes to feed and group topics go through the ingest service like REST writes; stored
points (from MQTT, REST or webhooks) fan out from the bus to every matching subscription, on
the exact topic string each client subscribed with, in the format that topic asks for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from stonechat.bus.events import FeedEvent
from stonechat.domain import shapes
from stonechat.domain.errors import StonechatError, Throttled, TooLarge
from stonechat.domain.payloads import csv_line, feed_point, group_csv, group_json, group_points
from stonechat.domain.points import PointInput, check_point
from stonechat.domain.records import Datum, Feed, User
from stonechat.domain.timestamps import now_ms
from stonechat.domain.topics import FeedTopic, GroupTopic
from stonechat.protocols.mqtt.codec import Publish
from stonechat.protocols.mqtt.connection import Handled
from stonechat.protocols.mqtt.handlers.publish import acknowledge
from stonechat.protocols.mqtt.messages import Message, Subscription
from stonechat.protocols.mqtt.router import matches

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.broker import Broker
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session

log = logging.getLogger(__name__)

UNSPECIFIED = 0x80
QUOTA = 0x97


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

    # -- publishing ------------------------------------------------------------------------

    def publish_feed(
        self, conn: Connection, user: User, topic: FeedTopic, packet: Publish
    ) -> Handled:
        try:
            point = feed_point(packet.payload, topic.fmt)
            feed = self.services.feeds.cached_for_write(user.id, topic.ident)
            if feed is None:
                # Checked before the feed is looked up (and maybe created); for a known feed
                # the ingest service checks the same things.
                check_point(point, now_ms())
        except StonechatError as error:
            self.broker.reject_publish(conn, packet, f"rejected, {error.message}", 0x99)
            return None
        if feed is None:
            return self._publish_feed_slow(conn, user, topic, packet, point)
        return self._submit(conn, user, [(feed, point)], packet)

    async def _publish_feed_slow(
        self, conn: Connection, user: User, topic: FeedTopic, packet: Publish, point: PointInput
    ) -> None:
        try:
            feed = await self.services.feeds.for_write(user, topic.ident, value=point.value)
        except StonechatError as error:
            reason = 0x99 if isinstance(error, TooLarge) else 0x90
            self.broker.reject_publish(conn, packet, f"rejected, {error.message}", reason)
            return
        waiting = self._submit(conn, user, [(feed, point)], packet)
        if waiting is not None:
            await waiting

    async def publish_group_async(
        self, conn: Connection, user: User, topic: GroupTopic, packet: Publish
    ) -> None:
        try:
            pairs, location = group_points(packet.payload, topic.fmt)
            group = await self.services.groups.get(user, topic.ident)
            points = [
                PointInput(
                    value=value,
                    lat=location.get("lat"),
                    lon=location.get("lon"),
                    ele=location.get("ele"),
                )
                for _, value in pairs
            ]
            now = now_ms()
            for point in points:
                check_point(point, now)
            items = [
                (await self.services.feeds.for_write(user, key, group, value=point.value), point)
                for (key, _), point in zip(pairs, points, strict=True)
            ]
        except StonechatError as error:
            self.broker.reject_publish(conn, packet, f"rejected, {error.message}", 0x99)
            return
        waiting = self._submit(conn, user, items, packet)
        if waiting is not None:
            await waiting

    def publish_group(
        self, conn: Connection, user: User, topic: GroupTopic, packet: Publish
    ) -> Handled:
        return self.publish_group_async(conn, user, topic, packet)

    def _submit(
        self,
        conn: Connection,
        user: User,
        items: Sequence[tuple[Feed, PointInput]],
        packet: Publish,
    ) -> Handled:
        """Queue the points; the acknowledgement follows the commit.

        A full ingest queue (or a user with a data rate limit) returns a coroutine: the
        connection then holds its later packets (and stops reading) until it is done.
        """
        try:
            queued = self.services.ingest.submit(user, items)
        except StonechatError as error:
            self.broker.reject_publish(conn, packet, f"rejected, {error.message}", 0x99)
            return None
        if isinstance(queued, asyncio.Future):
            self._when_stored(conn, packet, queued)
            return None
        return self._submit_when_room(conn, packet, queued)

    async def _submit_when_room(
        self, conn: Connection, packet: Publish, queued: Coroutine[Any, Any, asyncio.Future[None]]
    ) -> None:
        """Wait for room in the queue, and for the data rate check of a limited user."""
        try:
            future = await queued
        except Throttled as error:  # over the data rate: dropped, 0x97, notice on throttle
            self.broker.enforcement.throttled(conn, packet, error)
            return
        except StonechatError as error:
            self.broker.reject_publish(conn, packet, f"rejected, {error.message}", 0x99)
            return
        self._when_stored(conn, packet, future)

    def _when_stored(self, conn: Connection, packet: Publish, future: asyncio.Future[None]) -> None:
        if packet.qos == 0:
            future.add_done_callback(_consume)
            return

        def stored(done: asyncio.Future[Any]) -> None:
            if done.cancelled() or done.exception() is not None:
                message = "rejected, the data could not be stored"
                if not done.cancelled() and isinstance(done.exception(), StonechatError):
                    message = f"rejected, {done.exception()}"
                self.broker.reject_publish(conn, packet, message, UNSPECIFIED)
                return
            acknowledge(conn, packet)  # only after commit

        future.add_done_callback(stored)

    # -- /get ------------------------------------------------------------------------------

    async def get_feed(self, conn: Connection, topic: FeedTopic, reply: str) -> None:
        session = conn.session
        assert session is not None
        feed = await self.services.feeds.find(session.user.id, topic.ident)
        datum = await self.services.data.store.edge(feed.id, newest=True) if feed else None
        if feed is None or datum is None:
            return  # nothing stored: no reply (mqtt-api.md §3.3)
        payloads = _Payloads(feed, datum, self.services.retention_ms)
        self._reply(session, reply, payloads.get(topic.fmt))

    async def get_shared_feed(
        self, conn: Connection, packet: Publish, topic: FeedTopic, reply: str
    ) -> None:
        """``/get`` on another user's feed (Arduino ``io.feed(name, owner)``): public only."""
        session = conn.session
        assert session is not None
        owner = await self.services.accounts.users.by_username(topic.owner)
        feed = await self.services.feeds.find(owner.id, topic.ident) if owner else None
        if feed is None or feed.visibility != "public":
            message = "rejected, resource not available or not authorized"
            self.broker.reject_publish(conn, packet, message, 0x87)
            return
        acknowledge(conn, packet)
        datum = await self.services.data.store.edge(feed.id, newest=True)
        if datum is not None:
            payloads = _Payloads(feed, datum, self.services.retention_ms)
            self._reply(session, reply, payloads.get(topic.fmt))

    async def get_group(self, conn: Connection, topic: GroupTopic, reply: str) -> None:
        session = conn.session
        assert session is not None
        try:
            group = await self.services.groups.get(session.user, topic.ident)
        except StonechatError:
            return
        feeds = await self.services.groups.feeds_of(group)
        updates = {f.key: f.last_value for f in feeds if f.last_value is not None}
        if not updates:
            return
        body = group_csv(updates) if topic.fmt == "csv" else group_json(updates, None)
        self._reply(session, reply, body.encode())

    def _reply(self, session: Session, topic: str, payload: bytes) -> None:
        """Only to the asking client, on the topic it is subscribed to (or at QoS 0)."""
        sub = session.subscriptions.get(topic)
        if sub is None:
            sub = Subscription(topic, 0)
        session.deliver(Message(topic, payload, sub.qos), sub)

    async def public_feed(self, owner: str, ident: str) -> bool:
        user = await self.services.accounts.users.by_username(owner)
        if user is None:
            return False
        feed = await self.services.feeds.find(user.id, ident)
        return feed is not None and feed.visibility == "public"

    # -- fan-out ---------------------------------------------------------------------------

    def fan_out(self, events: list[FeedEvent]) -> None:
        """Bus listener: deliver committed points to their subscribers.

        Feed topics get one message per point. Group topics get one message per group and
        write, holding every feed of that group the write changed (mqtt-api.md §5.3).
        """
        registry = self.broker.registry
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
            feed = event.feed
            payloads = _Payloads(feed, event.datum, retention)
            cache: dict[Any, bytes] = {}
            if feed_index is not None:
                for ident in _identifiers(feed):
                    subs = feed_index.get(ident)
                    if subs:
                        for (session, topic_filter), sub in list(subs.items()):
                            if session.owner != owner and feed.visibility != "public":
                                continue  # made private again: no longer shared
                            msg = Message(topic_filter, payloads.get(sub.fmt), sub.qos)
                            session.deliver(msg, sub, cache)
            if wild:
                assert router is not None
                self._fan_out_wild(event, router, payloads, cache)
            if group_index is not None or wild:
                for group_key in _groups(feed):
                    key = (event.batch, owner, group_key)
                    update = group_updates.get(key)
                    if update is None:
                        update = group_updates[key] = _GroupUpdate(event.username, group_key)
                    update.add(feed, event.datum)
        for (_batch, owner, group_key), update in group_updates.items():
            self._fan_out_group(owner, group_key, update)

    def _fan_out_group(self, owner: str, group_key: str, update: _GroupUpdate) -> None:
        registry = self.broker.registry
        cache: dict[Any, bytes] = {}
        subs = registry.groups.get(owner, {}).get(group_key)
        if subs:
            for (session, topic_filter), sub in list(subs.items()):
                session.deliver(Message(topic_filter, update.payload(sub.fmt), sub.qos), sub, cache)
        router = registry.routers.get(owner)
        if router is None or not router.has_wildcards():
            return
        variants = [
            (f"{update.username}/{prefix}/{group_key}{f'/{fmt}' if fmt else ''}", fmt)
            for prefix in ("groups", "g")
            for fmt in ("", "json", "csv")
        ]
        for entry, topic_filter, sub in router.wildcards():
            assert isinstance(entry, tuple)
            session = entry[0]
            for topic, fmt in variants:
                if matches(topic_filter, topic):
                    session.deliver(Message(topic, update.payload(fmt), sub.qos), sub, cache)

    def _fan_out_wild(
        self, event: FeedEvent, router: Any, payloads: _Payloads, cache: dict[Any, bytes]
    ) -> None:
        """Wildcard filters get every concrete variant topic they match (mqtt-api.md §3.4)."""
        feed = event.feed
        user = event.username
        variants: list[tuple[str, bytes]] = []
        for prefix in ("feeds", "f"):
            for ident in _identifiers(feed):
                for fmt in ("", "json", "csv"):
                    suffix = f"/{fmt}" if fmt else ""
                    variants.append((f"{user}/{prefix}/{ident}{suffix}", payloads.get(fmt)))
        for entry, topic_filter, sub in router.wildcards():
            session, _ = entry
            for topic, payload in variants:
                if matches(topic_filter, topic):
                    session.deliver(Message(topic, payload, sub.qos), sub, cache)


class _GroupUpdate:
    """The feeds of one group that one write changed, and their group payloads."""

    __slots__ = ("_payloads", "located", "updates", "username")

    def __init__(self, username: str, group_key: str) -> None:
        self.username = username
        self.updates: dict[str, str] = {}
        self.located: Datum | None = None
        self._payloads: dict[str, bytes] = {}

    def add(self, feed: Feed, datum: Datum) -> None:
        self.updates[feed.key] = datum.value
        if datum.lat is not None:
            self.located = datum

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


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # QoS 0: nobody waits; mark the error as seen
