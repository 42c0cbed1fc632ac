"""``{user}/feeds/{key}/get`` and ``{user}/groups/{key}/get``: the last value(s), to the
asking client alone (mqtt-api.md §3.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stonechat.domain.access import READ
from stonechat.domain.errors import NotFound, StonechatError
from stonechat.domain.payloads import group_csv, group_json
from stonechat.domain.records import User
from stonechat.domain.topics import FeedTopic, GroupTopic
from stonechat.protocols.mqtt.adafruit.payloads import Payloads
from stonechat.protocols.mqtt.adafruit.refusals import owned
from stonechat.protocols.mqtt.codec import Publish, ReasonCode
from stonechat.protocols.mqtt.messages import Message, Subscription
from stonechat.protocols.mqtt.notices import reject_publish
from stonechat.protocols.mqtt.replies import acknowledge

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.adafruit.guard import Guard
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services


class Getter:
    """``/get`` on feed and group topics."""

    def __init__(self, broker: BrokerState, services: Services, guard: Guard) -> None:
        self.broker = broker
        self.services = services
        self.guard = guard

    async def get_feed(
        self, conn: Connection, packet: Publish, topic: FeedTopic, reply: str
    ) -> None:
        """The feed's last value, to the asking client alone (mqtt-api.md §3.3); on another
        user's feed (Arduino ``io.feed(name, owner)``) or with a token: if it may read it."""
        session = conn.session
        assert session is not None
        if owned(session, topic):
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
        payloads = Payloads(feed, datum, self.services.retention)
        self._reply(session, reply, payloads.get(topic.fmt))

    async def get_group(
        self, conn: Connection, packet: Publish, topic: GroupTopic, reply: str
    ) -> None:
        session = conn.session
        assert session is not None
        readable: frozenset[int] | None = None
        if owned(session, topic):
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
            readable = await self.guard.readable_feeds(session.principal, group)
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
        reject_publish(self.broker, conn, packet, message, ReasonCode.NOT_AUTHORIZED)

    def _reply(self, session: Session, topic: str, payload: bytes) -> None:
        """Only to the asking client, on the topic it is subscribed to (or at QoS 0)."""
        sub = session.subscriptions.get(topic)
        if sub is None:
            sub = Subscription(topic, 0)
        session.deliver(Message(topic, payload, sub.qos), sub)
