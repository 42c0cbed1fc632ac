"""A data point as a client sends it, before validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stonechat.domain.errors import BadRequest, Invalid
from stonechat.domain.timestamps import parse_time
from stonechat.domain.values import check_size, coordinate, value_to_text

FUTURE_MESSAGE = "data created_at may not be in the future"


@dataclass(slots=True)
class PointInput:
    value: Any
    lat: Any = None
    lon: Any = None
    ele: Any = None
    created_at: Any = None
    epoch: Any = None


def point_from_body(body: Any) -> PointInput:
    """Read ``{"value": ..., "lat", "lon", "ele", "created_at", "epoch"}``.

    A ``location`` object is accepted for the coordinates; a ``datum``/``data`` wrapper too.
    """
    if isinstance(body, dict):
        for wrapper in ("datum", "data"):
            if isinstance(body.get(wrapper), dict):
                body = body[wrapper]
                break
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object with a value")
    if "value" not in body or body["value"] is None:
        raise Invalid("value is required")
    raw_location = body.get("location")
    location: dict[str, Any] = raw_location if isinstance(raw_location, dict) else {}
    return PointInput(
        value=body["value"],
        lat=body.get("lat", location.get("lat")),
        lon=body.get("lon", location.get("lon")),
        ele=body.get("ele", location.get("ele")),
        created_at=body.get("created_at"),
        epoch=body.get("epoch"),
    )


def location_of(lat: Any, lon: Any, ele: Any) -> tuple[float | None, float | None, float | None]:
    """Validated coordinates; a latitude without longitude (or the reverse) is refused."""
    la, lo, el = coordinate(lat, "lat"), coordinate(lon, "lon"), coordinate(ele, "ele")
    if (la is None) != (lo is None):
        raise Invalid("lat and lon must be given together")
    return la, lo, el


def check_point(point: PointInput, now: int) -> None:
    """The checks that do not depend on the feed: value, location, time.

    Run before a write resolves (and maybe auto-creates) its feed, so a refused write leaves
    no new feed behind. The exact size limit depends on the feed and is checked at ingest.
    """
    check_size(value_to_text(point.value), history=False)
    location_of(point.lat, point.lon, point.ele)
    field = "created_at" if point.created_at is not None else "epoch"
    when = point.created_at if point.created_at is not None else point.epoch
    if when is not None and parse_time(when, field) > now:
        raise Invalid(FUTURE_MESSAGE)
