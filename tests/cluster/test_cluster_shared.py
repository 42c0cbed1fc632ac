"""Shared subscriptions and MQTT 5 delivery options across two processes (Redis bus).

Members of one share group connected to processes A and B: each message, stored point or
free-form route, reaches exactly one member in the whole installation. Points published
on A reach subscribers on B at min(publish QoS, subscription QoS).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from mqtt_adafruit_helpers import Client, Msg, connected, wait_for

from support import Server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def ab(cluster: list[Server]) -> tuple[Server, Server]:
    return cluster[0], cluster[1]


@pytest.fixture
def account(cluster: list[Server]) -> tuple[str, str]:
    return cluster[0].create_user("s")


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def drain(members: list[Client], into: list[list[Msg]]) -> int:
    for member, got in zip(members, into, strict=True):
        got.extend(member.pending())
    return sum(len(got) for got in into)


def settle(members: list[Client], publisher: Client, topic: str) -> None:
    """Wait until both processes agree on the members: probes arrive exactly once."""
    in_a_row = 0
    deadline = time.monotonic() + 20
    while in_a_row < 5:
        assert time.monotonic() < deadline, "the processes never agreed on the share group"
        probe = f"probe-{uuid.uuid4().hex[:6]}"
        publisher.publish(topic, probe, qos=1)
        got: list[list[Msg]] = [[] for _ in members]
        wait_for(lambda g=got: drain(members, g) >= 1)  # type: ignore[misc]
        time.sleep(0.2)  # a second copy, if any, comes meanwhile
        in_a_row = in_a_row + 1 if drain(members, got) == 1 else 0


def test_each_message_reaches_one_member_across_processes(
    ab: tuple[Server, Server], account: tuple[str, str], stack: ExitStack
) -> None:
    a, b = ab
    username, key = account
    feed = f"{username}/feeds/shared{uuid.uuid4().hex[:6]}"
    route = f"{username}/jobs/{uuid.uuid4().hex[:6]}"
    publisher = stack.enter_context(connected(a, username, key, version=5))
    assert publisher.publish(feed, "create", qos=1) == 0
    servers = [a, a, b]
    members = [stack.enter_context(connected(s, username, key, version=5)) for s in servers]
    for member in members:
        assert member.subscribe(f"$share/g/{feed}", f"$share/g/{route}", qos=1) == [1, 1]
    settle(members, publisher, route)
    settle(members, publisher, feed)
    sent = [f"p{i}" for i in range(30)]
    for payload in sent:
        assert publisher.publish(feed, payload, qos=1) == 0
        assert publisher.publish(route, payload, qos=1) == 0
    got: list[list[Msg]] = [[] for _ in members]
    wait_for(lambda: drain(members, got) >= 60, timeout=10)
    time.sleep(0.3)
    assert drain(members, got) == 60  # nothing twice
    for topic in (feed, route):
        received = sorted(m.text for each in got for m in each if m.topic == topic)
        assert received == sorted(sent), topic
    on_b = len(got[2])
    assert 0 < on_b < 60, [len(each) for each in got]  # both processes deliver their part


def test_points_published_on_one_process_reach_the_other_at_the_lower_qos(
    ab: tuple[Server, Server], account: tuple[str, str], stack: ExitStack
) -> None:
    a, b = ab
    username, key = account
    feed = f"{username}/feeds/q{uuid.uuid4().hex[:6]}"
    publisher = stack.enter_context(connected(a, username, key, version=5))
    assert publisher.publish(feed, "create", qos=1) == 0
    far = stack.enter_context(connected(b, username, key, version=5))
    assert far.subscribe(feed, qos=1) == [1]
    assert publisher.publish(feed, "zero", qos=0) == 0
    assert publisher.publish(feed, "one", qos=1) == 0
    got = far.take(2, timeout=10)
    assert [(m.text, m.qos) for m in got] == [("zero", 0), ("one", 1)]  # [MQTT-3.8.4-8]
