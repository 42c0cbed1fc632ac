"""The time integration: ``time/struct.json`` and ``time/strftime`` (rest-api.md §6.11)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stonechat.domain.errors import BadRequest

DEFAULT_FORMAT = "%Y-%m-%d %H:%M:%S.%L %j %u %z %Z"
_RUBY_ONLY = re.compile(r"%(-?)([LN])")


def zone(name: str | None, fallback: str | None) -> ZoneInfo:
    chosen = name or fallback or "UTC"
    try:
        return ZoneInfo(chosen)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"unknown time zone '{chosen}'") from None


def now_in(name: str | None, fallback: str | None) -> datetime:
    return datetime.now(UTC).astimezone(zone(name, fallback))


def struct(now: datetime) -> dict[str, Any]:
    """Ruby Time fields; ``wday`` counts from Sunday = 0, ``yday`` from 1."""
    return {
        "year": now.year,
        "mon": now.month,
        "mday": now.day,
        "hour": now.hour,
        "min": now.minute,
        "sec": now.second,
        "wday": (now.weekday() + 1) % 7,
        "yday": now.timetuple().tm_yday,
        "isdst": bool(now.dst()),
    }


def strftime(now: datetime, fmt: str | None) -> str:
    """Format with Ruby's strftime: Python's directives plus ``%L`` (ms) and ``%N`` (ns)."""
    fmt = fmt or DEFAULT_FORMAT

    def ruby(match: re.Match[str]) -> str:
        if match.group(2) == "L":
            return f"{now.microsecond // 1000:03d}"
        return f"{now.microsecond * 1000:09d}"

    return now.strftime(_RUBY_ONLY.sub(ruby, fmt))
