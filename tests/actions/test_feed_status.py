"""Feed status on a real server, every backend: a feed with status_notify that got no data
for status_timeout minutes turns offline (feed JSON, feed_status_changes), its owner gets an
email at a real SMTP server (aiosmtpd) and a notice on {user}/errors (paho); its next point
turns it online again. The check runs every 0.3 s here; the silence is made by moving the
feed's last point back in the database rather than by waiting minutes."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from receivers import SmtpServer
from sqlalchemy import update

from stonechat.config import Settings
from stonechat.runtime import open_database
from stonechat.storage.schema import feeds, users
from support import Server, free_port, ok

API = "/api/v2"


@pytest.fixture
def status_server(
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
            "STONECHAT_FEED_STATUS_CHECK_SECONDS": "0.3",
        },
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def in_database(server: Server, change: Any) -> None:
    """Run one statement against the server's database (as an operator would)."""
    settings = Settings(data_dir=server.data_dir, database_url=server.database_url)

    async def go() -> None:
        db = open_database(settings)
        try:
            async with db.begin() as conn:
                await conn.execute(change)
        finally:
            await db.close()

    asyncio.run(go())


def silence(server: Server, feed_id: int, minutes: float) -> None:
    """Make the feed's last point ``minutes`` old."""
    at = int((time.time() - minutes * 60) * 1000)
    in_database(server, update(feeds).where(feeds.c.id == feed_id).values(last_value_at=at))


def wait_for(what: Callable[[], Any], seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


class Errors:
    """A paho subscriber on ``{user}/errors``."""

    def __init__(self, server: Server, username: str, key: str) -> None:
        self.messages: list[str] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.username_pw_set(username, key)
        subscribed = threading.Event()
        self.client.on_message = lambda _c, _u, m: self.messages.append(m.payload.decode())
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_connect = lambda c, *_: c.subscribe(f"{username}/errors", qos=1)
        self.client.connect("127.0.0.1", server.mqtt_port, keepalive=30)
        self.client.loop_start()
        assert subscribed.wait(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_quiet_feed_goes_offline_with_email_and_notice_and_comes_back(
    status_server: Server, smtp_server: SmtpServer
) -> None:
    username, key = status_server.create_user("fs")
    in_database(
        status_server,
        update(users).where(users.c.username == username).values(email="owner@example.org"),
    )
    errors = Errors(status_server, username, key)
    base = f"{status_server.base_url}{API}/{username}"
    with httpx.Client(base_url=base, headers={"X-AIO-Key": key}, timeout=30) as client:
        feed = ok(
            client.post(
                "/feeds",
                json={"feed": {"name": "Door", "status_notify": True, "status_timeout": 5}},
            ),
            201,
        )
        quiet = ok(client.post("/feeds", json={"feed": {"name": "Quiet"}}), 201)  # no notify
        ok(client.post("/feeds/door/data", json={"value": "1"}))
        ok(client.post("/feeds/quiet/data", json={"value": "1"}))
        time.sleep(1.0)  # several checks: 5 minutes have not passed
        assert ok(client.get("/feeds/door"))["status"] == "online"
        assert smtp_server.box.envelopes == []

        silence(status_server, feed["id"], 6)
        silence(status_server, quiet["id"], 600)
        shown = wait_for(lambda: (f := ok(client.get("/feeds/door")))["status"] == "offline" and f)
        [change] = shown["feed_status_changes"]
        assert change["status"] == "offline" and change["created_at"].endswith("Z")

        [envelope] = wait_for(lambda: smtp_server.box.envelopes)
        assert envelope.rcpt_tos == ["owner@example.org"]
        mail = message_from_bytes(envelope.content)  # type: ignore[arg-type]
        assert mail["Subject"] == "Feed Door is offline"
        assert "no data for 5 minutes" in mail.get_payload()
        [notice] = wait_for(lambda: errors.messages)
        assert notice.startswith("feed door is offline: no data for 5 minutes")

        time.sleep(1.0)  # offline once: no second email, no second change
        assert len(smtp_server.box.envelopes) == 1
        assert len(ok(client.get("/feeds/door"))["feed_status_changes"]) == 1
        assert ok(client.get("/feeds/quiet"))["status"] == "online"  # status_notify off
        listed = {f["key"]: f["status"] for f in ok(client.get("/feeds"))}
        assert listed == {"door": "offline", "quiet": "online"}

        ok(client.post("/feeds/door/data", json={"value": "2"}))
        back = wait_for(lambda: (f := ok(client.get("/feeds/door")))["status"] == "online" and f)
        assert [c["status"] for c in back["feed_status_changes"]] == ["online", "offline"]
        wait_for(lambda: len(errors.messages) == 2)
        assert errors.messages[1] == "feed door is online again"
        assert len(smtp_server.box.envelopes) == 1  # no email when it comes back

        # Quiet again: offline again, a second email.
        silence(status_server, feed["id"], 6)
        wait_for(lambda: ok(client.get("/feeds/door"))["status"] == "offline")
        wait_for(lambda: len(smtp_server.box.envelopes) == 2)
    errors.close()


def test_an_owner_without_email_gets_the_notice_only(
    status_server: Server, smtp_server: SmtpServer
) -> None:
    username, key = status_server.create_user("fsn")
    errors = Errors(status_server, username, key)
    base = f"{status_server.base_url}{API}/{username}"
    with httpx.Client(base_url=base, headers={"X-AIO-Key": key}, timeout=30) as client:
        feed = ok(client.post("/feeds", json={"feed": {"name": "t", "status_notify": True}}), 201)
        assert feed["status"] == "offline" and feed["feed_status_changes"] == []  # no data yet
        ok(client.post("/feeds/t/data", json={"value": "1"}))
        assert ok(client.get("/feeds/t"))["status"] == "online"
        silence(status_server, feed["id"], 61)  # the default timeout: 60 minutes
        wait_for(lambda: ok(client.get("/feeds/t"))["status"] == "offline")
        wait_for(lambda: errors.messages)
        time.sleep(0.5)
        assert smtp_server.box.envelopes == []
    errors.close()
