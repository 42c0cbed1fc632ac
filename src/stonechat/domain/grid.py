"""Where a new dashboard block goes in a layout: the first free spot of a grid as wide as the
breakpoint, top row first, then left to right (the web UI places blocks the same way, in
``ui/src/lib/layouts.ts``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Columns of each breakpoint, as the web UI's grid has them (xl is drawn as lg).
COLUMNS = {"xl": 16, "lg": 16, "md": 12, "sm": 8, "xs": 4}

# (size_x, size_y) of a block created without them, by visual_type: the `size` of each kind in
# ui/src/blocks/kinds/ (tests/domain/test_grid.py checks that the two agree). Adafruit IO
# itself makes every block 4 x 4; a chart or a keypad is unreadable at that size.
DEFAULT_SIZES = {
    "battery": (3, 3),
    "color_picker": (4, 4),
    "dashboard_link": (4, 2),
    "divider": (16, 1),
    "gauge": (4, 4),
    "icon": (3, 3),
    "image": (6, 6),
    "indicator": (3, 3),
    "line_chart": (8, 6),
    "line_gauge": (6, 3),
    "map": (8, 6),
    "momentary_button": (4, 3),
    "multiline_text": (6, 4),
    "number_pad": (4, 7),
    "remote_control": (4, 6),
    "rich_text": (6, 4),
    "selector": (4, 3),
    "slider": (6, 3),
    "stream": (6, 5),
    "text": (4, 3),
    "toggle_button": (4, 3),
}


def default_size(visual_type: str) -> tuple[int, int]:
    return DEFAULT_SIZES.get(visual_type, (4, 4))


def _box(item: Mapping[str, Any]) -> tuple[int, int, int, int]:
    return int(item["x"]), int(item["y"]), int(item["w"]), int(item["h"])


def first_free_spot(
    items: Iterable[Mapping[str, Any]], width: int, height: int, columns: int
) -> tuple[int, int]:
    """The top-most, then left-most ``(x, y)`` where a ``width`` x ``height`` block overlaps
    none of ``items``; a block wider than the grid is placed as if it were as wide."""
    boxes = [_box(item) for item in items]
    width = max(1, min(width, columns))
    bottom = max((y + h for _, y, _, h in boxes), default=0)
    for y in range(bottom + 1):
        for x in range(columns - width + 1):
            if not any(
                x < bx + bw and bx < x + width and y < by + bh and by < y + height
                for bx, by, bw, bh in boxes
            ):
                return x, y
    return 0, bottom


def place(
    items: list[dict[str, Any]], block_id: str, width: int, height: int, breakpoint: str
) -> dict[str, Any]:
    """The layout item of a new block in one breakpoint's layout."""
    columns = COLUMNS.get(breakpoint, COLUMNS["lg"])
    width = max(1, min(width, columns))
    x, y = first_free_spot(items, width, height, columns)
    return {"i": block_id, "x": x, "y": y, "w": width, "h": height}
