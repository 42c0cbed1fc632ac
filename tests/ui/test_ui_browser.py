"""The web UI in headless Chromium (Debian's) against a real server, through Playwright.

The tests of this module run in order and share one account, made by signing up through
the UI: sign up, create a feed, see its chart, build a dashboard with every block type,
watch it update live, use its controls, arrange it, share it publicly. Element hooks are
the ``data-testid`` names of docs/ui-api.md. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import json
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest

from support import Server, free_port
from ui.chromium import launched

pytest.importorskip("playwright")
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    expect,
)

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "browser password 1"
LIVE_TIMEOUT_MS = 1_500  # "updates within a second", plus the browser's own share
VIEWPORT = {"width": 1400, "height": 1000}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launched() as browser:
        yield browser


def start_server(tmp: Path, **env: str) -> Server:
    srv = Server(
        backend="sqlite",
        data_dir=tmp,
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=env,
    )
    srv.start()
    return srv


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(Path(tmp_path_factory.mktemp("web")))
    yield srv
    srv.stop()


@dataclass
class Console:
    """Console errors and uncaught exceptions of every page of a test."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "") if message.location else ""
        self.errors.append(f"{message.text} ({where})")


@pytest.fixture
def console() -> Iterator[Console]:
    found = Console()
    yield found
    assert not found.errors, "console errors:\n" + "\n".join(found.errors)


@dataclass
class Account:
    username: str
    key: str
    state: dict[str, Any]  # Playwright storage state: the session cookie
    feeds: dict[str, str] = field(default_factory=dict)  # role -> key
    dashboard: str = ""
    blocks: dict[str, str] = field(default_factory=dict)  # visual_type -> block id

    def api(self, server: Server) -> httpx.Client:
        return httpx.Client(
            base_url=f"{server.base_url}/api/v2/{self.username}",
            headers={"X-AIO-Key": self.key},
            timeout=10,
        )


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(chromium: Browser, web: Server, console: Console) -> Iterator[OpenPage]:
    """New pages in fresh browser contexts, optionally signed in, console watched."""
    contexts: list[BrowserContext] = []

    def make(
        path: str = "/",
        state: dict[str, Any] | None = None,
        color_scheme: str = "light",
        server: Server = web,
    ) -> Page:
        context = chromium.new_context(
            base_url=server.base_url,
            storage_state=state,  # type: ignore[arg-type]
            color_scheme=color_scheme,  # type: ignore[arg-type]
            viewport=VIEWPORT,  # type: ignore[arg-type]
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        console.watch(page)
        page.goto(path)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_up(page: Page, username: str) -> None:
    page.goto("/signup")
    page.get_by_test_id("signup-username").fill(username)
    page.get_by_test_id("signup-email").fill(f"{username}@example.com")
    page.get_by_test_id("signup-password").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()
    expect(page.get_by_test_id("signout")).to_be_visible()


@pytest.fixture(scope="module")
def account(chromium: Browser, web: Server) -> Account:
    """An account made by signing up through the UI (test_sign_up checks it)."""
    username = f"maker{uuid.uuid4().hex[:6]}"
    context = chromium.new_context(base_url=web.base_url, viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        sign_up(page, username)
        session = context.request.get("/ui/api/session").json()
        return Account(username, session["aio_key"], context.storage_state())  # type: ignore[arg-type]
    finally:
        context.close()


# -- accounts -------------------------------------------------------------------------------


def test_sign_up(account: Account, web: Server, open_page: OpenPage) -> None:
    page = open_page("/feeds", account.state)
    expect(page.get_by_test_id("nav-feeds")).to_be_visible()
    expect(page.get_by_test_id("nav-dashboards")).to_be_visible()
    me = httpx.get(f"{web.base_url}/api/v2/user", headers={"X-AIO-Key": account.key})
    assert me.json()["username"] == account.username
    cookie = next(c for c in account.state["cookies"] if c["name"] == "stonechat_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"


def test_sign_out_and_in(account: Account, open_page: OpenPage) -> None:
    page = open_page("/feeds", account.state)
    page.get_by_test_id("signout").click()
    expect(page.get_by_test_id("signin-username")).to_be_visible()
    page.get_by_test_id("signin-username").fill(account.username)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signout")).to_be_visible()
    account.state = page.context.storage_state()  # type: ignore[assignment]


def test_the_menu_shows_once_signing_in_has_finished(
    account: Account, open_page: OpenPage, web: Server
) -> None:
    """Signing in makes a second request (GET /ui/api/session, for the aio_key). The menu
    shown before it answered could be used meanwhile, and the form's move to /feeds then came
    after the user's own click (CI: Actions opened, then left for Feeds). Held here, it
    keeps the menu hidden until it answers."""
    page = open_page("/feeds", account.state)
    page.get_by_test_id("signout").click()
    page.get_by_test_id("signin-username").fill(account.username)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/ui/api/session", hold)
    page.get_by_test_id("signin-submit").click()
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "signing in asks for the whole session"
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("signout")).to_have_count(0)
    expect(page).to_have_url(f"{web.base_url}/signin")
    held[0].continue_()
    page.unroute("**/ui/api/session")
    expect(page.get_by_test_id("signout")).to_be_visible()
    expect(page).to_have_url(f"{web.base_url}/feeds")
    page.get_by_test_id("nav-actions").click()
    expect(page.get_by_test_id("action-create-open")).to_be_visible()
    expect(page).to_have_url(f"{web.base_url}/actions")
    account.state = page.context.storage_state()  # type: ignore[assignment]


# -- feeds ----------------------------------------------------------------------------------


def create_feed(page: Page, name: str) -> None:
    page.get_by_test_id("feed-create-open").click()
    page.get_by_test_id("feed-name").fill(name)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/feeds")
    ) as created:
        page.get_by_test_id("feed-create-submit").click()
    assert created.value.status == 201


def test_create_feed(account: Account, web: Server, open_page: OpenPage) -> None:
    page = open_page("/feeds", account.state)
    for role, name in (
        ("number", "Temperature"),
        ("switch", "Switch"),
        ("color", "Lamp Color"),
        ("text", "Message"),
    ):
        create_feed(page, name)
        key = name.lower().replace(" ", "-")
        page.goto("/feeds")
        expect(page.get_by_test_id(f"feed-row-{key}")).to_be_visible()
        account.feeds[role] = key
    with account.api(web) as api:
        keys = {f["key"] for f in api.get("/feeds").json()}
    assert set(account.feeds.values()) <= keys


def test_chart_shows_data_posted_through_the_api(
    account: Account, web: Server, open_page: OpenPage
) -> None:
    key = account.feeds["number"]
    with account.api(web) as api:
        for value in (18.5, 19.25, 21.0, 20.5):
            assert api.post(f"/feeds/{key}/data", json={"value": value}).status_code == 200
    page = open_page(f"/feeds/{key}", account.state)
    chart = page.get_by_test_id("feed-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas").first).to_be_visible()  # uPlot draws on a canvas
    table = page.get_by_test_id("data-table")
    expect(table).to_contain_text("20.5")
    expect(table).to_contain_text("18.5")
    for name in ("1h", "24h", "7d", "30d"):
        page.get_by_test_id(f"chart-range-{name}").click()
        expect(chart).to_be_visible()
    # Adding a value from the page stores it.
    page.get_by_test_id("data-add-value").fill("22.75")
    page.get_by_test_id("data-add-submit").click()
    expect(table).to_contain_text("22.75")
    with account.api(web) as api:
        assert api.get(f"/feeds/{key}/data/last").json()["value"] == "22.75"


def test_turning_history_off_warns_and_keeps_the_latest_value(
    account: Account, web: Server, open_page: OpenPage
) -> None:
    with account.api(web) as api:
        assert api.post("/feeds", json={"feed": {"name": "Door log"}}).status_code == 201
        for value in ("open", "closed", "open again"):
            assert api.post("/feeds/door-log/data", json={"value": value}).status_code == 200
    page = open_page("/feeds/door-log", account.state)
    rows = page.locator("[data-testid^='data-row-']")
    expect(rows).to_have_count(3)
    page.get_by_test_id("feed-edit").click()
    expect(page.get_by_test_id("feed-history-warning")).to_have_count(0)
    page.get_by_test_id("feed-history").uncheck()
    expect(page.get_by_test_id("feed-history-warning")).to_contain_text("(2 of 3)")
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.get_by_test_id("feed-create-submit").click()
    assert saved.value.status == 200
    expect(page.get_by_text("latest value only")).to_be_visible()
    expect(rows).to_have_count(1)  # the table reloaded
    with account.api(web) as api:
        assert [d["value"] for d in api.get("/feeds/door-log/data").json()] == ["open again"]


def test_a_feeds_retention_is_edited_in_its_form(
    account: Account, web: Server, open_page: OpenPage
) -> None:
    with account.api(web) as api:
        assert api.post("/feeds", json={"feed": {"name": "Rain"}}).status_code == 201
    page = open_page("/feeds/rain", account.state)
    page.get_by_test_id("feed-edit").click()
    raw = page.get_by_test_id("feed-retention-raw")
    expect(raw).to_have_attribute("placeholder", "30 days (default)")
    raw.fill("a year")
    page.get_by_test_id("feed-create-submit").click()
    expect(page.get_by_role("alert")).to_contain_text("Every point: a number of days")
    raw.fill("365")
    page.get_by_test_id("feed-retention-day").fill("forever")
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.get_by_test_id("feed-create-submit").click()
    assert saved.value.status == 200
    with account.api(web) as api:
        feed = api.get("/feeds/rain").json()
    assert feed["retention"] == {"raw": 365, "day": None}
    assert feed["retention_effective"]["minute"] == 365  # follows the longer raw tier
    page.get_by_test_id("feed-edit").click()
    expect(page.get_by_test_id("feed-retention-raw")).to_have_value("365")
    expect(page.get_by_test_id("feed-retention-day")).to_have_value("forever")


# -- dashboards -----------------------------------------------------------------------------

BLOCK_TYPES = [
    "line_chart",
    "gauge",
    "text",
    "multiline_text",
    "stream",
    "toggle_button",
    "momentary_button",
    "slider",
    "number_pad",
    "color_picker",
    "indicator",
    "map",
    "image",
    "divider",
]
FEED_OF = {"toggle_button": "switch", "momentary_button": "switch", "color_picker": "color"}


def add_block(page: Page, account: Account, visual_type: str) -> None:
    before = page.locator("[data-visual-type]").count()
    page.get_by_test_id("block-add-open").click()
    page.get_by_test_id(f"block-type-{visual_type}").click()
    select = page.get_by_test_id("block-feed-select")
    if select.count():
        select.select_option(account.feeds[FEED_OF.get(visual_type, "number")])
    page.get_by_test_id("block-save").click()
    expect(page.locator("[data-visual-type]")).to_have_count(before + 1)


def test_build_a_dashboard_with_every_block_type(
    account: Account, web: Server, open_page: OpenPage
) -> None:
    page = open_page("/dashboards", account.state)
    page.get_by_test_id("dashboard-create-open").click()
    page.get_by_test_id("dashboard-name").fill("Greenhouse")
    page.get_by_test_id("dashboard-create-submit").click()
    page.wait_for_url("**/dashboards/greenhouse")
    account.dashboard = "greenhouse"
    for visual_type in BLOCK_TYPES:
        add_block(page, account, visual_type)
    with account.api(web) as api:
        blocks = api.get(f"/dashboards/{account.dashboard}/blocks").json()
    assert sorted(b["visual_type"] for b in blocks) == sorted(BLOCK_TYPES)
    account.blocks = {b["visual_type"]: b["id"] for b in blocks}
    gauge = next(b for b in blocks if b["visual_type"] == "gauge")
    assert gauge["block_feeds"][0]["feed"]["key"] == account.feeds["number"]
    page.reload()
    for block_id in account.blocks.values():
        expect(page.get_by_test_id(f"block-{block_id}")).to_be_visible()


def open_dashboard(page: Page) -> list[str]:
    """Frames the live socket received (to know when the subscription is in place)."""
    frames: list[str] = []

    def on_socket(ws: Any) -> None:
        if ws.url.endswith("/ui/api/live"):
            ws.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", on_socket)
    return frames


def wait_subscribed(page: Page, frames: list[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any('"subscribed"' in f for f in frames):
        assert time.monotonic() < deadline, "the live socket never subscribed"
        page.wait_for_timeout(50)


def test_blocks_update_live_from_mqtt(account: Account, web: Server, open_page: OpenPage) -> None:
    page = open_page("/", account.state)
    frames = open_dashboard(page)
    page.goto(f"/dashboards/{account.dashboard}")
    wait_subscribed(page, frames)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"ui-{uuid.uuid4().hex[:8]}")
    client.username_pw_set(account.username, account.key)
    client.connect("127.0.0.1", web.mqtt_port)
    client.loop_start()
    try:
        for value in ("42", "57.5"):
            client.publish(f"{account.username}/feeds/{account.feeds['number']}", value, qos=1)
            for visual_type in ("gauge", "text", "stream", "indicator"):
                block_id = account.blocks[visual_type]
                value_of = page.get_by_test_id(f"block-value-{block_id}")
                if visual_type == "indicator":
                    # An indicator shows a state, not the number: it must exist and change.
                    expect(value_of).to_be_visible(timeout=LIVE_TIMEOUT_MS)
                    continue
                expect(value_of).to_contain_text(value, timeout=LIVE_TIMEOUT_MS)
        client.publish(f"{account.username}/feeds/{account.feeds['switch']}", "ON", qos=1)
        toggle = page.get_by_test_id(f"block-value-{account.blocks['toggle_button']}")
        expect(toggle).to_contain_text("ON", timeout=LIVE_TIMEOUT_MS)
    finally:
        client.loop_stop()
        client.disconnect()


def last_value(account: Account, web: Server, key: str) -> str | None:
    with account.api(web) as api:
        response = api.get(f"/feeds/{key}/data/last")
    return str(response.json()["value"]) if response.status_code == 200 else None


def wait_for_value(account: Account, web: Server, key: str, want: str) -> None:
    deadline = time.monotonic() + 5
    while last_value(account, web, key) != want:
        assert time.monotonic() < deadline, f"{key} never got {want!r}"
        time.sleep(0.1)


def test_controls_store_their_values(account: Account, web: Server, open_page: OpenPage) -> None:
    page = open_page(f"/dashboards/{account.dashboard}", account.state)
    switch = account.feeds["switch"]
    before = last_value(account, web, switch)
    page.get_by_test_id(f"toggle-{account.blocks['toggle_button']}").click()
    want = "OFF" if before == "ON" else "ON"
    wait_for_value(account, web, switch, want)
    expect(page.get_by_test_id(f"block-value-{account.blocks['toggle_button']}")).to_contain_text(
        want
    )
    page.get_by_test_id(f"toggle-{account.blocks['toggle_button']}").click()
    wait_for_value(account, web, switch, "OFF" if want == "ON" else "ON")

    button = page.get_by_test_id(f"button-{account.blocks['momentary_button']}")
    button.hover()
    page.mouse.down()
    wait_for_value(account, web, switch, "1")
    page.mouse.up()
    wait_for_value(account, web, switch, "0")

    slider = page.get_by_test_id(f"slider-{account.blocks['slider']}")
    slider.fill("73")  # an <input type=range> takes fill() and fires change
    wait_for_value(account, web, account.feeds["number"], "73")


def layout_of(account: Account, web: Server, block_id: str) -> dict[str, int]:
    with account.api(web) as api:
        layouts = api.get(f"/dashboards/{account.dashboard}").json()["layouts"]
    item = next(i for i in layouts["lg"] if str(i["i"]) == str(block_id))
    return {k: int(item[k]) for k in ("x", "y", "w", "h")}


def grid_box(page: Page, block_id: str) -> dict[str, float]:
    """Where a block sits inside the dashboard grid (the page above it may differ)."""
    grid = page.locator(".dashboard-grid").bounding_box()
    box = page.get_by_test_id(f"block-{block_id}").bounding_box()
    assert grid and box
    return {
        "x": box["x"] - grid["x"],
        "y": box["y"] - grid["y"],
        "width": box["width"],
        "height": box["height"],
    }


def test_move_and_resize_blocks_and_the_layout_is_kept(
    account: Account, web: Server, open_page: OpenPage
) -> None:
    page = open_page(f"/dashboards/{account.dashboard}", account.state)
    gauge = account.blocks["gauge"]
    item = page.get_by_test_id(f"block-{gauge}")
    expect(item).to_be_visible()
    page.get_by_test_id("dashboard-edit-toggle").click()
    saved = page.get_by_test_id("layout-save-state")

    box = item.bounding_box()
    assert box
    # Drag by the block's title bar to the left and down (new blocks fill the width, so the
    # gauge starts right of the chart; on the left it has room to grow).
    start = (box["x"] + box["width"] / 2, box["y"] + 12)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] - 40, start[1] + 20, steps=5)
    page.mouse.move(start[0] - 450, start[1] + 260, steps=20)
    page.mouse.up()
    expect(saved).to_have_attribute("data-state", "saved")
    moved = layout_of(account, web, gauge)
    dropped = item.bounding_box()
    assert dropped and dropped["x"] < box["x"] - 200, (box, dropped)

    handle = item.locator(".react-resizable-handle")
    hbox = handle.bounding_box()
    assert hbox
    corner = (hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2)
    page.mouse.move(*corner)
    page.mouse.down()
    page.mouse.move(corner[0] + 20, corner[1] + 20, steps=5)
    page.mouse.move(corner[0] + 160, corner[1] + 110, steps=20)
    page.mouse.up()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=layout-save-state]')?.dataset.state === 'saved'"
    )
    deadline = time.monotonic() + 5
    resized = layout_of(account, web, gauge)
    while (resized["w"], resized["h"]) == (moved["w"], moved["h"]):
        assert time.monotonic() < deadline, f"the resize was not saved: {resized}"
        time.sleep(0.1)
        resized = layout_of(account, web, gauge)
    assert resized["w"] > moved["w"] and resized["h"] > moved["h"]

    page.get_by_test_id("dashboard-edit-toggle").click()  # leave edit mode
    after_edit = grid_box(page, gauge)
    page.reload()
    expect(page.get_by_test_id(f"block-{gauge}")).to_be_visible()
    reloaded = grid_box(page, gauge)
    for key in ("x", "y", "width", "height"):
        assert abs(after_edit[key] - reloaded[key]) < 4, (key, after_edit, reloaded)
    assert layout_of(account, web, gauge) == resized


def test_public_dashboard_signed_out(
    account: Account, web: Server, open_page: OpenPage, console: Console
) -> None:
    with account.api(web) as api:
        shared = api.put(f"/feeds/{account.feeds['number']}", json={"visibility": "public"})
        assert shared.status_code == 200
        api.post(f"/feeds/{account.feeds['number']}/data", json={"value": 64})
    owner = open_page(f"/dashboards/{account.dashboard}", account.state)
    owner.get_by_test_id("dashboard-visibility").select_option("public")
    expect(owner.get_by_test_id("dashboard-public-link")).to_be_visible()

    page = open_page(f"/public/{account.username}/dashboards/{account.dashboard}")
    expect(page.get_by_test_id("public-dashboard")).to_be_visible()
    expect(page.get_by_test_id(f"block-value-{account.blocks['gauge']}")).to_contain_text("64")
    expect(page.get_by_test_id("signout")).to_have_count(0)
    expect(page.get_by_test_id("dashboard-edit-toggle")).to_have_count(0)
    # Private dashboards are not found by visitors.
    with account.api(web) as api:
        api.post("/dashboards", json={"name": "Hidden Board"})
    hidden = open_page(f"/public/{account.username}/dashboards/hidden-board")
    expect(hidden.get_by_test_id("public-dashboard")).to_have_count(0)
    expect(hidden.get_by_text(re.compile("not found", re.IGNORECASE)).first).to_be_visible()
    # The browser logs the 404 that told the page so; nothing else may be logged.
    console.errors = [e for e in console.errors if "404" not in e or "hidden-board" not in e]


def test_settings_show_the_key(account: Account, web: Server, open_page: OpenPage) -> None:
    page = open_page("/settings", account.state)
    shown = page.get_by_test_id("aio-key")
    expect(shown).to_have_attribute("data-key", account.key)  # masked until revealed
    expect(page.get_by_test_id("aio-key-copy")).to_be_visible()
    page.get_by_test_id("key-regenerate").click()
    page.get_by_test_id("key-regenerate-confirm").click()
    expect(shown).not_to_have_attribute("data-key", account.key)
    new = page.context.request.get("/ui/api/session").json()["aio_key"]
    expect(shown).to_have_attribute("data-key", new)
    old = httpx.get(f"{web.base_url}/api/v2/user", headers={"X-AIO-Key": account.key})
    assert old.status_code == 401
    account.key = new


def test_settings_download_the_whole_account_and_import_it(
    account: Account, open_page: OpenPage
) -> None:
    page = open_page("/settings", account.state)
    with page.expect_download() as download:
        page.get_by_test_id("account-export").click()
    assert download.value.suggested_filename.startswith(f"stonechat-{account.username}-")
    with zipfile.ZipFile(download.value.path()) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        feeds = {f["key"] for f in json.loads(archive.read("feeds.json"))}
    assert manifest["username"] == account.username
    assert set(account.feeds.values()) <= feeds and manifest["counts"]["points"] > 0
    # Imported back into the same account: everything is there already.
    page.get_by_test_id("account-import-file").set_input_files(download.value.path())
    page.get_by_test_id("account-import-submit").click()
    done = page.get_by_test_id("account-import-done")
    expect(done).to_contain_text(f"0 points ({manifest['counts']['points']:,} there already)")


def test_theme_toggle(account: Account, open_page: OpenPage) -> None:
    page = open_page("/feeds", account.state)
    html = page.locator("html")
    before = html.get_attribute("data-theme")
    page.get_by_test_id("theme-toggle").click()
    expect(html).not_to_have_attribute("data-theme", before or "")
    page.reload()  # the choice is kept
    expect(html).not_to_have_attribute("data-theme", before or "")


def test_screenshots_light_and_dark(account: Account, open_page: OpenPage) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "feeds": ("/feeds", "feed-row-" + account.feeds["number"]),
        "feed": (f"/feeds/{account.feeds['number']}", "feed-chart"),
        "dashboards": ("/dashboards", f"dashboard-row-{account.dashboard}"),
        "dashboard": (f"/dashboards/{account.dashboard}", f"block-{account.blocks['gauge']}"),
        "settings": ("/settings", "nav-settings"),
        "public": (
            f"/public/{account.username}/dashboards/{account.dashboard}",
            "public-dashboard",
        ),
        "signin": ("/signin", "signin-username"),
    }
    for scheme in ("light", "dark"):
        for name, (path, ready) in pages.items():
            signed_out = name in ("public", "signin")
            page = open_page(path, None if signed_out else account.state, color_scheme=scheme)
            expect(page.get_by_test_id(ready).first).to_be_visible()
            expect(page.locator("html")).to_have_attribute("data-theme", scheme)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"), full_page=True)
            page.context.close()
    assert len(list(SHOTS.glob("*.png"))) >= 14


def test_session_expiry_sends_back_to_sign_in(
    open_page: OpenPage, tmp_path: Path, console: Console
) -> None:
    srv = start_server(tmp_path, STONECHAT_SESSION_IDLE_MINUTES=str(3 / 60))
    try:
        page = open_page("/signup", server=srv)
        sign_up(page, f"idle{uuid.uuid4().hex[:6]}")
        page.get_by_test_id("nav-dashboards").click()
        expect(page.get_by_test_id("dashboard-create-open")).to_be_visible()
        page.wait_for_timeout(3_500)  # the idle timeout itself is what is tested
        page.get_by_test_id("nav-feeds").click()
        expect(page.get_by_test_id("signin-username")).to_be_visible()
        # The 401s that told the UI are expected here; closed first, the page logs no more
        # of them (a slow machine logged one after the sign-in form showed).
        page.close()
        console.errors = [e for e in console.errors if "401" not in e]
    finally:
        srv.stop()
