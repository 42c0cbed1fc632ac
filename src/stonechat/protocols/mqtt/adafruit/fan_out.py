"""Fan-out of stored points (from MQTT, REST or webhooks) to the broker's subscribers.

A bus listener: every committed point goes to each matching subscription, on the exact
topic string the client subscribed with, in the format that topic asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stonechat.bus.events import FeedEvent, Origin
from stonechat.domain.retention import Retention
from stonechat.protocols.mqtt.adafruit.payloads import GroupUpdate, Payloads, groups_of, identifiers
from stonechat.protocols.mqtt.failures import delivery_failed
from stonechat.protocols.mqtt.messages import Encodings, Message, Subscription
from stonechat.protocols.mqtt.router import Router
from stonechat.protocols.mqtt.shares import ShareGroup

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState


class FanOut:
    """The bus listener that delivers stored points to the broker's subscriptions."""

    def __init__(self, broker: BrokerState, retention: Retention) -> None:
        self.broker = broker
        self.retention = retention

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
        retention = self.retention
        group_updates: dict[tuple[int, str, str], GroupUpdate] = {}
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
            payloads = Payloads(feed, event.datum, retention)
            cache: Encodings = {}
            if feed_index is not None:
                for ident in identifiers(feed):
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
                for group_key in groups_of(feed):
                    key = (event.batch, owner, group_key)
                    update = group_updates.get(key)
                    if update is None:
                        update = group_updates[key] = GroupUpdate(
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

    def _fan_out_group(self, owner: str, group_key: str, update: GroupUpdate) -> None:
        registry = self.broker.registry
        cache: Encodings = {}
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
        payloads: Payloads,
        cache: Encodings,
        publisher: Session | None,
    ) -> None:
        """Wildcard filters get every concrete variant topic they match (mqtt-api.md §3.4).

        Each variant is matched through the owner's router, so the cost follows the
        subscriptions that match, not how many wildcard subscriptions the owner holds.
        """
        feed = event.feed
        user = event.username
        for prefix in ("feeds", "f"):
            for ident in identifiers(feed):
                for fmt in ("", "json", "csv"):
                    suffix = f"/{fmt}" if fmt else ""
                    topic = f"{user}/{prefix}/{ident}{suffix}"
                    _deliver_wild(router, topic, payloads.get, fmt, cache, event.qos, publisher)


def _deliver_wild(
    router: Router[Subscription],
    topic: str,
    payload: Callable[[str], bytes],
    fmt: str,
    cache: Encodings,
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
