"""Reading and editing stored data: pages, queue pointer, chart, single points."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

from stonechat.domain.chart_buckets import plan, rounded_to_grain
from stonechat.domain.errors import BadRequest, Invalid, NotFound
from stonechat.domain.fields import INT64_MAX, INT64_MIN
from stonechat.domain.points import location_of
from stonechat.domain.records import Datum, Feed
from stonechat.domain.retention import Retention
from stonechat.domain.text import text_problem
from stonechat.domain.timestamps import MIN_MS, now_ms, parse_time
from stonechat.domain.values import MAX_NUMBER_TEXT, check_size, numeric, value_to_text
from stonechat.storage.data import DataStore
from stonechat.storage.database import Database
from stonechat.storage.feeds import FeedStore

MAX_PAGE = 1000
MAX_CURSOR_LENGTH = 128  # {"t": 15 digits, "id": 26 characters} in base64 is about 70
MAX_ID_LENGTH = 26  # a ULID
MAX_CHART_POINTS = 480
RESOLUTIONS = (1, 5, 10, 30, 60, 120, 240, 480, 960)
CHART_FIELDS = ("avg", "sum", "val", "min", "max", "val_count")


@dataclass(slots=True, frozen=True)
class Page:
    data: list[Datum]
    limit: int
    start: int | None
    end: int
    next_cursor: str | None


@dataclass(slots=True, frozen=True)
class Chart:
    start: int
    end: int
    hours: float
    resolution: int
    field: str
    raw: bool
    rows: list[tuple[int, Any]]
    rollup: str | None = None  # the rollups read (None: raw points)
    note: str | None = None  # why the buckets are coarser than asked


def encode_cursor(d: Datum) -> str:
    raw = json.dumps({"t": d.created_at, "id": d.id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """The (time, id) a page continues from; anything but a cursor this server made is 400."""
    invalid = BadRequest("before is not a valid page cursor")
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at, datum_id = raw["t"], raw["id"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise invalid from None
    # Any 64-bit time: a row stored before times were bounded still pages on.
    if type(at) is not int or not INT64_MIN <= at <= INT64_MAX:
        raise invalid
    if not isinstance(datum_id, str) or text_problem(datum_id, MAX_ID_LENGTH) is not None:
        raise invalid
    return at, datum_id


def no_data(feed: Feed) -> NotFound:
    return NotFound(f"not found - feed '{feed.full_key}' has no data")


class DataService:
    def __init__(self, db: Database, retention: Retention | None = None) -> None:
        self.store = DataStore(db)
        self.feeds = FeedStore(db)
        self.retention = retention or Retention()  # the server's default tiers

    async def page(
        self,
        feeds: list[Feed],
        *,
        start_time: str | None,
        end_time: str | None,
        limit: str | int | None,
        before: str | None,
    ) -> Page:
        """Newest first, at most 1,000 points, continuing from an opaque cursor."""
        size = MAX_PAGE
        if limit not in (None, ""):
            try:
                size = int(limit)
            except (TypeError, ValueError):
                raise BadRequest("limit must be an integer") from None
            if size < 1:
                raise BadRequest("limit must be at least 1")
            size = min(size, MAX_PAGE)
        start = parse_time(start_time, "start_time") if start_time else None
        end = parse_time(end_time, "end_time") if end_time else None
        cursor = decode_cursor(before) if before else None
        rows = await self.store.page(
            [f.id for f in feeds], start=start, end=end, before=cursor, limit=size + 1
        )
        more = len(rows) > size
        rows = rows[:size]
        return Page(
            data=rows,
            limit=size,
            start=start,
            end=end if end is not None else now_ms(),
            next_cursor=encode_cursor(rows[-1]) if more and rows else None,
        )

    async def get(self, feed: Feed, datum_id: str) -> Datum:
        found = await self.store.get(feed.id, datum_id)
        if found is None:
            raise NotFound(f"not found - no data with id '{datum_id}' in feed '{feed.full_key}'")
        return found

    async def last(self, feed: Feed, move: bool = True) -> Datum:
        found = await self.store.edge(feed.id, newest=True)
        if found is None:
            raise no_data(feed)
        if move:
            await self.feeds.set_queue_position(feed.id, found.id)
        return found

    async def first(self, feed: Feed, move: bool = True) -> Datum:
        found = await self.store.edge(feed.id, newest=False)
        if found is None:
            raise no_data(feed)
        if move:
            await self.feeds.set_queue_position(feed.id, found.id)
        return found

    async def next(self, feed: Feed) -> Datum:
        """Advance the feed's queue pointer; the first call returns the oldest point."""
        position = await self.feeds.queue_position(feed.id)
        current = await self.store.get(feed.id, position) if position else None
        if current is None:
            return await self.first(feed)
        following = await self.store.after(feed.id, current)
        if following is None:
            raise NotFound(
                f"not found - no unread data after the queue position in '{feed.full_key}'"
            )
        await self.feeds.set_queue_position(feed.id, following.id)
        return following

    async def previous(self, feed: Feed) -> Datum:
        """The point at the queue pointer; the pointer does not move."""
        position = await self.feeds.queue_position(feed.id)
        current = await self.store.get(feed.id, position) if position else None
        if current is None:
            return await self.last(feed, move=False)
        return current

    async def update(self, feed: Feed, datum_id: str, body: dict[str, Any]) -> Datum:
        values: dict[str, Any] = {"updated_at": now_ms()}
        if body.get("value") is not None:
            text = value_to_text(body["value"])
            check_size(text, feed.history)
            values["value"] = text
            values["value_num"] = numeric(text)
        if any(body.get(k) is not None for k in ("lat", "lon", "ele")):
            values["lat"], values["lon"], values["ele"] = location_of(
                body.get("lat"), body.get("lon"), body.get("ele")
            )
        if body.get("created_at") is not None:
            created = parse_time(body["created_at"], "created_at")
            if created > now_ms():
                raise Invalid("data created_at may not be in the future")
            values["created_at"] = created
        # A feed without history keeps the rollups of every point it was sent: its one
        # stored point cannot stand for them.
        updated = await self.store.update(feed.id, datum_id, rollups=feed.history, **values)
        if updated is None:
            raise NotFound(f"not found - no data with id '{datum_id}' in feed '{feed.full_key}'")
        return updated

    async def delete(self, feed: Feed, datum_id: str) -> None:
        if not await self.store.delete(feed.id, datum_id, rollups=feed.history):
            raise NotFound(f"not found - no data with id '{datum_id}' in feed '{feed.full_key}'")

    async def chart(
        self,
        feed: Feed,
        *,
        start_time: str | None,
        end_time: str | None,
        hours: str | None,
        resolution: str | None,
        field: str | None,
        raw: str | None,
    ) -> Chart:
        """Aggregate a feed over time buckets, from its rollups; never more than 480 points
        (rest-api.md §6.4). Buckets start at multiples of their length (UTC)."""
        now = now_ms()
        end = parse_time(end_time, "end_time") if end_time else now
        if start_time:
            start = parse_time(start_time, "start_time")
        else:
            span_hours = _number(hours, "hours") if hours else 1.0
            if span_hours <= 0:
                raise BadRequest("hours must be positive")
            # Any number of hours reaches back at most to year 1 (a clamped answer).
            start = max(MIN_MS, int(max(MIN_MS, end - span_hours * 3_600_000)))
        if start >= end:
            raise BadRequest("start_time must be before end_time")
        span_minutes = (end - start) / 60_000
        is_raw = (raw or "").lower() in ("1", "true", "yes")
        if is_raw:
            points = await self.store.page(
                [feed.id], start=start, end=end, before=None, limit=MAX_CHART_POINTS
            )
            return Chart(
                start,
                end,
                span_minutes / 60,
                0,
                "val",
                True,
                [(d.created_at, d.value) for d in reversed(points)],
            )
        chosen_field = (field or "avg").lower()
        if chosen_field not in CHART_FIELDS:
            raise BadRequest(f"field must be one of: {', '.join(CHART_FIELDS)}")
        finest = next((r for r in RESOLUTIONS if span_minutes / r <= MAX_CHART_POINTS), None)
        if finest is None:
            finest = rounded_to_grain(math.ceil(span_minutes / MAX_CHART_POINTS))
        chosen = finest
        if resolution:
            asked = _number(resolution, "resolution")
            if asked < 1:
                raise BadRequest("resolution must be at least 1 minute")
            # Coarser than asked rather than over 480 points; one bucket at most the span.
            chosen = rounded_to_grain(max(int(min(asked, math.ceil(span_minutes))), finest))
        buckets = plan(chosen, start, self.retention.over(feed.retention), now)
        first = start - start % buckets.step  # whole buckets, from a multiple of their length
        rows = await self.store.chart(
            feed.id, buckets.grain, start=first, end=end, step=buckets.step, field=chosen_field
        )
        return Chart(
            start,
            end,
            span_minutes / 60,
            buckets.minutes,
            chosen_field,
            False,
            rows,
            buckets.grain,
            buckets.note,
        )


def _number(text: str, name: str) -> float:
    if len(text) > MAX_NUMBER_TEXT:
        raise BadRequest(f"{name} must be a number of at most {MAX_NUMBER_TEXT} characters")
    try:
        value = float(text)
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None
    if not math.isfinite(value):
        raise BadRequest(f"{name} must be a finite number")
    return value
