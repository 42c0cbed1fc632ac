"""Shared subscriptions: ``$share/{name}/{filter}`` (MQTT 5 §4.8.2; 3.1.1 as Mosquitto).

Members are the sessions of one user subscribed with the same share name and filter; each
message goes to ONE of them, round robin; retained messages are not sent on a shared
subscription; QoS 1/2 messages given to a member that goes away reach another member; a
share needs the same rights as the filter itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from mqtt_conformance_support import (
    Account,
    Paho,
    Raw,
    p_u32,
    read_varint,
    subscribe_packet,
    wait_until,
)

PahoFactory = Callable[..., Paho]
RawFactory = Callable[..., Raw]

NOT_AUTHORIZED, FILTER_INVALID, SHARED_NOT_SUPPORTED = 0x87, 0x8F, 0x9E


def share(name: str, topic_filter: str) -> str:
    return f"$share/{name}/{topic_filter}"


def payloads(clients: list[Paho]) -> list[list[bytes]]:
    return [[m.payload for m in c.messages] for c in clients]


def everything_once(clients: list[Paho], sent: list[bytes]) -> list[list[bytes]]:
    """Wait until ``sent`` arrived across ``clients``; check none came twice or more."""
    assert wait_until(lambda: sum(len(c.messages) for c in clients) >= len(sent)), payloads(clients)
    clients[0].quiet(0.3, already=len(clients[0].messages))  # nothing more comes
    got = payloads(clients)
    assert sorted(p for each in got for p in each) == sorted(sent), got
    return got


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [5, 4])
def test_round_robin_on_a_free_form_topic(paho: PahoFactory, acct: Account, version: int) -> None:
    members = [paho(acct, version=version) for _ in range(3)]
    for member in members:
        assert member.subscribe(share("workers", acct.t("jobs/+")), 1) == [1]
    plain = paho(acct)
    assert plain.subscribe(acct.t("jobs/+"), 1) == [1]  # a plain subscriber gets all
    publisher = paho(acct)
    sent = [f"job {i}".encode() for i in range(9)]
    for payload in sent:
        publisher.publish(acct.t("jobs/a"), payload, 1)
    got = everything_once(members, sent)
    assert [len(each) for each in got] == [3, 3, 3]  # round robin
    assert sorted(m.payload for m in plain.expect(9)) == sorted(sent)
    topics = {m.topic for c in members for m in c.messages}
    assert topics == {acct.t("jobs/a")}  # delivered on the topic, not the share filter


def api(acct: Account) -> httpx.Client:
    return httpx.Client(
        base_url=f"{acct.server.base_url}/api/v2/{acct.username}",
        headers={"X-AIO-Key": acct.key},
        timeout=10,
    )


def test_round_robin_on_a_feed_topic(paho: PahoFactory, acct: Account) -> None:
    feed = f"{acct.username}/feeds/s{uuid.uuid4().hex[:8]}"
    publisher = paho(acct)
    publisher.publish(feed, b"create", 1)  # the feed exists
    members = [paho(acct) for _ in range(2)]
    for member in members:
        assert member.subscribe(share("g", feed), 1) == [1]
    wild = [paho(acct) for _ in range(2)]
    for member in wild:  # another share group of the same user: it gets its own copy
        assert member.subscribe(share("w", f"{acct.username}/f/+/json"), 0) == [0]
    sent = [str(i).encode() for i in range(6)]
    for payload in sent[:3]:
        publisher.publish(feed, payload, 1)
    with api(acct) as client:  # REST points too
        for payload in sent[3:]:
            key = feed.rsplit("/", 1)[1]
            response = client.post(f"/feeds/{key}/data", json={"value": payload.decode()})
            assert response.status_code == 200, response.text
    got = everything_once(members, sent)
    assert [len(each) for each in got] == [3, 3]
    assert wait_until(lambda: sum(len(c.messages) for c in wild) >= 6)
    wild[0].quiet(0.3, already=len(wild[0].messages))
    assert sum(len(c.messages) for c in wild) == 6
    assert sorted(len(c.messages) for c in wild) == [3, 3]


def test_a_share_on_another_users_public_feed(
    paho: PahoFactory, acct: Account, acct2: Account
) -> None:
    """Through the access service, like a plain subscription to it; private: refused."""
    key = f"pub{uuid.uuid4().hex[:6]}"
    feed = f"{acct2.username}/feeds/{key}"
    owner = paho(acct2)
    owner.publish(feed, b"0", 1)
    members = [paho(acct) for _ in range(2)]
    assert members[0].subscribe(share("g", feed), 1) == [NOT_AUTHORIZED]  # private
    with api(acct2) as client:
        made = client.patch(f"/feeds/{key}", json={"feed": {"visibility": "public"}})
        assert made.status_code == 200, made.text
    for member in members:
        assert member.subscribe(share("g", feed), 1) == [1]
    sent = [str(i).encode() for i in range(1, 5)]
    for payload in sent:
        owner.publish(feed, payload, 1)
    assert [len(each) for each in everything_once(members, sent)] == [2, 2]


@pytest.mark.sqlite_only
def test_group_topic_share(paho: PahoFactory, acct: Account) -> None:
    with api(acct) as client:
        response = client.post("/groups", json={"name": f"g{uuid.uuid4().hex[:8]}"})
        assert response.status_code == 201, response.text
        group = response.json()["key"]
    members = [paho(acct) for _ in range(2)]
    for member in members:
        assert member.subscribe(share("g", f"{acct.username}/groups/{group}"), 1) == [1]
    publisher = paho(acct)
    sent = [f'{{"feeds": {{"a": "{i}"}}}}'.encode() for i in range(4)]
    for payload in sent:
        publisher.publish(f"{acct.username}/groups/{group}", payload, 1)
    assert wait_until(lambda: sum(len(c.messages) for c in members) >= 4)
    members[0].quiet(0.3, already=len(members[0].messages))
    assert sorted(len(c.messages) for c in members) == [2, 2]


@pytest.mark.sqlite_only
def test_retained_messages_are_not_sent_on_a_shared_subscription(
    paho: PahoFactory, acct: Account
) -> None:
    publisher = paho(acct)
    publisher.publish(acct.t("state"), b"kept", 1, retain=True)
    plain = paho(acct)
    plain.subscribe(acct.t("state"), 1)
    assert [m.payload for m in plain.expect(1)] == [b"kept"]
    member = paho(acct)
    assert member.subscribe(share("g", acct.t("state")), 1) == [1]
    member.quiet(0.5, already=0)  # MQTT 5 §3.3.1.3: only new non-shared subscriptions
    publisher.publish(acct.t("state"), b"live", 1, retain=True)
    (got,) = member.expect(1)
    assert (got.payload, got.retain) == (b"live", False)


@pytest.mark.sqlite_only
def test_shares_need_the_rights_of_their_filter(
    paho: PahoFactory, raw: RawFactory, acct: Account, acct2: Account
) -> None:
    me = paho(acct)
    other_feed = f"{acct2.username}/feeds/private{uuid.uuid4().hex[:6]}"
    paho(acct2).publish(other_feed, b"1", 1)  # exists, private
    assert me.subscribe(share("g", acct2.t("x"))) == [NOT_AUTHORIZED]
    assert me.subscribe(share("g", f"{acct2.username}/#")) == [NOT_AUTHORIZED]
    assert me.subscribe(share("g", other_feed)) == [NOT_AUTHORIZED]
    assert me.subscribe(share("g", "time/seconds")) == [SHARED_NOT_SUPPORTED]
    # [MQTT-4.8.2-1]/[MQTT-4.8.2-2]: a share name without wildcards or "/", then a filter
    conn = raw(5)
    conn.login(acct, acct.cid())
    bad = ["$share/g+/x", "$share//x", "$share/g", "$share/#/x", "$share/g/"]
    assert conn.subscribe(1, *[(f, 1) for f in bad]) == bytes([FILTER_INVALID] * len(bad))


@pytest.mark.sqlite_only
def test_another_users_group_of_the_same_name_is_another_share_group(
    paho: PahoFactory, acct: Account, acct2: Account
) -> None:
    """Share groups never span users: each user's group gets every message of its own."""
    mine = [paho(acct) for _ in range(2)]
    for member in mine:
        member.subscribe(share("same", acct.t("t")), 1)
    publisher = paho(acct)
    for i in range(4):
        publisher.publish(acct.t("t"), str(i).encode(), 1)
    assert sorted(len(each) for each in everything_once(mine, [b"0", b"1", b"2", b"3"])) == [2, 2]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("persistent", [False, True])
def test_a_member_that_disconnects_passes_its_messages_in_flight_on(
    raw: RawFactory, paho: PahoFactory, acct: Account, persistent: bool
) -> None:
    topic = acct.t("work")
    slow = raw(5)
    expiry = p_u32(0x11, 300) if persistent else b""  # session expiry interval
    slow.login(acct, acct.cid("slow"), properties=expiry)
    assert slow.subscribe(1, (share("g", topic), 1)) == b"\x01"
    fast = paho(acct)
    assert fast.subscribe(share("g", topic), 1) == [1]
    publisher = paho(acct)
    sent = [f"m{i}".encode() for i in range(6)]
    for payload in sent:
        publisher.publish(topic, payload, 1)
    held = [slow.recv_publish().payload for _ in range(3)]  # round robin; never acknowledged
    assert wait_until(lambda: len(fast.messages) >= 3)
    slow.close()  # the connection breaks with 3 messages in flight
    assert wait_until(lambda: len(fast.messages) >= 6), payloads([fast])
    fast.quiet(0.3, already=6)
    assert sorted(m.payload for m in fast.messages) == sorted(sent)
    assert sorted(held) == sorted(set(sent) - {m.payload for m in fast.messages[:3]})


@pytest.mark.sqlite_only
def test_queued_messages_of_a_member_without_quota_go_to_another(
    raw: RawFactory, paho: PahoFactory, acct: Account
) -> None:
    topic = acct.t("q")
    slow = raw(5)
    slow.login(acct, acct.cid("slow"), properties=b"\x21\x00\x01")  # Receive Maximum 1
    assert slow.subscribe(1, (share("g", topic), 2)) == b"\x02"
    fast = paho(acct)
    assert fast.subscribe(share("g", topic), 2) == [2]
    publisher = paho(acct)
    sent = [f"m{i}".encode() for i in range(8)]
    for payload in sent:
        publisher.publish(topic, payload, 2)
    first = slow.recv_publish()  # one in flight (QoS 2, no PUBREC), three queued behind it
    slow.expect_nothing(0.3)
    slow.close()
    assert wait_until(lambda: len(fast.messages) >= 7), payloads([fast])
    fast.quiet(0.3, already=7)
    # The queued ones moved; the QoS 2 one in flight goes to no other member
    # [MQTT-4.8.2-5] (its client may hold it: not delivered twice).
    assert sorted(m.payload for m in fast.messages) == sorted(set(sent) - {first.payload})


@pytest.mark.sqlite_only
def test_unsubscribed_member_gets_nothing_more(paho: PahoFactory, acct: Account) -> None:
    a, b = paho(acct), paho(acct)
    for member in (a, b):
        member.subscribe(share("g", acct.t("u")), 1)
    assert a.unsubscribe(share("g", acct.t("u"))) == [0]
    publisher = paho(acct)
    for i in range(3):
        publisher.publish(acct.t("u"), str(i).encode(), 1)
    assert len(b.expect(3)) == 3
    a.quiet(0.3, already=0)


@pytest.mark.sqlite_only
def test_no_local_on_a_shared_subscription_is_a_protocol_error(
    raw: RawFactory, acct: Account
) -> None:
    conn = raw(5)
    conn.login(acct, acct.cid())
    conn.send(subscribe_packet(1, [(share("g", acct.t("n")), 0x05)], v5=True))  # QoS 1, No Local
    got = conn.expect_closed()
    assert got and got[-1].type == 14 and got[-1].body[0] == 0x82  # [MQTT-3.8.3-4]


@pytest.mark.sqlite_only
def test_connack_says_shared_subscriptions_are_available(raw: RawFactory, acct: Account) -> None:
    connack = raw(5).login(acct, acct.cid(), properties=b"")
    length, pos = read_varint(connack.body, 2)
    assert b"\x2a\x01" in connack.body[pos : pos + length]  # Shared Subscription Available
