"""Accessibility of every page of the web UI, in headless Chromium (Debian's): axe-core (from
ui/node_modules, injected into the page) reports no serious or critical violation, light and
dark; and the keyboard alone reaches the main controls.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Server, free_port
from ui.admin_support import PASSWORD, make_admin
from ui.chromium import launched

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect

AXE = Path(__file__).resolve().parents[2] / "ui" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 900}
BLOCKING = ("serious", "critical")

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


@dataclass
class Site:
    server: Server
    username: str
    feed: str
    dashboard: str
    action: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server, and an administrator with a located numeric feed, a group, a public
    dashboard of several blocks, and an action: every page has something to show."""
    server = Server(
        backend="sqlite",
        data_dir=Path(tmp_path_factory.mktemp("a11y")),
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
    )
    server.start()
    name = make_admin(server)
    with httpx.Client(base_url=server.base_url, timeout=30) as web:
        signin = web.post("/ui/api/signin", json={"username": name, "password": PASSWORD})
        key = signin.json().get("aio_key") or web.get("/ui/api/session").json()["aio_key"]
    api = httpx.Client(
        base_url=f"{server.base_url}/api/v2/{name}", headers={"X-AIO-Key": key}, timeout=30
    )
    with api:
        api.post("/feeds", json={"feed": {"name": "Temperature", "visibility": "public"}})
        now = time.time()
        points = [
            {"value": str(20 + i % 7), "lat": 52.5 + i / 1000, "lon": 13.4, "epoch": now - 60 * i}
            for i in range(60)
        ]
        assert api.post("/feeds/temperature/data/batch", json=points).status_code == 200
        api.post("/groups", json={"group": {"name": "House"}})
        made = api.post("/dashboards", json={"name": "Home", "visibility": "public"})
        assert made.status_code in (200, 201), made.text
        for kind in ("line_chart", "gauge", "toggle_button", "slider", "text", "map", "stream"):
            block = {"visual_type": kind, "name": kind, "block_feeds": [{"feed_id": "temperature"}]}
            assert api.post("/dashboards/home/blocks", json=block).status_code in (200, 201)
        action = api.post(
            "/actions",
            json={
                "name": "hot",
                "trigger": {"feed": "temperature", "operator": "gt", "value": "25"},
                "outputs": [{"type": "log", "message": "hot {{ value }}"}],
            },
        )
        assert action.status_code in (200, 201), action.text
    yield Site(server, name, "temperature", "home", action.json()["id"])
    server.stop()


@pytest.fixture(scope="module")
def chromium(site: Site) -> Iterator[Browser]:
    with launched((AXE.exists(), "axe-core is missing: cd ui && npm ci")) as browser:
        yield browser


@pytest.fixture(scope="module")
def signed_in_state(chromium: Browser, site: Site) -> Any:
    context = chromium.new_context(base_url=site.server.base_url)
    try:
        response = context.request.post(
            "/ui/api/signin", data={"username": site.username, "password": PASSWORD}
        )
        assert response.ok, response.text()
        return context.storage_state()
    finally:
        context.close()


def open_page(chromium: Browser, site: Site, path: str, state: Any, scheme: str = "light") -> Page:
    # axe is injected as an inline script: the page's policy would refuse it.
    context = chromium.new_context(
        base_url=site.server.base_url,
        storage_state=state,
        color_scheme=scheme,  # type: ignore[arg-type]
        viewport=VIEWPORT,  # type: ignore[arg-type]
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(path)
    expect(page.locator("h1").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # charts and maps draw after their data arrives
    return page


def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.slice(0, 6).map((n) => ({
                    target: n.target.join(" "),
                    html: n.html.slice(0, 160),
                    summary: n.failureSummary,
                })),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


def paths(site: Site) -> dict[str, tuple[str, bool]]:
    """Page name -> (path, signed in)."""
    u, feed, board, action = site.username, site.feed, site.dashboard, site.action
    return {
        "sign-in": ("/signin", False),
        "sign-up": ("/signup", False),
        "forgot-password": ("/forgot-password", False),
        "feeds": ("/feeds", True),
        "feed": (f"/feeds/{feed}", True),
        "groups": ("/groups", True),
        "dashboards": ("/dashboards", True),
        "dashboard": (f"/dashboards/{board}", True),
        "actions": ("/actions", True),
        "action": (f"/actions/{action}", True),
        "action-new": ("/actions/new", True),
        "action-edit": (f"/actions/{action}/edit", True),
        "settings": ("/settings", True),
        "monitor": ("/monitor", True),
        "admin": ("/admin", True),
        "public-dashboard": (f"/public/{u}/dashboards/{board}", False),
    }


PAGES = [
    "sign-in",
    "sign-up",
    "forgot-password",
    "feeds",
    "feed",
    "groups",
    "dashboards",
    "dashboard",
    "actions",
    "action",
    "action-new",
    "action-edit",
    "settings",
    "monitor",
    "admin",
    "public-dashboard",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_violation(
    chromium: Browser, site: Site, signed_in_state: Any, name: str, scheme: str
) -> None:
    path, signed = paths(site)[name]
    page = open_page(chromium, site, path, signed_in_state if signed else None, scheme)
    try:
        found = violations(page)
        assert not found, f"axe on {path} ({scheme}):\n" + json.dumps(found, indent=2)
    finally:
        page.context.close()


# Dialogs and forms that open on a page: (path as in paths(), the test ids to click, the
# test id that then shows).
OPENED = {
    "new-feed-dialog": ("feeds", ["feed-create-open"], "feed-name"),
    "edit-feed-dialog": ("feed", ["feed-edit"], "feed-name"),
    "share-dialog": ("feed", ["share-button"], "share-dialog"),
    "custom-chart-range": ("feed", ["chart-range-custom"], "chart-custom-from"),
}


@pytest.mark.parametrize("name", list(OPENED))
def test_no_serious_violation_in_dialogs(
    chromium: Browser, site: Site, signed_in_state: Any, name: str
) -> None:
    where, clicks, shown = OPENED[name]
    path, _signed = paths(site)[where]
    page = open_page(chromium, site, path, signed_in_state)
    try:
        for test_id in clicks:
            page.get_by_test_id(test_id).click()
        expect(page.get_by_test_id(shown)).to_be_visible()
        found = violations(page)
        assert not found, f"axe on {path} with {name} open:\n" + json.dumps(found, indent=2)
    finally:
        page.context.close()


def focus_walk(page: Page, presses: int) -> list[str]:
    """What the Tab key focuses, in order: each element's test id, else its name."""
    seen: list[str] = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => {
                    const el = document.activeElement;
                    if (!el || el === document.body) return "";
                    return el.getAttribute("data-testid") || el.getAttribute("aria-label")
                        || (el.textContent || "").trim().slice(0, 40) || el.tagName;
                }"""
            )
        )
    return seen


def test_the_keyboard_reaches_the_main_controls(
    chromium: Browser, site: Site, signed_in_state: Any
) -> None:
    page = open_page(chromium, site, "/feeds", signed_in_state)
    try:
        seen = focus_walk(page, 40)
        wanted = ["nav-feeds", "nav-dashboards", "nav-settings", "theme-toggle", "signout"]
        assert all(w in seen for w in wanted), seen
        assert "feed-create-open" in seen, seen
        page.goto(f"/feeds/{site.feed}")
        expect(page.get_by_test_id("feed-chart")).to_be_visible()
        seen = focus_walk(page, 60)
        for wanted_id in ("chart-range-1h", "chart-range-24h", "chart-range-custom", "feed-edit"):
            assert wanted_id in seen, seen
        # A focused range button works from the keyboard.
        page.get_by_test_id("chart-range-1h").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("chart-range-1h")).to_have_attribute("aria-pressed", "true")
    finally:
        page.context.close()


def test_the_sign_in_form_works_from_the_keyboard(chromium: Browser, site: Site) -> None:
    page = open_page(chromium, site, "/signin", None)
    try:
        seen = focus_walk(page, 12)
        assert "signin-username" in seen and "signin-password" in seen, seen
        page.get_by_test_id("signin-username").focus()
        page.keyboard.type(site.username)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("signout")).to_be_visible()
    finally:
        page.context.close()
