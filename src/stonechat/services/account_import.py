"""An account read into an account here (issue 16), from a ``Source``: an export's zip
(``import_zip``) or an Adafruit IO account through its API (``import_aio``).

Idempotent: a group, feed or dashboard whose key the account already has is kept as it is
(a dashboard is not imported again, a feed gets only the points it lacks), and a point
already stored is skipped, so running an import twice adds nothing. Points keep their ids
when they are free; a point whose id another feed holds (the same export imported into a
second account on this server) gets an id made from its own and the target feed's, the
same one every time. Streamed: points are read and written a batch at a time.

Points go through the batch writer (counts, last values, history off) on a connection of
the import's own, and nowhere else: an import is history, not news, so no subscriber,
action or data rate sees it. Points older than the retention are left out.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from typing import Any

from stonechat.domain.errors import Invalid, NotFound, StonechatError
from stonechat.domain.ids import derived, is_ulid, time_of
from stonechat.domain.points import location_of
from stonechat.domain.records import Dashboard, Datum, Feed, Group, User
from stonechat.domain.retention import Retention, parse_overrides
from stonechat.domain.timestamps import now_ms
from stonechat.domain.values import check_size, numeric
from stonechat.services.dashboards import DashboardService
from stonechat.services.feeds import FeedService
from stonechat.services.groups import GroupService
from stonechat.services.import_source import Row, Source
from stonechat.services.import_zip import ZipSource
from stonechat.services.registry import Services
from stonechat.storage.batch_writer import BatchWriter, batch_writer
from stonechat.storage.data import DataStore, NewDatum

_DASHBOARD_FIELDS = (
    "name",
    "key",
    "description",
    "visibility",
    "show_header",
    "color_mode",
    "block_borders",
    "allow_overlap",
    "header_image_url",
)
_BLOCK_FIELDS = (
    "name",
    "description",
    "visual_type",
    "properties",
    "column",
    "row",
    "size_x",
    "size_y",
)


async def import_into(services: Services, user: User, source: Source) -> Counter[str]:
    """Import what ``source`` reads into ``user``'s account, with a batch writer of the
    import's own."""
    writer = batch_writer(services.data.store.db)
    try:
        importer = AccountImport(
            services.feeds,
            services.groups,
            services.dashboards,
            services.data.store,
            writer,
            services.retention,
        )
        return await importer.run(user, source)
    finally:
        await writer.close()


async def import_archive(services: Services, user: User, archive: zipfile.ZipFile) -> Counter[str]:
    """Import an account export's zip into ``user``'s account."""
    return await import_into(services, user, ZipSource(archive))


class AccountImport:
    def __init__(
        self,
        feeds: FeedService,
        groups: GroupService,
        dashboards: DashboardService,
        data: DataStore,
        writer: BatchWriter,
        retention: Retention,
    ) -> None:
        self.feeds = feeds
        self.groups = groups
        self.dashboards = dashboards
        self.data = data
        self.writer = writer
        self.retention = retention

    async def run(self, user: User, source: Source) -> Counter[str]:
        """Import what ``source`` reads into ``user``'s account: what was added and what was
        skipped (``feeds``, ``feeds_existing``, ``points``, ``points_existing``, ...)."""
        report: Counter[str] = Counter()
        groups_json, feeds_json, dashboards_json = await source.records()
        groups = await self._groups(user, groups_json, feeds_json, report)
        feeds = await self._feeds(user, feeds_json, groups, report)
        await self._dashboards(user, dashboards_json, feeds, groups, report)
        by_id = {_id(item): item for item in feeds_json}
        for old_id, feed in feeds.items():
            async for rows in source.points(by_id[old_id]):
                await self._points(rows, feed, report)
            source.done(by_id[old_id], report)
        return report

    # -- records -------------------------------------------------------------------------

    async def _groups(
        self, user: User, items: list[Any], feeds: list[Any], report: Counter[str]
    ) -> dict[str, Group]:
        """Archive group key -> the account's group; the archive's default group (the one its
        keys without a dot are in) is the account's default group."""
        default = await self.groups.store.default(user.id)
        archive_default = next(
            (_key(f.get("group")) for f in feeds if "." not in str(f.get("key", ""))), "default"
        )
        found: dict[str, Group] = {}
        for item in items:
            key = _text(item, "key")
            if key == archive_default or key == default.key:
                found[key] = default
                continue
            group = await self.groups.find(user, key)
            if group is None:
                body = {k: item.get(k) for k in ("name", "key", "description", "visibility")}
                group = await self.groups.create(user, body)
                report["groups"] += 1
            else:
                report["groups_existing"] += 1
            found[key] = group
        return found

    def _retention(self, item: dict[str, Any], report: Counter[str]) -> dict[str, Any]:
        """The feed's own retention tiers, when this server's defaults allow them (another
        server's defaults may have made them valid there): else the defaults, counted."""
        own = item.get("retention")
        if not isinstance(own, dict) or not own:
            return {}
        try:
            parse_overrides(own, self.feeds.retention)
        except Invalid:
            report["feeds_retention_dropped"] += 1
            return {}
        return {"retention": own}

    async def _feeds(
        self, user: User, items: list[Any], groups: dict[str, Group], report: Counter[str]
    ) -> dict[int, Feed]:
        """Archive feed id -> the account's feed (found by key, else created)."""
        found: dict[int, Feed] = {}
        for item in items:
            full_key = _text(item, "key")
            group_key, _, key = full_key.rpartition(".")
            group = groups.get(group_key) if group_key else None
            if group_key and group is None:
                raise Invalid(f"feeds.json: feed '{full_key}' is in a group groups.json lacks")
            feed = await self.feeds.find(user.id, full_key)
            if feed is None:
                fields = ("name", "description", "unit_type", "unit_symbol", "history")
                body = {k: item.get(k) for k in fields if item.get(k) is not None}
                body |= {"key": key, "visibility": item.get("visibility") or "private"}
                body |= self._retention(item, report)
                feed = await self.feeds.create(user, body, group)
                report["feeds"] += 1
            else:
                report["feeds_existing"] += 1
            for member in item.get("groups") or []:
                other = groups.get(_key(member))
                if other is not None and other.id != feed.group_id:
                    await self.groups.add_feed(user, other, feed.full_key)
            found[_id(item)] = feed
        return found

    async def _dashboards(
        self,
        user: User,
        items: list[Any],
        feeds: dict[int, Feed],
        groups: dict[str, Group],
        report: Counter[str],
    ) -> None:
        for item in items:
            key = _text(item, "key")
            try:
                await self.dashboards.get(user, key)
                report["dashboards_existing"] += 1
                continue  # imported before, or the account's own: left as it is
            except NotFound:
                pass
            body = {k: item[k] for k in _DASHBOARD_FIELDS if item.get(k) is not None}
            dashboard = await self.dashboards.create(user, body)
            report["dashboards"] += 1
            blocks: dict[str, str] = {}
            for block in item.get("blocks") or []:
                if not isinstance(block, dict):
                    raise Invalid(f"dashboards.json: a block of '{key}' is not an object")
                made = await self._block(user, dashboard, block, feeds, groups)
                blocks[str(block.get("id"))] = str(made)
                report["blocks"] += 1
            layouts = _layouts(item.get("layouts"), blocks)
            if layouts:
                await self.dashboards.update_layouts(await self.dashboards.get(user, key), layouts)

    async def _block(
        self,
        user: User,
        dashboard: Dashboard,
        block: dict[str, Any],
        feeds: dict[int, Feed],
        groups: dict[str, Group],
    ) -> int:
        body = {k: block[k] for k in _BLOCK_FIELDS if block.get(k) is not None}
        references = []
        for ref in block.get("block_feeds") or []:
            feed = feeds.get(_id(ref.get("feed"))) if isinstance(ref, dict) else None
            if feed is None:
                continue  # a feed the export could not show (another account's)
            group = groups.get(_key(ref.get("group"))) if ref.get("group") else None
            references.append({"feed_id": feed.full_key, "group_id": group.key if group else None})
        body["block_feeds"] = references
        made = await self.dashboards.create_block(user, dashboard, body)
        return made.id

    # -- points --------------------------------------------------------------------------

    async def _points(self, rows: list[Row], feed: Feed, report: Counter[str]) -> None:
        oldest = self.retention.over(feed.retention).cutoff("raw", now_ms())
        points: dict[str, NewDatum] = {}
        for row in rows:
            point = point_of(row, feed)
            if oldest is not None and point.datum.created_at < oldest:
                report["points_expired"] += 1
                continue
            points[point.datum.id] = point
        report["points"] += await self._store(feed, points, report)

    async def _store(self, feed: Feed, points: dict[str, NewDatum], report: Counter[str]) -> int:
        """Write the points this feed lacks; the number written."""
        derived = {old: _derived_id(old, feed.id) for old in points}
        holders = await self.data.feeds_holding([*points, *derived.values()])
        fresh: list[NewDatum] = []
        for old, point in points.items():
            new = old if old not in holders else derived[old]
            if holders.get(old) == feed.id or holders.get(new) == feed.id:
                report["points_existing"] += 1
                continue
            d = point.datum
            if new != old:
                d = Datum(new, d.feed_id, d.value, d.lat, d.lon, d.ele, d.created_at, d.updated_at)
            fresh.append(NewDatum(d, point.value_num, feed.history))
        if fresh:
            await self.writer.write(fresh)
        return len(fresh)


def _derived_id(old: str, feed_id: int) -> str:
    """The id of an imported point whose own id another feed holds: its time, and a random
    part made from its id and the feed's (the same on every run)."""
    return derived(time_of(old) or 0, f"{feed_id}:{old}")


def point_of(row: Row, feed: Feed) -> NewDatum:
    """The point to store for ``row`` in ``feed``, checked (id, value size, location)."""
    try:
        if not is_ulid(row.id):
            raise Invalid("the id is not a ULID")
        check_size(row.value, feed.history)
        lat, lon, ele = location_of(row.lat, row.lon, row.ele)
    except StonechatError as error:
        raise Invalid(f"{row.where}: {error.message}") from None
    datum = Datum(row.id, feed.id, row.value, lat, lon, ele, row.created_at, now_ms())
    return NewDatum(datum, numeric(row.value), feed.history)


def _layouts(layouts: Any, blocks: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The archive's layouts with its block ids replaced by the new ones."""
    if not isinstance(layouts, dict):
        return {}
    mapped: dict[str, list[dict[str, Any]]] = {}
    for size, items in layouts.items():
        if isinstance(items, list):
            mapped[size] = [
                {**item, "i": blocks[str(item.get("i"))]}
                for item in items
                if isinstance(item, dict) and str(item.get("i")) in blocks
            ]
    return mapped


def _text(item: dict[str, Any], field: str) -> str:
    value = item.get(field)
    if not isinstance(value, str) or not value:
        raise Invalid(f"a record without a {field}: {json.dumps(item)[:200]}")
    return value


def _key(item: Any) -> str:
    return str(item.get("key")) if isinstance(item, dict) else ""


def _id(item: Any) -> int:
    value = item.get("id") if isinstance(item, dict) else None
    if not isinstance(value, int):
        raise Invalid(f"a record without a numeric id: {json.dumps(item)[:200]}")
    return value


def describe(report: Counter[str]) -> str:
    """``3 feeds (1 there already), 2345 points (...)``, from an import's report."""
    parts = []
    for kind in ("groups", "feeds", "dashboards", "blocks", "points"):
        there = report[f"{kind}_existing"]
        extra = [f"{there} there already"] if there else []
        if kind == "feeds" and report["feeds_retention_dropped"]:
            extra.append(f"{report['feeds_retention_dropped']} with this server's retention")
        if kind == "points" and report["points_expired"]:
            extra.append(f"{report['points_expired']} older than the retention")
        parts.append(f"{report[kind]} {kind}" + (f" ({', '.join(extra)})" if extra else ""))
    return ", ".join(parts)
