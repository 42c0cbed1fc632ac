"""How deep a JSON document may nest.

Deeper documents are refused before anything walks them recursively: Python's encoder
raises ``RecursionError`` near 1,000 levels and orjson refuses to write past 254, so a value
stored at 300 levels would fail every later read.
"""

from __future__ import annotations

from typing import Any

from stonechat.domain.errors import Invalid

MAX_DEPTH = 32


def too_deep(document: Any, limit: int = MAX_DEPTH) -> bool:
    """True when ``document`` nests lists and objects more than ``limit`` levels deep.

    Iterative, so any depth is measured without recursion; stops at the first level past
    ``limit``. A scalar has depth 0, ``[]`` and ``{}`` depth 1.
    """
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        if depth > limit:
            return True
        stack.extend((child, depth) for child in children if isinstance(child, dict | list | tuple))
    return False


def check_nesting(document: Any, what: str, limit: int = MAX_DEPTH) -> None:
    """Raise ``Invalid`` when ``document`` nests deeper than ``limit`` levels."""
    if too_deep(document, limit):
        raise Invalid(f"{what} is nested deeper than {limit} levels")
