"""Groups (rest-api.md §6.5): CRUD, membership, feeds in a group, group data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from stonechat.domain import shapes
from stonechat.domain.errors import BadRequest, Invalid
from stonechat.domain.fields import to_text
from stonechat.domain.points import PointInput
from stonechat.domain.text import MAX_SEGMENT_LENGTH
from stonechat.protocols.http import schemas, shaping
from stonechat.protocols.http.bodies import read_body, read_object
from stonechat.protocols.http.deps import AccountDep, OwnerDep
from stonechat.protocols.http.openapi import request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.ratelimit import quota_headers
from stonechat.protocols.http.responses import JSON

router = APIRouter(tags=["groups"], dependencies=CHECKED)


@router.get(
    "/{username}/groups",
    summary="All groups with their feeds",
    response_model=list[schemas.Group],
)
async def list_groups(acc: AccountDep) -> Response:
    groups = await acc.services.groups.for_user(acc.owner.id)
    groups = await acc.readable(groups)
    return JSON(await shaping.groups(acc.services, acc.principal, acc.owner, groups))


@router.post(
    "/{username}/groups",
    summary="Create a group",
    status_code=201,
    response_model=schemas.Group,
    openapi_extra=request_body(schemas.GroupBody, "group"),
)
async def create_group(acc: OwnerDep, request: Request) -> Response:
    group = await acc.services.groups.create(acc.user, await read_object(request, "group"))
    [shaped] = await shaping.groups(acc.services, acc.principal, acc.owner, [group])
    return JSON(shaped, status_code=201)


@router.get(
    "/{username}/groups/{group_key}",
    summary="One group",
    response_model=schemas.Group,
)
async def get_group(acc: AccountDep, group_key: str) -> Response:
    group = await acc.services.groups.get(acc.owner, group_key)
    await acc.require_read(group, f"group '{group_key}'")
    [shaped] = await shaping.groups(acc.services, acc.principal, acc.owner, [group])
    return JSON(shaped)


@router.put(
    "/{username}/groups/{group_key}",
    summary="Replace a group's fields",
    response_model=schemas.Group,
    openapi_extra=request_body(schemas.GroupBody, "group"),
)
@router.patch(
    "/{username}/groups/{group_key}",
    summary="Update a group's fields",
    response_model=schemas.Group,
    openapi_extra=request_body(schemas.GroupBody, "group"),
)
async def update_group(acc: OwnerDep, group_key: str, request: Request) -> Response:
    group = await acc.services.groups.get(acc.user, group_key)
    updated = await acc.services.groups.update(acc.user, group, await read_object(request, "group"))
    [shaped] = await shaping.groups(acc.services, acc.principal, acc.owner, [updated])
    return JSON(shaped)


@router.delete(
    "/{username}/groups/{group_key}",
    summary="Delete a group and its own feeds",
    response_model=schemas.Group,
)
async def delete_group(acc: OwnerDep, group_key: str) -> Response:
    group = await acc.services.groups.get(acc.user, group_key)
    [shaped] = await shaping.groups(acc.services, acc.principal, acc.owner, [group])
    await acc.services.groups.delete(acc.user, group)
    return JSON(shaped)


async def _feed_key(request: Request, feed_key: str | None) -> str | None:
    if feed_key:
        return feed_key
    body = await read_body(request)
    value = body.get("feed_key") if isinstance(body, dict) else None
    return to_text(value, "feed_key", MAX_SEGMENT_LENGTH) if value is not None else None


@router.post(
    "/{username}/groups/{group_key}/add",
    summary="Add an existing feed to a group",
    response_model=schemas.Group,
    openapi_extra=request_body(schemas.FeedKeyBody, required=False),
)
async def add_feed(
    acc: OwnerDep, group_key: str, request: Request, feed_key: str | None = None
) -> Response:
    group = await acc.services.groups.get(acc.user, group_key)
    await acc.services.groups.add_feed(acc.user, group, await _feed_key(request, feed_key))
    [shaped] = await shaping.groups(acc.services, acc.principal, acc.owner, [group])
    return JSON(shaped)


@router.post(
    "/{username}/groups/{group_key}/remove",
    summary="Remove a feed from a group",
    response_model=schemas.Group,
    openapi_extra=request_body(schemas.FeedKeyBody, required=False),
)
async def remove_feed(
    acc: OwnerDep, group_key: str, request: Request, feed_key: str | None = None
) -> Response:
    group = await acc.services.groups.get(acc.user, group_key)
    await acc.services.groups.remove_feed(acc.user, group, await _feed_key(request, feed_key))
    [shaped] = await shaping.groups(acc.services, acc.principal, acc.owner, [group])
    return JSON(shaped)


@router.get(
    "/{username}/groups/{group_key}/feeds",
    summary="Feeds of a group",
    response_model=list[schemas.Feed],
)
async def group_feeds(acc: AccountDep, group_key: str) -> Response:
    group = await acc.services.groups.get(acc.owner, group_key)
    await acc.require_read(group, f"group '{group_key}'")
    feeds = await acc.readable(await acc.services.groups.feeds_of(group))
    return JSON(await shaping.feeds(acc.services, acc.principal, acc.owner, feeds))


@router.post(
    "/{username}/groups/{group_key}/feeds",
    summary="Create a feed in a group",
    status_code=201,
    response_model=schemas.Feed,
    openapi_extra=request_body(schemas.FeedBody, "feed"),
)
async def create_group_feed(acc: OwnerDep, group_key: str, request: Request) -> Response:
    group = await acc.services.groups.get(acc.user, group_key)
    feed = await acc.services.feeds.create(acc.user, await read_object(request, "feed"), group)
    return JSON(await shaping.feed(acc.services, acc.principal, acc.owner, feed), status_code=201)


def _group_points(body: Any) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """``{"feeds": [{key, value}], "created_at"?, "location"? | flat lat/lon/ele}``."""
    if not isinstance(body, dict):
        raise BadRequest('group data must be {"feeds": [{"key": ..., "value": ...}]}')
    feeds = body.get("feeds")
    if isinstance(feeds, dict):  # the MQTT shape {"feeds": {"key": "value"}} works too
        feeds = [{"key": k, "value": v} for k, v in feeds.items()]
    if not isinstance(feeds, list) or not feeds:
        raise Invalid('group data needs a non-empty "feeds" list of {"key", "value"}')
    pairs = []
    for item in feeds:
        if not isinstance(item, dict) or not item.get("key"):
            raise Invalid('each entry of "feeds" needs a key and a value')
        if item.get("value") is None:
            raise Invalid(f"value is required for feed '{item['key']}'")
        pairs.append((to_text(item["key"], "key", MAX_SEGMENT_LENGTH), item["value"]))
    raw_location = body.get("location")
    location: dict[str, Any] = raw_location if isinstance(raw_location, dict) else {}
    meta = {
        "lat": body.get("lat", location.get("lat")),
        "lon": body.get("lon", location.get("lon")),
        "ele": body.get("ele", location.get("ele")),
        "created_at": body.get("created_at"),
        "epoch": body.get("epoch"),
    }
    return pairs, meta


@router.post(
    "/{username}/groups/{group_key}/data",
    summary="Write several feeds of a group",
    response_model=list[schemas.Datum],
    openapi_extra=request_body(schemas.GroupDataBody, form=False),
)
async def group_data(acc: AccountDep, group_key: str, request: Request) -> Response:
    pairs, meta = _group_points(await read_body(request))
    points = [(key, PointInput(value=value, **meta)) for key, value in pairs]
    data, feeds, quota = await acc.services.writes.write(
        acc.principal, acc.owner, points, group_key
    )
    retention = acc.services.retention
    return JSON(
        [shapes.datum(d, feed, retention) for d, feed in zip(data, feeds, strict=True)],
        headers=quota_headers(quota),
    )
