"""Times on the wire (ISO-8601, epoch numbers) and in storage (integer milliseconds, UTC)."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime
from functools import lru_cache

from stonechat.domain.errors import Invalid

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def now_ms() -> int:
    """Milliseconds since the epoch, now."""
    return time.time_ns() // 1_000_000


def parse_time(value: object, field: str = "time") -> int:
    """Parse an ISO-8601 string or epoch seconds (number or numeric string) into ms.

    Naive ISO times are taken as UTC. Raises ``Invalid`` with the field name otherwise.
    """
    if isinstance(value, bool):
        raise Invalid(f"{field} must be an ISO-8601 time or epoch seconds")
    if isinstance(value, int | float):
        return _epoch_to_ms(float(value), field)
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            return _epoch_to_ms(float(text), field)
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise Invalid(f"{field} is not a valid ISO-8601 time: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp() * 1000)
    raise Invalid(f"{field} must be an ISO-8601 time or epoch seconds")


def _epoch_to_ms(seconds: float, field: str) -> int:
    if not math.isfinite(seconds) or seconds < 0 or seconds > 253402300799:
        raise Invalid(f"{field} is out of range")
    return round(seconds * 1000)


def iso(ms: int) -> str:
    """Adafruit IO's timestamp shape: ``2018-09-23T06:53:37Z`` (UTC, whole seconds)."""
    return _iso_seconds(ms // 1000)


@lru_cache(maxsize=8192)
def _iso_seconds(seconds: int) -> str:
    # Pages of data repeat the same few seconds many times; formatting is the cost.
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ms: int) -> str:
    """UTC with milliseconds: ``2019-07-03T14:47:16.038Z``."""
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
