"""What travels on the bus."""

from __future__ import annotations

from dataclasses import dataclass

from stonechat.domain.records import Datum, Feed

# The QoS of a point not written by an MQTT PUBLISH (REST, webhooks): it goes out at each
# subscription's own QoS, min(2, subscription QoS).
ANY_QOS = 2


@dataclass(slots=True, frozen=True)
class Origin:
    """The MQTT session that published a point: the process holding it and its key there.

    Enough for that process to recognise the publisher's own subscriptions (No Local,
    [MQTT-3.8.3-3]); every other process sees a node that is not its own.
    """

    node: str
    user_id: int
    client_id: str


@dataclass(slots=True, frozen=True)
class FeedEvent:
    """A data point that has been committed to storage."""

    username: str
    feed: Feed
    datum: Datum
    # Points written together (one request, one MQTT publish) share a batch number, so a
    # group update reaches group subscribers as one message (mqtt-api.md §5.3).
    batch: int = 0
    # The QoS of the MQTT PUBLISH that wrote the point: subscribers get it at
    # min(publish QoS, subscription QoS) [MQTT-3.8.4-8]. ANY_QOS for other writes.
    qos: int = ANY_QOS
    # The publishing MQTT session, None for other writes.
    origin: Origin | None = None
    # Written by an action's publish output: how many action runs led to it (0: a device,
    # a user). The actions engine stops a chain past its bound (``action_rules``).
    chain: int = 0
