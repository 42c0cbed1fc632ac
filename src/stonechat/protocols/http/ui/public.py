"""Read-only views for visitors who are not signed in: public dashboards and public feeds.

Anything not public answers 404, the same as something that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from stonechat.domain import shapes
from stonechat.domain.access import NOBODY, READ
from stonechat.domain.errors import NotFound
from stonechat.domain.records import Feed, User
from stonechat.protocols.http import shaping
from stonechat.protocols.http.deps import ServicesDep
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.routes.data import chart_body
from stonechat.services.registry import Services

router = APIRouter(prefix="/public/{username}", tags=["web UI"])


async def _owner(services: Services, username: str) -> User:
    owner = await services.accounts.users.by_username(username)
    if owner is None:
        raise NotFound(f"not found - no user named '{username}'")
    return owner


async def _public_feed(services: Services, username: str, feed_key: str) -> tuple[User, Feed]:
    owner = await _owner(services, username)
    feed = await services.feeds.find(owner.id, feed_key)
    missing = NotFound(f"not found - no public feed '{feed_key}' of {owner.username}")
    if feed is None:
        raise missing
    await services.access.require(NOBODY, feed, READ, missing)
    return owner, feed


@router.get("/dashboards/{dashboard_key}", summary="A public dashboard, its blocks and feeds")
async def public_dashboard(username: str, dashboard_key: str, services: ServicesDep) -> Response:
    owner = await _owner(services, username)
    missing = NotFound(f"not found - no public dashboard '{dashboard_key}' of {owner.username}")
    try:
        dashboard = await services.dashboards.get(owner, dashboard_key)
    except NotFound:
        raise missing from None
    await services.access.require(NOBODY, dashboard, READ, missing)
    # A public dashboard may show private feeds to its owner; visitors see only the feeds
    # they may read (the blocks show the others as null) and do not learn their names.
    [shaped] = await shaping.dashboards(services, NOBODY, owner, [dashboard], True)
    blocks = (await services.dashboards.blocks([dashboard])).get(dashboard.id, [])
    feeds_by_id, _groups = await services.dashboards.block_references(blocks, owner.id)
    public = await services.access.readable(NOBODY, list(feeds_by_id.values()))
    return JSON(
        {
            "dashboard": shaped,
            "blocks": shaped["blocks"],
            "feeds": await shaping.feeds(services, NOBODY, owner, public),
        }
    )


@router.get("/feeds/{feed_key}/data", summary="Newest points of a public feed")
async def public_data(
    username: str,
    feed_key: str,
    services: ServicesDep,
    limit: str | None = None,
    start_time: str | None = None,
    end_time: str | None = None,
) -> Response:
    _, feed = await _public_feed(services, username, feed_key)
    page = await services.data.page(
        [feed], start_time=start_time, end_time=end_time, limit=limit, before=None
    )
    headers = {
        "X-Pagination-Count": str(len(page.data)),
        "X-Pagination-Limit": str(page.limit),
        "X-Pagination-Total": str(feed.data_count),
    }
    return JSON([shapes.datum(d, feed, services.retention) for d in page.data], headers=headers)


@router.get("/feeds/{feed_key}/chart", summary="Chart series of a public feed")
@router.get("/feeds/{feed_key}/data/chart", include_in_schema=False)
async def public_chart(
    username: str,
    feed_key: str,
    services: ServicesDep,
    start_time: str | None = None,
    end_time: str | None = None,
    hours: str | None = None,
    resolution: str | None = None,
    field: str | None = None,
    raw: str | None = None,
) -> Response:
    _, feed = await _public_feed(services, username, feed_key)
    result = await services.data.chart(
        feed,
        start_time=start_time,
        end_time=end_time,
        hours=hours,
        resolution=resolution,
        field=field,
        raw=raw,
    )
    return JSON(chart_body(feed, result))
