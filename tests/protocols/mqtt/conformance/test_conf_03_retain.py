"""Retained messages: stored, replaced, cleared, RETAIN flag on each path, MQTT 5 options.

MQTT 3.1.1 §3.3.1.3 and MQTT 5 §3.3.1.3, §3.8.3.1. Retained messages of the free-form
namespace are kept in memory, so everything but the first round trip is ``sqlite_only``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from mqtt_conformance_support import (
    Account,
    Paho,
    Raw,
    parse_publish,
    props,
)
from paho.mqtt.subscribeoptions import SubscribeOptions

PahoFactory = Callable[..., Paho]
RawFactory = Callable[..., Raw]


def opts(qos: int = 1, rap: bool = False, rh: int = 0, no_local: bool = False) -> SubscribeOptions:
    return SubscribeOptions(qos=qos, noLocal=no_local, retainAsPublished=rap, retainHandling=rh)


@pytest.mark.parametrize("version", [4, 5])
def test_retained_message_is_sent_on_subscribe_with_retain_set(
    paho: PahoFactory, raw: RawFactory, acct: Account, version: int
) -> None:
    paho(acct, version=version).publish(acct.t("r"), b"stored", 1, retain=True)
    conn = raw(version)
    conn.login(acct, acct.cid())
    assert conn.subscribe(1, (acct.t("r"), 1)) == b"\x01"
    packet = conn.recv()
    assert packet.first == 0x33  # PUBLISH, QoS 1, RETAIN 1, DUP 0 [MQTT-3.3.1-8]
    pub = parse_publish(packet, conn.v5)
    assert (pub.topic, pub.payload, pub.qos, pub.retain) == (acct.t("r"), b"stored", 1, True)
    conn.expect_nothing()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_live_delivery_of_a_retained_publish_has_retain_clear(
    paho: PahoFactory, acct: Account, version: int
) -> None:
    sub = paho(acct, version=version)
    sub.subscribe(acct.t("live"), 1)
    paho(acct).publish(acct.t("live"), b"now", 1, retain=True)
    (msg,) = sub.expect(1)
    # 3.1.1 [MQTT-3.3.1-9]; MQTT 5: Retain As Published is 0 by default [MQTT-3.3.1-12].
    assert (msg.payload, msg.retain) == (b"now", False)
    late = paho(acct, version=version)
    late.subscribe(acct.t("live"), 1)
    (msg,) = late.expect(1)
    assert (msg.payload, msg.retain) == (b"now", True)


@pytest.mark.sqlite_only
def test_newer_retained_message_replaces_the_older(paho: PahoFactory, acct: Account) -> None:
    pub = paho(acct)
    pub.publish(acct.t("rep"), b"old", 1, retain=True)
    pub.publish(acct.t("rep"), b"new", 0, retain=True)
    sub = paho(acct)
    sub.subscribe(acct.t("rep"), 1)
    (msg,) = sub.expect(1)
    assert (msg.payload, msg.qos, msg.retain) == (b"new", 0, True)
    sub.quiet()


@pytest.mark.sqlite_only
def test_non_retained_publish_leaves_the_retained_message(paho: PahoFactory, acct: Account) -> None:
    pub = paho(acct, version=4)
    pub.publish(acct.t("keep"), b"kept", 1, retain=True)
    pub.publish(acct.t("keep"), b"passing", 1, retain=False)  # 3.1.1 [MQTT-3.3.1-12]
    sub = paho(acct, version=4)
    sub.subscribe(acct.t("keep"), 1)
    (msg,) = sub.expect(1)
    assert (msg.payload, msg.retain) == (b"kept", True)
    sub.quiet()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_empty_retained_payload_clears_and_is_delivered_live(
    paho: PahoFactory, acct: Account, version: int
) -> None:
    current = paho(acct, version=version)
    current.subscribe(acct.t("clr"), 1)
    pub = paho(acct, version=version)
    pub.publish(acct.t("clr"), b"x", 1, retain=True)
    pub.publish(acct.t("clr"), b"", 1, retain=True)  # [MQTT-3.3.1-10]
    got = current.expect(2)
    assert [(m.payload, m.retain) for m in got] == [(b"x", False), (b"", False)]
    later = paho(acct, version=version)
    later.subscribe(acct.t("clr"), 1)
    later.quiet()  # nothing retained any more [MQTT-3.3.1-11]
    # The topic can hold a retained message again.
    pub.publish(acct.t("clr"), b"again", 1, retain=True)
    third = paho(acct, version=version)
    third.subscribe(acct.t("clr"), 1)
    assert [m.payload for m in third.expect(1)] == [b"again"]


@pytest.mark.sqlite_only
def test_retained_messages_match_wildcards_and_are_downgraded(
    paho: PahoFactory, acct: Account
) -> None:
    pub = paho(acct)
    pub.publish(acct.t("w/1"), b"one", 1, retain=True)
    pub.publish(acct.t("w/2"), b"two", 2, retain=True)
    pub.publish(acct.t("w/1/deep"), b"deep", 0, retain=True)
    pub.publish(acct.t("v/1"), b"other", 1, retain=True)
    plus = paho(acct, version=4)
    plus.subscribe(acct.t("w/+"), 1)
    hashed = paho(acct, version=4)
    hashed.subscribe(acct.t("#"), 2)
    plus.expect(2)
    hashed.expect(4)
    time.sleep(0.2)
    assert sorted((m.topic, m.payload, m.qos, m.retain) for m in plus.messages) == [
        (acct.t("w/1"), b"one", 1, True),
        (acct.t("w/2"), b"two", 1, True),  # QoS 2 retained, QoS 1 subscription
    ]
    assert sorted((m.payload, m.qos) for m in hashed.messages) == [
        (b"deep", 0),
        (b"one", 1),
        (b"other", 1),
        (b"two", 2),
    ]


@pytest.mark.sqlite_only
def test_identical_subscribe_resends_retained_v311(paho: PahoFactory, acct: Account) -> None:
    paho(acct).publish(acct.t("again"), b"r", 1, retain=True)
    sub = paho(acct, version=4)
    sub.subscribe(acct.t("again"), 1)
    sub.expect(1)
    sub.subscribe(acct.t("again"), 1)  # [MQTT-3.8.4-3]: replaced, retained re-sent
    assert [m.payload for m in sub.expect(2)] == [b"r", b"r"]


# -- MQTT 5 subscription options ------------------------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize("rap", [True, False])
def test_retain_as_published(paho: PahoFactory, acct: Account, rap: bool) -> None:
    paho(acct).publish(acct.t("rap"), b"stored", 1, retain=True)
    sub = paho(acct)
    sub.subscribe(acct.t("rap"), options=opts(rap=rap))
    (stored,) = sub.expect(1)
    assert stored.retain  # retained on subscribe: always RETAIN 1
    paho(acct).publish(acct.t("rap"), b"live-retained", 1, retain=True)
    paho(acct).publish(acct.t("rap"), b"live-plain", 1, retain=False)
    got = sub.expect(3)[1:]
    assert [(m.payload, m.retain) for m in got] == [
        (b"live-retained", rap),  # [MQTT-3.3.1-12] / [MQTT-3.3.1-13]
        (b"live-plain", False),
    ]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("rh", "first", "second"), [(0, 1, 1), (1, 1, 0), (2, 0, 0)])
def test_retain_handling(
    paho: PahoFactory, acct: Account, rh: int, first: int, second: int
) -> None:
    paho(acct).publish(acct.t("rh"), b"stored", 1, retain=True)
    sub = paho(acct)
    assert sub.subscribe(acct.t("rh"), options=opts(rh=rh)) == [1]
    if first:
        sub.expect(1)
    sub.quiet(0.3)
    assert len(sub.take()) == first
    assert sub.subscribe(acct.t("rh"), options=opts(rh=rh)) == [1]  # the same filter again
    if second:
        sub.expect(1)
    sub.quiet(0.3)
    assert len(sub.take()) == second


@pytest.mark.sqlite_only
def test_retained_message_keeps_its_properties(paho: PahoFactory, acct: Account) -> None:
    paho(acct).publish(
        acct.t("props"),
        b"{}",
        1,
        retain=True,
        properties=props(ContentType="application/json", UserProperty=[("k", "v")]),
    )
    sub = paho(acct)
    sub.subscribe(acct.t("props"), 1)
    (msg,) = sub.expect(1)
    assert msg.properties.ContentType == "application/json"
    assert msg.properties.UserProperty == [("k", "v")]


@pytest.mark.sqlite_only
def test_retained_message_expires(paho: PahoFactory, acct: Account) -> None:
    pub = paho(acct)
    pub.publish(
        acct.t("exp/short"), b"s", 1, retain=True, properties=props(MessageExpiryInterval=1)
    )
    pub.publish(
        acct.t("exp/long"), b"l", 1, retain=True, properties=props(MessageExpiryInterval=30)
    )
    time.sleep(2.1)
    sub = paho(acct)
    sub.subscribe(acct.t("exp/+"), 1)
    (msg,) = sub.expect(1)
    sub.quiet()
    # MQTT 5 §3.3.1.3: an expired retained message is discarded. [MQTT-3.3.2-6]: the
    # interval sent on is what is left of it.
    assert msg.payload == b"l"
    assert msg.properties.MessageExpiryInterval in (27, 28), msg.properties
