"""Placement of a new dashboard block: the first free spot of a grid as wide as the breakpoint."""

from __future__ import annotations

from stonechat.domain.grid import COLUMNS, first_free_spot, place


def item(i: str, x: int, y: int, w: int, h: int) -> dict[str, object]:
    return {"i": i, "x": x, "y": y, "w": w, "h": h}


def test_an_empty_grid_starts_top_left() -> None:
    assert first_free_spot([], 4, 4, 16) == (0, 0)


def test_blocks_fill_the_width_before_a_new_row() -> None:
    items: list[dict[str, object]] = []
    for n in range(5):
        items.append(place(items, str(n), 4, 4, "lg"))
    assert [(i["x"], i["y"]) for i in items] == [(0, 0), (4, 0), (8, 0), (12, 0), (0, 4)]


def test_a_gap_left_of_a_tall_block_is_used() -> None:
    items = [item("a", 0, 0, 8, 2), item("b", 8, 0, 8, 6)]
    assert first_free_spot(items, 4, 4, 16) == (0, 2)


def test_a_block_wider_than_the_grid_is_narrowed() -> None:
    assert place([], "d", 16, 1, "xs") == item("d", 0, 0, 4, 1)
    assert COLUMNS["xl"] == COLUMNS["lg"] == 16


def test_no_room_in_any_row_goes_below_everything() -> None:
    items = [item("a", 0, 0, 16, 3)]
    assert first_free_spot(items, 4, 2, 16) == (0, 3)


def test_default_sizes_are_the_ui_registry_sizes() -> None:
    """The server's sizes of new blocks are the `size` of each kind in ui/src/blocks/kinds/."""
    import re
    from pathlib import Path

    from stonechat.domain.grid import DEFAULT_SIZES
    from stonechat.services.dashboards import VISUAL_TYPES

    kinds = Path(__file__).resolve().parents[2] / "ui" / "src" / "blocks" / "kinds"
    found = {}
    for path in kinds.glob("*.tsx"):
        text = path.read_text()
        kind = re.search(r'type: "(\w+)"', text)
        size = re.search(r"size: \[(\d+), (\d+)\]", text)
        assert kind and size, path
        found[kind.group(1)] = (int(size.group(1)), int(size.group(2)))
    assert found == DEFAULT_SIZES
    assert set(DEFAULT_SIZES) == VISUAL_TYPES
