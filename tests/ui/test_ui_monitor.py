"""The Monitor page in headless Chromium (Debian's) against a real server of its own with a
data rate of 5 points a minute: a signed-in user opens Monitor and sees an action run (made
with Run now over the API), the data rate against the limit, and — live, without reloading —
the ``{user}/errors`` notice of a refused MQTT publish and the ``{user}/throttle`` notice of
publishing too fast. Element hooks are the ``data-testid`` names of ui/README.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest

from support import Server
from ui.test_ui_browser import (
    Console,
    OpenPage,
    chromium,  # noqa: F401 - fixtures
    console,  # noqa: F401
    open_page,  # noqa: F401
    start_server,
)

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.slow

PASSWORD = "password123"  # Server.create_user
RATE = 5


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server the browser fixtures use: 5 points a minute per user."""
    srv = start_server(
        Path(tmp_path_factory.mktemp("monitor-web")), STONECHAT_DATA_RATE_LIMIT=str(RATE)
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def account(web: Server) -> tuple[str, str]:
    """A user and its key, made before the browser starts (both use an event loop)."""
    return web.create_user("mon")


def sign_in(page: Page, username: str) -> None:
    page.goto("/signin")
    page.get_by_test_id("signin-username").fill(username)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signout")).to_be_visible()


def test_monitor_shows_runs_rate_and_live_notices(
    web: Server,
    account: tuple[str, str],
    open_page: OpenPage,  # noqa: F811
    console: Console,  # noqa: F811
) -> None:
    username, key = account
    with httpx.Client(
        base_url=f"{web.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=10
    ) as api:
        made = api.post("/feeds", json={"feed": {"name": "Temp"}})
        assert made.status_code == 201, made.text
        action = api.post(
            "/actions",
            json={
                "action": {
                    "name": "Too hot",
                    "trigger": {"feed": made.json()["key"], "operator": ">", "value": "30"},
                    "outputs": [{"type": "log", "message": "{{ value }} degrees"}],
                }
            },
        )
        assert action.status_code == 201, action.text
        run = api.post(f"/actions/{action.json()['id']}/run")
        assert run.status_code in (200, 201), run.text
        run_id = run.json()["id"]

    page = open_page("/signin")
    sign_in(page, username)
    page.get_by_test_id("nav-monitor").click()
    expect(page.get_by_test_id(f"monitor-run-{run_id}")).to_contain_text("Too hot")
    expect(page.get_by_test_id("monitor-rate")).to_have_attribute("data-limit", str(RATE))
    expect(page.get_by_test_id("monitor-no-ban")).to_be_visible()
    expect(page.get_by_test_id("monitor-live-status")).to_have_attribute("data-status", "open")
    expect(page.get_by_test_id("monitor-notices-empty")).to_be_visible()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"monitor-{username}")
    client.username_pw_set(username, key)
    client.connect("127.0.0.1", web.mqtt_port)
    client.loop_start()
    try:
        # Another user's namespace: refused, said on {username}/errors.
        client.publish("someone-else/feeds/x", "1", qos=1).wait_for_publish(5)
        errors = page.locator("[data-testid=monitor-notice][data-kind=errors]")
        expect(errors.first).to_contain_text("PUBLISH someone-else/feeds/x")
        # Faster than 5 points a minute: the sixth is throttled.
        for i in range(RATE + 1):
            client.publish(f"{username}/feeds/temp", str(20 + i), qos=1).wait_for_publish(5)
        throttle = page.locator("[data-testid=monitor-notice][data-kind=throttle]")
        expect(throttle.first).to_contain_text("data rate limit reached")
    finally:
        client.loop_stop()
        client.disconnect()
    expect(page.get_by_test_id("monitor-rate")).to_have_attribute("data-used", str(RATE))
    assert console.errors == []
