"""The Actions page in headless Chromium (Debian's) against a real server with a real SMTP
server (aiosmtpd, tests/actions/receivers.py) started by the test.

A user creates an action in the form (temp > 30: an email and a log line), posts a value over
REST, and sees the run on the action's page and the email in the SMTP server; Run now shows its
run; a dry run of a new form over the last day shows when it would have fired and why not; a
bad webhook URL gets the server's 422 next to the field. Element hooks are the ``data-testid``
names of ui/README.md.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from support import Server, free_port
from ui.test_ui_browser import (
    SHOTS,
    Console,
    OpenPage,
    chromium,  # noqa: F401 - fixtures
    console,  # noqa: F401
    open_page,  # noqa: F401
    start_server,
)

_ACTIONS = str(Path(__file__).resolve().parents[1] / "actions")
if _ACTIONS not in sys.path:
    sys.path.insert(0, _ACTIONS)
from receivers import Accounts, MailBox, SmtpServer  # noqa: E402

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.slow

PASSWORD = "password123"  # Server.create_user
RUN_WITHIN_MS = 15_000  # the engine runs at once; the page looks for runs every 5 s


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    box = MailBox()
    accounts = Accounts("ui-mail", "secret")
    port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=accounts, auth_require_tls=False
    )
    controller.start()
    try:
        yield SmtpServer(box, port, accounts)
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[Server]:
    """The server the browser fixtures use: with email through ``smtp``."""
    srv = start_server(
        Path(tmp_path_factory.mktemp("actions-web")),
        STONECHAT_SMTP_URL=smtp.url,
        STONECHAT_SMTP_USERNAME=smtp.accounts.username,
        STONECHAT_SMTP_PASSWORD=smtp.accounts.password,
        STONECHAT_MAIL_FROM="stonechat@example.org",
    )
    yield srv
    srv.stop()


class User:
    def __init__(self, server: Server) -> None:
        self.username, self.key = server.create_user("act")
        self.server = server

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.server.base_url}/api/v2/{self.username}",
            headers={"X-AIO-Key": self.key},
            timeout=10,
        )

    def post(self, feed: str, value: str) -> None:
        with self.api() as api:
            response = api.post(f"/feeds/{feed}/data", json={"value": value})
        assert response.status_code == 200, response.text

    def make_feed(self, name: str) -> str:
        with self.api() as api:
            made = api.post("/feeds", json={"feed": {"name": name}})
        assert made.status_code == 201, made.text
        return str(made.json()["key"])


@pytest.fixture(scope="module")
def user(web: Server) -> User:
    return User(web)


@pytest.fixture(scope="module")
def state(user: User) -> dict[str, Any]:
    """What the tests share: the feed and the action made in the first."""
    return {"temp": user.make_feed("Temp")}


def sign_in(page: Page, user: User) -> None:
    page.goto("/signin")
    page.get_by_test_id("signin-username").fill(user.username)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signout")).to_be_visible()


def open_new_form(page: Page) -> None:
    page.get_by_test_id("nav-actions").click()
    page.get_by_test_id("action-create-open").click()
    expect(page.get_by_test_id("action-form")).to_be_visible()


def unlabelled_fields(page: Page) -> list[str]:
    """Inputs, selects and textareas of the page without an accessible name."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter((el) => el.type !== 'hidden')
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map((el) => el.outerHTML.slice(0, 120))"""
    )
    return found


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_create_an_action_post_a_value_see_the_run_and_the_email(
    web: Server,
    smtp: SmtpServer,
    user: User,
    state: dict[str, Any],
    open_page: OpenPage,  # noqa: F811
) -> None:
    page = open_page("/signin")
    sign_in(page, user)
    open_new_form(page)
    # Fields found by their labels: each has one.
    page.get_by_label("Name", exact=True).fill("Too hot")
    page.get_by_label("Feed", exact=True).select_option(state["temp"])
    page.get_by_label("Condition").select_option("gt")
    page.get_by_label("Value", exact=True).fill("30")
    page.get_by_label("Cooldown (seconds)").fill("0")
    page.get_by_test_id("action-output-0-message").fill("saw {{ value }}")
    page.get_by_test_id("action-output-add-type").select_option("email")
    page.get_by_test_id("action-output-add").click()
    expect(page.get_by_test_id("action-output-1")).to_have_attribute("data-type", "email")
    page.get_by_test_id("action-output-1-to").fill("me@example.org")
    page.get_by_test_id("action-output-1-subject").fill("{{ feed.name }} is {{ value }}")
    page.get_by_test_id("action-output-1-body").fill("Hot: {{ value }} for {{ user.username }}")
    page.get_by_text("Template variables").click()
    expect(page.get_by_test_id("action-template-help")).to_contain_text("{{ feeds['key'].value }}")
    assert unlabelled_fields(page) == []
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/actions")
    ) as created:
        page.get_by_test_id("action-save").click()
    assert created.value.status == 201, created.value.text()
    action = created.value.json()
    state["action"] = action["id"]
    assert action["trigger"] == {
        "type": "data",
        "feed": state["temp"],
        "operator": "gt",
        "value": "30",
        "compare_feed": None,
        "when": "matches",
    }
    assert [o["type"] for o in action["outputs"]] == ["log", "email"]
    expect(page).to_have_url(f"{web.base_url}/actions/{action['id']}")
    expect(page.get_by_test_id("runs-empty")).to_be_visible()

    user.post(state["temp"], "20")  # not over 30: no run
    user.post(state["temp"], "31.5")
    rows = page.get_by_test_id("runs-table").locator("tbody tr")
    expect(rows).to_have_count(1, timeout=RUN_WITHIN_MS)
    expect(rows.first).to_have_attribute("data-status", "ok")
    expect(rows.first).to_have_attribute("data-reason", "data")
    expect(rows.first).to_contain_text("31.5")
    expect(rows.first).to_contain_text("saw 31.5")
    expect(rows.first).to_contain_text("sent to me@example.org")
    [envelope] = smtp.box.envelopes
    mail = message_from_bytes(envelope.content)  # type: ignore[arg-type]
    assert mail["Subject"] == "Temp is 31.5"
    assert envelope.rcpt_tos == ["me@example.org"]
    assert f"Hot: 31.5 for {user.username}" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    shot(page, "action-page")

    # The list: trigger in one line, the last run, and the enabled switch (PATCH).
    page.get_by_test_id("nav-actions").click()
    row = page.get_by_test_id(f"action-row-{action['id']}")
    expect(row).to_contain_text("Too hot")
    expect(page.get_by_test_id(f"action-trigger-{action['id']}")).to_have_text(
        f"{state['temp']} > 30"
    )
    expect(page.get_by_test_id(f"action-last-run-{action['id']}")).to_contain_text("ok")
    switch = page.get_by_test_id(f"action-enabled-{action['id']}")
    expect(switch).to_be_checked()
    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        switch.uncheck()
    assert patched.value.status == 200
    expect(switch).not_to_be_checked()
    with user.api() as api:
        assert api.get(f"/actions/{action['id']}").json()["enabled"] is False
    assert unlabelled_fields(page) == []
    shot(page, "actions-list")


def test_run_now_shows_the_run(
    smtp: SmtpServer,
    user: User,
    state: dict[str, Any],
    open_page: OpenPage,  # noqa: F811
) -> None:
    page = open_page("/signin")
    sign_in(page, user)
    page.goto(f"/actions/{state['action']}")
    sent_before = len(smtp.box.envelopes)
    page.get_by_role("button", name="Run now").click()
    result = page.get_by_test_id("action-run-result")
    expect(result).to_have_attribute("data-status", "ok")
    expect(result).to_contain_text("31.5")  # the feed's last value
    expect(result).to_contain_text("saw 31.5")
    rows = page.get_by_test_id("runs-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-reason", "run")
    deadline = time.monotonic() + 10
    while len(smtp.box.envelopes) == sent_before:
        assert time.monotonic() < deadline, "Run now sent no email"
        time.sleep(0.1)


def test_dry_run_over_the_last_day(
    user: User,
    open_page: OpenPage,  # noqa: F811
    console: Console,  # noqa: F811
) -> None:
    hum = user.make_feed("Humidity")
    for value in ("10", "50", "60", "20"):
        user.post(hum, value)
    page = open_page("/signin")
    sign_in(page, user)
    open_new_form(page)
    page.get_by_label("Name", exact=True).fill("Damp")
    page.get_by_label("Feed", exact=True).select_option(hum)
    page.get_by_label("Value", exact=True).fill("30")
    page.get_by_label("Run", exact=True).select_option("starts")
    page.get_by_label("Cooldown (seconds)").fill("0")
    page.get_by_test_id("action-dry-run-day").click()
    expect(page.get_by_test_id("dry-run-result")).to_be_visible()
    # 10 no; 50 starts: fired; 60 still true: not a start; 20 no.
    expect(page.get_by_test_id("dry-run-fired")).to_have_text("1")
    expect(page.get_by_test_id("dry-run-fired-list")).to_contain_text("50")
    missed = page.get_by_test_id("dry-run-missed").locator("li")
    expect(missed).to_have_count(3)
    expect(missed.first).to_contain_text("10")
    expect(page.get_by_test_id("dry-run-timeline").locator("circle")).to_have_count(4)
    shot(page, "action-dry-run")
    # Preview renders a template with the feed's last value, as a run would.
    page.get_by_test_id("action-output-0-message").fill("{{ feed.name }} at {{ value }}%")
    page.get_by_test_id("preview-0-message").click()
    expect(page.get_by_test_id("preview-text-0-message")).to_contain_text("Humidity at 20%")
    page.get_by_test_id("action-output-0-message").fill("{{ nope }}")
    page.get_by_test_id("preview-0-message").click()
    expect(page.get_by_test_id("preview-error-0-message")).to_contain_text("unknown variable")
    console.errors = [e for e in console.errors if "422" not in e]  # the refused preview
    with user.api() as api:
        assert [a["name"] for a in api.get("/actions").json()] == ["Too hot"]  # nothing saved


def test_a_bad_webhook_url_shows_the_error_on_the_form(
    web: Server,
    user: User,
    state: dict[str, Any],
    open_page: OpenPage,  # noqa: F811
    console: Console,  # noqa: F811
) -> None:
    page = open_page("/signin")
    sign_in(page, user)
    open_new_form(page)
    page.get_by_label("Name", exact=True).fill("Hook")
    page.get_by_label("Feed", exact=True).select_option(state["temp"])
    page.get_by_label("Value", exact=True).fill("30")
    page.get_by_test_id("action-output-add-type").select_option("webhook")
    page.get_by_test_id("action-output-add").click()
    page.get_by_test_id("action-output-1-url").fill("ftp://example.org/hook")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/actions")
    ) as refused:
        page.get_by_test_id("action-save").click()
    assert refused.value.status == 422
    expect(page.get_by_test_id("action-error")).to_contain_text("outputs[1].url")
    expect(page.get_by_test_id("action-error-outputs[1].url")).to_contain_text("http://")
    expect(page.get_by_test_id("action-output-1-url")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(f"{web.base_url}/actions/new")
    shot(page, "action-form-error")
    # The browser logs the refused request itself: that one is expected.
    console.errors = [e for e in console.errors if "422" not in e]
