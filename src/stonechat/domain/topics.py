"""The Adafruit IO MQTT topic grammar (mqtt-api.md §3), pure.

``parse_topic`` classifies a topic name; the broker decides what each kind may do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["", "json", "csv"]
FORMATS: tuple[Format, ...] = ("", "json", "csv")
TIME_TOPICS = frozenset({"seconds", "millis", "ISO-8601", "hours"})


@dataclass(slots=True, frozen=True)
class FeedTopic:
    """``{owner}/feeds|f/{ident}[/json|/csv][/get]``; ``ident`` may be ``group.key``."""

    owner: str
    prefix: str  # "feeds" or "f", kept so replies use the client's own spelling
    ident: str
    fmt: Format
    get: bool


@dataclass(slots=True, frozen=True)
class GroupTopic:
    """``{owner}/groups|g/{key}[/json|/csv][/get]``."""

    owner: str
    prefix: str
    ident: str
    fmt: Format
    get: bool


@dataclass(slots=True, frozen=True)
class AccountTopic:
    """``{owner}/errors``, ``{owner}/throttle`` or ``{owner}/throttle/json``: written by the
    server only."""

    owner: str
    name: str


@dataclass(slots=True, frozen=True)
class TimeTopic:
    """``time/seconds|millis|ISO-8601|hours``: written by the server only."""

    name: str


@dataclass(slots=True, frozen=True)
class IntegrationTopic:
    """``{owner}/integration(s)/...``: accepted, nothing is published on them here."""

    owner: str
    rest: str


@dataclass(slots=True, frozen=True)
class FreeTopic:
    """Any other topic under ``{owner}/``: plain MQTT, private to the owner."""

    owner: str


Topic = FeedTopic | GroupTopic | AccountTopic | TimeTopic | IntegrationTopic | FreeTopic


def _resource(levels: list[str]) -> tuple[str, Format, bool] | None:
    """``ident[/a/b][/json|/csv][/get]`` after ``feeds/`` or ``groups/``."""
    get = False
    if levels and levels[-1] == "get":
        get = True
        levels = levels[:-1]
    fmt: Format = ""
    if len(levels) > 1 and levels[-1] in ("json", "csv"):
        fmt = "json" if levels[-1] == "json" else "csv"
        levels = levels[:-1]
    if len(levels) == 2 and all(levels):  # clients allow "group/feed" as well as "group.feed"
        return f"{levels[0]}.{levels[1]}", fmt, get
    if len(levels) != 1 or not levels[0]:
        return None
    return levels[0], fmt, get


def parse_topic(topic: str) -> Topic | None:
    """Classify a topic name. ``None``: not in anyone's namespace (e.g. ``foo``)."""
    levels = topic.split("/")
    if len(levels) < 2 or not levels[0]:
        return None
    owner, kind = levels[0], levels[1]
    if owner == "time" and len(levels) == 2:
        return TimeTopic(kind) if kind in TIME_TOPICS else None
    if owner.startswith("$"):
        return None
    if len(levels) == 2 and kind in ("errors", "throttle"):
        return AccountTopic(owner, kind)
    if kind == "throttle" and levels[2:] == ["json"]:  # throttle and ban notices as JSON
        return AccountTopic(owner, "throttle/json")
    if kind in ("feeds", "f", "groups", "g") and len(levels) > 2:
        parsed = _resource(levels[2:])
        if parsed is None:
            return None
        ident, fmt, get = parsed
        if kind in ("feeds", "f"):
            return FeedTopic(owner, kind, ident, fmt, get)
        return GroupTopic(owner, kind, ident, fmt, get)
    if kind in ("integration", "integrations") and len(levels) > 2:
        return IntegrationTopic(owner, "/".join(levels[2:]))
    return FreeTopic(owner)


def filter_owner(topic_filter: str) -> str | None:
    """The namespace a subscription filter reaches: its first level, unless a wildcard."""
    first = topic_filter.split("/", 1)[0]
    if first in ("+", "#") or not first:
        return None
    return first
