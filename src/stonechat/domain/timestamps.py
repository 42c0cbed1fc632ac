"""Times on the wire (ISO-8601, epoch numbers) and in storage (integer milliseconds, UTC).

Every time a client sends is parsed here, at the edge, to UTC milliseconds between
0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the range every formatter (Python's
datetime, the ISO strings of the API, CSV) can write. An offset that moves a time out of
that range (``0001-01-01T00:00:00+01:00``) is refused, so a stored time can always be read
back. Formatting clamps to the same range, so a row stored before these checks still reads.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from stonechat.domain.errors import Invalid

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

MIN_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z
MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
MAX_EPOCH_SECONDS = MAX_MS // 1000
# The longest ISO-8601 time: 2024-01-01T00:00:00.000000+00:00 is 32 characters.
MAX_TIME_TEXT = 64
RANGE = "between 0001-01-01 and 9999-12-31 (UTC)"


def now_ms() -> int:
    """Milliseconds since the epoch, now."""
    return time.time_ns() // 1_000_000


def parse_time(value: object, field: str = "time") -> int:
    """Parse an ISO-8601 string or epoch seconds (number or numeric string) into ms.

    Naive ISO times are taken as UTC. Epoch seconds count from 1970 (never negative). The
    result lies between ``MIN_MS`` and ``MAX_MS``; raises ``Invalid`` with the field name
    otherwise.
    """
    if isinstance(value, bool):
        raise Invalid(f"{field} must be an ISO-8601 time or epoch seconds")
    if isinstance(value, int):
        if not 0 <= value <= MAX_EPOCH_SECONDS:
            raise Invalid(f"{field} is out of range: epoch seconds from 0 to {MAX_EPOCH_SECONDS}")
        return value * 1000
    if isinstance(value, float):
        return _epoch_to_ms(value, field)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TIME_TEXT:
            raise Invalid(f"{field} is not a valid ISO-8601 time (too long)")
        if _NUMBER.fullmatch(text):
            return _epoch_to_ms(float(text), field)
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise Invalid(f"{field} is not a valid ISO-8601 time: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return check_ms((parsed - _EPOCH) // _MS, field)
    raise Invalid(f"{field} must be an ISO-8601 time or epoch seconds")


def check_ms(ms: int, field: str) -> int:
    """``ms`` when it lies in the range every formatter can write; ``Invalid`` otherwise."""
    if not MIN_MS <= ms <= MAX_MS:
        raise Invalid(f"{field} is out of range: times must be {RANGE}")
    return ms


def _epoch_to_ms(seconds: float, field: str) -> int:
    if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_EPOCH_SECONDS:
        raise Invalid(f"{field} is out of range: epoch seconds from 0 to {MAX_EPOCH_SECONDS}")
    return round(seconds * 1000)


def clamp(ms: int) -> int:
    """``ms`` moved into ``MIN_MS`` .. ``MAX_MS``."""
    return MIN_MS if ms < MIN_MS else MAX_MS if ms > MAX_MS else ms


def _datetime(ms: int) -> datetime:
    # Arithmetic on timedelta, not fromtimestamp: exact, and the same on every platform.
    return _EPOCH + timedelta(milliseconds=clamp(ms))


def iso(ms: int) -> str:
    """Adafruit IO's timestamp shape: ``2018-09-23T06:53:37Z`` (UTC, whole seconds)."""
    return _iso_seconds(clamp(ms) // 1000)


@lru_cache(maxsize=8192)
def _iso_seconds(seconds: int) -> str:
    # Pages of data repeat the same few seconds many times; formatting is the cost.
    d = _datetime(seconds * 1000)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def iso_ms(ms: int) -> str:
    """UTC with milliseconds: ``2019-07-03T14:47:16.038Z``."""
    ms = clamp(ms)
    return _iso_seconds(ms // 1000)[:-1] + f".{ms % 1000:03d}Z"
