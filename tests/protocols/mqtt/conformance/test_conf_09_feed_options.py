"""MQTT 5 subscription options on Adafruit IO feed and group topics: No Local and QoS.

A point stored from an MQTT PUBLISH goes out at min(publish QoS, subscription QoS)
[MQTT-3.8.4-8], and never to a No Local subscription of the session that published it
[MQTT-3.8.3-3], on every topic kind (feed, feed format, group, wildcard variants). A
point written otherwise (REST) goes out at the subscription's QoS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from mqtt_conformance_support import Account, Paho, wait_until
from paho.mqtt.subscribeoptions import SubscribeOptions

PahoFactory = Callable[..., Paho]


def api(acct: Account) -> httpx.Client:
    return httpx.Client(
        base_url=f"{acct.server.base_url}/api/v2/{acct.username}",
        headers={"X-AIO-Key": acct.key},
        timeout=10,
    )


def new_group(acct: Account) -> str:
    name = f"g{uuid.uuid4().hex[:8]}"
    with api(acct) as client:
        response = client.post("/groups", json={"name": name})
        assert response.status_code == 201, response.text
        return str(response.json()["key"])


def filters(acct: Account, group: str, key: str) -> list[str]:
    """One filter of each kind that a point of ``group.key`` reaches."""
    u = acct.username
    return [
        f"{u}/feeds/{group}.{key}",  # feed
        f"{u}/f/{group}.{key}/json",  # feed, another format
        f"{u}/groups/{group}",  # group
        f"{u}/feeds/+",  # wildcard: feed variants
        f"{u}/g/+/csv",  # wildcard: group variants
    ]


def test_no_local_on_feed_and_group_topics(paho: PahoFactory, acct: Account) -> None:
    u = acct.username
    group, key, marker = new_group(acct), f"k{uuid.uuid4().hex[:6]}", f"m{uuid.uuid4().hex[:6]}"
    me = paho(acct)
    them = paho(acct)
    own = filters(acct, group, key)
    no_local = SubscribeOptions(qos=1, noLocal=True)
    for topic_filter in own:
        assert me.subscribe(topic_filter, options=no_local) == [1]
        assert them.subscribe(topic_filter, options=no_local) == [1]
    # A marker the publisher receives: it comes after anything its own point would send.
    echo = f"{u}/f/{group}.{marker}/csv"
    assert me.subscribe(echo, 1) == [1]
    me.publish(f"{u}/feeds/{group}.{key}", b"42", 1)
    me.publish(f"{u}/feeds/{group}.{marker}", b"end", 1)
    wait_until(lambda: any(m.topic == echo for m in me.messages))
    got = {m.topic for m in me.take()}
    assert got == {echo}, got  # [MQTT-3.8.3-3]: none of its own point came back
    # Another client (same user, same No Local filters) gets the point on every kind.
    expected = {
        f"{u}/feeds/{group}.{key}",
        f"{u}/f/{group}.{key}/json",
        f"{u}/groups/{group}",
        f"{u}/g/{group}/csv",
    }
    assert wait_until(lambda: expected <= {m.topic for m in them.messages}), [
        m.topic for m in them.messages
    ]


def test_no_local_on_a_group_publish(paho: PahoFactory, acct: Account) -> None:
    u = acct.username
    group = new_group(acct)
    me, them = paho(acct), paho(acct)
    topic = f"{u}/groups/{group}"
    for client in (me, them):
        assert client.subscribe(topic, options=SubscribeOptions(qos=1, noLocal=True)) == [1]
    me.publish(topic, b'{"feeds": {"a": "1", "b": "2"}}', 1)
    (got,) = them.expect(1)
    assert got.topic == topic
    me.quiet(0.5, already=0)  # [MQTT-3.8.3-3]


def test_points_go_out_at_the_lower_of_publish_and_subscription_qos(
    paho: PahoFactory, acct: Account
) -> None:
    u = acct.username
    group, key = new_group(acct), f"k{uuid.uuid4().hex[:6]}"
    feed = f"{u}/feeds/{group}.{key}"
    publisher = paho(acct)
    publisher.publish(feed, b"create", 1)  # the feed exists before anyone listens
    sub = paho(acct)
    wanted = filters(acct, group, key)
    for topic_filter in wanted:
        assert sub.subscribe(topic_filter, 1) == [1]
    # 5 deliveries per point: feed, json, group, feeds/+ and g/+/csv.
    publisher.publish(feed, b"at-0", 0)  # [MQTT-3.8.4-8]: min(0, 1) = 0
    at_0 = sub.expect(5)
    assert {(m.topic, m.qos) for m in at_0} == {
        (feed, 0),
        (f"{u}/f/{group}.{key}/json", 0),
        (f"{u}/groups/{group}", 0),
        (f"{u}/g/{group}/csv", 0),
    }, [(m.topic, m.qos) for m in at_0]
    sub.take()
    publisher.publish(feed, b"at-2", 2)  # min(2, 1) = 1
    assert {m.qos for m in sub.expect(5)} == {1}
    sub.take()
    with api(acct) as client:  # a REST write: at the subscription's QoS
        response = client.post(f"/groups/{group}/feeds/{key}/data", json={"value": "rest"})
        assert response.status_code == 200, response.text
    assert {m.qos for m in sub.expect(5)} == {1}
