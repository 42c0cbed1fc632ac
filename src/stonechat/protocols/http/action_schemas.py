"""The JSON shapes of actions and their runs, for the OpenAPI document.

Bodies are read by ``domain.actions.parse_action`` and answers built by the actions routes:
these models describe both for clients and generators (the Schemathesis test checks every
answer against them). Keep them in step with ``domain/actions.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from stonechat.domain.actions import (
    MAX_COOLDOWN_SECONDS,
    MAX_CRON,
    MAX_DELAY_SECONDS,
    MAX_HEADERS,
    MAX_NAME,
    MAX_OUTPUTS,
    MAX_TEMPLATE,
    MAX_URL,
)

Time = str  # ISO-8601 in UTC
Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "contains", "any"]
OperatorIn = Literal["eq", "ne", "lt", "le", "gt", "ge", "contains", "any", "=", "==", "!="]
When = Literal["matches", "starts", "stops", "keeps", "avoids"]
DelayMode = Literal["reset", "keep"]
Format = Literal["json", "form"]

FEED = "A feed key (also group.key, id or name) or another user's shared feed as username/key"
WHEN = (
    "matches: every point that compares true; starts: the first true after false; stops: the "
    "first false after true; keeps / avoids: a point that compares true / false again"
)


# -- answers --------------------------------------------------------------------------------


class DataTrigger(BaseModel):
    """On a new point of ``feed`` whose value compares to ``value`` or ``compare_feed``."""

    type: Literal["data"]
    feed: str = Field(description=FEED)
    operator: Operator = Field(description="any: every new point")
    value: str | None
    compare_feed: str | None = Field(description="Compare to this feed's last value")
    when: When = Field(description=WHEN)


class ScheduleTrigger(BaseModel):
    """At each time the cron expression names, in ``time_zone``."""

    type: Literal["schedule"]
    cron: str = Field(description="Five fields: minute hour day month weekday")
    time_zone: str = Field(description="An IANA time zone, e.g. Europe/Amsterdam")


class EmailOutput(BaseModel):
    type: Literal["email"]
    to: str
    subject: str = Field(description="A template")
    body: str = Field(description="A template")


class WebhookOutput(BaseModel):
    type: Literal["webhook"]
    url: str
    format: Format
    body: str = Field(description="A template; empty: the point as JSON")
    headers: dict[str, str]


class PublishOutput(BaseModel):
    type: Literal["publish"]
    feed: str = Field(description=FEED)
    value: str = Field(description="A template")


class LogOutput(BaseModel):
    type: Literal["log"]
    message: str = Field(description="A template")


Output = Annotated[
    EmailOutput | WebhookOutput | PublishOutput | LogOutput, Field(discriminator="type")
]


class Action(BaseModel):
    """An action (Adafruit IO calls them triggers)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": 1,
                "name": "Too hot",
                "enabled": True,
                "trigger": {
                    "type": "data",
                    "feed": "temperature",
                    "operator": "gt",
                    "value": "30",
                    "compare_feed": None,
                    "when": "starts",
                },
                "delay_seconds": 0,
                "delay_mode": "reset",
                "cooldown_seconds": 5,
                "outputs": [{"type": "log", "message": "{{ value }} degrees"}],
                "created_at": "2026-01-02T03:04:05Z",
                "updated_at": "2026-01-02T03:04:05Z",
            }
        }
    )

    id: int
    name: str
    enabled: bool
    trigger: Annotated[DataTrigger | ScheduleTrigger, Field(discriminator="type")]
    delay_seconds: int
    delay_mode: DelayMode
    cooldown_seconds: int
    outputs: list[Output]
    created_at: Time
    updated_at: Time


class RunOutput(BaseModel):
    type: Literal["email", "webhook", "publish", "log"]
    ok: bool
    detail: str = Field(description="What was sent, or why it failed")


class ActionRun(BaseModel):
    """One run of an action."""

    id: int
    action_id: int
    started_at: Time = Field(description="ISO-8601 with milliseconds")
    finished_at: Time | None
    reason: Literal["data", "schedule", "run"] = Field(
        description="data: a new point; schedule: a due time; run: run by hand"
    )
    trigger_value: str | None = Field(description="The value that made it run")
    status: Literal["ok", "failed", "skipped"]
    outputs: list[RunOutput]
    error: str | None


# -- bodies ---------------------------------------------------------------------------------


class DataTriggerBody(BaseModel):
    type: Literal["data"] = "data"
    feed: str = Field(max_length=MAX_NAME, description=FEED)
    operator: OperatorIn = Field("any", description="any: every new point")
    value: str | float | None = Field(None, description="Required unless operator is any")
    compare_feed: str | None = Field(
        None, max_length=MAX_NAME, description="Instead of value: this feed's last value"
    )
    when: When = Field("matches", description=WHEN)


class ScheduleTriggerBody(BaseModel):
    type: Literal["schedule"]
    cron: str = Field(max_length=MAX_CRON, description="minute hour day month weekday")
    time_zone: str = Field("UTC", max_length=64)


class EmailOutputBody(BaseModel):
    type: Literal["email"]
    to: str = Field(max_length=320, description="One address")
    subject: str = Field(max_length=998)
    body: str = Field(max_length=MAX_TEMPLATE)


class WebhookOutputBody(BaseModel):
    type: Literal["webhook"]
    url: str = Field(max_length=MAX_URL, description="http:// or https://")
    format: Format = "json"
    body: str = Field("", max_length=MAX_TEMPLATE)
    headers: dict[str, str] = Field(default_factory=dict, max_length=MAX_HEADERS)


class PublishOutputBody(BaseModel):
    type: Literal["publish"]
    feed: str = Field(max_length=MAX_NAME, description=FEED + ", that you may write to")
    value: str = Field(max_length=MAX_TEMPLATE)


class LogOutputBody(BaseModel):
    type: Literal["log"]
    message: str = Field(max_length=MAX_TEMPLATE)


OutputBody = EmailOutputBody | WebhookOutputBody | PublishOutputBody | LogOutputBody


class ActionBody(BaseModel):
    """Sent bare or wrapped as ``{"action": {...}}``. POST and PUT need ``name``,
    ``trigger`` and ``outputs``; PATCH changes the fields it names (a ``trigger`` or
    ``outputs`` given replaces the whole trigger or list)."""

    name: str | None = Field(None, min_length=1, max_length=MAX_NAME)
    enabled: bool | None = Field(None, description="Default true")
    trigger: DataTriggerBody | ScheduleTriggerBody | None = None
    delay_seconds: int | None = Field(
        None, ge=0, le=MAX_DELAY_SECONDS, description="Data triggers only; default 0"
    )
    delay_mode: DelayMode | None = Field(
        None,
        description="reset: fire only if the condition held for the whole delay; keep: "
        "ignore triggers until it fires. Default reset",
    )
    cooldown_seconds: int | None = Field(
        None, ge=0, le=MAX_COOLDOWN_SECONDS, description="Default 5"
    )
    outputs: list[OutputBody] | None = Field(None, min_length=1, max_length=MAX_OUTPUTS)


class DryRunBody(BaseModel):
    """An action (saved or not) and the range of stored points to replay it over."""

    action: ActionBody
    start_time: str | None = Field(
        None, description="ISO-8601 or epoch seconds; default: a day before end_time"
    )
    end_time: str | None = Field(None, description="ISO-8601 or epoch seconds; default: now")


class Verdict(BaseModel):
    at: Time = Field(description="The point's time (ISO-8601 with milliseconds)")
    value: str
    fired: bool
    fired_at: Time | None = Field(
        description="When it fired: the point's time, or the end of its delay"
    )
    reason: str = Field(
        description="Why it fired, or why not (condition, cooldown, delay cancelled...)"
    )


class DryRun(BaseModel):
    """When the action would have fired over the range: a verdict per stored point of its
    trigger feed (data trigger) or its due times (schedule)."""

    start_time: Time
    end_time: Time
    points: list[Verdict]
    fired: int = Field(description="How many times it would have fired")
    due: list[Time] = Field(description="Schedule triggers: each due time in the range")


class PreviewBody(BaseModel):
    template: str = Field(max_length=MAX_TEMPLATE, description="An output's template")
    feed: str | None = Field(
        None, max_length=MAX_NAME, description="The trigger feed, whose last value is used"
    )


class Preview(BaseModel):
    text: str = Field(description="The template rendered as a run would render it now")
    value: str | None = Field(description="The feed's last value ({{ value }})")
