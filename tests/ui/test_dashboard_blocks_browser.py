"""One dashboard with a block of each of Adafruit IO's 21 block types, built through the REST
API with Adafruit IO's property names, in headless Chromium (Debian's) through Playwright.

Each block must show its feed's value (or its own text), each control must publish (the value
arrives at the feed), blocks without a layout must fill the grid's width, and screenshots of
the dashboard go to test-output/dashboard-blocks/ in light and dark, desktop and phone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Server
from ui.chromium import launched

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "dashboard-blocks"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PIXEL_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

# The database plays no part in how blocks are drawn: run once, on SQLite.
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

# visual_type -> (Adafruit IO properties, first value of its feed, text the block must show)
BLOCKS: dict[str, tuple[dict[str, Any], str | None, str]] = {
    "toggle_button": (
        {"onText": "Heater on", "offText": "Heater off", "onValue": "1", "offValue": "0"},
        "0",
        "0",
    ),
    "slider": ({"min": "0", "max": "100", "step": "1", "label": "Fan"}, "30", "30"),
    "momentary_button": ({"text": "Ring", "value": "RING", "release": "QUIET"}, "QUIET", "QUIET"),
    "gauge": (
        {
            "minValue": "0",
            "maxValue": "50",
            "minWarning": "5",
            "maxWarning": "40",
            "decimalPlaces": "1",
        },
        "21.456",
        "21.5",
    ),
    "line_gauge": ({"minValue": "0", "maxValue": "200", "maxWarning": "150"}, "50", "50"),
    "line_chart": (
        {
            "historyHours": "2",
            "steppedLine": "true",
            "gridLines": "false",
            "yAxisMin": "0",
            "feedKeyLegend": "true",
        },
        "12",
        "12",
    ),
    "text": ({"fontSize": "24", "decimalPlaces": "2"}, "3.14159", "3.14"),
    "multiline_text": ({"preformatted": "true"}, "line one\nline two", "line two"),
    "rich_text": ({"text": "## Greenhouse\nSee **the notes**."}, None, "the notes"),
    "color_picker": ({}, "#ff8800", "#ff8800"),
    "map": ({"historyHours": "24", "showLocation": "true"}, "5", "52.5, 13.4"),
    "stream": (
        {"showTimestamp": "true", "showName": "true", "errors": "true"},
        "stream value",
        "stream value",
    ),
    "image": ({}, PIXEL_PNG, ""),
    "indicator": (
        {
            "conditions": [{"operator": ">", "value": "50"}],
            "onColor": "#00ff00",
            "offColor": "#333333",
        },
        "60",
        "60",
    ),
    "icon": ({"icon": "sun", "lowIcon": "snow", "lowConditions": "< 5"}, "2", "2"),
    "number_pad": ({}, "7", "7"),
    "selector": (
        {"options": [{"text": "Low", "value": "1"}, {"text": "High", "value": "3"}]},
        "1",
        "Low",
    ),
    "dashboard_link": ({"dashboards": ["garden"]}, None, "garden"),
    "battery": ({"minValue": "3.0", "maxValue": "4.2"}, "3.6", "3.6"),
    "remote_control": (
        {"buttons": [{"text": "Play", "value": "PLAY"}, {"text": "Stop", "value": "STOP"}]},
        "STOP",
        "STOP",
    ),
    "divider": ({}, None, ""),
}
NO_FEED = {"rich_text", "dashboard_link", "divider"}


@dataclass
class Board:
    username: str
    key: str
    state: dict[str, Any]
    feeds: dict[str, str] = field(default_factory=dict)  # visual_type -> feed key
    blocks: dict[str, str] = field(default_factory=dict)  # visual_type -> block id

    def api(self, server: Server) -> httpx.Client:
        return httpx.Client(
            base_url=f"{server.base_url}/api/v2/{self.username}",
            headers={"X-AIO-Key": self.key},
            timeout=10,
        )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launched() as browser:
        yield browser


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), (response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="module")
def board(server: Server) -> Board:
    """A user, a feed per block type with a first value, and the dashboard, all via the API
    (made before Playwright starts: making a user runs its own event loop)."""
    username, key = server.create_user("blk")
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        signin = client.post(
            "/ui/api/signin", json={"username": username, "password": "password123"}
        )
        assert signin.status_code == 200, signin.text
        cookies = [
            {
                "name": c.name,
                "value": c.value or "",
                "domain": "127.0.0.1",
                "path": "/",
                "expires": -1,
                "httpOnly": True,
                "secure": False,
                "sameSite": "Lax",
            }
            for c in client.cookies.jar
        ]
    result = Board(username, key, {"cookies": cookies, "origins": []})
    with result.api(server) as api:
        ok(api.post("/dashboards", json={"name": "Every block", "color_mode": "dark"}))
        for visual_type, (properties, value, _shown) in BLOCKS.items():
            feeds = []
            if visual_type not in NO_FEED:
                feed_key = visual_type.replace("_", "-")
                ok(api.post("/feeds", json={"feed": {"name": feed_key}}))
                result.feeds[visual_type] = feed_key
                point: dict[str, Any] = {"value": value}
                if visual_type == "map":
                    point.update(lat=52.5, lon=13.4)
                ok(api.post(f"/feeds/{feed_key}/data", json=point))
                feeds = [{"feed_id": feed_key}]
            body = {"visual_type": visual_type, "properties": properties, "block_feeds": feeds}
            result.blocks[visual_type] = ok(api.post("/dashboards/every-block/blocks", json=body))[
                "id"
            ]
    return result


def open_board(
    chromium: Browser, server: Server, board: Board, viewport: dict[str, int], scheme: str = "dark"
) -> Page:
    context = chromium.new_context(
        base_url=server.base_url,
        storage_state=board.state,  # type: ignore[arg-type]
        viewport=viewport,  # type: ignore[arg-type]
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/dashboards/every-block")
    expect(page.get_by_test_id("dashboard-grid")).to_be_visible()
    page.errors = errors  # type: ignore[attr-defined]
    return page


def last_value(board: Board, server: Server, feed_key: str) -> str | None:
    with board.api(server) as api:
        response = api.get(f"/feeds/{feed_key}/data/last")
    return str(response.json()["value"]) if response.status_code == 200 else None


def wait_for_value(board: Board, server: Server, visual_type: str, want: str) -> None:
    feed_key = board.feeds[visual_type]
    deadline = time.monotonic() + 5
    while (got := last_value(board, server, feed_key)) != want:
        assert time.monotonic() < deadline, f"{visual_type}: {feed_key} has {got!r}, not {want!r}"
        time.sleep(0.1)


def test_blocks_without_a_layout_fill_the_width(board: Board, server: Server) -> None:
    """Runs first: the module's user is made before Playwright starts."""
    with board.api(server) as api:
        layouts = ok(api.get("/dashboards/every-block"))["layouts"]
    first_row = [item for item in layouts["lg"] if item["y"] == 0]
    assert len(first_row) >= 3, layouts["lg"]
    assert max(item["x"] + item["w"] for item in layouts["lg"]) == 16
    boxes = [(i["x"], i["y"], i["w"], i["h"]) for i in layouts["lg"]]
    for n, (x, y, w, h) in enumerate(boxes):
        for bx, by, bw, bh in boxes[n + 1 :]:
            assert not (x < bx + bw and bx < x + w and y < by + bh and by < y + h), "overlap"


def test_every_block_shows_its_value(chromium: Browser, server: Server, board: Board) -> None:
    page = open_board(chromium, server, board, DESKTOP)
    for visual_type, (_props, _value, shown) in BLOCKS.items():
        block_id = board.blocks[visual_type]
        box = page.get_by_test_id(f"block-{block_id}")
        expect(box).to_have_attribute("data-visual-type", visual_type)
        box.scroll_into_view_if_needed()
        if visual_type == "divider":
            expect(page.get_by_test_id(f"divider-{block_id}")).to_be_attached()
        elif visual_type == "image":
            expect(page.get_by_test_id(f"block-value-{block_id}")).to_have_attribute(
                "src", PIXEL_PNG
            )
        else:
            expect(page.get_by_test_id(f"block-value-{block_id}")).to_contain_text(shown)
    ids = board.blocks
    expect(page.get_by_test_id(f"block-state-{ids['toggle_button']}")).to_have_text("Heater off")
    expect(page.get_by_test_id(f"toggle-{ids['toggle_button']}")).to_have_attribute(
        "aria-checked", "false"
    )
    expect(page.get_by_test_id(f"gauge-{ids['gauge']}")).to_have_attribute("data-warning", "none")
    expect(page.get_by_test_id(f"line-gauge-{ids['line_gauge']}")).to_have_attribute(
        "role", "meter"
    )
    expect(page.get_by_test_id(f"indicator-{ids['indicator']}")).to_have_attribute(
        "data-on", "true"
    )
    expect(page.get_by_test_id(f"icon-{ids['icon']}")).to_have_attribute("data-level", "low")
    expect(page.get_by_test_id(f"battery-{ids['battery']}")).to_have_attribute("data-level", "50")
    expect(page.get_by_test_id(f"block-value-{ids['rich_text']}").locator("h2")).to_have_text(
        "Greenhouse"
    )
    expect(page.get_by_test_id(f"dashboard-link-{ids['dashboard_link']}-garden")).to_have_attribute(
        "href", "/dashboards/garden"
    )
    expect(page.get_by_test_id(f"chart-{ids['line_chart']}").locator("canvas")).to_be_attached()
    expect(page.get_by_test_id("dashboard-grid")).to_have_attribute("data-color-mode", "dark")
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    page.context.close()


SERIES_PIXELS = """(id) => {
  const canvas = document.querySelector(`[data-testid=chart-${id}] canvas`);
  if (!canvas || !canvas.width) return null;
  const hex = getComputedStyle(document.documentElement).getPropertyValue("--chart-1").trim();
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const xs = [];
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3] > 200 && want.every((c, k) => Math.abs(px[i + k] - c) < 40)) {
      xs.push((i / 4) % canvas.width);
    }
  }
  const mean = xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  return { count: xs.length, meanX: mean / canvas.width };
}"""


def test_line_chart_draws_its_one_point_in_its_history_window(
    board: Board, server: Server, chromium: Browser
) -> None:
    """The feed has one point, posted just now: it is drawn (a lone point), at the right end
    of an axis spanning historyHours up to now (not an axis of years with it at the left)."""
    page = open_board(chromium, server, board, DESKTOP)
    block_id = board.blocks["line_chart"]
    page.get_by_test_id(f"block-{block_id}").scroll_into_view_if_needed()
    deadline = time.monotonic() + 5  # wait_for_function would evaluate a string: CSP
    while not (drawn := page.evaluate(SERIES_PIXELS, block_id)) or not drawn["count"]:
        assert time.monotonic() < deadline, f"no point drawn: {drawn}"
        page.wait_for_timeout(100)
    assert drawn["meanX"] > 0.8, drawn
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    page.context.close()


def test_controls_publish(chromium: Browser, server: Server, board: Board) -> None:
    page = open_board(chromium, server, board, DESKTOP)
    ids = board.blocks

    page.get_by_test_id(f"toggle-{ids['toggle_button']}").click()
    wait_for_value(board, server, "toggle_button", "1")  # onValue, not the "Heater on" label
    expect(page.get_by_test_id(f"block-state-{ids['toggle_button']}")).to_have_text("Heater on")

    page.get_by_test_id(f"slider-{ids['slider']}").fill("73")
    wait_for_value(board, server, "slider", "73")

    button = page.get_by_test_id(f"button-{ids['momentary_button']}")
    button.scroll_into_view_if_needed()
    button.hover()
    page.mouse.down()
    wait_for_value(board, server, "momentary_button", "RING")
    page.mouse.up()
    wait_for_value(board, server, "momentary_button", "QUIET")

    page.get_by_test_id(f"text-input-{ids['text']}").fill("hello")
    page.get_by_test_id(f"text-send-{ids['text']}").click()
    wait_for_value(board, server, "text", "hello")

    page.get_by_test_id(f"color-{ids['color_picker']}").fill("#00ff00")
    wait_for_value(board, server, "color_picker", "#00ff00")

    for digit in "42":
        page.get_by_test_id(f"numpad-key-{ids['number_pad']}-{digit}").click()
    page.get_by_test_id(f"numpad-send-{ids['number_pad']}").click()
    wait_for_value(board, server, "number_pad", "42")

    page.get_by_test_id(f"selector-{ids['selector']}").select_option("3")
    wait_for_value(board, server, "selector", "3")
    expect(page.get_by_test_id(f"block-value-{ids['selector']}")).to_have_text("High")

    page.get_by_test_id(f"remote-{ids['remote_control']}-PLAY").click()
    wait_for_value(board, server, "remote_control", "PLAY")

    # A value posted elsewhere reaches the stream live.
    with board.api(server) as api:
        ok(api.post(f"/feeds/{board.feeds['stream']}/data", json={"value": "second line"}))
    expect(page.get_by_test_id(f"block-value-{ids['stream']}")).to_contain_text("second line")
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(chromium: Browser, server: Server, board: Board, scheme: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with board.api(server) as api:
        ok(api.patch("/dashboards/every-block", json={"color_mode": scheme}))
    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_board(chromium, server, board, viewport, scheme)
        expect(page.locator("html")).to_have_attribute("data-theme", scheme)
        expect(page.get_by_test_id("dashboard-grid")).to_have_attribute("data-color-mode", scheme)
        gauge = page.get_by_test_id(f"block-value-{board.blocks['gauge']}")
        expect(gauge).to_contain_text("21.5")
        if device == "phone":  # one column: every block as wide as the screen allows
            box = page.get_by_test_id(f"block-{board.blocks['gauge']}").bounding_box()
            assert box is not None and box["width"] > PHONE["width"] * 0.6, box
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"dashboard-blocks-{scheme}-{device}.png"), full_page=True)
        assert not page.errors, page.errors  # type: ignore[attr-defined]
        page.context.close()
    assert (SHOTS / f"dashboard-blocks-{scheme}-desktop.png").stat().st_size > 10_000
