"""Actions over REST: defined, listed, changed and deleted under /actions and its /triggers
alias, bodies checked field by field, only by the owner; on a real server, on every backend."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from stonechat.config import Settings
from stonechat.domain.records import RunOutput
from stonechat.runtime import open_database
from stonechat.storage.actions import ActionStore
from support import Server, free_port, ok, refused
from ui.helpers import browser

API = "/api/v2"
FIELDS = {
    "id",
    "name",
    "enabled",
    "trigger",
    "delay_seconds",
    "delay_mode",
    "cooldown_seconds",
    "outputs",
    "created_at",
    "updated_at",
}


@dataclass
class Owner:
    server: Server
    name: str
    key: str
    other: str
    other_key: str

    def client(self, key: str | None, user: str | None = None) -> httpx.Client:
        headers = {"X-AIO-Key": key} if key is not None else {}
        base = f"{self.server.base_url}{API}/{user or self.name}"
        return httpx.Client(base_url=base, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def owner(server: Server) -> Owner:
    (name, key), (other, other_key) = server.create_users(2, "act")
    return Owner(server, name, key, other, other_key)


@pytest.fixture
def api(owner: Owner) -> Iterator[httpx.Client]:
    with owner.client(owner.key) as client:
        yield client


def new_feed(api: httpx.Client, value: str = "1") -> str:
    key = f"f-{uuid.uuid4().hex[:8]}"
    ok(api.post(f"/feeds/{key}/data", json={"value": value}))
    return key


def data_action(feed: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": "Too hot",
        "trigger": {"feed": feed, "operator": ">", "value": "30"},
        "outputs": [{"type": "log", "message": "{{ value }} degrees"}],
        **fields,
    }


def schedule_action(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Mornings",
        "trigger": {"type": "schedule", "cron": "0 7 * * 1-5", "time_zone": "Europe/Amsterdam"},
        "outputs": [
            {"type": "webhook", "url": "https://example.com/hook", "headers": {"X-A": "1"}},
            {"type": "email", "to": "me@example.com", "subject": "Hi", "body": "{{ value }}"},
        ],
        **fields,
    }


def make(api: httpx.Client, body: dict[str, Any], path: str = "/actions") -> dict[str, Any]:
    made: dict[str, Any] = ok(api.post(path, json={"action": body}), 201)
    return made


def is_iso(text: str) -> bool:
    return text.endswith("Z") and datetime.fromisoformat(text) is not None


# -- defining and reading -----------------------------------------------------------------


def test_create_list_get(api: httpx.Client) -> None:
    feed = new_feed(api)
    made = make(api, data_action(feed))
    assert set(made) == FIELDS
    assert isinstance(made["id"], int)
    assert made["name"] == "Too hot"
    assert made["enabled"] is True
    assert made["trigger"] == {
        "type": "data",
        "feed": feed,
        "operator": "gt",
        "value": "30",
        "compare_feed": None,
        "when": "matches",
    }
    assert (made["delay_seconds"], made["delay_mode"], made["cooldown_seconds"]) == (0, "reset", 5)
    assert made["outputs"] == [{"type": "log", "message": "{{ value }} degrees"}]
    assert is_iso(made["created_at"]) and is_iso(made["updated_at"])
    assert ok(api.get(f"/actions/{made['id']}")) == made
    assert made in ok(api.get("/actions"))


def test_schedule_action_and_bare_body(api: httpx.Client) -> None:
    made = ok(api.post("/actions", json=schedule_action(enabled=False, cooldown_seconds=0)), 201)
    assert made["trigger"] == {
        "type": "schedule",
        "cron": "0 7 * * 1-5",
        "time_zone": "Europe/Amsterdam",
    }
    assert made["enabled"] is False and made["cooldown_seconds"] == 0
    assert made["outputs"] == [
        {
            "type": "webhook",
            "url": "https://example.com/hook",
            "format": "json",
            "body": "",
            "headers": {"X-A": "1"},
        },
        {"type": "email", "to": "me@example.com", "subject": "Hi", "body": "{{ value }}"},
    ]
    assert ok(api.get(f"/actions/{made['id']}")) == made


def test_compare_feed_and_publish_output(api: httpx.Client) -> None:
    watched, threshold, target = new_feed(api), new_feed(api), new_feed(api)
    body = {
        "name": "Above the setpoint",
        "trigger": {"feed": watched, "operator": "ge", "compare_feed": threshold, "when": "starts"},
        "delay_seconds": 60,
        "delay_mode": "keep",
        "outputs": [{"type": "publish", "feed": target, "value": "ON"}],
    }
    made = make(api, body)
    assert made["trigger"]["compare_feed"] == threshold and made["trigger"]["value"] is None
    assert (made["delay_seconds"], made["delay_mode"]) == (60, "keep")
    assert made["outputs"] == [{"type": "publish", "feed": target, "value": "ON"}]


def test_put_replaces_and_patch_changes_some_fields(api: httpx.Client) -> None:
    feed = new_feed(api)
    made = make(api, data_action(feed, cooldown_seconds=30, delay_seconds=10))
    url = f"/actions/{made['id']}"

    patched = ok(api.patch(url, json={"action": {"enabled": False}}))
    assert patched["enabled"] is False
    assert {k: v for k, v in patched.items() if k not in ("enabled", "updated_at")} == {
        k: v for k, v in made.items() if k not in ("enabled", "updated_at")
    }
    patched = ok(api.patch(url, json={"trigger": {"feed": feed, "operator": "lt", "value": 5}}))
    assert patched["trigger"]["operator"] == "lt" and patched["trigger"]["value"] == "5"
    assert patched["cooldown_seconds"] == 30 and patched["enabled"] is False

    # PUT is a whole definition: what it leaves out takes the defaults.
    replaced = ok(api.put(url, json={"action": schedule_action(name="Replaced")}))
    assert replaced["id"] == made["id"] and replaced["name"] == "Replaced"
    assert replaced["trigger"]["type"] == "schedule"
    assert (replaced["enabled"], replaced["cooldown_seconds"], replaced["delay_seconds"]) == (
        True,
        5,
        0,
    )
    assert replaced["created_at"] == made["created_at"]
    assert ok(api.get(url)) == replaced
    error = refused(api.put(url, json={"name": "no trigger"}), 422)
    assert "trigger is required" in error
    assert ok(api.get(url)) == replaced


def test_delete(api: httpx.Client) -> None:
    made = make(api, schedule_action())
    assert ok(api.delete(f"/actions/{made['id']}")) == made
    refused(api.get(f"/actions/{made['id']}"), 404)
    refused(api.delete(f"/actions/{made['id']}"), 404)
    refused(api.get(f"/actions/{made['id']}/runs"), 404)
    assert made["id"] not in [a["id"] for a in ok(api.get("/actions"))]


def test_triggers_is_an_alias(api: httpx.Client) -> None:
    made = make(api, schedule_action(name="Via triggers"), "/triggers")
    assert ok(api.get(f"/actions/{made['id']}")) == made
    assert ok(api.get(f"/triggers/{made['id']}")) == made
    assert made in ok(api.get("/triggers"))
    assert ok(api.patch(f"/triggers/{made['id']}", json={"name": "Renamed"}))["name"] == "Renamed"
    replaced = ok(api.put(f"/triggers/{made['id']}", json=schedule_action(name="Put")))
    assert ok(api.get(f"/actions/{made['id']}")) == replaced
    assert ok(api.get(f"/triggers/{made['id']}/runs")) == []
    ok(api.delete(f"/triggers/{made['id']}"))
    refused(api.get(f"/actions/{made['id']}"), 404)


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    for ident in ("not-a-number", "99999999999999999999", "2147483647", "-1", "1.5"):
        refused(api.get(f"/actions/{ident}"), 404)
        refused(api.patch(f"/actions/{ident}", json={"enabled": False}), 404)
        refused(api.delete(f"/actions/{ident}"), 404)


# -- bad bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"trigger": {"feed": "FEED"}, "outputs": [{"type": "log", "message": "m"}]}, "name"),
        ({"name": "x", "outputs": [{"type": "log", "message": "m"}]}, "trigger is required"),
        ({"name": "x", "trigger": {"feed": "FEED"}}, "outputs is required"),
        ({**data_action("FEED"), "trigger": "FEED"}, "trigger must be a JSON object"),
        (
            {**data_action("FEED"), "trigger": {"feed": "FEED", "operator": "about", "value": 1}},
            "trigger.operator",
        ),
        (
            {**data_action("FEED"), "trigger": {"feed": "FEED", "operator": "gt"}},
            "trigger.value or trigger.compare_feed is required",
        ),
        ({**data_action("FEED"), "trigger": {"operator": "any"}}, "trigger.feed is required"),
        (
            {**data_action("FEED"), "trigger": {"feed": "FEED", "when": "sometimes"}},
            "trigger.when",
        ),
        ({**data_action("FEED"), "trigger": {"type": "weekly"}}, "trigger.type"),
        (data_action("no-such-feed"), "trigger.feed: there is no feed 'no-such-feed'"),
        (
            {
                **data_action("FEED"),
                "trigger": {"feed": "FEED", "operator": "eq", "compare_feed": "nope-feed"},
            },
            "trigger.compare_feed: there is no feed 'nope-feed'",
        ),
        (
            data_action("FEED", outputs=[{"type": "publish", "feed": "nowhere", "value": "1"}]),
            "outputs[0].feed: there is no feed 'nowhere' you may write to",
        ),
        (
            data_action("FEED", outputs=[{"type": "webhook", "url": "ftp://example.com/x"}]),
            "outputs[0].url must be an http:// or https:// URL",
        ),
        (
            data_action("FEED", outputs=[{"type": "webhook", "url": "https://x", "format": "xml"}]),
            "outputs[0].format",
        ),
        (
            data_action("FEED", outputs=[{"type": "email", "to": "a@b.c, d@e.f", "subject": "s"}]),
            "outputs[0].to must be one email address",
        ),
        (
            data_action("FEED", outputs=[{"type": "email", "to": "a@b.c", "body": "b"}]),
            "outputs[0].subject is required",
        ),
        (data_action("FEED", outputs=[{"type": "sms"}]), "outputs[0].type"),
        (data_action("FEED", outputs=[]), "outputs must be a list of at least one output"),
        (
            data_action("FEED", outputs=[{"type": "log", "message": "m"}] * 11),
            "outputs holds at most 10 outputs",
        ),
        (
            data_action(
                "FEED",
                outputs=[
                    {"type": "log", "message": "m"},
                    {"type": "webhook", "url": "https://x", "headers": {"A": "1\r\nB: 2"}},
                ],
            ),
            "outputs[1].headers.A is not a valid header",
        ),
        (schedule_action(trigger={"type": "schedule", "cron": "0 7 * *"}), "trigger.cron"),
        (
            schedule_action(trigger={"type": "schedule", "cron": "61 7 * * *"}),
            "trigger.cron: [61 7 * * *] is not acceptable, out of range",
        ),
        (
            schedule_action(trigger={"type": "schedule", "cron": "0 0 30 2 *"}),
            "trigger.cron: never due",
        ),
        (
            schedule_action(trigger={"type": "schedule", "cron": "* * * * *", "time_zone": "Mars"}),
            "trigger.time_zone: unknown time zone",
        ),
        (
            schedule_action(
                trigger={"type": "schedule", "cron": "* * * * *", "time_zone": "Europe"}
            ),
            "trigger.time_zone",
        ),
        (schedule_action(delay_seconds=10), "delay_seconds applies to data triggers only"),
        (data_action("FEED", delay_seconds=86_401), "delay_seconds must be at most"),
        (data_action("FEED", delay_mode="later"), "delay_mode"),
        (data_action("FEED", cooldown_seconds=-1), "cooldown_seconds must be at least 0"),
        (data_action("FEED", enabled="perhaps"), "enabled must be true or false"),
        (data_action("FEED", name="x" * 256), "name"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(
    api: httpx.Client, body: dict[str, Any], words: str
) -> None:
    feed = new_feed(api)
    body = _with_feed(body, feed)
    before = ok(api.get("/actions"))
    error = refused(api.post("/actions", json={"action": body}), 422)
    assert words in error, error
    assert ok(api.get("/actions")) == before


def _with_feed(node: Any, feed: str) -> Any:
    if isinstance(node, dict):
        return {k: _with_feed(v, feed) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_feed(v, feed) for v in node]
    return feed if node == "FEED" else node


def test_bad_changes_are_422_and_change_nothing(api: httpx.Client) -> None:
    feed = new_feed(api)
    made = make(api, data_action(feed))
    url = f"/actions/{made['id']}"
    for body in (
        {"trigger": {"feed": "gone-feed", "operator": "any"}},
        {"outputs": [{"type": "webhook", "url": "mailto:x"}]},
        {"delay_mode": "sometimes"},
        {"name": ""},
    ):
        refused(api.patch(url, json=body), 422)
    refused(api.patch(url, content=b"[1, 2]", headers={"content-type": "application/json"}), 400)
    refused(api.patch(url, content=b"{nope", headers={"content-type": "application/json"}), 400)
    assert ok(api.get(url)) == made


# -- other people's feeds -----------------------------------------------------------------


def test_shared_feeds_by_username_and_key(owner: Owner, api: httpx.Client) -> None:
    with owner.client(owner.other_key, owner.other) as other:
        theirs = new_feed(other)
        ref = f"{owner.other}/{theirs}"
        body = data_action(ref, outputs=[{"type": "publish", "feed": ref, "value": "1"}])
        # not shared yet: neither readable nor writable
        assert "trigger.feed" in refused(api.post("/actions", json=data_action(ref)), 422)
        share = ok(
            other.post(
                f"/feeds/{theirs}/acl",
                json={"scope": "user", "scope_value": owner.name, "mode": "r"},
            ),
            201,
        )
        made = make(api, data_action(ref))
        assert made["trigger"]["feed"] == ref
        error = refused(api.post("/actions", json=body), 422)
        assert f"outputs[0].feed: there is no feed '{ref}' you may write to" in error
        ok(other.patch(f"/feeds/{theirs}/acl/{share['id']}", json={"mode": "rw"}))
        assert make(api, body)["outputs"][0]["feed"] == ref


def test_public_feeds_of_others_may_trigger_but_not_be_written(
    owner: Owner, api: httpx.Client
) -> None:
    with owner.client(owner.other_key, owner.other) as other:
        public = new_feed(other)
        ok(other.patch(f"/feeds/{public}", json={"visibility": "public"}))
    ref = f"{owner.other}/{public}"
    make(api, data_action(ref))
    body = data_action(ref, outputs=[{"type": "publish", "feed": ref, "value": "1"}])
    assert "outputs[0].feed" in refused(api.post("/actions", json=body), 422)
    refused(api.post("/actions", json=data_action(f"nobody-{uuid.uuid4().hex[:6]}/x")), 422)


# -- who may ------------------------------------------------------------------------------


def test_a_token_may_not_manage_actions(owner: Owner, api: httpx.Client) -> None:
    feed = new_feed(api)
    made = make(api, data_action(feed))
    token = ok(
        api.post("/tokens", json={"name": "dev", "permissions": [{"key": feed, "mode": "rw"}]}),
        201,
    )["token"]
    with owner.client(token) as device:
        for prefix in ("/actions", "/triggers"):
            refused(device.get(prefix), 403)
            refused(device.post(prefix, json=data_action(feed)), 403)
            refused(device.get(f"{prefix}/{made['id']}"), 403)
            refused(device.put(f"{prefix}/{made['id']}", json=data_action(feed)), 403)
            refused(device.patch(f"{prefix}/{made['id']}", json={"enabled": False}), 403)
            refused(device.delete(f"{prefix}/{made['id']}"), 403)
            refused(device.get(f"{prefix}/{made['id']}/runs"), 403)
    assert ok(api.get(f"/actions/{made['id']}")) == made


def test_others_and_nobody_are_refused(owner: Owner, api: httpx.Client) -> None:
    made = make(api, schedule_action())
    url = f"/actions/{made['id']}"
    with owner.client(owner.other_key) as other, owner.client(None) as nobody:
        refused(other.get("/actions"), 403)
        refused(other.post("/actions", json=schedule_action()), 403)
        refused(other.get(url), 403)
        refused(other.patch(url, json={"enabled": False}), 403)
        refused(other.delete(url), 403)
        refused(other.get(f"{url}/runs"), 403)
        refused(nobody.get("/actions"), 401)
        refused(nobody.post("/triggers", json=schedule_action()), 401)
        refused(nobody.get(url), 401)
        refused(nobody.delete(url), 401)
        refused(nobody.get(f"{url}/runs"), 401)
    with owner.client(owner.other_key, owner.other) as other_own:
        # the same id under the other user's own account is not there
        refused(other_own.get(url), 404)
        refused(other_own.put(url, json=schedule_action()), 404)
        refused(other_own.patch(url, json={"enabled": False}), 404)
        refused(other_own.delete(url), 404)
        refused(other_own.get(f"{url}/runs"), 404)
        assert made["id"] not in [a["id"] for a in ok(other_own.get("/actions"))]
    assert ok(api.get(url)) == made


def test_a_web_ui_session_manages_actions(server: Server) -> None:
    username, _key = server.create_user("actw")
    with browser(server) as web:
        assert web.sign_in(username).status_code == 200
        base = f"{API}/{username}/actions"
        made = ok(web.unsafe("POST", base, json=schedule_action()), 201)
        assert [a["id"] for a in ok(web.get(base))] == [made["id"]]
        refused(web.delete(f"{base}/{made['id']}"), 403)  # no CSRF token
        ok(web.unsafe("DELETE", f"{base}/{made['id']}"))
        assert ok(web.get(base)) == []


# -- runs ---------------------------------------------------------------------------------


def insert_runs(server: Server, action_id: int, user_id: int, count: int) -> None:
    """Runs written through the storage layer, as the engine writes them."""
    settings = Settings(data_dir=server.data_dir, database_url=server.database_url)

    async def go() -> None:
        db = open_database(settings)
        try:
            store = ActionStore(db)
            for n in range(count):
                failed = n % 2 == 1
                await store.insert_run(
                    action_id,
                    user_id,
                    started_at=1_767_225_600_000 + n * 1000,
                    finished_at=1_767_225_600_000 + n * 1000 + 250,
                    reason="data",
                    trigger_value=str(n),
                    status="failed" if failed else "ok",
                    outputs=[
                        RunOutput("log", True, f"run {n}"),
                        RunOutput("webhook", not failed, "503 from the receiver" if failed else ""),
                    ],
                    error="an output failed" if failed else None,
                )
        finally:
            await db.close()

    asyncio.run(go())


def test_runs_list_the_last_50_newest_first(owner: Owner, api: httpx.Client) -> None:
    feed = new_feed(api)
    made = make(api, data_action(feed))
    other = make(api, data_action(feed, name="Other"))
    user_id = ok(api.get(f"{owner.server.base_url}{API}/user"))["id"]
    assert ok(api.get(f"/actions/{made['id']}/runs")) == []
    insert_runs(owner.server, made["id"], user_id, 55)
    insert_runs(owner.server, other["id"], user_id, 2)

    runs = ok(api.get(f"/actions/{made['id']}/runs"))
    assert len(runs) == 50
    assert [r["trigger_value"] for r in runs] == [str(n) for n in range(54, 4, -1)]
    assert ok(api.get(f"/triggers/{made['id']}/runs")) == runs
    newest = runs[0]
    assert set(newest) == {
        "id",
        "action_id",
        "started_at",
        "finished_at",
        "reason",
        "trigger_value",
        "status",
        "outputs",
        "error",
    }
    assert newest["action_id"] == made["id"]
    assert newest["started_at"] == "2026-01-01T00:00:54.000Z"
    assert newest["finished_at"] == "2026-01-01T00:00:54.250Z"
    assert (newest["reason"], newest["status"], newest["error"]) == (
        "data",
        "ok",
        None,
    )
    assert newest["outputs"] == [
        {"type": "log", "ok": True, "detail": "run 54"},
        {"type": "webhook", "ok": True, "detail": ""},
    ]
    failed = runs[1]
    assert (failed["status"], failed["error"]) == ("failed", "an output failed")
    assert failed["outputs"][1] == {
        "type": "webhook",
        "ok": False,
        "detail": "503 from the receiver",
    }
    assert [r["trigger_value"] for r in ok(api.get(f"/actions/{other['id']}/runs"))] == ["1", "0"]

    ok(api.delete(f"/actions/{made['id']}"))
    insert_runs(owner.server, other["id"], user_id, 1)  # the store still works for the others
    assert len(ok(api.get(f"/actions/{other['id']}/runs"))) == 3


# -- the per-user limit -------------------------------------------------------------------


@pytest.fixture
def limited(backend: str, database_url: str | None, tmp_path: Path) -> Iterator[Server]:
    server = Server(
        backend=backend,
        data_dir=tmp_path / "limited",
        database_url=database_url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={"STONECHAT_MAX_ACTIONS_PER_USER": "2"},
    )
    server.start()
    yield server
    server.stop()


def test_at_most_max_actions_per_user(limited: Server) -> None:
    username, key = limited.create_user("lim")
    with httpx.Client(
        base_url=f"{limited.base_url}{API}/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as api:
        first = make(api, schedule_action())
        make(api, schedule_action(), "/triggers")
        error = refused(api.post("/actions", json=schedule_action()), 422)
        assert "at most 2 actions" in error
        assert len(ok(api.get("/actions"))) == 2
        ok(api.delete(f"/actions/{first['id']}"))
        make(api, schedule_action())


# -- the API's documentation --------------------------------------------------------------


def test_openapi_documents_the_action_routes(server: Server) -> None:
    spec = ok(httpx.get(f"{server.base_url}{API}/openapi.json"))
    paths = spec["paths"]
    for name in ("actions", "triggers"):
        assert set(paths[f"{API}/{{username}}/{name}"]) == {"get", "post"}
        one = paths[f"{API}/{{username}}/{name}/{{action_id}}"]
        assert set(one) == {"get", "put", "patch", "delete"}
        assert set(paths[f"{API}/{{username}}/{name}/{{action_id}}/runs"]) == {"get"}
    post = paths[f"{API}/{{username}}/actions"]["post"]
    assert post["operationId"] == "create_action"
    assert paths[f"{API}/{{username}}/triggers"]["post"]["operationId"] == "create_trigger"
    assert post["tags"] == ["actions"]
    body = post["requestBody"]["content"]["application/json"]["schema"]["anyOf"][0]
    schema = str(spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]])
    assert "trigger" in schema and "outputs" in schema and "$defs" not in schema
    assert {"201", "401", "403", "404", "422"} <= set(post["responses"])
    assert {"Action", "ActionRun", "DataTrigger", "ScheduleTrigger", "ActionBody"} <= set(
        spec["components"]["schemas"]
    )


def test_template_preview(owner: Owner, api: httpx.Client) -> None:
    feed = new_feed(api, "21.5")
    other = new_feed(api, "7")
    body = {"template": "{{ feed.key }} is {{ value }}, other {{ feeds['" + other + "'].value }}"}
    preview = ok(api.post("/actions/preview", json={**body, "feed": feed}))
    assert preview == {"text": f"{feed} is 21.5, other 7", "value": "21.5"}
    assert ok(api.post("/triggers/preview", json={"template": "{{ user.username }}"}))["text"] == (
        owner.name
    )
    # Bad templates and feeds are 422 naming the field; nothing is stored.
    assert refused(api.post("/actions/preview", json={"template": "{{ value"}), 422).startswith(
        "template: "
    )
    assert "unknown variable" in refused(
        api.post("/actions/preview", json={"template": "{{ secret }}"}), 422
    )
    missing = refused(api.post("/actions/preview", json={"template": "x", "feed": "nope"}), 422)
    assert missing.startswith("feed: ")
    refused(api.post("/actions/preview", json={"template": "x" * 20_000}), 422)
    refused(api.post("/actions/preview", json=["x"]), 400)
    # Another user's feed without a share, another user, a token, nobody.
    with owner.client(owner.other_key, owner.other) as other_own:
        refused(
            other_own.post(
                "/actions/preview", json={"template": "x", "feed": f"{owner.name}/{feed}"}
            ),
            422,
        )
    with owner.client(owner.other_key) as stranger, owner.client(None) as nobody:
        refused(stranger.post("/actions/preview", json={"template": "x"}), 403)
        refused(nobody.post("/actions/preview", json={"template": "x"}), 401)
    token = ok(
        api.post("/tokens", json={"name": "p", "permissions": [{"key": feed, "mode": "r"}]}), 201
    )["token"]
    with owner.client(token) as device:
        refused(device.post("/actions/preview", json={"template": "x", "feed": feed}), 403)
