"""The JSON shapes of records, as Adafruit IO's clients read them (rest-api.md §5).

Pure functions shared by the HTTP API and the MQTT ``/json`` topics.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stonechat.domain.records import (
    Activity,
    Block,
    Dashboard,
    Datum,
    Feed,
    FeedStatusChange,
    Group,
    User,
    WebhookReceiver,
)
from stonechat.domain.retention import Retention
from stonechat.domain.timestamps import iso

DATUM_INCLUDABLE = frozenset({"value", "lat", "lon", "ele", "id", "created_at"})


def datum(d: Datum, feed: Feed, retention: Retention, include: Iterable[str] | None = None) -> Any:
    """A data point. ``include`` keeps only the named fields (the ``include`` parameter);
    ``retention``: the server's default tiers (``expiration`` is the feed's raw tier's)."""
    expires = retention.over(feed.retention).expiration(d.created_at)
    location = (
        {"lat": d.lat, "lon": d.lon, "ele": d.ele}
        if d.lat is not None and d.lon is not None
        else None
    )
    full = {
        "id": d.id,
        "value": d.value,
        "feed_id": d.feed_id,
        "feed_key": feed.full_key,
        "group_id": None,
        "created_at": iso(d.created_at),
        "created_epoch": d.created_at // 1000,
        "updated_at": iso(d.updated_at),
        "expiration": iso(expires) if expires is not None else None,
        "lat": d.lat,
        "lon": d.lon,
        "ele": d.ele,
        "location": location,
        "completed_at": None,
        "position": None,
    }
    if include is None:
        return full
    return {k: full[k] for k in include if k in full}


def owner(username: str, user_id: int) -> dict[str, Any]:
    return {"id": user_id, "username": username}


def shallow_group(g: Group) -> dict[str, Any]:
    return {"id": g.id, "key": g.key, "name": g.name, "user_id": g.user_id}


def feed(
    f: Feed,
    username: str,
    groups: list[Group],
    receivers: list[WebhookReceiver] | None = None,
    details: dict[str, Any] | None = None,
    status_changes: list[FeedStatusChange] | None = None,
    retention: Retention | None = None,
) -> dict[str, Any]:
    """A feed. ``retention``: the server's default tiers, to show the feed's tiers in force
    (``retention_effective``) beside its own (``retention``)."""
    primary = next((g for g in groups if g.id == f.group_id), None)
    shape: dict[str, Any] = {
        "username": username,
        "owner": owner(username, f.user_id),
        "id": f.id,
        "name": f.name,
        "key": f.full_key,
        "description": f.description,
        "unit_type": f.unit_type,
        "unit_symbol": f.unit_symbol,
        "history": f.history,
        "visibility": f.visibility,
        "license": f.license,
        "enabled": True,
        "last_value": f.last_value,
        "last_value_at": iso(f.last_value_at) if f.last_value_at is not None else None,
        "status": status(f),
        "status_notify": f.status_notify,
        "status_timeout": f.status_timeout,
        "created_at": iso(f.created_at),
        "updated_at": iso(f.updated_at),
        "group": shallow_group(primary) if primary else None,
        "groups": [shallow_group(g) for g in groups],
        "feed_webhook_receivers": [
            {"id": r.id, "token": r.token, "created_at": iso(r.created_at)} for r in receivers or []
        ],
        "feed_status_changes": [
            {"id": c.id, "status": c.status, "created_at": iso(c.created_at)}
            for c in status_changes or []
        ],
    }
    shape["retention"] = dict(f.retention)
    if retention is not None:
        shape["retention_effective"] = retention.over(f.retention).as_json()
    if details is not None:
        shape["details"] = details
    return shape


def status(f: Feed) -> str:
    """``offline`` while the feed status watcher holds it so (no data for status_timeout
    minutes, with status_notify on) or before its first point; ``online`` otherwise."""
    return "online" if f.offline_at is None and f.last_value_at is not None else "offline"


def group(g: Group, username: str, feeds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "username": username,
        "owner": owner(username, g.user_id),
        "id": g.id,
        "key": g.key,
        "name": g.name,
        "description": g.description,
        "visibility": g.visibility,
        "created_at": iso(g.created_at),
        "updated_at": iso(g.updated_at),
        "feeds": feeds,
    }


def block(b: Block, feeds_by_id: dict[int, Feed], groups_by_id: dict[int, Group]) -> Any:
    block_feeds = []
    for bf in b.block_feeds:
        f = feeds_by_id.get(int(bf["feed_id"] or 0))
        g = groups_by_id.get(int(bf.get("group_id") or 0))
        block_feeds.append(
            {
                "id": f"{b.id}-{bf['feed_id']}",
                "feed": {"id": f.id, "name": f.name, "key": f.full_key} if f else None,
                "group": {"id": g.id, "name": g.name, "key": g.key} if g else None,
            }
        )
    return {
        "id": str(b.id),
        "name": b.name,
        "description": b.description,
        "key": str(b.id),
        "visual_type": b.visual_type,
        "properties": b.properties,
        "column": b.column,
        "row": b.row,
        "size_x": b.size_x,
        "size_y": b.size_y,
        "source_key": None,
        "source": None,
        "block_feeds": block_feeds,
        "created_at": iso(b.created_at),
        "updated_at": iso(b.updated_at),
    }


def dashboard(d: Dashboard, username: str, blocks: list[Any], layouts: bool) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "username": username,
        "owner": owner(username, d.user_id),
        "id": d.id,
        "name": d.name,
        "key": d.key,
        "description": d.description,
        "visibility": d.visibility,
        "show_header": d.show_header,
        "color_mode": d.color_mode,
        "block_borders": d.block_borders,
        "allow_overlap": d.allow_overlap,
        "header_image_url": d.header_image_url,
        "blocks": blocks,
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
    }
    if layouts:
        shape["layouts"] = d.layouts
    return shape


def user(u: User, default_group_id: int | None) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.username,
        "username": u.username,
        "email": u.email,
        "color": None,
        "role": "admin" if u.is_admin else "user",
        "time_zone": u.time_zone,
        "default_group_id": default_group_id,
        "default_dashboard_id": None,
        "created_at": iso(u.created_at),
        "updated_at": iso(u.updated_at),
    }


def activity(a: Activity, username: str) -> dict[str, Any]:
    return {
        "username": username,
        "owner": owner(username, a.user_id),
        "id": a.id,
        "action": a.action,
        "model": a.model,
        "data": a.data,
        "user_id": a.user_id,
        "created_at": iso(a.created_at),
        "updated_at": iso(a.created_at),
    }
