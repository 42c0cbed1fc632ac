"""The bus wire format: what a point carries between processes survives the trip."""

from __future__ import annotations

from stonechat.bus.events import ANY_QOS, FeedEvent, Origin
from stonechat.bus.wire import decode_events, encode_events
from stonechat.domain.records import Datum, Feed


def _event(qos: int = ANY_QOS, origin: Origin | None = None) -> FeedEvent:
    feed = Feed(1, 2, 3, "g", False, "k", "K", None, None, None, True, "private", None,
                False, 0, "1", 5, 1, 5, 5, ("g",))  # fmt: skip
    return FeedEvent("alice", feed, Datum("01J", 1, "1", None, None, None, 5, 5), 7, qos, origin)


def test_publish_qos_and_origin_cross_processes() -> None:
    events = [_event(0, Origin("node-a", 2, "dev")), _event(), _event(1)]
    node, decoded = decode_events(encode_events("node-a", events))
    assert node == "node-a"
    assert decoded == events


def test_a_point_from_an_older_process_goes_at_the_subscription_qos() -> None:
    data = encode_events("old", [_event()])
    assert b"node" not in data  # REST points carry nothing extra
    (event,) = decode_events(data)[1]
    assert (event.qos, event.origin) == (ANY_QOS, None)
