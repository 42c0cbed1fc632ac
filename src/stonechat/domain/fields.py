"""Lenient readers for fields of client bodies: ``history: "ON"``, ``"4"`` for 4, nulls.

Every reader also bounds what it returns by what storage holds: integers within 64 bits
(or a column's 32), text without NUL and within a length, so that nothing accepted here can
fail a write or a later read.
"""

from __future__ import annotations

from typing import Any

from stonechat.domain.errors import Invalid
from stonechat.domain.text import check_text

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# What an ``Integer`` column holds on PostgreSQL: ids, block positions, status_timeout.
INT32_MAX = 2**31 - 1

_TRUE = {"true", "on", "yes", "1", "t", "y"}
_FALSE = {"false", "off", "no", "0", "f", "n", ""}


def to_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise Invalid(f"{field} must be true or false")


def to_int(value: Any, field: str, *, minimum: int | None = None, maximum: int = INT64_MAX) -> int:
    """An integer from a number or numeric text, within ``minimum`` .. ``maximum``
    (by default the 64 bits of a ``BigInteger`` column)."""
    if isinstance(value, bool):
        raise Invalid(f"{field} must be an integer")
    if isinstance(value, str) and len(value) > 32:
        raise Invalid(f"{field} must be an integer of at most 32 characters")
    try:
        number = int(value) if not isinstance(value, str) else int(value.strip())
    except (TypeError, ValueError, OverflowError):
        raise Invalid(f"{field} must be an integer") from None
    low = INT64_MIN if minimum is None else minimum
    if number < low:
        raise Invalid(f"{field} must be at least {low}")
    if number > maximum:
        raise Invalid(f"{field} must be at most {maximum}")
    return number


def to_id(text: str) -> int | None:
    """A numeric id from a path (``/feeds/42``), or ``None`` when ``text`` is not one that
    an ``Integer`` column can hold (a key such as ``"²"`` or ``"99999999999"``)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= INT32_MAX else None


def to_text(value: Any, field: str, max_length: int = 10_000) -> str:
    """Text from a string or a number: at most ``max_length`` characters, no NUL."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(f"{field} must be a string")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise Invalid(f"{field} must be a string")
    return check_text(str(value), field, max_length)


def to_choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    text = to_text(value, field).strip().lower()
    if text not in choices:
        raise Invalid(f"{field} must be one of: {', '.join(choices)}")
    return text


def present(body: dict[str, Any], name: str) -> bool:
    """True when the field is there and not null: nulls mean 'not given' (rest-api.md §3)."""
    return body.get(name) is not None
