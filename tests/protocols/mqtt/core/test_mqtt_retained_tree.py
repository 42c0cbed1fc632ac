"""The retained-message topic tree: the same answers as testing every topic, found by
walking only the branches a filter can match."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stonechat.protocols.mqtt.messages import Message
from stonechat.protocols.mqtt.retained import RetainedStore
from stonechat.protocols.mqtt.router import matches

OWNER = "ann"


def store(*topics: str, limit: int = 100_000, limit_bytes: int = 10**9) -> RetainedStore:
    retained = RetainedStore(limit, limit_bytes)
    for topic in topics:
        assert retained.put(OWNER, Message(topic, topic.encode(), 1))
    return retained


def found(retained: RetainedStore, topic_filter: str) -> set[str]:
    return {m.topic for m in retained.matching(OWNER, topic_filter)}


def test_plus_hash_and_exact() -> None:
    retained = store("ann/a", "ann/a/b", "ann/a/b/c", "ann/x/b", "ann/a//b")
    assert found(retained, "ann/a/b") == {"ann/a/b"}
    assert found(retained, "ann/+/b") == {"ann/a/b", "ann/x/b"}
    assert found(retained, "ann/a/#") == {"ann/a", "ann/a/b", "ann/a/b/c", "ann/a//b"}  # parent too
    assert found(retained, "ann/a/+/b") == {"ann/a//b"}  # an empty level is a level
    assert found(retained, "ann/#") == {"ann/a", "ann/a/b", "ann/a/b/c", "ann/x/b", "ann/a//b"}
    assert found(retained, "ann/nothing/#") == set()
    assert found(retained, "ann/a/b/c/d") == set()


def test_dollar_topics_not_matched_by_a_leading_wildcard() -> None:
    """[MQTT-4.7.2-1]"""
    retained = store("$SYS/x", "ann/y")
    assert found(retained, "#") == {"ann/y"}
    assert found(retained, "+/x") == set()
    assert found(retained, "$SYS/#") == {"$SYS/x"}


def test_empty_payload_clears_and_prunes() -> None:
    retained = store("ann/a/b", "ann/a/b/c")
    assert retained.put(OWNER, Message("ann/a/b", b"", 0))  # [MQTT-3.3.1-10]
    assert found(retained, "ann/#") == {"ann/a/b/c"}
    assert retained.put(OWNER, Message("ann/a/b/c", b"", 0))
    assert retained.count(OWNER) == 0
    assert list(retained.all()) == []
    assert retained._by_owner == {}  # nothing left behind


def test_replacing_keeps_one_message_per_topic() -> None:
    retained = store("ann/a")
    assert retained.put(OWNER, Message("ann/a", b"2", 0))
    assert [(o, m.payload) for o, m in retained.all()] == [(OWNER, b"2")]
    assert retained.get(OWNER, "ann/a") is not None
    assert retained.count(OWNER) == 1


def test_limits_count_and_bytes() -> None:
    retained = RetainedStore(2, 10)
    assert retained.put(OWNER, Message("ann/a", b"12345", 0))
    assert retained.put(OWNER, Message("ann/b", b"12345", 0))
    assert not retained.put(OWNER, Message("ann/c", b"1", 0))  # a third message
    assert retained.put(OWNER, Message("ann/a", b"1234", 0))  # a replacement fits
    assert not retained.put(OWNER, Message("ann/a", b"1234567", 0))  # 12 bytes: refused
    assert found(retained, "ann/#") == {"ann/b"}  # ...and the older one is gone
    assert retained.put(OWNER, Message("ann/c", b"1", 0))


def test_owners_are_apart() -> None:
    retained = store("ann/a")
    retained.put("bob", Message("bob/a", b"1", 0))
    assert found(retained, "ann/#") == {"ann/a"}
    assert {m.topic for m in retained.matching("bob", "#")} == {"bob/a"}
    assert list(retained.matching("carl", "#")) == []


def test_large_store_lookup_walks_only_its_branch() -> None:
    topics = [f"ann/sensor{i}/temp" for i in range(20_000)]
    retained = store(*topics)
    assert found(retained, "ann/sensor123/temp") == {"ann/sensor123/temp"}
    assert found(retained, "ann/sensor123/+") == {"ann/sensor123/temp"}
    assert len(found(retained, "ann/+/temp")) == 20_000


level = st.sampled_from(["a", "b", "", "$x", "ann"])
topic = st.lists(level, min_size=1, max_size=4).map("/".join).filter(bool)
filter_level = st.sampled_from(["a", "b", "", "+", "$x", "ann"])


@st.composite
def topic_filter(draw: st.DrawFn) -> str:
    levels = draw(st.lists(filter_level, min_size=1, max_size=4))
    if draw(st.booleans()):
        levels.append("#")
    return "/".join(levels)


@settings(max_examples=300, deadline=None)
@given(st.lists(topic, max_size=30), topic_filter())
def test_same_answers_as_testing_every_topic(topics: list[str], a_filter: str) -> None:
    retained = store(*set(topics))
    assert found(retained, a_filter) == {t for t in set(topics) if matches(a_filter, t)}
