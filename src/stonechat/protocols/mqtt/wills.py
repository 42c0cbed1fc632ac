"""Wills: published when a connection ends without a DISCONNECT that drops them
[MQTT-3.1.2-8], at once or after their delay [MQTT-3.1.3-9], as if their user sent them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from stonechat.domain.topics import FeedTopic, FreeTopic, parse_topic
from stonechat.protocols.mqtt import delivery
from stonechat.protocols.mqtt.codec import Publish

if TYPE_CHECKING:
    from stonechat.domain.access import Principal
    from stonechat.protocols.mqtt.connection import Handled
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState


def fire(state: BrokerState, session: Session, clean_exit: bool) -> None:
    """Publish the will of a connection that ended without DISCONNECT [MQTT-3.1.2-8]."""
    will = session.will
    session.will = None
    if will is None or clean_exit:
        return
    delay = float(will.properties.will_delay_interval or 0)
    if delay > 0 and session.expiry > 0:
        session.will = will  # kept until published: the session may end before the delay
        session.will_handle = asyncio.get_running_loop().call_later(
            min(delay, session.expiry), publish_delayed, state, session
        )
    else:
        publish(state, session.principal, will)


def publish_delayed(state: BrokerState, session: Session) -> None:
    """Publish a will whose delay ran out, or whose session ends first."""
    will, session.will, session.will_handle = session.will, None, None
    if will is not None:
        publish(state, session.principal, will)


def publish(state: BrokerState, principal: Principal, will: Any) -> None:
    """Publish a will as if its user sent it (a feed topic through the hooks)."""
    state.stats["wills"] += 1
    packet = Publish(will.topic, will.payload, will.qos, will.retain, properties=will.properties)
    waiting = publish_as(state, principal, packet)
    if waiting is not None:
        task = asyncio.get_running_loop().create_task(waiting)
        state.in_background(task)


def publish_as(state: BrokerState, principal: Principal, packet: Publish) -> Handled:
    """A will: published as if its user sent it, through the same paths."""
    user = principal.user
    assert user is not None
    topic = parse_topic(packet.topic)
    if isinstance(topic, FreeTopic) and principal.is_full_user:
        delivery.route(state, user, None, packet)
    elif isinstance(topic, FeedTopic) and not topic.get:
        return state.hooks.publish_will(principal, user, topic, packet)
    return None
