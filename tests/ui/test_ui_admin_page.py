"""The Admin page in headless Chromium (Debian's) against a real server of its own: an
administrator disables a user whose paho-mqtt client is connected — the client is
disconnected and cannot connect again, REST refuses the key — and enables it again; a new
key is shown once; a user is deleted after confirming. A user who is not an administrator
does not see the page, and its API answers 403."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Server
from ui.admin_support import PASSWORD, Device, make_admin, wait_until
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


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(Path(tmp_path_factory.mktemp("admin-web")))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def people(web: Server) -> dict[str, tuple[str, str]]:
    """An administrator, and two users with their keys (made before the browser starts)."""
    admin = make_admin(web)
    return {
        "admin": (admin, ""),
        "device_owner": web.create_user("dev"),
        "other": web.create_user("oth"),
        "plain": web.create_user("plain"),
    }


def sign_in(page: Page, username: str) -> None:
    page.goto("/signin")
    page.get_by_test_id("signin-username").fill(username)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signout")).to_be_visible()


def rest(server: Server, name: str, key: str) -> int:
    url = f"{server.base_url}/api/v2/{name}/feeds"
    return httpx.get(url, headers={"X-AIO-Key": key}).status_code


def test_disable_a_connected_user_then_enable(
    web: Server,
    people: dict[str, tuple[str, str]],
    open_page: OpenPage,  # noqa: F811
    console: Console,  # noqa: F811
) -> None:
    name, key = people["device_owner"]
    device = Device(web, name, key)
    device.connect()
    assert device.connected.wait(10)
    try:
        page = open_page("/")
        sign_in(page, people["admin"][0])
        page.get_by_test_id("nav-admin").click()
        expect(page.get_by_test_id("admin-page")).to_be_visible()
        expect(page.get_by_test_id(f"admin-state-{name}")).to_have_text("active")
        expect(page.get_by_test_id(f"admin-connection-{device.client_id}")).to_be_visible()
        expect(page.get_by_test_id("admin-health-database")).to_have_attribute("data-ok", "true")

        page.get_by_test_id(f"admin-disable-{name}").click()
        expect(page.get_by_test_id(f"admin-state-{name}")).to_have_text("disabled")
        wait_until(lambda: not device.connected.is_set(), "the client to be disconnected")
        assert device.disconnects[-1] == 0x98  # administrative action
        assert device.attempt() == 0x87  # not authorized: it cannot come back
        assert rest(web, name, key) == 403
        expect(page.get_by_test_id(f"admin-connection-{device.client_id}")).to_have_count(0)

        page.get_by_test_id(f"admin-enable-{name}").click()
        expect(page.get_by_test_id(f"admin-state-{name}")).to_have_text("active")
        assert rest(web, name, key) == 200
        assert device.attempt() == 0
        expect(page.get_by_test_id(f"admin-connection-{device.client_id}")).to_be_visible()
        page.get_by_test_id(f"admin-disconnect-{device.client_id}").click()
        wait_until(lambda: not device.connected.is_set(), "Disconnect to end the connection")
    finally:
        device.stop()


def test_new_key_and_delete(
    web: Server,
    people: dict[str, tuple[str, str]],
    open_page: OpenPage,  # noqa: F811
    console: Console,  # noqa: F811
) -> None:
    name, old = people["other"]
    page = open_page("/")
    sign_in(page, people["admin"][0])
    page.goto("/admin")
    page.get_by_test_id(f"admin-key-{name}").click()
    page.get_by_test_id("admin-key-confirm").click()
    new = page.get_by_test_id("admin-new-key").inner_text().strip()
    assert rest(web, name, new) == 200 and rest(web, name, old) == 401
    page.keyboard.press("Escape")

    page.get_by_test_id(f"admin-rate-{name}").click()
    page.get_by_test_id("admin-rate-input").fill("9")
    page.get_by_test_id("admin-rate-save").click()
    expect(page.get_by_test_id(f"admin-rate-value-{name}")).to_contain_text("9/min")

    page.get_by_test_id(f"admin-delete-{name}").click()
    expect(page.get_by_test_id("admin-delete-dialog")).to_be_visible()
    page.get_by_test_id("admin-delete-confirm").click()
    expect(page.get_by_test_id(f"admin-user-{name}")).to_have_count(0)
    assert rest(web, name, new) == 401


def test_not_shown_to_other_users(
    web: Server,
    people: dict[str, tuple[str, str]],
    open_page: OpenPage,  # noqa: F811
    console: Console,  # noqa: F811
) -> None:
    name = people["plain"][0]
    page = open_page("/")
    sign_in(page, name)
    expect(page.get_by_test_id("nav-settings")).to_be_visible()
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    page.goto("/admin")
    expect(page.get_by_text("Only administrators may open this page.")).to_be_visible()
    expect(page.get_by_test_id("admin-page")).to_have_count(0)
    # The same session on the API: 403.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    answer = httpx.get(f"{web.base_url}/ui/api/admin/users", cookies=cookies)
    assert answer.status_code == 403 and "administrators" in answer.json()["error"]
