"""Data point values: everything is stored as UTF-8 text (rest-api.md §7).

Numbers are parsed only so that charts can aggregate them.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from stonechat.domain.errors import Invalid, TooLarge

MAX_VALUE_BYTES_HISTORY = 1024
MAX_VALUE_BYTES_NO_HISTORY = 102_400

_NUMERIC = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def value_to_text(value: Any) -> str:
    """Turn a JSON ``value`` into the stored text.

    Strings are kept as they are, numbers and booleans are written as JSON writes them and
    objects and arrays are re-serialised compactly. ``None`` and blank text are refused.
    """
    if value is None:
        raise Invalid("value is required and may not be null")
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("value must be a finite number")
        text = repr(value)
    elif isinstance(value, str):
        text = value
    elif isinstance(value, dict | list):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        raise Invalid("value must be a string, number, boolean, object or array")
    if text == "":
        raise Invalid("value may not be empty")
    return text


def check_size(text: str, history: bool) -> None:
    """1 KB per value with feed history on, 100 KB with it off (rest-api.md §10)."""
    limit = MAX_VALUE_BYTES_HISTORY if history else MAX_VALUE_BYTES_NO_HISTORY
    size = len(text.encode("utf-8"))
    if size > limit:
        raise TooLarge(
            f"value is {size} bytes, over the limit of {limit} bytes for a feed with "
            f"history {'on' if history else 'off'}"
        )


def numeric(text: str) -> float | None:
    """The value as a number for charts, or ``None`` when it is not a plain number."""
    if len(text) > 64 or not _NUMERIC.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def coordinate(value: Any, field: str) -> float | None:
    """A latitude, longitude or elevation: a number, a numeric string, or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid(f"{field} must be a number")
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMERIC.fullmatch(value)):
        number = float(value)
    else:
        raise Invalid(f"{field} must be a number")
    if not math.isfinite(number):
        raise Invalid(f"{field} must be a finite number")
    if field == "lat" and not -90 <= number <= 90:
        raise Invalid("lat must be between -90 and 90")
    if field == "lon" and not -180 <= number <= 180:
        raise Invalid("lon must be between -180 and 180")
    return number
