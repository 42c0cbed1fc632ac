"""How an action's data trigger compares a point's value with a constant or another feed.

Values are stored as text (``domain/values.py``), so a comparison first asks whether both
sides are plain finite numbers:

- both numeric: ``eq ne lt le gt ge`` compare the numbers (``"1.0" eq "1"`` is true);
- otherwise ``eq`` / ``ne`` compare the texts exactly, and ``lt le gt ge`` are **false**:
  ordering text against a number, or text against text, is not a threshold a sensor
  means (``"abc" gt "30"`` would otherwise depend on code points);
- ``contains`` is always a text test (``"1234" contains "23"``), never numeric;
- ``any`` is always true, whatever the values.

With nothing to compare against (``other`` is ``None``: the compare feed has no value
yet) every operator but ``any`` is false. Nothing here raises on any text: NaN, infinity,
numbers past the range of a double and very long strings are simply not numbers.
"""

from __future__ import annotations

import math
import operator as ops
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

# Text longer than this is not read as a number (bounds float() on hostile input).
MAX_NUMBER_TEXT = 64
# ASCII digits only: float() would also accept "1_000", "nan", "inf" and other scripts' digits.
_NUMBER = re.compile(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*", re.ASCII)

_ORDERINGS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": ops.eq,
    "ne": ops.ne,
    "lt": ops.lt,
    "le": ops.le,
    "gt": ops.gt,
    "ge": ops.ge,
}


@lru_cache(maxsize=4096)  # the engine asks for the same texts (constants, repeated values)
def number(text: str) -> float | None:
    """``text`` as a finite number, or ``None`` when it is not a plain finite number."""
    if len(text) > MAX_NUMBER_TEXT or not _NUMBER.fullmatch(text):
        return None
    value = float(text)  # the pattern admits only what float() reads; "1e999" gives inf
    return value if math.isfinite(value) else None


def compares(operator: str, value: str, other: str | None) -> bool:
    """Whether ``value`` (the new point) compares true to ``other`` under ``operator``.

    ``operator`` is one of ``domain.actions.OPERATORS``; an unknown one is a programming
    error (``ValueError``), as ``parse_action`` admits only those.
    """
    if operator == "any":
        return True
    if other is None:
        return False
    if operator == "contains":
        return other in value
    test = _ORDERINGS.get(operator)
    if test is None:
        raise ValueError(f"unknown operator {operator!r}")
    left, right = number(value), number(other)
    if left is not None and right is not None:
        return bool(test(left, right))
    if operator in ("eq", "ne"):
        return bool(test(value, other))
    return False
