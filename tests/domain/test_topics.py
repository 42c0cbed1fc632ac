"""The Adafruit IO MQTT topic grammar (mqtt-api.md §3): ``parse_topic`` and ``filter_owner``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.domain.topics import (
    AccountTopic,
    FeedTopic,
    FreeTopic,
    GroupTopic,
    IntegrationTopic,
    TimeTopic,
    Topic,
    filter_owner,
    parse_topic,
)


@pytest.mark.parametrize(
    ("topic", "parsed"),
    [
        # Feed topics: both prefixes, key or name, formats, /get.
        ("ann/feeds/temp", FeedTopic("ann", "feeds", "temp", "", False)),
        ("ann/f/temp", FeedTopic("ann", "f", "temp", "", False)),
        ("ann/f/Kitchen Temp", FeedTopic("ann", "f", "Kitchen Temp", "", False)),
        ("ann/feeds/temp/json", FeedTopic("ann", "feeds", "temp", "json", False)),
        ("ann/f/temp/csv", FeedTopic("ann", "f", "temp", "csv", False)),
        ("ann/feeds/temp/get", FeedTopic("ann", "feeds", "temp", "", True)),
        ("ann/f/temp/csv/get", FeedTopic("ann", "f", "temp", "csv", True)),
        ("ann/f/temp/json/get", FeedTopic("ann", "f", "temp", "json", True)),
        # A feed in a group: group.key, or group/key as some clients write it.
        ("ann/feeds/weather.temp", FeedTopic("ann", "feeds", "weather.temp", "", False)),
        ("ann/f/weather/temp", FeedTopic("ann", "f", "weather.temp", "", False)),
        ("ann/f/weather/temp/csv", FeedTopic("ann", "f", "weather.temp", "csv", False)),
        ("ann/f/weather.temp/json/get", FeedTopic("ann", "f", "weather.temp", "json", True)),
        # A feed whose key is a format word is still a feed.
        ("ann/f/json", FeedTopic("ann", "f", "json", "", False)),
        ("ann/f/csv/csv", FeedTopic("ann", "f", "csv", "csv", False)),
        ("ann/f/get/get", FeedTopic("ann", "f", "get", "", True)),
        # Group topics.
        ("ann/groups/home", GroupTopic("ann", "groups", "home", "", False)),
        ("ann/g/home", GroupTopic("ann", "g", "home", "", False)),
        ("ann/g/home/json", GroupTopic("ann", "g", "home", "json", False)),
        ("ann/groups/home/csv", GroupTopic("ann", "groups", "home", "csv", False)),
        ("ann/g/home/csv/get", GroupTopic("ann", "g", "home", "csv", True)),
        ("ann/groups/home/get", GroupTopic("ann", "groups", "home", "", True)),
        # Account, time and integration topics.
        ("ann/errors", AccountTopic("ann", "errors")),
        ("ann/throttle", AccountTopic("ann", "throttle")),
        ("ann/throttle/json", AccountTopic("ann", "throttle/json")),
        ("time/seconds", TimeTopic("seconds")),
        ("time/millis", TimeTopic("millis")),
        ("time/ISO-8601", TimeTopic("ISO-8601")),
        ("time/hours", TimeTopic("hours")),
        ("ann/integration/words/12", IntegrationTopic("ann", "words/12")),
        ("ann/integrations/words/12", IntegrationTopic("ann", "words/12")),
        ("ann/integration/weather/3/current", IntegrationTopic("ann", "weather/3/current")),
        ("ann/integration/air_quality/3/current", IntegrationTopic("ann", "air_quality/3/current")),
        # Everything else under a user's name is a free-form topic of that user.
        ("ann/anything", FreeTopic("ann")),
        ("ann/a/b/c/d", FreeTopic("ann")),
        ("ann/errors/more", FreeTopic("ann")),
        ("ann/feeds", FreeTopic("ann")),
        ("ann/integration", FreeTopic("ann")),
        ("ann/", FreeTopic("ann")),
    ],
)
def test_parse_topic(topic: str, parsed: Topic) -> None:
    assert parse_topic(topic) == parsed


@pytest.mark.parametrize(
    "topic",
    [
        "",
        "ann",
        "/ann/f/temp",
        "/",
        "ann/feeds/",
        "ann/f//json",
        "ann/f/a/b/c",  # three levels of identifier
        "ann/feeds/a/b/c/json",
        "ann/g/",
        "ann/groups//get",
        "ann/f/get",  # nothing before /get
        "ann/f/json/get/x/y",
        "time/minutes",
        "time/",
        "$SYS/broker/uptime",
        "$share/group/ann/f/x",
    ],
)
def test_parse_topic_refuses(topic: str) -> None:
    assert parse_topic(topic) is None


def test_time_topics_are_case_sensitive() -> None:
    assert parse_topic("time/iso-8601") is None
    assert parse_topic("time/Seconds") is None


def test_owner_keeps_its_spelling() -> None:
    parsed = parse_topic("Ann/F/Temp")
    # "F" is not a feed prefix: prefixes are lower case, the owner is compared by the broker.
    assert parsed == FreeTopic("Ann")
    assert parse_topic("Ann/f/Temp") == FeedTopic("Ann", "f", "Temp", "", False)


@pytest.mark.parametrize(
    ("topic_filter", "owner"),
    [
        ("ann/f/temp", "ann"),
        ("ann/#", "ann"),
        ("ann/+/temp", "ann"),
        ("ann", "ann"),
        ("time/seconds", "time"),
        ("$SYS/#", "$SYS"),
        ("+/feeds/#", None),
        ("#", None),
        ("+", None),
        ("/ann/f/x", None),
        ("", None),
    ],
)
def test_filter_owner(topic_filter: str, owner: str | None) -> None:
    assert filter_owner(topic_filter) == owner


_LEVEL = st.text(
    alphabet=st.characters(blacklist_characters="/+#\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=12,
)


@given(
    owner=_LEVEL.filter(lambda s: s != "time" and not s.startswith("$")),
    prefix=st.sampled_from(["feeds", "f"]),
    ident=_LEVEL.filter(lambda s: s not in ("get", "json", "csv")),
    fmt=st.sampled_from(["", "json", "csv"]),
    get=st.booleans(),
)
def test_feed_topics_round_trip(owner: str, prefix: str, ident: str, fmt: str, get: bool) -> None:
    topic = f"{owner}/{prefix}/{ident}" + (f"/{fmt}" if fmt else "") + ("/get" if get else "")
    assert parse_topic(topic) == FeedTopic(owner, prefix, ident, fmt, get)  # type: ignore[arg-type]


@given(st.text(max_size=40))
def test_parse_topic_never_raises(topic: str) -> None:
    parsed = parse_topic(topic)
    if parsed is not None and not isinstance(parsed, TimeTopic):
        assert parsed.owner == topic.split("/")[0]
