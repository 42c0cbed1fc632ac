"""Actions run by a real server on every backend: a point is committed, the engine decides,
the email reaches a real SMTP server (aiosmtpd) and the webhook a local HTTP receiver, and
the run is recorded; delays, loops, "Run now" and dry runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest
from receivers import HttpReceiver, SmtpServer

from support import Server, free_port, ok, refused

API = "/api/v2"


@pytest.fixture
def actions_server(
    backend: str,
    own_database: str | None,
    tmp_path: Path,
    smtp_server: SmtpServer,
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
            "STONECHAT_ACTIONS_ALLOW_PRIVATE_NETWORKS": "true",
        },
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(actions_server: Server) -> Iterator[httpx.Client]:
    username, key = actions_server.create_user("act")
    with httpx.Client(
        base_url=f"{actions_server.base_url}{API}/{username}",
        headers={"X-AIO-Key": key},
        timeout=30,
    ) as c:
        yield c


def wait_for(what: Callable[[], Any], seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def username(client: httpx.Client) -> str:
    return client.base_url.path.rstrip("/").split("/")[-1]


def make(client: httpx.Client, **action: Any) -> dict[str, Any]:
    return ok(client.post("/actions", json={"action": action}), 201)


def runs(client: httpx.Client, action_id: int) -> list[dict[str, Any]]:
    return ok(client.get(f"/actions/{action_id}/runs"))


def post(client: httpx.Client, feed: str, value: str) -> None:
    ok(client.post(f"/feeds/{feed}/data", json={"value": value}))


def test_a_point_over_the_limit_sends_email_and_webhook(
    client: httpx.Client, smtp_server: SmtpServer, http_receiver: HttpReceiver
) -> None:
    ok(client.post("/feeds", json={"feed": {"name": "temp"}}), 201)
    action = make(
        client,
        name="Too hot",
        trigger={"feed": "temp", "operator": ">", "value": "30"},
        cooldown_seconds=0,
        outputs=[
            {
                "type": "email",
                "to": "me@example.org",
                "subject": "{{ feed.name }} is {{ value }}",
                "body": "Hot: {{ value }} at {{ created_at }}",
            },
            {
                "type": "webhook",
                "url": http_receiver.url("/hot"),
                "headers": {"X-Sensor": "1"},
                "body": '{"v": "{{ value }}", "who": "{{ user.username }}"}',
            },
            {"type": "log", "message": "saw {{ value }}"},
        ],
    )
    post(client, "temp", "20")  # below: nothing
    post(client, "temp", "31.5")
    [run] = wait_for(lambda: runs(client, action["id"]))
    assert run["status"] == "ok", run
    assert run["reason"] == "data" and run["trigger_value"] == "31.5"
    assert [o["type"] for o in run["outputs"]] == ["email", "webhook", "log"]
    assert run["outputs"][2]["detail"] == "saw 31.5"
    [envelope] = smtp_server.box.envelopes
    mail = message_from_bytes(envelope.content)  # type: ignore[arg-type]
    assert mail["Subject"] == "temp is 31.5"
    assert mail["From"] == "stonechat@example.org" and envelope.rcpt_tos == ["me@example.org"]
    [hook] = http_receiver.requests
    assert hook.path == "/hot" and hook.headers["x-sensor"] == "1"
    assert hook.body == b'{"v": "31.5", "who": "' + username(client).encode() + b'"}'
    time.sleep(1)
    assert len(runs(client, action["id"])) == 1  # the point of 20 ran nothing


def test_webhooks_to_private_addresses_are_refused_by_default(
    backend: str, own_database: str | None, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    server = Server(backend, tmp_path / "s", own_database, free_port(), free_port())
    server.start()
    try:
        username, key = server.create_user("ssrf")
        with httpx.Client(
            base_url=f"{server.base_url}{API}/{username}", headers={"X-AIO-Key": key}, timeout=30
        ) as c:
            ok(c.post("/feeds", json={"feed": {"name": "t"}}), 201)
            action = make(
                c,
                name="leak",
                trigger={"feed": "t"},
                outputs=[{"type": "webhook", "url": http_receiver.url("/x")}],
            )
            post(c, "t", "1")
            [run] = wait_for(lambda: runs(c, action["id"]))
            assert run["status"] == "failed"
            assert run["outputs"][0]["detail"].startswith("refused: 127.0.0.1"), run
            assert run["outputs"][0]["ok"] is False
            # Email is not set up on this server: the run says so.
            mail = make(
                c,
                name="mail",
                trigger={"feed": "t"},
                outputs=[{"type": "email", "to": "a@b.example", "subject": "s", "body": "b"}],
            )
            run = ok(c.post(f"/actions/{mail['id']}/run"), 201)
            assert run["status"] == "failed" and "not set up" in run["outputs"][0]["detail"]
    finally:
        server.stop()
    assert http_receiver.requests == []


def test_an_action_that_triggers_itself_stops(client: httpx.Client) -> None:
    ok(client.post("/feeds", json={"feed": {"name": "echo"}}), 201)
    action = make(
        client,
        name="echo",
        trigger={"feed": "echo", "operator": "any"},
        cooldown_seconds=0,
        outputs=[{"type": "publish", "feed": "echo", "value": "{{ value | int + 1 }}"}],
    )
    post(client, "echo", "0")
    done = wait_for(lambda: [r for r in runs(client, action["id"]) if r["status"] == "skipped"])
    assert "loop" in done[0]["error"], done
    time.sleep(1)
    found = runs(client, action["id"])
    assert [r["status"] for r in found].count("ok") == 5  # MAX_CHAIN_DEPTH, then stopped
    values = [d["value"] for d in ok(client.get("/feeds/echo/data"))]
    assert sorted(values, key=int) == ["0", "1", "2", "3", "4", "5"]


def test_delay_reset_fires_only_if_the_condition_held(client: httpx.Client) -> None:
    ok(client.post("/feeds", json={"feed": {"name": "door"}}), 201)
    action = make(
        client,
        name="open too long",
        trigger={"feed": "door", "operator": "eq", "value": "open"},
        delay_seconds=2,
        delay_mode="reset",
        cooldown_seconds=0,
        outputs=[{"type": "log", "message": "{{ value }} for 2 s"}],
    )
    post(client, "door", "open")
    post(client, "door", "closed")  # before the delay ends: cancelled
    time.sleep(3)
    assert runs(client, action["id"]) == []
    post(client, "door", "open")
    [run] = wait_for(lambda: runs(client, action["id"]), seconds=10)
    assert run["outputs"][0]["detail"] == "open for 2 s"


def test_run_now_and_dry_run(client: httpx.Client, actions_server: Server) -> None:
    ok(client.post("/feeds", json={"feed": {"name": "level"}}), 201)
    now = time.time()
    for i, value in enumerate(["10", "35", "36", "5", "40"]):
        ok(client.post("/feeds/level/data", json={"value": value, "epoch": now - 600 + i * 60}))
    body = {
        "name": "high",
        "trigger": {"feed": "level", "operator": "gt", "value": "30", "when": "starts"},
        "cooldown_seconds": 0,
        "outputs": [{"type": "log", "message": "high {{ value }}"}],
    }
    replay = ok(client.post("/actions/dry-run", json={"action": body}))
    assert [p["value"] for p in replay["points"]] == ["10", "35", "36", "5", "40"]
    assert [p["fired"] for p in replay["points"]] == [False, True, False, False, True]
    assert replay["fired"] == 2 and all(p["reason"] for p in replay["points"])
    action = make(client, **body)
    run = ok(client.post(f"/actions/{action['id']}/run"), 201)
    assert run["reason"] == "run" and run["trigger_value"] == "40"
    assert run["outputs"] == [{"type": "log", "ok": True, "detail": "high 40"}]
    assert runs(client, action["id"])[0]["id"] == run["id"]
    # Another user cannot run it, nor dry-run against these feeds.
    other, key = actions_server.create_user("other")
    with httpx.Client(base_url=actions_server.base_url, headers={"X-AIO-Key": key}) as c:
        owner = username(client)
        refused(c.post(f"{API}/{owner}/actions/{action['id']}/run"), 403)
        refused(c.post(f"{API}/{other}/actions/{action['id']}/run"), 404)
        refused(c.post(f"{API}/{other}/actions/dry-run", json={"action": body}), 422)
    refused(httpx.post(f"{client.base_url}/actions/{action['id']}/run"), 401)
    # Bad ranges and bodies.
    refused(client.post("/actions/dry-run", json={"action": body, "start_time": "soon"}), 422)
    late = {"action": body, "start_time": now, "end_time": now - 10}
    refused(client.post("/actions/dry-run", json=late), 422)
    refused(client.post("/actions/dry-run", json=[1]), 400)
