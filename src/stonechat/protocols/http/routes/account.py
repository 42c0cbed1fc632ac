"""The user record, throttle counters and the activity log (rest-api.md §6.1, §6.2)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from stonechat.domain import shapes
from stonechat.domain.errors import BadRequest
from stonechat.domain.timestamps import iso, now_ms, parse_time
from stonechat.protocols.http import schemas
from stonechat.protocols.http.deps import CurrentUser, OwnerDep, ServicesDep
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.responses import JSON

router = APIRouter(tags=["account"], dependencies=CHECKED)

ACTIVITY_MODELS = {
    "feeds": "Feed",
    "feed": "Feed",
    "groups": "Group",
    "group": "Group",
    "dashboards": "Dashboard",
    "dashboard": "Dashboard",
    "blocks": "Block",
    "block": "Block",
}


@router.get(
    "/user",
    summary="The user the key belongs to",
    response_model=schemas.User,
)
async def get_user(user: CurrentUser, services: ServicesDep) -> Response:
    return JSON(shapes.user(user, await services.accounts.default_group_id(user.id)))


@router.get(
    "/{username}/throttle",
    summary="Data rate limit and current use",
    response_model=schemas.Throttle,
)
async def throttle(acc: OwnerDep) -> Response:
    """``data_rate_limit`` (points per minute; 1000000 for a user without a limit, never 0:
    clients compute what is left as limit - used) and ``active_data_rate``
    (points in the last 60 s, counted by every process sharing the limiter; for an
    unlimited user, points stored by this process in the current minute), then the
    counters of the MQTT ban rules as Adafruit IO names them."""
    limiter = acc.services.limiter
    used = await limiter.data_used(acc.user)
    if used is None:
        used = acc.services.counter.current(acc.user.id)
    return JSON(
        {
            "data_rate_limit": limiter.reported_limit(acc.user),
            "active_data_rate": used,
            **await limiter.usage(acc.user),
            "active_sms_rate": 0,
        }
    )


async def _activities(
    acc: OwnerDep,
    request: Request,
    model: str | None,
    start_time: str | None,
    end_time: str | None,
    limit: int | None,
) -> Response:
    if limit is not None and limit < 1:
        raise BadRequest("limit must be at least 1")
    size = min(limit or 1000, 1000)
    start = parse_time(start_time, "start_time") if start_time else None
    end = parse_time(end_time, "end_time") if end_time else None
    items = await acc.services.activities.for_user(
        acc.user.id, model=model, start=start, end=end, limit=size
    )
    headers = {
        "Link": f"<{request.url}>",
        "X-Pagination-Count": str(len(items)),
        "X-Pagination-Limit": str(size),
        "X-Pagination-Start": iso(start) if start is not None else "",
        "X-Pagination-End": iso(end if end is not None else now_ms()),
    }
    return JSON([shapes.activity(a, acc.user.username) for a in items], headers=headers)


@router.get(
    "/{username}/activities",
    summary="Recent create/update/delete actions",
    response_model=list[schemas.Activity],
)
async def list_activities(
    acc: OwnerDep,
    request: Request,
    start_time: str | None = None,
    end_time: str | None = None,
    limit: int | None = None,
) -> Response:
    return await _activities(acc, request, None, start_time, end_time, limit)


@router.delete(
    "/{username}/activities",
    summary="Delete the activity log",
    response_model=schemas.Deleted,
)
async def clear_activities(acc: OwnerDep) -> Response:
    await acc.services.activities.clear(acc.user.id)
    return JSON({"deleted": True})


@router.get(
    "/{username}/activities/{model}",
    summary="Actions on one kind of record",
    response_model=list[schemas.Activity],
)
async def model_activities(
    acc: OwnerDep,
    request: Request,
    model: str,
    start_time: str | None = None,
    end_time: str | None = None,
    limit: int | None = None,
) -> Response:
    name = ACTIVITY_MODELS.get(model.lower())
    if name is None:
        raise BadRequest(f"unknown activity type '{model}'; use feeds, groups, dashboards, blocks")
    return await _activities(acc, request, name, start_time, end_time, limit)
