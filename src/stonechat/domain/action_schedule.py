"""When a schedule trigger is due: five-field cron patterns read on a time zone's clock.

Times are seconds since the epoch (floats). The cron fields (minute hour day month
weekday, with croniter's syntax) name wall-clock times in ``time_zone``; across daylight
saving changes each due time fires once, as cron does:

- a wall-clock time that does not exist (skipped at spring forward: 02:30 in
  Europe/Amsterdam on the last Sunday of March) is due at the instant the clocks jump
  (03:00 local); several skipped times fold into that one instant;
- a wall-clock time that happens twice (fall back) is due at its first occurrence only.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter  # type: ignore[import-untyped]

from stonechat.domain.errors import Invalid

MAX_DUE = 1_000  # due times one due_between answers at most
MAX_ZONE = 64
# Due times next_due examines past ``after``: a fall-back hour repeats at most 60 of them
# (two hours of a minute pattern in the few zones that shift by two), so this is ample.
_MAX_SKIPPED = 1_000
_MAX_EPOCH = 253_402_300_799 - 2 * 86_400  # two days before the end of datetime (9999)


def check_schedule(cron: str, time_zone: str) -> None:
    """Refuse a schedule the engine could not run: ``Invalid`` naming ``trigger.cron`` or
    ``trigger.time_zone`` (the API calls this when an action is saved)."""
    wall = _walker(cron, datetime(2000, 1, 1))
    _zone(time_zone)
    _next(wall)


def next_due(cron: str, time_zone: str, after: float) -> float:
    """The first due time strictly after ``after``."""
    zone = _zone(time_zone)
    start = datetime.fromtimestamp(_epoch(after), zone).replace(tzinfo=None)
    wall = _walker(cron, start)
    for _ in range(_MAX_SKIPPED):
        due = _instant(_next(wall), zone)
        if due > after:
            return due
    raise Invalid(f"trigger.cron: no due time found after {_MAX_SKIPPED} candidates")


def due_between(
    cron: str, time_zone: str, start: float, end: float, limit: int = MAX_DUE
) -> list[float]:
    """The due times ``t`` with ``start <= t < end``, in order, at most ``limit`` (and at
    most ``MAX_DUE``) of them: a caller that gets ``limit`` times may have more."""
    limit = max(0, min(limit, MAX_DUE))
    times: list[float] = []
    after = start - 1  # due times are whole minutes: none lies in (start - 1, start)
    while len(times) < limit:
        due = next_due(cron, time_zone, after)
        if due >= end:
            break
        if due >= start:
            times.append(due)
        after = due
    return times


def _zone(time_zone: str) -> ZoneInfo:
    if not time_zone or len(time_zone) > MAX_ZONE:
        raise Invalid("trigger.time_zone: unknown time zone")
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: a path-like key ("../x", "/etc/x"); OSError: an unreadable file
        raise Invalid("trigger.time_zone: unknown time zone") from None


def _fields(cron: str) -> str:
    fields = cron.split()
    if len(fields) != 5:
        raise Invalid("trigger.cron: must have five fields: minute hour day month weekday")
    return " ".join(fields)


def _walker(cron: str, start: datetime) -> croniter:
    try:
        return croniter(_fields(cron), start)
    except CroniterError as error:
        raise Invalid(f"trigger.cron: {error}") from None


def _next(wall: croniter) -> datetime:
    try:
        due = wall.get_next(datetime)
    except (CroniterError, ValueError, OverflowError) as error:
        # "0 0 30 2 *": no such day; or the search ran past the year 9999
        raise Invalid(f"trigger.cron: never due ({error})") from None
    assert isinstance(due, datetime)
    return due


def _instant(wall: datetime, zone: ZoneInfo) -> float:
    """The epoch time of the naive wall-clock time ``wall`` in ``zone`` (see the module
    docstring for the times that happen twice or not at all)."""
    first = wall.replace(tzinfo=zone, fold=0).timestamp()
    second = wall.replace(tzinfo=zone, fold=1).timestamp()
    if first == second:
        return first
    if datetime.fromtimestamp(first, zone).replace(tzinfo=None) == wall:
        return first  # happens twice: fold 0 is the earlier occurrence
    return _jump(min(first, second), max(first, second), zone)


def _jump(before: float, after: float, zone: ZoneInfo) -> float:
    """The instant in ``(before, after]`` where the offset of ``zone`` changes."""
    low, high = math.floor(before), math.ceil(after)
    target = _offset(high, zone)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(middle, zone) == target:
            high = middle
        else:
            low = middle
    return float(high)


def _offset(seconds: int, zone: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(seconds, zone).utcoffset()


def _epoch(seconds: float) -> float:
    if not math.isfinite(seconds) or not 0 <= seconds <= _MAX_EPOCH:
        raise ValueError(f"time {seconds!r} is out of range")
    return seconds
