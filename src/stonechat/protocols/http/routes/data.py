"""Data of a feed (rest-api.md §6.4), under ``/feeds/{feed_key}`` and
``/groups/{group_key}/feeds/{feed_key}``.
"""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import URL
from starlette.responses import Response

from stonechat.domain import shapes
from stonechat.domain.errors import BadRequest
from stonechat.domain.payloads import csv_line
from stonechat.domain.points import PointInput, point_from_body
from stonechat.domain.records import Feed
from stonechat.domain.timestamps import iso
from stonechat.protocols.http import schemas
from stonechat.protocols.http.bodies import read_body, read_object
from stonechat.protocols.http.deps import AccountDep, OwnerDep
from stonechat.protocols.http.feeds_in_path import (
    FeedToRead,
    FeedToWrite,
    GroupFeedToRead,
    GroupFeedToWrite,
)
from stonechat.protocols.http.openapi import inline, request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.ratelimit import quota_headers
from stonechat.protocols.http.responses import JSON
from stonechat.services.data import Chart


class CSV(Response):
    media_type = "text/csv"


POINT_ARRAY = {"type": "array", "items": inline(schemas.DatumBody.model_json_schema())}


def _include(include: str | None) -> list[str] | None:
    if not include:
        return None
    fields = [f.strip() for f in include.split(",") if f.strip()]
    unknown = [f for f in fields if f not in shapes.DATUM_INCLUDABLE]
    if unknown:
        raise BadRequest(
            f"include may list only {', '.join(sorted(shapes.DATUM_INCLUDABLE))}; "
            f"not {', '.join(unknown)}"
        )
    return fields


def _batch(body: Any) -> list[Any]:
    items = body.get("data") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise BadRequest('batch body must be {"data": [datum, ...]} or a JSON array')
    return items


async def _point(request: Request) -> PointInput:
    return point_from_body(await read_body(request))


async def _points(request: Request) -> list[PointInput]:
    return [point_from_body(item) for item in _batch(await read_body(request))]


# The body's shape is read here; services.writes checks every point (value, time, location)
# before it looks up or creates anything, so a refused point never makes a feed.
PointBody = Annotated[PointInput, Depends(_point)]
PointsBody = Annotated[list[PointInput], Depends(_points)]


def chart_body(feed: Feed, chart: Chart) -> dict[str, Any]:
    def number(value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return repr(float(value)) if isinstance(value, float) else str(value)

    column = "value" if chart.raw else chart.field
    return {
        "feed": {"id": feed.id, "key": feed.full_key, "name": feed.name},
        "parameters": {
            "start_time": iso(chart.start),
            "end_time": iso(chart.end),
            "resolution": chart.resolution,
            "hours": round(chart.hours, 4),
            "field": column,
            "raw": chart.raw,
            "rollup": chart.rollup,
            "note": chart.note,
        },
        "columns": ["date", column],
        "data": [[iso(at), number(value)] for at, value in chart.rows],
    }


def _without_key(request: Request) -> URL:
    """The request's URL without an ``x-aio-key`` query parameter: the Link header must not
    hand the key on to logs, proxies and whoever the links are shared with."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k.lower() != "x-aio-key"]
    return request.url.replace(query=urlencode(kept))


def build_router(read_dep: Any, write_dep: Any, prefix: str, tag: str) -> APIRouter:
    """The same data endpoints for a plain feed path and a group feed path."""
    router = APIRouter(tags=[tag], dependencies=CHECKED)

    @router.get(
        f"{prefix}/data",
        summary="Data points, newest first, paginated",
        description="The Link header holds the next page (rel=next); X-Pagination-* count it.",
        response_model=list[schemas.SelectedDatum],
    )
    async def list_data(
        acc: AccountDep,
        feed: read_dep,
        request: Request,
        start_time: str | None = None,
        end_time: str | None = None,
        limit: str | None = None,
        include: str | None = None,
        before: str | None = None,
    ) -> Response:
        fields = _include(include)
        page = await acc.services.data.page(
            [feed], start_time=start_time, end_time=end_time, limit=limit, before=before
        )
        me = _without_key(request)
        link = f"<{me}>"
        if page.next_cursor:
            following = me.include_query_params(before=page.next_cursor, limit=page.limit)
            link = f'<{me}>;rel="next", <{following}>'
        headers = {
            "Link": link,
            "X-Pagination-Count": str(len(page.data)),
            "X-Pagination-Limit": str(page.limit),
            "X-Pagination-Total": str(feed.data_count),
            "X-Pagination-Start": iso(page.start) if page.start is not None else "",
            "X-Pagination-End": iso(page.end),
        }
        retention = acc.services.retention
        return JSON([shapes.datum(d, feed, retention, fields) for d in page.data], headers=headers)

    @router.post(
        f"{prefix}/data",
        summary="Create a data point (the feed is made if missing)",
        response_model=schemas.Datum,
        openapi_extra=request_body(schemas.DatumBody, "datum"),
    )
    async def create_data(acc: AccountDep, point: PointBody, target: write_dep) -> Response:
        [datum], [feed], quota = await acc.services.writes.write(
            acc.principal, acc.owner, [(target.ident, point)], target.group_key
        )
        return JSON(shapes.datum(datum, feed, acc.services.retention), headers=quota_headers(quota))

    @router.post(
        f"{prefix}/data/batch",
        summary="Create many data points at once",
        response_model=list[schemas.Datum],
        openapi_extra=request_body(schemas.BatchBody, form=False, also=POINT_ARRAY),
    )
    async def create_batch(acc: AccountDep, points: PointsBody, target: write_dep) -> Response:
        data, feeds, quota = await acc.services.writes.write(
            acc.principal, acc.owner, [(target.ident, p) for p in points], target.group_key
        )
        return JSON(
            [shapes.datum(d, f, acc.services.retention) for d, f in zip(data, feeds, strict=True)],
            headers=quota_headers(quota),
        )

    @router.get(
        f"{prefix}/data/chart",
        summary="Aggregated series, at most 480 points",
        response_model=schemas.Chart,
    )
    async def chart(
        acc: AccountDep,
        feed: read_dep,
        start_time: str | None = None,
        end_time: str | None = None,
        hours: str | None = None,
        resolution: str | None = None,
        field: str | None = None,
        raw: str | None = None,
    ) -> Response:
        result = await acc.services.data.chart(
            feed,
            start_time=start_time,
            end_time=end_time,
            hours=hours,
            resolution=resolution,
            field=field,
            raw=raw,
        )
        return JSON(chart_body(feed, result))

    @router.get(
        f"{prefix}/data/first",
        summary="Oldest point; moves the queue pointer to it",
        response_model=schemas.SelectedDatum,
    )
    async def first(acc: AccountDep, feed: read_dep, include: str | None = None) -> Response:
        # The queue pointer is the owner's: readers of a public feed do not move it.
        datum = await acc.services.data.first(feed, move=acc.is_owner)
        return JSON(shapes.datum(datum, feed, acc.services.retention, _include(include)))

    @router.get(
        f"{prefix}/data/last",
        summary="Newest point; moves the queue pointer to it",
        response_model=schemas.SelectedDatum,
    )
    async def last(acc: AccountDep, feed: read_dep, include: str | None = None) -> Response:
        datum = await acc.services.data.last(feed, move=acc.is_owner)
        return JSON(shapes.datum(datum, feed, acc.services.retention, _include(include)))

    @router.get(
        f"{prefix}/data/next",
        summary="Advance the queue pointer and return that point",
        response_model=schemas.SelectedDatum,
    )
    async def next_(acc: OwnerDep, feed: read_dep, include: str | None = None) -> Response:
        datum = await acc.services.data.next(feed)
        return JSON(shapes.datum(datum, feed, acc.services.retention, _include(include)))

    @router.get(
        f"{prefix}/data/previous",
        summary="The point at the queue pointer",
        response_model=schemas.SelectedDatum,
    )
    @router.get(
        f"{prefix}/data/prev",
        summary="Alias of previous (Ruby client)",
        response_model=schemas.SelectedDatum,
    )
    async def previous(acc: OwnerDep, feed: read_dep, include: str | None = None) -> Response:
        datum = await acc.services.data.previous(feed)
        return JSON(shapes.datum(datum, feed, acc.services.retention, _include(include)))

    @router.get(
        f"{prefix}/data/retain",
        summary="Newest point as CSV: value,lat,lon,ele",
        response_class=CSV,
    )
    async def retain(acc: AccountDep, feed: read_dep) -> Response:
        datum = await acc.services.data.last(feed, move=False)
        # The same CSV as the MQTT /csv topics: quoted when the value holds a comma.
        return CSV(csv_line(datum))

    @router.get(
        f"{prefix}/data/{{datum_id}}",
        summary="One data point",
        response_model=schemas.SelectedDatum,
    )
    async def get_datum(
        acc: AccountDep,
        feed: read_dep,
        datum_id: str,
        include: str | None = None,
    ) -> Response:
        datum = await acc.services.data.get(feed, datum_id)
        return JSON(shapes.datum(datum, feed, acc.services.retention, _include(include)))

    @router.put(
        f"{prefix}/data/{{datum_id}}",
        summary="Replace a data point",
        response_model=schemas.Datum,
        openapi_extra=request_body(schemas.DatumUpdateBody, "datum"),
    )
    @router.patch(
        f"{prefix}/data/{{datum_id}}",
        summary="Update a data point",
        response_model=schemas.Datum,
        openapi_extra=request_body(schemas.DatumUpdateBody, "datum"),
    )
    async def update_datum(
        acc: OwnerDep,
        feed: read_dep,
        datum_id: str,
        request: Request,
    ) -> Response:
        body = await read_object(request, "datum")
        datum = await acc.services.data.update(feed, datum_id, body)
        return JSON(shapes.datum(datum, feed, acc.services.retention))

    @router.delete(
        f"{prefix}/data/{{datum_id}}", summary="Delete a data point", response_model=schemas.Datum
    )
    async def delete_datum(acc: OwnerDep, feed: read_dep, datum_id: str) -> Response:
        datum = await acc.services.data.get(feed, datum_id)
        await acc.services.data.delete(feed, datum_id)
        return JSON(shapes.datum(datum, feed, acc.services.retention))

    return router


feed_data = build_router(FeedToRead, FeedToWrite, "/{username}/feeds/{feed_key}", "data")
group_feed_data = build_router(
    GroupFeedToRead, GroupFeedToWrite, "/{username}/groups/{group_key}/feeds/{feed_key}", "groups"
)
