"""Publishes to feed and group topics (mqtt-api.md §3, §5).

A thin translation: payload -> (identifier, point) pairs -> ``services.writes``, the one
write path (it finds or creates the feeds, asks the access policy: shared feeds, scoped
tokens; checks the points and the data rate), then its refusals -> reason codes and
``{user}/errors``. QoS 1/2 is acknowledged only after the commit.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from stonechat.bus.events import Origin
from stonechat.domain.access import WRITE
from stonechat.domain.errors import NotFound, StonechatError, Throttled
from stonechat.domain.payloads import feed_point, group_points
from stonechat.domain.points import PointInput
from stonechat.domain.records import Feed, Group, User
from stonechat.domain.topics import FeedTopic, GroupTopic
from stonechat.protocols.mqtt.adafruit.refusals import refusal
from stonechat.protocols.mqtt.codec import Publish
from stonechat.protocols.mqtt.connection import Handled
from stonechat.protocols.mqtt.delivery import acknowledge_stored
from stonechat.protocols.mqtt.notices import publish_error, reject_publish
from stonechat.protocols.mqtt.replies import is_refusal, not_stored, reason_for
from stonechat.services.ingest import Stored

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.adafruit.enforcement import Enforcement
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services


class Publisher:
    """Publishes to feed and group topics, through ``services.writes``."""

    def __init__(self, broker: BrokerState, services: Services, enforcement: Enforcement) -> None:
        self.broker = broker
        self.services = services
        self.enforcement = enforcement
        # The storage outage (``ingest.outage.count``) each connection was last told about.
        self._told: weakref.WeakKeyDictionary[Connection, int] = weakref.WeakKeyDictionary()

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
            reject_publish(
                self.broker, conn, packet, f"rejected, {error.message}", reason_for(error)
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
            reject_publish(
                self.broker, conn, packet, f"rejected, {error.message}", reason_for(error)
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
            waiting = self.services.writes.submit(
                session.principal,
                owner,
                pairs,
                group_key,
                packet.qos,
                origin,
                then=self._when_stored(conn, packet),
            )
        except StonechatError as error:
            self._refused(conn, packet, topic, pairs, error)
            return None
        if waiting is None:
            return None
        return self._submit_when_done(conn, packet, topic, pairs, waiting)

    async def _submit_when_done(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        pairs: list[tuple[str, PointInput]],
        waiting: Coroutine[Any, Any, None],
    ) -> None:
        try:
            await waiting
        except StonechatError as error:
            self._refused(conn, packet, topic, pairs, error)

    def _refused(
        self,
        conn: Connection,
        packet: Publish,
        topic: FeedTopic | GroupTopic,
        pairs: list[tuple[str, PointInput]],
        error: StonechatError,
    ) -> None:
        if isinstance(error, Throttled):  # over the data rate: dropped, 0x97, notice
            self.enforcement.throttled(conn, packet, error)
            return
        if not is_refusal(error):  # the database away: not the client's fault
            self._not_stored(conn, packet, error)
            return
        session = conn.session
        assert session is not None
        reason, message = refusal(session, topic, pairs, error)
        reject_publish(self.broker, conn, packet, message, reason)

    def _when_stored(self, conn: Connection, packet: Publish) -> Stored:
        """What to do once the points are committed or failed: acknowledge (only after the
        commit), refuse, or say they were not stored; nothing for QoS 0."""
        if packet.qos == 0:
            return _ignore

        def stored(error: BaseException | None) -> None:
            if error is None:
                acknowledge_stored(self.broker, conn, packet)
            elif is_refusal(error):  # the database refused a value
                reject_publish(self.broker, conn, packet, f"rejected, {error}", reason_for(error))
            else:
                self._not_stored(conn, packet, error)

        return stored

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
            publish_error(
                self.broker,
                session.user.username,
                f"{session.client_id} {conn.peer} PUBLISH {packet.topic} rejected, "
                f"the data could not be stored: {why}",
            )
        not_stored(conn, packet)


def _ignore(error: BaseException | None) -> None:
    """QoS 0: nobody waits for the outcome (a failure is counted and logged by ingest)."""
