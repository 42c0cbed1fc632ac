"""Lenient readers for fields of client bodies: ``history: "ON"``, ``"4"`` for 4, nulls."""

from __future__ import annotations

from typing import Any

from stonechat.domain.errors import Invalid

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


def to_int(value: Any, field: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise Invalid(f"{field} must be an integer")
    try:
        number = int(value) if not isinstance(value, str) else int(value.strip())
    except (TypeError, ValueError):
        raise Invalid(f"{field} must be an integer") from None
    if minimum is not None and number < minimum:
        raise Invalid(f"{field} must be at least {minimum}")
    return number


def to_text(value: Any, field: str, max_length: int = 10_000) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(f"{field} must be a string")
    text = str(value)
    if len(text) > max_length:
        raise Invalid(f"{field} is too long (maximum is {max_length} characters)")
    return text


def to_choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    text = to_text(value, field).strip().lower()
    if text not in choices:
        raise Invalid(f"{field} must be one of: {', '.join(choices)}")
    return text


def present(body: dict[str, Any], name: str) -> bool:
    """True when the field is there and not null: nulls mean 'not given' (rest-api.md §3)."""
    return body.get(name) is not None
