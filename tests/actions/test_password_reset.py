"""Password reset by email on a real server, every backend: the link reaches a real SMTP
server (aiosmtpd), works once, expires, is replaced by a newer one and by a password
change; wrong tokens are refused; requests are throttled per address (429) and emails per
account (silently); an unknown account gets the same answer; without email the request is
refused with 503 and /ui/api/config says so."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from receivers import SmtpServer
from sqlalchemy import update

from stonechat.config import Settings
from stonechat.runtime import open_database
from stonechat.storage.schema import password_resets, users
from support import Server, free_port
from ui.helpers import browser

RESET = "/ui/api/password-reset"
CONFIRM = "/ui/api/password-reset/confirm"


@pytest.fixture
def mail_server(
    backend: str, own_database: str | None, tmp_path: Path, smtp_server: SmtpServer
) -> Iterator[Server]:
    server = Server(
        backend=backend,
        data_dir=tmp_path / "server",
        database_url=own_database,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={
            "STONECHAT_SMTP_URL": smtp_server.url,
            "STONECHAT_SMTP_USERNAME": smtp_server.accounts.username,
            "STONECHAT_SMTP_PASSWORD": smtp_server.accounts.password,
            "STONECHAT_MAIL_FROM": "stonechat@example.org",
            # http: an https public URL makes the session cookie Secure, which httpx then
            # keeps off these plain-http requests (tests/deploy/test_proxies.py).
            "STONECHAT_PUBLIC_URL": "http://iot.example.org",
            "STONECHAT_PASSWORD_RESETS_PER_ADDRESS": "8",
            "STONECHAT_PASSWORD_RESETS_PER_ACCOUNT": "3",
        },
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def in_database(server: Server, change: Any) -> None:
    settings = Settings(data_dir=server.data_dir, database_url=server.database_url)

    async def go() -> None:
        db = open_database(settings)
        try:
            async with db.begin() as conn:
                await conn.execute(change)
        finally:
            await db.close()

    asyncio.run(go())


def user_with_email(server: Server, prefix: str = "r") -> tuple[str, str]:
    username, _key = server.create_user(prefix)
    email = f"{username}@example.org"
    in_database(server, update(users).where(users.c.username == username).values(email=email))
    return username, email


def wait_for(what: Callable[[], Any], seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def ask(client: httpx.Client, login: str) -> httpx.Response:
    return client.post(RESET, json={"login": login})


def link_in(smtp: SmtpServer, index: int) -> tuple[str, str]:
    """(recipient, token) of the ``index``-th email."""
    envelope = wait_for(lambda: len(smtp.box.envelopes) > index and smtp.box.envelopes[index])
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "Reset your Stonechat password"
    found = re.search(r"http://iot\.example\.org/reset-password\?token=(\S+)", mail.get_content())
    assert found, mail.get_content()
    return envelope.rcpt_tos[0], found.group(1)


def signs_in(server: Server, username: str, password: str) -> int:
    with browser(server) as client:
        return client.sign_in(username, password).status_code


def test_the_link_arrives_and_works_once(mail_server: Server, smtp_server: SmtpServer) -> None:
    username, email = user_with_email(mail_server)
    with browser(mail_server) as client:
        assert client.get("/ui/api/config").json()["email_enabled"] is True
        answer = ask(client, username)
        assert answer.status_code == 202, answer.text
        to, token = link_in(smtp_server, 0)
        assert to == email

        assert (
            client.post(CONFIRM, json={"token": "x" * 43, "new_password": "new-pass-1"})
            .json()["error"]
            .startswith("this reset link is not valid")
        )
        short = client.post(CONFIRM, json={"token": token, "new_password": "short"})
        assert short.status_code == 422  # and the link still works:
        assert signs_in(mail_server, username, "password123") == 200
        with browser(mail_server) as other:  # a browser signed in before the reset
            other.sign_in(username)
            assert other.get("/ui/api/session").status_code == 200
            done = client.post(CONFIRM, json={"token": token, "new_password": "new-pass-1"})
            assert done.status_code == 204, done.text
            assert other.get("/ui/api/session").status_code == 401  # signed out
        assert signs_in(mail_server, username, "new-pass-1") == 200
        assert signs_in(mail_server, username, "password123") == 401
        again = client.post(CONFIRM, json={"token": token, "new_password": "new-pass-2"})
        assert again.status_code == 400  # used
        assert signs_in(mail_server, username, "new-pass-1") == 200

        # By email address too; bad bodies.
        assert ask(client, email.upper()).status_code == 202
        assert link_in(smtp_server, 1)[0] == email
        assert client.post(RESET, json={}).status_code == 400
        assert client.post(RESET, json={"login": 5}).status_code == 400
        assert client.post(RESET, json={"login": "x" * 300}).status_code == 400
        assert client.post(RESET, content=b"login=x").status_code == 400  # JSON only
        assert client.post(CONFIRM, json={"token": token}).status_code == 400


def test_unknown_accounts_get_the_same_answer(mail_server: Server, smtp_server: SmtpServer) -> None:
    username, _email = user_with_email(mail_server)
    no_email, _key = mail_server.create_user("n")
    with browser(mail_server) as client:
        answers = [ask(client, login) for login in (username, "nobody-here", no_email)]
    assert {a.status_code for a in answers} == {202}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    wait_for(lambda: smtp_server.box.envelopes)
    time.sleep(0.5)
    assert len(smtp_server.box.envelopes) == 1


def test_links_expire_and_are_replaced(mail_server: Server, smtp_server: SmtpServer) -> None:
    username, _email = user_with_email(mail_server)
    with browser(mail_server) as client:
        ask(client, username)
        _to, first = link_in(smtp_server, 0)
        ask(client, username)
        _to, second = link_in(smtp_server, 1)
        replaced = client.post(CONFIRM, json={"token": first, "new_password": "new-pass-1"})
        assert replaced.status_code == 400
        in_database(
            mail_server, update(password_resets).values(expires_at=int(time.time() * 1000) - 1)
        )
        expired = client.post(CONFIRM, json={"token": second, "new_password": "new-pass-1"})
        assert expired.status_code == 400
        assert signs_in(mail_server, username, "password123") == 200

        # A password change (signed in) ends a pending link.
        ask(client, username)
        _to, third = link_in(smtp_server, 2)
        assert client.sign_in(username).status_code == 200
        changed = client.unsafe(
            "POST",
            "/ui/api/password",
            json={"current_password": "password123", "new_password": "changed-1"},
        )
        assert changed.status_code == 204
        late = client.post(CONFIRM, json={"token": third, "new_password": "new-pass-1"})
        assert late.status_code == 400
        assert signs_in(mail_server, username, "changed-1") == 200


def test_requests_are_throttled(mail_server: Server, smtp_server: SmtpServer) -> None:
    username, _email = user_with_email(mail_server)
    with browser(mail_server) as client:
        # Three emails an hour to one account; more requests answer the same, send nothing.
        answers = [ask(client, username) for _ in range(5)]
        assert {a.status_code for a in answers} == {202}
        wait_for(lambda: len(smtp_server.box.envelopes) == 3)
        time.sleep(0.5)
        assert len(smtp_server.box.envelopes) == 3
        # Eight requests an hour from one address (whatever the account): then 429.
        assert {ask(client, f"x{i}").status_code for i in range(3)} == {202}
        refused = ask(client, "nobody")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "too many password reset requests" in refused.json()["error"]


def test_without_email_the_reset_is_refused(server: Server) -> None:
    username, _key = server.create_user("ne")
    with browser(server) as client:
        assert client.get("/ui/api/config").json()["email_enabled"] is False
        refused = ask(client, username)
        assert refused.status_code == 503
        assert refused.json()["error"].startswith("email is not set up on this server")
        confirm = client.post(CONFIRM, json={"token": "x" * 43, "new_password": "new-pass-1"})
        assert confirm.status_code == 400
