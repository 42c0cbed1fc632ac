"""Feeds: ``/api/v2/{username}/feeds`` (rest-api.md §6.3) and their webhook receivers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from stonechat.domain.fields import INT32_MAX
from stonechat.domain.timestamps import iso
from stonechat.protocols.http import shaping
from stonechat.protocols.http.bodies import read_object
from stonechat.protocols.http.deps import AccountDep, OwnerDep
from stonechat.protocols.http.openapi import request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.schemas import Deleted, Feed, FeedBody, Receiver

router = APIRouter(tags=["feeds"], dependencies=CHECKED)


@router.get(
    "/{username}/feeds", summary="All feeds, with their last value", response_model=list[Feed]
)
async def list_feeds(acc: AccountDep) -> Response:
    feeds = await acc.services.feeds.for_user(acc.owner.id)
    feeds = await acc.readable(feeds)
    return JSON(await shaping.feeds(acc.services, acc.principal, acc.owner, feeds))


@router.post(
    "/{username}/feeds",
    summary="Create a feed",
    status_code=201,
    response_model=Feed,
    openapi_extra=request_body(FeedBody, "feed"),
)
async def create_feed(acc: OwnerDep, request: Request, group_key: str | None = None) -> Response:
    body = await read_object(request, "feed")
    group = await acc.services.groups.get(acc.user, group_key) if group_key else None
    feed = await acc.services.feeds.create(acc.user, body, group)
    return JSON(await shaping.feed(acc.services, acc.principal, acc.owner, feed), status_code=201)


@router.get("/{username}/feeds/{feed_key}", summary="One feed", response_model=Feed)
async def get_feed(acc: AccountDep, feed_key: str) -> Response:
    feed = await acc.readable_feed(feed_key)
    return JSON(await shaping.feed(acc.services, acc.principal, acc.owner, feed))


@router.get(
    "/{username}/feeds/{feed_key}/details",
    summary="One feed with data details",
    response_model=Feed,
)
async def feed_details(acc: AccountDep, feed_key: str) -> Response:
    feed = await acc.readable_feed(feed_key)
    return JSON(await shaping.feed(acc.services, acc.principal, acc.owner, feed, details=True))


@router.put(
    "/{username}/feeds/{feed_key}",
    summary="Replace a feed's fields",
    response_model=Feed,
    openapi_extra=request_body(FeedBody, "feed"),
)
@router.patch(
    "/{username}/feeds/{feed_key}",
    summary="Update a feed's fields",
    response_model=Feed,
    openapi_extra=request_body(FeedBody, "feed"),
)
async def update_feed(acc: OwnerDep, feed_key: str, request: Request) -> Response:
    feed = await acc.writable_feed(feed_key)
    updated = await acc.services.feeds.update(acc.user, feed, await read_object(request, "feed"))
    return JSON(await shaping.feed(acc.services, acc.principal, acc.owner, updated))


@router.delete(
    "/{username}/feeds/{feed_key}", summary="Delete a feed and its data", response_model=Feed
)
async def delete_feed(acc: OwnerDep, feed_key: str) -> Response:
    feed = await acc.writable_feed(feed_key)
    shaped = await shaping.feed(acc.services, acc.principal, acc.owner, feed)
    await acc.services.feeds.delete(acc.user, feed)
    return JSON(shaped)


@router.get(
    "/{username}/feeds/{feed_key}/webhooks",
    summary="Webhook receivers of a feed",
    response_model=list[Receiver],
)
async def list_receivers(acc: OwnerDep, feed_key: str, request: Request) -> Response:
    feed = await acc.writable_feed(feed_key)
    receivers = await acc.services.webhooks.for_feed(feed)
    return JSON([_receiver(request, r.id, r.token, r.created_at) for r in receivers])


@router.post(
    "/{username}/feeds/{feed_key}/webhooks",
    summary="Create a webhook receiver token for a feed",
    status_code=201,
    response_model=Receiver,
)
async def create_receiver(acc: OwnerDep, feed_key: str, request: Request) -> Response:
    feed = await acc.writable_feed(feed_key)
    r = await acc.services.webhooks.create(feed)
    return JSON(_receiver(request, r.id, r.token, r.created_at), status_code=201)


@router.delete(
    "/{username}/feeds/{feed_key}/webhooks/{receiver_id}",
    summary="Revoke a webhook receiver token",
    response_model=Deleted,
)
async def delete_receiver(
    acc: OwnerDep, feed_key: str, receiver_id: Annotated[int, Path(ge=1, le=INT32_MAX)]
) -> Response:
    feed = await acc.writable_feed(feed_key)
    await acc.services.webhooks.revoke(feed, receiver_id)
    return JSON({"id": receiver_id, "deleted": True})


def _receiver(request: Request, receiver_id: int, token: str, created_at: int) -> dict[str, object]:
    base = str(request.base_url).rstrip("/")
    url = f"{base}/api/v2/webhooks/feed/{token}"
    return {
        "id": receiver_id,
        "token": token,
        "url": url,
        "raw_url": f"{url}/raw",
        "notify_url": f"{url}/notify",
        "created_at": iso(created_at),
    }
