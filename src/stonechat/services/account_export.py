"""One account, exported as a zip (issue 16): everything its owner made, in the shapes the
REST API v2 gives the owner, and every point of every feed.

    manifest.json       format, version, username, when, counts
    groups.json         GET /groups          (each with its feeds)
    feeds.json          GET /feeds
    dashboards.json     GET /dashboards      (each with its blocks and layouts)
    data/<feed id>.csv  id, created_at, value, lat, lon, ele: every point, newest first

The same shapes as the API, so an archive reads like an Adafruit IO account read through
its API. Streamed: the zip is written as it is read, a page of 1,000 points at a time, so
memory stays flat whatever the account holds (``stream`` yields the bytes as they come).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from typing import Any

from stonechat.domain import shapes
from stonechat.domain.records import Feed, User
from stonechat.domain.timestamps import iso, iso_ms, now_ms
from stonechat.services.dashboards import DashboardService
from stonechat.services.data import DataService
from stonechat.services.feeds import FeedService
from stonechat.services.groups import GroupService
from stonechat.services.registry import Services

FORMAT = "stonechat-account-export"
VERSION = 1
POINT_COLUMNS = ("id", "created_at", "value", "lat", "lon", "ele")


class _Sink(io.RawIOBase):
    """Where the zip writes: collects the bytes until ``take``. Not seekable, so
    ``zipfile`` writes each member's sizes after its data (the streaming form of zip)."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def archive_name(user: User) -> str:
    return f"stonechat-{user.username}-{iso(now_ms())[:10]}.zip"


class AccountExport:
    @classmethod
    def of(cls, services: Services) -> AccountExport:
        return cls(services.feeds, services.groups, services.dashboards, services.data)

    def __init__(
        self,
        feeds: FeedService,
        groups: GroupService,
        dashboards: DashboardService,
        data: DataService,
    ) -> None:
        self.feeds = feeds
        self.groups = groups
        self.dashboards = dashboards
        self.data = data

    async def stream(self, user: User) -> AsyncIterator[bytes]:
        """The zip of ``user``'s account, in pieces (never an empty one)."""
        sink = _Sink()
        counts: dict[str, Any] = {}
        points: dict[str, int] = {}
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            feeds = await self.feeds.for_user(user.id)
            for name, body in (await self._records(user, feeds, counts)).items():
                archive.writestr(name, json.dumps(body, indent=1, ensure_ascii=False))
            for feed in feeds:
                points[str(feed.id)] = 0
                with archive.open(f"data/{feed.id}.csv", "w", force_zip64=True) as member:
                    text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                    rows = csv.writer(text, lineterminator="\n")
                    rows.writerow(POINT_COLUMNS)
                    async for page in self._pages(feed):
                        rows.writerows(page)
                        text.flush()
                        points[str(feed.id)] += len(page)
                        if piece := sink.take():
                            yield piece
                    text.detach()  # flushed; the member is closed once, by the with
            counts["points"] = sum(points.values())
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "username": user.username,
                "exported_at": iso(now_ms()),
                "counts": counts,
                "points_per_feed": points,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        if piece := sink.take():
            yield piece

    async def _records(
        self, user: User, feeds: list[Feed], counts: dict[str, Any]
    ) -> dict[str, Any]:
        groups = await self.groups.for_user(user.id)
        groups_of = await self.groups.store.groups_of_feeds([f.id for f in feeds])
        feed_shapes = {f.id: shapes.feed(f, user.username, groups_of.get(f.id, [])) for f in feeds}
        members = await self.groups.feed_store.in_groups([g.id for g in groups])
        dashboards = await self.dashboards.for_user(user.id)
        blocks = await self.dashboards.blocks(dashboards)
        every = [b for bs in blocks.values() for b in bs]
        feeds_by_id, groups_by_id = await self.dashboards.block_references(every, user.id)
        counts.update(
            groups=len(groups), feeds=len(feeds), dashboards=len(dashboards), blocks=len(every)
        )
        return {
            "groups.json": [
                shapes.group(g, user.username, [feed_shapes[f.id] for f in members.get(g.id, [])])
                for g in groups
            ],
            "feeds.json": list(feed_shapes.values()),
            "dashboards.json": [
                shapes.dashboard(
                    d,
                    user.username,
                    [shapes.block(b, feeds_by_id, groups_by_id) for b in blocks.get(d.id, [])],
                    layouts=True,
                )
                for d in dashboards
            ],
        }

    async def _pages(self, feed: Feed) -> AsyncIterator[list[tuple[Any, ...]]]:
        """The feed's points as CSV rows, newest first, a page of 1,000 at a time."""
        cursor: str | None = None
        while True:
            page = await self.data.page(
                [feed], start_time=None, end_time=None, limit=None, before=cursor
            )
            yield [(d.id, iso_ms(d.created_at), d.value, d.lat, d.lon, d.ele) for d in page.data]
            cursor = page.next_cursor
            if cursor is None:
                return
