"""The UI and the API docs under their Content-Security-Policy, in headless Chromium: no
violation while signing in and using the pages, the live socket and MQTT over WebSocket
connect, and the policy is enforced (an injected inline script does not run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Server, free_port
from ui.chromium import launched

pytest.importorskip("playwright")
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def users(web: Server) -> list[tuple[str, str]]:
    # Made before Playwright starts: its event loop runs in this thread from then on.
    return web.create_users(3, "csp")


@pytest.fixture(scope="module")
def chromium(users: list[tuple[str, str]]) -> Iterator[Browser]:
    with launched() as browser:
        yield browser


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(
        backend="sqlite",
        data_dir=Path(tmp_path_factory.mktemp("csp")),
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
    )
    server.start()
    yield server
    server.stop()


class Violations:
    def __init__(self) -> None:
        self.found: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"pageerror: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and (
            "Content Security Policy" in message.text or "Refused to" in message.text
        ):
            self.found.append(message.text)


@pytest.fixture
def page(chromium: Browser, web: Server) -> Iterator[tuple[Page, Violations]]:
    context = chromium.new_context(base_url=web.base_url)
    context.set_default_timeout(10_000)
    violations = Violations()
    tab = context.new_page()
    violations.watch(tab)
    yield tab, violations
    context.close()


def sign_in(tab: Page, username: str) -> None:
    tab.goto("/signin")
    tab.get_by_test_id("signin-username").fill(username)
    tab.get_by_test_id("signin-password").fill("password123")
    tab.get_by_test_id("signin-submit").click()
    expect(tab.get_by_test_id("signout")).to_be_visible()


def test_the_ui_works_under_its_policy(
    page: tuple[Page, Violations], users: list[tuple[str, str]]
) -> None:
    tab, violations = page
    response = tab.goto("/signin")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    sign_in(tab, users[0][0])
    for path in ("/feeds", "/groups", "/dashboards", "/actions", "/actions/new", "/settings"):
        tab.goto(path)
        expect(tab.get_by_test_id("signout")).to_be_visible()
    assert not violations.found, "\n".join(violations.found)


OPEN_SOCKET = """async ([path, protocol]) => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
    return await new Promise((resolve) => {
        const socket = protocol ? new WebSocket(url, protocol) : new WebSocket(url);
        socket.onopen = () => { socket.close(); resolve('open'); };
        socket.onerror = () => resolve('error');
        setTimeout(() => resolve('timeout'), 5000);
    });
}"""


def test_the_live_socket_and_mqtt_over_websocket_connect(
    page: tuple[Page, Violations], users: list[tuple[str, str]]
) -> None:
    tab, violations = page
    sign_in(tab, users[1][0])
    assert tab.evaluate(OPEN_SOCKET, ["/ui/api/live", None]) == "open"
    assert tab.evaluate(OPEN_SOCKET, ["/mqtt", "mqtt"]) == "open"
    assert not violations.found, "\n".join(violations.found)


def test_the_policy_is_enforced(page: tuple[Page, Violations]) -> None:
    """What an injection would try: an inline script, a script from another host."""
    tab, violations = page
    tab.goto("/signin")
    ran = tab.evaluate(
        """() => {
            const inline = document.createElement('script');
            inline.textContent = 'window.__inline = 1';
            document.body.appendChild(inline);
            const remote = document.createElement('script');
            remote.src = 'http://127.0.0.2:9/evil.js';
            document.body.appendChild(remote);
            return window.__inline === 1;
        }"""
    )
    assert ran is False
    tab.wait_for_timeout(200)
    refused = "\n".join(violations.found)
    assert "inline script" in refused, refused
    assert "127.0.0.2:9/evil.js" in refused, refused


def test_dragging_a_block_under_the_policy(
    page: tuple[Page, Violations], web: Server, users: list[tuple[str, str]]
) -> None:
    """react-draggable adds a <style> element when a drag starts: allowed by its hash."""
    username, key = users[2]
    with httpx.Client(
        base_url=f"{web.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}
    ) as api:
        assert api.post("/feeds/temp/data", json={"value": "21"}).status_code == 200
        assert api.post("/dashboards", json={"name": "board"}).status_code == 201
        block = {"name": "T", "visual_type": "gauge", "block_feeds": [{"feed_id": "temp"}]}
        created = api.post("/dashboards/board/blocks", json={"block": block})
        assert created.status_code in (200, 201), created.text
        block_id = created.json()["id"]
    tab, violations = page
    sign_in(tab, username)
    tab.goto("/dashboards/board")
    item = tab.get_by_test_id(f"block-{block_id}")
    expect(item).to_be_visible()
    tab.get_by_test_id("dashboard-edit-toggle").click()
    box = item.bounding_box()
    assert box
    start = (box["x"] + box["width"] / 2, box["y"] + 12)
    tab.mouse.move(*start)
    tab.mouse.down()
    tab.mouse.move(start[0] + 40, start[1] + 20, steps=5)
    tab.mouse.move(start[0] + 300, start[1] + 100, steps=10)
    tab.mouse.up()
    assert tab.evaluate("() => !!document.getElementById('react-draggable-style-el')")
    assert not violations.found, "\n".join(violations.found)


def test_the_api_docs_render_under_their_policy(page: tuple[Page, Violations]) -> None:
    tab, violations = page
    tab.goto("/api/docs")
    expect(tab.locator(".swagger-ui .opblock").first).to_be_visible()
    assert not violations.found, "\n".join(violations.found)
