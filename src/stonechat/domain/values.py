"""Data point values: everything is stored as UTF-8 text (rest-api.md §7).

Numbers are parsed only so that charts can aggregate them.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from stonechat.domain.errors import Invalid, TooLarge
from stonechat.domain.nesting import check_nesting
from stonechat.domain.text import check_text

MAX_VALUE_BYTES_HISTORY = 1024
MAX_VALUE_BYTES_NO_HISTORY = 102_400
# Numbers beyond this are stored as text but not charted: PostgreSQL's avg() squares its
# inputs and fails with "value out of range: overflow" past about 1e154.
MAX_CHART_NUMBER = 1e100
# Elevation in metres, past any orbit near Earth; latitude and longitude have their own.
MAX_ELEVATION = 1e9
MAX_NUMBER_TEXT = 64

_NUMERIC = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def value_to_text(value: Any) -> str:
    """Turn a JSON ``value`` into the stored text.

    Strings are kept as they are, numbers and booleans are written as JSON writes them and
    objects and arrays are re-serialised compactly. ``None``, blank text, NUL, lone
    surrogates and objects nested deeper than ``nesting.MAX_DEPTH`` are refused.
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
        check_nesting(value, "value")
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        raise Invalid("value must be a string, number, boolean, object or array")
    if text == "":
        raise Invalid("value may not be empty")
    return check_text(text, "value")


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
    if len(text) > MAX_NUMBER_TEXT or not _NUMERIC.fullmatch(text):
        return None
    number = float(text)
    return number if abs(number) <= MAX_CHART_NUMBER else None


def coordinate(value: Any, field: str) -> float | None:
    """A latitude, longitude or elevation: a number, a numeric string, or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid(f"{field} must be a number")
    is_text = isinstance(value, str) and len(value) <= MAX_NUMBER_TEXT
    if not (isinstance(value, int | float) or (is_text and _NUMERIC.fullmatch(value))):
        raise Invalid(f"{field} must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer past the range of a double
        raise Invalid(f"{field} must be a finite number") from None
    if not math.isfinite(number):
        raise Invalid(f"{field} must be a finite number")
    if field == "lat" and not -90 <= number <= 90:
        raise Invalid("lat must be between -90 and 90")
    if field == "lon" and not -180 <= number <= 180:
        raise Invalid("lon must be between -180 and 180")
    if field == "ele" and not -MAX_ELEVATION <= number <= MAX_ELEVATION:
        raise Invalid(f"ele must be between {-MAX_ELEVATION:.0f} and {MAX_ELEVATION:.0f}")
    return number
