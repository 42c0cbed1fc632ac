"""Path and query parameters, checked before any route reads them.

A NUL or a lone surrogate in ``/feeds/a%00b`` or ``?group_key=`` would reach a database
lookup (PostgreSQL refuses NUL in text) or a formatter; a path segment longer than any key
or name cannot name anything. Each routes module adds ``CHECKED`` to its router, so every
REST route answers 422 for these before its own dependencies (the account lookup) run.
"""

from __future__ import annotations

from fastapi import Depends, Request

from stonechat.domain.text import MAX_SEGMENT_LENGTH, check_text

# Query values: times, keys, cursors, formats. None needs more; tz and fmt are the longest.
MAX_QUERY_LENGTH = 1024


async def check_params(request: Request) -> None:
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_text(value, name, MAX_SEGMENT_LENGTH)
    for name, value in request.query_params.multi_items():
        label = name if len(name) <= 64 and name.isprintable() else "a query parameter"
        check_text(value, label, MAX_QUERY_LENGTH)


CHECKED = [Depends(check_params)]
