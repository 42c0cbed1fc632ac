"""What an account import reads from (``account_import``): an export's zip
(``import_zip``) or an Adafruit IO account through its API (``import_aio``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

BATCH = 1_000  # points read and written at a time


@dataclass(slots=True)
class Row:
    """One point as a source gives it; ``where`` names it in an error message."""

    id: str
    created_at: int  # ms
    value: str
    lat: Any
    lon: Any
    ele: Any
    where: str


class Source(Protocol):
    async def records(self) -> tuple[list[Any], list[Any], list[Any]]:
        """Groups, feeds and dashboards (with blocks, and layouts if known), as the REST
        API v2 shows them to their owner."""
        ...

    def points(self, feed: dict[str, Any]) -> AsyncIterator[list[Row]]:
        """Every point of ``feed`` (an item of ``records``' feeds), a batch at a time."""
        ...

    def done(self, feed: dict[str, Any], report: Counter[str]) -> None:
        """Every point of ``feed`` was read (for progress)."""
        ...
