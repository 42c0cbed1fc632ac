"""``AdafruitHooks``: Adafruit IO's rules and services behind the core's ``Hooks``."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from stonechat.domain.payloads import feed_point
from stonechat.domain.topics import FeedTopic, GroupTopic
from stonechat.limits.constants import FAILED_PUBLISHES, FAILED_SUBSCRIBES, SUBSCRIBES
from stonechat.protocols.mqtt import cluster
from stonechat.protocols.mqtt.adafruit.admin import AdminLink
from stonechat.protocols.mqtt.adafruit.enforcement import Enforcement
from stonechat.protocols.mqtt.adafruit.fan_out import FanOut
from stonechat.protocols.mqtt.adafruit.get import Getter
from stonechat.protocols.mqtt.adafruit.guard import Guard, Memo
from stonechat.protocols.mqtt.adafruit.keys import KeyWatch
from stonechat.protocols.mqtt.adafruit.publish import Publisher
from stonechat.protocols.mqtt.adafruit.sign_in import SignIn
from stonechat.protocols.mqtt.notices import publish_error

if TYPE_CHECKING:
    from stonechat.domain.access import Principal
    from stonechat.domain.records import User
    from stonechat.protocols.mqtt.codec import Publish
    from stonechat.protocols.mqtt.connection import Connection, Handled
    from stonechat.protocols.mqtt.messages import Subscription
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services


class AdafruitHooks:
    """Implements ``stonechat.protocols.mqtt.hooks.Hooks`` with the application's services.

    Built by the composition root; ``attach`` (called by the broker it is given to) builds
    the parts that deliver into that broker.
    """

    enforcement: Enforcement
    guard: Guard
    fan_out: FanOut

    def __init__(self, services: Services) -> None:
        self.services = services

    def attach(self, broker: BrokerState) -> None:
        services = self.services
        self.broker = broker
        self.enforcement = Enforcement(broker, services)
        self.guard = Guard(broker, services)
        self.sign_in = SignIn(broker, services, self.enforcement, self.guard)
        self.publisher = Publisher(broker, services, self.enforcement)
        self.getter = Getter(broker, services, self.guard)
        self.fan_out = FanOut(broker, services.retention)
        self.keys = KeyWatch(broker, services, self.guard)
        self.admin = AdminLink(broker, services)
        # Bound once: the calls on the hot paths are one attribute lookup away.
        self.blocked = self.enforcement.blocked
        self.refuse_publish = self.enforcement.refuse_publish
        self.refuse_subscribe = self.enforcement.refuse_subscribe
        self.authenticate = self.sign_in.authenticate
        self.signed_in = self.sign_in.signed_in
        self.restore_principal = self.sign_in.restore_principal
        self.reauthorize = self.guard.reauthorize

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self.services.ingest.bus.subscribe(self.fan_out.fan_out)
        self.services.accounts.on_key_change.append(partial(cluster.revoke, self.broker))
        self.guard.start()
        self.keys.start()
        self.admin.start()

    def stop(self) -> None:
        self.guard.stop()
        self.keys.stop()
        self.admin.stop()

    def stopped(self) -> None:
        self.services.ingest.bus.unsubscribe(self.fan_out.fan_out)

    # -- bans ------------------------------------------------------------------------------

    def subscribing(self, username: str) -> None:
        self.enforcement.count(SUBSCRIBES, username)

    def publish_refused(self, username: str) -> None:
        self.enforcement.count(FAILED_PUBLISHES, username)

    def subscribe_refused(self, username: str) -> None:
        self.enforcement.count(FAILED_SUBSCRIBES, username)

    # -- notices ---------------------------------------------------------------------------

    def noticed(self, username: str, name: str, payload: bytes) -> None:
        self.services.notices.publish(username, name, payload)

    # -- PUBLISH ---------------------------------------------------------------------------

    def publish(self, conn: Connection, topic: FeedTopic | GroupTopic, packet: Publish) -> Handled:
        if isinstance(topic, FeedTopic):
            if topic.get:
                return self.getter.get_feed(conn, packet, topic, packet.topic[: -len("/get")])
            return self.publisher.publish_feed(conn, topic, packet)
        if topic.get:
            return self.getter.get_group(conn, packet, topic, packet.topic[: -len("/get")])
        return self.publisher.publish_group(conn, topic, packet)

    def publish_will(
        self, principal: Principal, user: User, topic: FeedTopic, packet: Publish
    ) -> Handled:
        return self._will_to_feed(principal, user, topic, packet)

    async def _will_to_feed(
        self, principal: Principal, user: User, topic: FeedTopic, packet: Publish
    ) -> None:
        try:
            point = feed_point(packet.payload, topic.fmt)
            await self.services.writes.write(
                principal, user, [(topic.ident, point)], qos=packet.qos
            )
        except Exception as error:  # a will that cannot be stored is reported, not raised
            publish_error(self.broker, user.username, f"will to {packet.topic} rejected, {error}")

    # -- SUBSCRIBE -------------------------------------------------------------------------

    def access_epoch(self) -> int:
        return self.guard.changes

    async def authorize(self, principal: Principal, subs: list[Subscription]) -> list[bool]:
        memo: Memo = {}
        return [await self.guard.authorize(principal, sub, memo) for sub in subs]

    def recheck(self, owner_ids: set[int]) -> None:
        for owner_id in owner_ids:
            self.guard.recheck_owner(owner_id)
