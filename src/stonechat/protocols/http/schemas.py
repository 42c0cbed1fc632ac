"""The JSON shapes of the REST API, as Pydantic models for the OpenAPI document.

The routes build their answers with ``domain/shapes.py`` and read bodies by hand
(``bodies.py``): these models describe those shapes for clients and generators, they do not
validate anything at run time. Keep them in step with ``shapes.py`` (the Schemathesis test
checks every answer against them).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Visibility = Literal["private", "public"]
Time = str  # ISO-8601 in UTC, "2026-01-02T03:04:05Z"
Scalar = str | float | int | bool


class Error(BaseModel):
    """Every 4xx and 5xx answer."""

    model_config = ConfigDict(json_schema_extra={"example": {"error": "not found - feed 'x'"}})

    error: str = Field(description="What went wrong, in words")


def owner_only_errors(*codes: int, not_found: str) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route only the owner may use (access lists, tokens)."""
    words = {
        401: "No key, an unknown key, or no session",
        403: "Not the owner with the master key or a session (a token, another user)",
        404: not_found,
        422: "A field breaks a rule; the error names it",
    }
    return {code: {"model": Error, "description": words[code]} for code in codes}


# -- answers --------------------------------------------------------------------------------


class Owner(BaseModel):
    id: int
    username: str


class GroupRef(BaseModel):
    id: int
    key: str
    name: str
    user_id: int


class ReceiverRef(BaseModel):
    id: int
    token: str
    created_at: Time


class Location(BaseModel):
    lat: float | None
    lon: float | None
    ele: float | None


class Datum(BaseModel):
    """A data point."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "0F8Z3QW9V0Y0Z1ZP2Q3R4S5T6U",
                "value": "22.5",
                "feed_id": 1,
                "feed_key": "temperature",
                "group_id": None,
                "created_at": "2026-01-02T03:04:05Z",
                "created_epoch": 1767323045,
                "updated_at": "2026-01-02T03:04:05Z",
                "expiration": "2026-03-03T03:04:05Z",
                "lat": None,
                "lon": None,
                "ele": None,
                "location": None,
                "completed_at": None,
                "position": None,
            }
        }
    )

    id: str
    value: str = Field(description="Always text; numbers as sent")
    feed_id: int
    feed_key: str
    group_id: int | None
    created_at: Time
    created_epoch: int = Field(description="created_at in whole seconds since 1970")
    updated_at: Time
    expiration: Time
    lat: float | None
    lon: float | None
    ele: float | None
    location: Location | None
    completed_at: Time | None
    position: int | None


class SelectedDatum(BaseModel):
    """A data point; with ``include``, only the fields it names (all without it)."""

    id: str | None = None
    value: str | None = None
    feed_id: int | None = None
    feed_key: str | None = None
    group_id: int | None = None
    created_at: Time | None = None
    created_epoch: int | None = None
    updated_at: Time | None = None
    expiration: Time | None = None
    lat: float | None = None
    lon: float | None = None
    ele: float | None = None
    location: Location | None = None
    completed_at: Time | None = None
    position: int | None = None


class Share(BaseModel):
    username: str
    mode: Literal["r", "w", "rw"]


class DataSummary(BaseModel):
    first: Datum | None
    last: Datum | None
    count: int


class FeedDetails(BaseModel):
    shared_with: list[Share]
    data: DataSummary


class FeedStatusChange(BaseModel):
    id: int
    status: Literal["online", "offline"]
    created_at: Time


class Retention(BaseModel):
    """Days each tier is kept; null: forever. Each tier lasts at least as long as the one
    before it (raw <= minute <= hour <= day)."""

    model_config = ConfigDict(extra="forbid")

    raw: int | None = Field(None, ge=1, le=100_000, description="Raw points")
    minute: int | None = Field(None, ge=1, le=100_000, description="Per-minute summaries")
    hour: int | None = Field(None, ge=1, le=100_000, description="Per-hour summaries")
    day: int | None = Field(None, ge=1, le=100_000, description="Per-day summaries")


class Feed(BaseModel):
    username: str
    owner: Owner
    id: int
    name: str
    key: str = Field(description="group.key for a feed outside the default group")
    description: str | None
    unit_type: str | None
    unit_symbol: str | None
    history: bool = Field(description="False: the feed keeps only its latest value")
    visibility: Visibility
    license: str | None
    enabled: bool
    last_value: str | None
    last_value_at: Time | None
    status: Literal["online", "offline"]
    status_notify: bool
    status_timeout: int
    created_at: Time
    updated_at: Time
    group: GroupRef | None
    groups: list[GroupRef]
    feed_webhook_receivers: list[ReceiverRef] = Field(description="For the owner only")
    feed_status_changes: list[FeedStatusChange] = Field(
        description="The last 20 status changes (status_notify), newest first"
    )
    details: FeedDetails | None = Field(None, description="Only from /details")
    retention: Retention = Field(
        description="The feed's own retention tiers; a tier left out follows the server's defaults"
    )
    retention_effective: Retention | None = Field(
        None, description="Every tier in force for this feed: its own over the defaults"
    )


class Group(BaseModel):
    username: str
    owner: Owner
    id: int
    key: str
    name: str
    description: str | None
    visibility: Visibility
    created_at: Time
    updated_at: Time
    feeds: list[Feed]


class NamedRef(BaseModel):
    id: int
    name: str
    key: str


class BlockFeed(BaseModel):
    id: str
    feed: NamedRef | None = Field(description="null when the caller may not read it")
    group: NamedRef | None


class Block(BaseModel):
    id: str
    name: str | None
    description: str | None
    key: str
    visual_type: str
    properties: dict[str, Any]
    column: int | None
    row: int | None
    size_x: int
    size_y: int
    source_key: str | None
    source: str | None
    block_feeds: list[BlockFeed]
    created_at: Time
    updated_at: Time


class LayoutItem(BaseModel):
    i: str = Field(description="The block's id")
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    w: int = Field(ge=1)
    h: int = Field(ge=1)
    z: int | None = None


Layouts = dict[str, list[LayoutItem]]


class Dashboard(BaseModel):
    username: str
    owner: Owner
    id: int
    name: str
    key: str
    description: str | None
    visibility: Visibility
    show_header: bool
    color_mode: str
    block_borders: bool
    allow_overlap: bool
    header_image_url: str | None
    blocks: list[Block]
    created_at: Time
    updated_at: Time
    layouts: Layouts | None = Field(None, description="Breakpoints xl, lg, md, sm, xs")


class User(BaseModel):
    id: int
    name: str
    username: str
    email: str | None
    color: str | None
    role: Literal["admin", "user"]
    time_zone: str | None
    default_group_id: int | None
    default_dashboard_id: int | None
    created_at: Time
    updated_at: Time


class Throttle(BaseModel):
    data_rate_limit: int = Field(
        description="Points per minute; 1000000 for a user without a limit (never 0)"
    )
    active_data_rate: int = Field(description="Points in the last minute")
    authentication_rate: int
    subscribe_authorization_rate: int
    publish_authorization_rate: int
    hourly_ban_rate: int
    mqtt_ban_error_message: str | None
    active_sms_rate: int


class Activity(BaseModel):
    username: str
    owner: Owner
    id: int
    action: str
    model: str
    data: str
    user_id: int
    created_at: Time
    updated_at: Time


class ChartFeed(BaseModel):
    id: int
    key: str
    name: str


class ChartParameters(BaseModel):
    start_time: Time
    end_time: Time
    resolution: int = Field(description="Minutes per point")
    hours: float
    field: str
    raw: bool
    rollup: Literal["minute", "hour", "day"] | None = Field(
        None,
        description="The summaries the buckets were made from (per minute, hour or day); "
        "null for raw points (raw=true). Buckets start at multiples of the resolution (UTC).",
    )
    note: str | None = Field(
        None,
        description="Why the resolution is coarser than asked: the finer summaries of this "
        "feed no longer reach back to start_time (retention).",
    )


class Chart(BaseModel):
    """At most 480 rows of ``[time, value]``; values as text."""

    feed: ChartFeed
    parameters: ChartParameters
    columns: list[str]
    data: list[list[str | None]]


class Receiver(BaseModel):
    id: int
    token: str
    url: str
    raw_url: str
    notify_url: str
    created_at: Time


class Deleted(BaseModel):
    deleted: bool
    id: int | None = None


class TimeStruct(BaseModel):
    year: int
    mon: int
    mday: int
    hour: int
    min: int
    sec: int
    wday: int
    yday: int
    isdst: bool


# -- request bodies -------------------------------------------------------------------------


class FeedBody(BaseModel):
    """Sent bare or wrapped as ``{"feed": {...}}``; JSON or a form."""

    model_config = ConfigDict(json_schema_extra={"example": {"name": "Temperature"}})

    name: str | None = Field(None, description="Required when creating")
    key: str | None = Field(None, description="Made from the name when left out")
    description: str | None = None
    unit_type: str | None = None
    unit_symbol: str | None = None
    history: bool | None = Field(
        None,
        description="Keep every point (default); false keeps only the latest value, and "
        "turning it off deletes every stored point but the newest",
    )
    visibility: Visibility | None = None
    license: str | None = None
    status_notify: bool | None = None
    status_timeout: int | None = Field(None, ge=1, le=2_147_483_647, description="Minutes")
    retention: Retention | None = Field(
        None,
        description="The feed's own retention tiers, in days (null: forever), such as "
        '{"raw": 365, "day": null}; tiers left out follow the server\'s defaults; the object '
        "replaces the feed's earlier tiers, and null resets them all. 422 if a tier would "
        "end before the one below it.",
    )


class GroupBody(BaseModel):
    """Sent bare or wrapped as ``{"group": {...}}``; JSON or a form."""

    model_config = ConfigDict(json_schema_extra={"example": {"name": "Weather"}})

    name: str | None = Field(None, description="Required when creating")
    key: str | None = None
    description: str | None = None
    visibility: Visibility | None = None


class DashboardBody(BaseModel):
    """Sent bare or wrapped as ``{"dashboard": {...}}``; JSON or a form."""

    model_config = ConfigDict(json_schema_extra={"example": {"name": "Garden"}})

    name: str | None = Field(None, description="Required when creating")
    key: str | None = None
    description: str | None = None
    header_image_url: str | None = None
    visibility: Visibility | None = None
    color_mode: Literal["dark", "light"] | None = None
    show_header: bool | None = None
    block_borders: bool | None = None
    allow_overlap: bool | None = None


class LayoutsBody(BaseModel):
    """Breakpoints to replace; a null breakpoint is left as it is."""

    layouts: dict[str, list[LayoutItem] | None]


class BlockFeedBody(BaseModel):
    feed_id: str | int = Field(description="A feed's key, group.key, id or name")
    group_id: str | int | None = None


class BlockBody(BaseModel):
    """Sent bare or wrapped as ``{"block": {...}}``."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"visual_type": "gauge", "size_x": 4, "size_y": 4}}
    )

    name: str | None = None
    description: str | None = None
    visual_type: str | None = Field(None, description="Required when creating")
    properties: dict[str, Any] | None = None
    column: int | None = Field(None, ge=0, le=2_147_483_647)
    row: int | None = Field(None, ge=0, le=2_147_483_647)
    size_x: int | None = Field(None, ge=1, le=2_147_483_647)
    size_y: int | None = Field(None, ge=1, le=2_147_483_647)
    block_feeds: list[BlockFeedBody] | None = None


class LocationBody(BaseModel):
    lat: float | None = None
    lon: float | None = None
    ele: float | None = None


class DatumBody(BaseModel):
    """A point: sent bare or wrapped as ``{"datum": {...}}``; JSON or a form."""

    model_config = ConfigDict(json_schema_extra={"example": {"value": "22.5"}})

    value: Scalar = Field(description="Stored as text")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    ele: float | None = None
    location: LocationBody | None = None
    created_at: str | None = Field(None, description="ISO-8601; default now")
    epoch: float | None = Field(None, description="Seconds since 1970, instead of created_at")


class BatchBody(BaseModel):
    """Many points at once (a bare JSON array of points works too)."""

    data: list[DatumBody]


class DatumUpdateBody(BaseModel):
    """Sent bare or wrapped as ``{"datum": {...}}``; the fields named change."""

    value: Scalar | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    ele: float | None = None
    created_at: str | None = None


class GroupFeedValue(BaseModel):
    key: str = Field(description="The feed's key in the group (made if missing)")
    value: Scalar


class GroupDataBody(BaseModel):
    """Points for several feeds of a group at once, sharing a time and location."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"feeds": [{"key": "temperature", "value": "22.5"}]}}
    )

    feeds: list[GroupFeedValue] = Field(min_length=1)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    ele: float | None = None
    location: LocationBody | None = None
    created_at: str | None = None
    epoch: float | None = None


class FeedKeyBody(BaseModel):
    """The feed to add or remove (or the ``feed_key`` query parameter)."""

    feed_key: str | None = None


class WebhookBody(BaseModel):
    """Any sender: ``value`` (or ``payload``) is stored."""

    model_config = ConfigDict(json_schema_extra={"example": {"value": "on"}})

    value: Scalar | None = None
    payload: Scalar | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    ele: float | None = None
