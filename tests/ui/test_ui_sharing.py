"""Sharing and device tokens in headless Chromium (Debian's) against a real server.

Two accounts, alice and bob. Alice shares a feed with bob (Read) in the share dialog; bob
finds it under "Shared with me" on his Feeds page, opens it read-only and sees alice's points
arrive live until she revokes the share. Then alice makes a token for one feed in Settings,
copies the secret, publishes with it from paho, and revokes it: the connection is closed and
a new one refused. Element hooks are the ``data-testid`` names of ui/README.md.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest

from support import Server
from ui.test_ui_browser import (
    LIVE_TIMEOUT_MS,
    SHOTS,
    Console,
    OpenPage,
    chromium,  # noqa: F401 - fixtures
    console,  # noqa: F401
    open_page,  # noqa: F401
    wait_subscribed,
    web,  # noqa: F401
)

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.slow

PASSWORD = "password123"  # Server.create_users
REVOKED_WITHIN_S = 3.0  # "within 1 s" server-side, plus the browser's and paho's share


@dataclass
class User:
    username: str
    key: str

    def api(self, server: Server) -> httpx.Client:
        return httpx.Client(
            base_url=f"{server.base_url}/api/v2/{self.username}",
            headers={"X-AIO-Key": self.key},
            timeout=10,
        )


@pytest.fixture(scope="module")
def people(web: Server) -> tuple[User, User]:  # noqa: F811
    (alice, alice_key), (bob, bob_key) = web.create_users(2, prefix="ui")
    return User(alice, alice_key), User(bob, bob_key)


@pytest.fixture(scope="module")
def feed(web: Server, people: tuple[User, User]) -> str:  # noqa: F811
    alice, _bob = people
    with alice.api(web) as api:
        made = api.post("/feeds", json={"feed": {"name": "Porch Light"}})
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


def sign_in(page: Page, user: User) -> None:
    """Through the sign-in form, as a person would."""
    page.goto("/signin")
    page.get_by_test_id("signin-username").fill(user.username)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signout")).to_be_visible()


def live_frames(page: Page) -> list[str]:
    """Frames the live socket receives, from now on."""
    frames: list[str] = []

    def on_socket(ws: Any) -> None:
        if ws.url.endswith("/ui/api/live"):
            ws.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", on_socket)
    return frames


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def post(user: User, server: Server, key: str, value: str) -> None:
    with user.api(server) as api:
        response = api.post(f"/feeds/{key}/data", json={"value": value})
    assert response.status_code == 200, response.text


# -- sharing ------------------------------------------------------------------------------


def test_share_a_feed_and_see_it_live_until_revoked(
    web: Server,  # noqa: F811
    people: tuple[User, User],
    feed: str,
    open_page: OpenPage,  # noqa: F811
    console: Console,  # noqa: F811
) -> None:
    alice, bob = people
    owner = open_page("/signin")
    sign_in(owner, alice)
    owner.goto(f"/feeds/{feed}")
    owner.get_by_test_id("share-button").click()
    dialog = owner.get_by_test_id("share-dialog")
    expect(dialog.get_by_test_id("share-empty")).to_be_visible()
    # Errors show inline in the dialog.
    owner.get_by_test_id("share-username").fill(f"nobody{uuid.uuid4().hex[:6]}")
    owner.get_by_test_id("share-add").click()
    expect(owner.get_by_test_id("share-error")).to_be_visible()
    owner.get_by_test_id("share-username").fill(bob.username)
    owner.get_by_test_id("share-mode").select_option("r")
    owner.get_by_test_id("share-add").click()
    row = owner.get_by_test_id(f"share-row-{bob.username}")
    expect(row).to_contain_text("Read")
    expect(row).to_have_attribute("data-mode", "r")
    shot(owner, "share-dialog")

    viewer = open_page("/signin")
    sign_in(viewer, bob)
    viewer.get_by_test_id("nav-feeds").click()
    expect(viewer.get_by_test_id("shared-list")).to_be_visible()
    entry = viewer.get_by_test_id(f"shared-feed-{alice.username}-{feed}")
    expect(entry).to_contain_text("Porch Light")
    expect(entry).to_contain_text("Read")
    shot(viewer, "shared-with-me")
    entry.get_by_role("link", name="Porch Light").click()
    page = viewer.get_by_test_id("shared-feed-page")
    expect(page).to_have_attribute("data-owner", alice.username)
    expect(page).to_have_attribute("data-mode", "r")
    frames = live_frames(viewer)
    viewer.reload()  # the address works on its own too
    expect(page).to_have_attribute("data-owner", alice.username)
    expect(viewer.get_by_test_id("feed-chart")).to_be_visible()
    # Read-only: no owner controls, no write form.
    for hidden in ("feed-edit", "feed-delete", "share-button", "data-add-value", "webhook-create"):
        expect(viewer.get_by_test_id(hidden)).to_have_count(0)
    wait_subscribed(viewer, frames)

    post(alice, web, feed, "41.5")
    last = viewer.get_by_test_id("feed-last-value")
    expect(last).to_contain_text("41.5", timeout=LIVE_TIMEOUT_MS)
    expect(viewer.get_by_test_id("data-table")).to_contain_text("41.5")
    shot(viewer, "shared-feed")

    # Alice revokes; bob's open page stops receiving.
    owner.get_by_test_id(f"share-revoke-{bob.username}").click()
    expect(owner.get_by_test_id(f"share-row-{bob.username}")).to_have_count(0)
    expect(owner.get_by_test_id("share-empty")).to_be_visible()
    time.sleep(1.0)  # revocations reach every subscription within a second
    seen = len(frames)
    post(alice, web, feed, "99.25")
    viewer.wait_for_timeout(REVOKED_WITHIN_S * 1000)
    expect(last).not_to_contain_text("99.25")
    assert not any("99.25" in f for f in frames[seen:]), frames[seen:]
    # And the list no longer offers it.
    viewer.goto("/feeds")
    expect(viewer.get_by_test_id("feed-create-open")).to_be_visible()
    expect(viewer.get_by_test_id(f"shared-feed-{alice.username}-{feed}")).to_have_count(0)
    # The browser logs the 422 that refused the unknown user; nothing else may be logged.
    console.errors = [e for e in console.errors if "422" not in e or "/acl" not in e]


# -- tokens -------------------------------------------------------------------------------


class Device:
    """A paho client that records its CONNACK and its disconnection."""

    def __init__(self, server: Server, username: str, password: str) -> None:
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.reason: Any = None
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"tok-{uuid.uuid4().hex[:8]}"
        )
        self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.server = server

    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        self.reason = reason
        self.connected.set()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, _reason: Any, _p: Any = None) -> None:
        self.disconnected.set()

    def connect(self) -> bool:
        """Connects; True when the broker accepted the credentials."""
        self.client.connect("127.0.0.1", self.server.mqtt_port)
        self.client.loop_start()
        assert self.connected.wait(10), "no CONNACK"
        return not self.reason.is_failure

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def devices() -> Iterator[list[Device]]:
    made: list[Device] = []
    yield made
    for device in made:
        device.close()


def last_value(user: User, server: Server, key: str) -> str | None:
    with user.api(server) as api:
        response = api.get(f"/feeds/{key}/data/last")
    return str(response.json()["value"]) if response.status_code == 200 else None


def test_create_a_token_use_it_from_paho_and_revoke_it(
    web: Server,  # noqa: F811
    people: tuple[User, User],
    feed: str,
    open_page: OpenPage,  # noqa: F811
    devices: list[Device],
) -> None:
    alice, _bob = people
    page = open_page("/signin")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, alice)
    page.get_by_test_id("nav-settings").click()
    expect(page.get_by_test_id("tokens-empty")).to_be_visible()
    page.get_by_test_id("token-create-open").click()
    page.get_by_test_id("token-name").fill("porch sensor")
    page.get_by_test_id("token-scope-key-0").select_option(feed)
    page.get_by_test_id("token-scope-mode-0").select_option("rw")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/tokens")
    ) as created:
        page.get_by_test_id("token-create-submit").click()
    assert created.value.status == 201
    token_id = created.value.json()["id"]

    secret_box = page.get_by_test_id("token-secret")
    expect(secret_box).to_be_visible()
    expect(page.get_by_test_id("token-created")).to_contain_text("only time")
    page.get_by_test_id("token-secret-copy").click()
    expect(page.get_by_test_id("token-secret-copy")).to_have_text("Copied")
    secret = str(page.evaluate("navigator.clipboard.readText()"))
    assert secret and secret == secret_box.get_attribute("data-secret")
    row = page.get_by_test_id(f"token-row-{token_id}")
    expect(row).to_contain_text("porch sensor")
    expect(page.get_by_test_id(f"token-scopes-{token_id}")).to_contain_text(
        f"feed {feed}: Read + write"
    )
    expect(page.get_by_test_id(f"token-last-used-{token_id}")).to_have_text("never")
    shot(page, "token-created")

    # The copied secret works from paho as the MQTT password, for that feed.
    device = Device(web, alice.username, secret)
    devices.append(device)
    assert device.connect(), f"the token was refused: {device.reason}"
    info = device.client.publish(f"{alice.username}/feeds/{feed}", "73.5", qos=1)
    info.wait_for_publish(5)
    deadline = time.monotonic() + 5
    while last_value(alice, web, feed) != "73.5":
        assert time.monotonic() < deadline, "the token's point was not stored"
        time.sleep(0.1)
    feed_page = open_page(f"/feeds/{feed}", page.context.storage_state())
    expect(feed_page.get_by_test_id("feed-last-value")).to_contain_text("73.5")
    page.reload()
    expect(page.get_by_test_id(f"token-last-used-{token_id}")).not_to_have_text("never")
    expect(page.get_by_test_id("token-secret")).to_have_count(0)  # shown once only

    # Revoke: the open connection ends within seconds and a new one is refused.
    page.get_by_test_id(f"token-revoke-{token_id}").click()
    page.get_by_test_id("token-revoke-confirm").click()
    expect(page.get_by_test_id(f"token-row-{token_id}")).to_have_count(0)
    assert device.disconnected.wait(REVOKED_WITHIN_S), "the token's connection stayed open"
    again = Device(web, alice.username, secret)
    devices.append(again)
    assert not again.connect(), "a revoked token was accepted"
    with httpx.Client(base_url=web.base_url, timeout=10) as client:
        refused = client.get(
            f"/api/v2/{alice.username}/feeds/{feed}", headers={"X-AIO-Key": secret}
        )
    assert refused.status_code in (401, 403)
