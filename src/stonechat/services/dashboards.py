"""Dashboards, their blocks and their grid layouts (rest-api.md §5.4, §6.6)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import IntegrityError

from stonechat.domain.errors import BadRequest, Invalid, NotFound
from stonechat.domain.fields import INT32_MAX, present, to_bool, to_choice, to_id, to_int, to_text
from stonechat.domain.grid import default_size, place
from stonechat.domain.names import MAX_KEY_LENGTH, check_key, check_title, key_from_name
from stonechat.domain.nesting import MAX_DEPTH, check_nesting
from stonechat.domain.records import Block, Dashboard, Feed, Group, User
from stonechat.domain.text import MAX_SEGMENT_LENGTH
from stonechat.domain.timestamps import now_ms
from stonechat.services.activity import ActivityLog
from stonechat.services.feeds import VISIBILITIES, FeedService
from stonechat.services.sharing import forget_object, sync_visibility
from stonechat.storage.dashboards import DashboardStore
from stonechat.storage.database import Database
from stonechat.storage.feeds import FeedStore
from stonechat.storage.groups import GroupStore

BREAKPOINTS = ("xl", "lg", "md", "sm", "xs")
# Bounds on what a dashboard stores: the layout items of a breakpoint, the feeds of a block,
# a layout item's id (a block id) and a block's properties as JSON.
MAX_LAYOUT_ITEMS = 1000
MAX_LAYOUT_ID = 64
MAX_BLOCK_FEEDS = 100
MAX_PROPERTIES_BYTES = 64 * 1024
VISUAL_TYPES = frozenset(
    {
        "toggle_button",
        "slider",
        "momentary_button",
        "gauge",
        "line_chart",
        "text",
        "color_picker",
        "map",
        "stream",
        "image",
        "remote_control",
        "multiline_text",
        "rich_text",
        "icon",
        "indicator",
        "number_pad",
        "selector",
        "dashboard_link",
        "battery",
        "divider",
        "line_gauge",
    }
)


def dashboard_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if present(body, "name"):
        values["name"] = check_title(to_text(body["name"], "name"), "Dashboard")
    if present(body, "key"):
        values["key"] = check_key(to_text(body["key"], "key").strip().lower())
    if "description" in body:
        values["description"] = (
            None if body["description"] is None else to_text(body["description"], "description")
        )
    if "header_image_url" in body:
        values["header_image_url"] = (
            None
            if body["header_image_url"] is None
            else to_text(body["header_image_url"], "header_image_url", 2048)
        )
    if present(body, "visibility"):
        values["visibility"] = to_choice(body["visibility"], "visibility", VISIBILITIES)
    if present(body, "color_mode"):
        values["color_mode"] = to_choice(body["color_mode"], "color_mode", ("dark", "light"))
    for flag in ("show_header", "block_borders", "allow_overlap"):
        if present(body, flag):
            values[flag] = to_bool(body[flag], flag)
    if creating:
        if "name" not in values and "key" in values:
            values["name"] = values["key"]
        if "name" not in values:
            raise Invalid("Validation failed: Dashboard name can't be blank")
        values.setdefault("key", check_key(key_from_name(values["name"])))
        values.setdefault("visibility", "private")
        values.setdefault("color_mode", "dark")
        values.setdefault("show_header", True)
        values.setdefault("block_borders", True)
        values.setdefault("allow_overlap", False)
    return values


def check_layouts(layouts: Any) -> dict[str, list[dict[str, Any]]]:
    """Validate ``{breakpoint: [{i, x, y, w, h}]}``; null breakpoints are left out."""
    if not isinstance(layouts, dict):
        raise BadRequest("layouts must be an object of breakpoints (xl, lg, md, sm, xs)")
    checked: dict[str, list[dict[str, Any]]] = {}
    for name, items in layouts.items():
        if items is None:
            continue
        if name not in BREAKPOINTS:
            raise Invalid(f"unknown layout breakpoint '{name}'")
        if not isinstance(items, list):
            raise BadRequest(f"layouts.{name} must be a list")
        if len(items) > MAX_LAYOUT_ITEMS:
            raise Invalid(f"layouts.{name} has more than {MAX_LAYOUT_ITEMS} items")
        checked[name] = []
        for item in items:
            if not isinstance(item, dict) or "i" not in item:
                raise BadRequest(f"layouts.{name} items need i, x, y, w and h")
            entry: dict[str, Any] = {"i": to_text(item["i"], "i", MAX_LAYOUT_ID)}
            for axis, minimum in (("x", 0), ("y", 0), ("w", 1), ("h", 1)):
                entry[axis] = to_int(
                    item.get(axis, 0 if axis in "xy" else 4),
                    axis,
                    minimum=minimum,
                    maximum=INT32_MAX,  # the block columns they mirror
                )
            if item.get("z") is not None:
                entry["z"] = to_int(item["z"], "z", minimum=-INT32_MAX, maximum=INT32_MAX)
            checked[name].append(entry)
    return checked


class DashboardService:
    def __init__(self, db: Database, feeds: FeedService, activity: ActivityLog) -> None:
        self.store = DashboardStore(db)
        self.feed_store = FeedStore(db)
        self.groups = GroupStore(db)
        self.feeds = feeds
        self.activity = activity

    async def for_user(self, user_id: int) -> list[Dashboard]:
        return await self.store.for_user(user_id)

    async def get(self, user: User, key: str) -> Dashboard:
        found = await self.store.by_key(user.id, key)
        dashboard_id = to_id(key)
        if found is None and dashboard_id is not None:
            found = await self.store.by_id(user.id, dashboard_id)
        if found is None:
            raise NotFound(f"not found - dashboard '{key}' does not exist for {user.username}")
        return found

    async def create(self, user: User, body: dict[str, Any]) -> Dashboard:
        values = dashboard_fields(body, creating=True)
        at = now_ms()
        try:
            dashboard = await self.store.insert(
                user_id=user.id, layouts={}, created_at=at, updated_at=at, **values
            )
        except IntegrityError:
            raise Invalid(
                f"Validation failed: Key '{values['key']}' has already been taken"
            ) from None
        await self.activity.record(user.id, "create", "Dashboard", {"id": dashboard.id})
        return dashboard

    async def update(self, user: User, dashboard: Dashboard, body: dict[str, Any]) -> Dashboard:
        values = dashboard_fields(body, creating=False)
        if "layouts" in body and body["layouts"] is not None:
            values["layouts"] = {**dashboard.layouts, **check_layouts(body["layouts"])}
        try:
            updated = await self.store.update(dashboard.id, updated_at=now_ms(), **values)
        except IntegrityError:
            raise Invalid("Validation failed: Key has already been taken") from None
        await sync_visibility(
            self.store.db, dashboard.user_id, "dashboard", dashboard.id, values.get("visibility")
        )
        if "visibility" in values:
            self.feeds.access.changed(dashboard.user_id, "dashboard", dashboard.id)
        await self.activity.record(user.id, "update", "Dashboard", {"id": dashboard.id})
        return updated

    async def update_layouts(self, dashboard: Dashboard, layouts: Any) -> Dashboard:
        merged = {**dashboard.layouts, **check_layouts(layouts)}
        return await self.store.update(dashboard.id, layouts=merged, updated_at=now_ms())

    async def delete(self, user: User, dashboard: Dashboard) -> None:
        await self.store.delete(dashboard.id)
        await forget_object(self.store.db, "dashboard", dashboard.id)
        await self.activity.record(user.id, "delete", "Dashboard", {"id": dashboard.id})

    async def blocks(self, dashboards: list[Dashboard]) -> dict[int, list[Block]]:
        return await self.store.blocks([d.id for d in dashboards])

    async def block(self, dashboard: Dashboard, block_id: str) -> Block:
        number = to_id(block_id)
        found = await self.store.block(dashboard.id, number) if number is not None else None
        if found is None:
            raise NotFound(f"not found - block '{block_id}' is not on dashboard '{dashboard.key}'")
        return found

    async def create_block(self, user: User, dashboard: Dashboard, body: dict[str, Any]) -> Block:
        values = await self._block_fields(user, body, creating=True)
        at = now_ms()
        block = await self.store.insert_block(
            dashboard_id=dashboard.id, created_at=at, updated_at=at, **values
        )
        # A new block appears in every layout: where its column and row say, else in the
        # first free spot of the breakpoint's grid (tests/domain/test_grid.py).
        layouts = {name: list(items) for name, items in dashboard.layouts.items()}
        for name in set(layouts) | {"lg"}:
            items = layouts.setdefault(name, [])
            if block.column is None and block.row is None:
                items.append(place(items, str(block.id), block.size_x, block.size_y, name))
                continue
            bottom = max((i["y"] + i["h"] for i in items), default=0)
            items.append(
                {
                    "i": str(block.id),
                    "x": block.column or 0,
                    "y": block.row if block.row is not None else bottom,
                    "w": block.size_x,
                    "h": block.size_y,
                }
            )
        await self.store.update(dashboard.id, layouts=layouts, updated_at=at)
        await self.activity.record(user.id, "create", "Block", {"id": block.id})
        return block

    async def update_block(
        self, user: User, dashboard: Dashboard, block: Block, body: dict[str, Any]
    ) -> Block:
        values = await self._block_fields(user, body, creating=False)
        updated = await self.store.update_block(block.id, updated_at=now_ms(), **values)
        await self.activity.record(user.id, "update", "Block", {"id": block.id})
        return updated

    async def delete_block(self, user: User, dashboard: Dashboard, block: Block) -> None:
        await self.store.delete_block(block.id)
        layouts = {
            name: [i for i in items if i.get("i") != str(block.id)]
            for name, items in dashboard.layouts.items()
        }
        await self.store.update(dashboard.id, layouts=layouts, updated_at=now_ms())
        await self.activity.record(user.id, "delete", "Block", {"id": block.id})

    async def block_references(
        self, blocks: list[Block], owner_id: int
    ) -> tuple[dict[int, Feed], dict[int, Group]]:
        """The feeds and groups the blocks name, of the dashboard's owner only: a block never
        shows another account's feed, even if an id came to name one."""
        feed_ids = {int(bf["feed_id"] or 0) for b in blocks for bf in b.block_feeds}
        group_ids = {int(bf.get("group_id") or 0) for b in blocks for bf in b.block_feeds}
        found = await self.feed_store.by_ids(sorted(feed_ids - {0}))
        feeds = {i: f for i, f in found.items() if f.user_id == owner_id}
        groups = {
            g: grp
            for g in group_ids - {0}
            if (grp := await self.groups.by_id(g)) and grp.user_id == owner_id
        }
        return feeds, groups

    async def _block_fields(
        self, user: User, body: dict[str, Any], *, creating: bool
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ("name", "description"):
            if name in body:
                values[name] = None if body[name] is None else to_text(body[name], name, 255)
        if present(body, "visual_type"):
            visual = to_text(body["visual_type"], "visual_type").strip()
            if visual not in VISUAL_TYPES:
                raise Invalid(f"visual_type must be one of: {', '.join(sorted(VISUAL_TYPES))}")
            values["visual_type"] = visual
        elif creating:
            raise Invalid("visual_type is required")
        if present(body, "properties"):
            properties = body["properties"]
            if isinstance(properties, str):
                try:
                    properties = json.loads(properties)
                except ValueError:
                    raise BadRequest("properties must be a JSON object") from None
                except RecursionError:
                    raise Invalid(f"properties is nested deeper than {MAX_DEPTH} levels") from None
            if not isinstance(properties, dict):
                raise BadRequest("properties must be an object")
            check_nesting(properties, "properties")
            text = to_text(json.dumps(properties, ensure_ascii=False), "properties", 10**9)
            if len(text.encode("utf-8")) > MAX_PROPERTIES_BYTES:
                raise Invalid(f"properties is over {MAX_PROPERTIES_BYTES} bytes as JSON")
            values["properties"] = properties
        elif creating:
            values["properties"] = {}
        for name in ("column", "row"):
            if present(body, name):
                values[name] = to_int(body[name], name, minimum=0, maximum=INT32_MAX)
        for axis, name in enumerate(("size_x", "size_y")):
            if present(body, name):
                values[name] = to_int(body[name], name, minimum=1, maximum=INT32_MAX)
            elif creating:
                values[name] = default_size(values["visual_type"])[axis]
        if present(body, "block_feeds"):
            values["block_feeds"] = await self._block_feeds(user, body["block_feeds"])
        elif creating:
            values["block_feeds"] = []
        return values

    async def _block_feeds(self, user: User, items: Any) -> list[dict[str, int | None]]:
        if not isinstance(items, list):
            raise BadRequest("block_feeds must be a list")
        if len(items) > MAX_BLOCK_FEEDS:
            raise Invalid(f"block_feeds may list at most {MAX_BLOCK_FEEDS} feeds")
        resolved: list[dict[str, int | None]] = []
        for item in items:
            if not isinstance(item, dict) or item.get("feed_id") is None:
                raise BadRequest("each block_feeds entry needs a feed_id")
            ident = to_text(item["feed_id"], "feed_id", MAX_SEGMENT_LENGTH)
            feed = await self.feeds.get(user, ident)
            group_id = None
            if item.get("group_id") is not None:
                ident = to_text(item["group_id"], "group_id", MAX_KEY_LENGTH)
                group = await self.groups.by_key(user.id, ident)
                number = to_id(ident)
                if group is None and number is not None:
                    group = await self.groups.by_id(number)
                if group is None or group.user_id != user.id:
                    raise NotFound(f"not found - group '{item['group_id']}'")
                group_id = group.id
            resolved.append({"feed_id": feed.id, "group_id": group_id})
        return resolved
