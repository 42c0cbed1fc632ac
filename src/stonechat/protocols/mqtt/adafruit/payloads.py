"""The payloads of stored points in the formats a topic asks for (mqtt-api.md §3.2, §5.3).

Each payload is made at most once per point (or per group update), and only when a
subscription wants it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from stonechat.domain import shapes
from stonechat.domain.payloads import csv_line, group_csv, group_json
from stonechat.domain.records import Datum, Feed
from stonechat.domain.retention import Retention

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.session import Session


class Payloads:
    """The payloads of one stored point, each made at most once."""

    __slots__ = ("_csv", "_json", "datum", "feed", "raw", "retention")

    def __init__(self, feed: Feed, datum: Datum, retention: Retention) -> None:
        self.feed = feed
        self.datum = datum
        self.retention = retention
        self.raw = datum.value.encode()
        self._json: bytes | None = None
        self._csv: bytes | None = None

    def get(self, fmt: str) -> bytes:
        if fmt == "":
            return self.raw
        if fmt == "json":
            if self._json is None:
                self._json = orjson.dumps(shapes.datum(self.datum, self.feed, self.retention))
            return self._json
        if self._csv is None:
            self._csv = csv_line(self.datum).encode()
        return self._csv


class GroupUpdate:
    """The feeds of one group that one write changed, and their group payloads."""

    __slots__ = (
        "_payloads",
        "first",
        "ids",
        "located",
        "publisher",
        "qos",
        "updates",
        "username",
    )

    def __init__(self, username: str, group_key: str, qos: int, publisher: Session | None) -> None:
        self.username = username
        self.qos = qos  # the points of one write share its QoS and publisher
        self.publisher = publisher
        self.first = ""  # the first point's id: the update's id in every process
        self.updates: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        self.located: Datum | None = None
        self._payloads: dict[str, bytes] = {}

    def add(self, feed: Feed, datum: Datum) -> None:
        if not self.first:
            self.first = datum.id
        self.updates[feed.key] = datum.value
        self.ids[feed.key] = feed.id
        if datum.lat is not None:
            self.located = datum

    def payload_for(self, fmt: str, feeds: frozenset[int]) -> bytes | None:
        """The payload holding only ``feeds`` (None when none of them changed)."""
        updates = {k: v for k, v in self.updates.items() if self.ids[k] in feeds}
        if not updates:
            return None
        if fmt == "csv":
            return group_csv(updates).encode()
        located = self.located if self.located and self.located.feed_id in feeds else None
        return group_json(updates, located).encode()

    def payload(self, fmt: str) -> bytes:
        kind = "csv" if fmt == "csv" else "json"
        made = self._payloads.get(kind)
        if made is None:
            body = (
                group_csv(self.updates) if kind == "csv" else group_json(self.updates, self.located)
            )
            made = self._payloads[kind] = body.encode()
        return made


def groups_of(feed: Feed) -> tuple[str, ...]:
    """Keys of the non-default groups the feed is in (its home group at least)."""
    if feed.group_is_default or feed.group_key in feed.member_groups:
        return feed.member_groups
    return (feed.group_key, *feed.member_groups)


def identifiers(feed: Feed) -> tuple[str, ...]:
    """Every name a subscription may use for this feed.

    ``group.key`` for each group it is in; its bare key and name only when it lives in the
    default group, where lookups by bare key and name find it (rest-api.md §4) — a grouped
    feed must not reach subscribers of a default feed with the same key.
    """
    names = [feed.full_key]
    names.extend(f"{g}.{feed.key}" for g in feed.member_groups if f"{g}.{feed.key}" not in names)
    if feed.group_is_default and feed.name not in names:
        names.append(feed.name)
    return tuple(names)
