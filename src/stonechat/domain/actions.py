"""Actions: what a user asks the server to do when data arrives or a time comes.

An action is a trigger (``DataTrigger`` or ``ScheduleTrigger``), an optional delay and a
cooldown, and one or more outputs (email, webhook, publish, log). ``parse_action`` reads a
client's body (the API's ``{"action": {...}}`` or unwrapped, as documented in
``docs/actions.md``) into these records, naming the field of the first problem in an
``Invalid`` (HTTP 422). Template syntax and time zones are checked by the modules that use
them (``stonechat.actions.templates``, the scheduler); this module holds the shapes and the
bounds only, without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from stonechat.domain.errors import Invalid
from stonechat.domain.fields import to_bool, to_choice, to_int, to_text
from stonechat.domain.names import check_title

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "contains", "any")
# ``any``: every new point matches (Adafruit IO's "on any new data").
OPERATOR_ALIASES = {
    "=": "eq",
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
}
WHEN = ("matches", "starts", "stops", "keeps", "avoids")
# matches: every point that compares true; starts: the first true after false; stops: the
# first false after true; keeps / avoids: a point that compares true / false again.
DELAY_MODES = ("reset", "keep")
OUTPUT_TYPES = ("email", "webhook", "publish", "log")
WEBHOOK_FORMATS = ("json", "form")

MAX_DELAY_SECONDS = 86_400  # 1 day
MAX_COOLDOWN_SECONDS = 86_400
DEFAULT_COOLDOWN_SECONDS = 5
MAX_OUTPUTS = 10
MAX_HEADERS = 20
MAX_TEMPLATE = 10_000  # characters of one template (subject, body, value, message)
MAX_URL = 2_000
MAX_CRON = 100
MAX_NAME = 255


@dataclass(slots=True)
class DataTrigger:
    """Fires on a new point of ``feed`` (a feed key, or ``group.feed``; another user's
    shared feed as ``username/key``) whose value compares to ``value`` or to the last
    value of ``compare_feed``."""

    feed: str
    operator: str = "any"
    value: str | None = None
    compare_feed: str | None = None
    when: str = "matches"
    type: Literal["data"] = "data"


@dataclass(slots=True)
class ScheduleTrigger:
    """Fires at each time the five-field cron expression names, in ``time_zone``."""

    cron: str
    time_zone: str = "UTC"
    type: Literal["schedule"] = "schedule"


Trigger = DataTrigger | ScheduleTrigger


@dataclass(slots=True)
class EmailOutput:
    to: str
    subject: str
    body: str
    type: Literal["email"] = "email"


@dataclass(slots=True)
class WebhookOutput:
    url: str
    format: str = "json"  # json | form
    body: str = ""  # a template; empty: the default JSON of the point
    headers: dict[str, str] = field(default_factory=dict)
    type: Literal["webhook"] = "webhook"


@dataclass(slots=True)
class PublishOutput:
    feed: str
    value: str  # a template
    type: Literal["publish"] = "publish"


@dataclass(slots=True)
class LogOutput:
    message: str  # a template
    type: Literal["log"] = "log"


Output = EmailOutput | WebhookOutput | PublishOutput | LogOutput


@dataclass(slots=True)
class ActionSpec:
    """What a user defines; stored as given (``spec_json``), evaluated by the engine."""

    name: str
    trigger: Trigger
    outputs: list[Output]
    enabled: bool = True
    delay_seconds: int = 0
    delay_mode: str = "reset"
    cooldown_seconds: int = DEFAULT_COOLDOWN_SECONDS


def parse_action(body: Any, *, partial: ActionSpec | None = None) -> ActionSpec:
    """Read an action body (``{"action": {...}}`` or unwrapped).

    With ``partial`` (PATCH), fields absent from the body keep their value there; a
    ``trigger`` or ``outputs`` given replaces the whole trigger or list.
    """
    if isinstance(body, dict) and isinstance(body.get("action"), dict):
        body = body["action"]
    if not isinstance(body, dict):
        raise Invalid("action must be a JSON object")
    base = partial
    if base is None:
        for required in ("trigger", "outputs"):
            if body.get(required) is None:
                raise Invalid(f"{required} is required")
    name = body.get("name", base.name if base else None)
    if name is None or name == "":
        raise Invalid("name is required")
    spec = ActionSpec(
        name=check_title(to_text(name, "name", MAX_NAME), "action"),
        trigger=(
            parse_trigger(body["trigger"])
            if body.get("trigger") is not None
            else _given(base).trigger
        ),
        outputs=(
            parse_outputs(body["outputs"])
            if body.get("outputs") is not None
            else _given(base).outputs
        ),
        enabled=(
            to_bool(body["enabled"], "enabled")
            if body.get("enabled") is not None
            else (base.enabled if base else True)
        ),
        delay_seconds=(
            to_int(body["delay_seconds"], "delay_seconds", minimum=0, maximum=MAX_DELAY_SECONDS)
            if body.get("delay_seconds") is not None
            else (base.delay_seconds if base else 0)
        ),
        delay_mode=(
            to_choice(body["delay_mode"], "delay_mode", DELAY_MODES)
            if body.get("delay_mode") is not None
            else (base.delay_mode if base else "reset")
        ),
        cooldown_seconds=(
            to_int(
                body["cooldown_seconds"],
                "cooldown_seconds",
                minimum=0,
                maximum=MAX_COOLDOWN_SECONDS,
            )
            if body.get("cooldown_seconds") is not None
            else (base.cooldown_seconds if base else DEFAULT_COOLDOWN_SECONDS)
        ),
    )
    if isinstance(spec.trigger, ScheduleTrigger) and spec.delay_seconds:
        raise Invalid("delay_seconds applies to data triggers only")
    return spec


def _given(base: ActionSpec | None) -> ActionSpec:
    assert base is not None  # checked above: without a base both are required
    return base


def parse_trigger(raw: Any) -> Trigger:
    if not isinstance(raw, dict):
        raise Invalid("trigger must be a JSON object")
    kind = to_choice(raw.get("type", "data"), "trigger.type", ("data", "schedule"))
    if kind == "schedule":
        cron = to_text(raw.get("cron"), "trigger.cron", MAX_CRON).strip()
        if len(cron.split()) != 5:
            raise Invalid("trigger.cron must have five fields: minute hour day month weekday")
        zone = to_text(raw.get("time_zone") or "UTC", "trigger.time_zone", 64)
        return ScheduleTrigger(cron, zone)
    feed = raw.get("feed", raw.get("feed_key"))
    if not feed:
        raise Invalid("trigger.feed is required")
    operator = raw.get("operator", "any")
    if isinstance(operator, str):
        operator = OPERATOR_ALIASES.get(operator.strip(), operator.strip().lower())
    operator = to_choice(operator, "trigger.operator", OPERATORS)
    value = raw.get("value")
    compare_feed = raw.get("compare_feed") or None
    if operator != "any" and value is None and compare_feed is None:
        raise Invalid("trigger.value or trigger.compare_feed is required for this operator")
    if value is not None and compare_feed is not None:
        raise Invalid("trigger.value and trigger.compare_feed exclude each other")
    return DataTrigger(
        feed=to_text(feed, "trigger.feed", MAX_NAME),
        operator=operator,
        value=None if value is None else to_text(value, "trigger.value", MAX_TEMPLATE),
        compare_feed=(
            None
            if compare_feed is None
            else to_text(compare_feed, "trigger.compare_feed", MAX_NAME)
        ),
        when=to_choice(raw.get("when", "matches"), "trigger.when", WHEN),
    )


def parse_outputs(raw: Any) -> list[Output]:
    if not isinstance(raw, list) or not raw:
        raise Invalid("outputs must be a list of at least one output")
    if len(raw) > MAX_OUTPUTS:
        raise Invalid(f"outputs holds at most {MAX_OUTPUTS} outputs")
    return [parse_output(item, f"outputs[{i}]") for i, item in enumerate(raw)]


def parse_output(raw: Any, where: str) -> Output:
    if not isinstance(raw, dict):
        raise Invalid(f"{where} must be a JSON object")
    kind = to_choice(raw.get("type"), f"{where}.type", OUTPUT_TYPES)

    def text(name: str, limit: int = MAX_TEMPLATE, default: str | None = None) -> str:
        value = raw.get(name, default)
        if value is None:
            raise Invalid(f"{where}.{name} is required")
        return to_text(value, f"{where}.{name}", limit)

    if kind == "email":
        to = text("to", 320).strip()
        if "@" not in to or any(c in to for c in " \r\n,;<>"):
            raise Invalid(f"{where}.to must be one email address")
        return EmailOutput(to, text("subject", 998), text("body"))
    if kind == "webhook":
        url = text("url", MAX_URL).strip()
        if not url.lower().startswith(("http://", "https://")):
            raise Invalid(f"{where}.url must be an http:// or https:// URL")
        headers = raw.get("headers") or {}
        if not isinstance(headers, dict) or len(headers) > MAX_HEADERS:
            raise Invalid(f"{where}.headers must be an object of at most {MAX_HEADERS} headers")
        clean: dict[str, str] = {}
        for key, value in headers.items():
            name = to_text(key, f"{where}.headers", 100)
            content = to_text(value, f"{where}.headers.{name}", 1000)
            if any(c in name + content for c in "\r\n") or not name.strip():
                raise Invalid(f"{where}.headers.{name} is not a valid header")
            clean[name] = content
        return WebhookOutput(
            url,
            to_choice(raw.get("format", "json"), f"{where}.format", WEBHOOK_FORMATS),
            text("body", default=""),
            clean,
        )
    if kind == "publish":
        return PublishOutput(text("feed", MAX_NAME), text("value"))
    return LogOutput(text("message"))


def action_json(spec: ActionSpec) -> dict[str, Any]:
    """The stored and answered form of a spec (the inverse of ``parse_action``)."""
    from dataclasses import asdict

    return {
        "name": spec.name,
        "enabled": spec.enabled,
        "trigger": asdict(spec.trigger),
        "delay_seconds": spec.delay_seconds,
        "delay_mode": spec.delay_mode,
        "cooldown_seconds": spec.cooldown_seconds,
        "outputs": [asdict(o) for o in spec.outputs],
    }


def templates_of(output: Output) -> list[tuple[str, str]]:
    """The output's template fields: (field name, text)."""
    if isinstance(output, EmailOutput):
        return [("subject", output.subject), ("body", output.body)]
    if isinstance(output, WebhookOutput):
        return [("body", output.body)] if output.body else []
    if isinstance(output, PublishOutput):
        return [("value", output.value)]
    return [("message", output.message)]
