"""Scoped device tokens over REST: made, used as X-AIO-Key or x-aio-key on their feeds only,
changed, expired and revoked; on a real server, on every backend."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from support import Server, ok, refused
from ui.helpers import browser

API = "/api/v2"


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
    (name, key), (other, other_key) = server.create_users(2, "tok")
    return Owner(server, name, key, other, other_key)


@pytest.fixture
def api(owner: Owner) -> Iterator[httpx.Client]:
    with owner.client(owner.key) as client:
        yield client


def new_feed(api: httpx.Client, value: str = "1") -> str:
    key = f"f-{uuid.uuid4().hex[:8]}"
    ok(api.post(f"/feeds/{key}/data", json={"value": value}))
    return key


def make(api: httpx.Client, *scopes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"token": {"name": "device", "permissions": list(scopes), **fields}}
    made: dict[str, Any] = ok(api.post("/tokens", json=body), 201)
    return made


def iso_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


# -- making and showing -------------------------------------------------------------------


def test_create_shows_the_secret_once(api: httpx.Client) -> None:
    key = new_feed(api)
    feed = ok(api.get(f"/feeds/{key}"))
    expires = iso_in(3600)
    made = make(api, {"model": "feed", "key": key, "mode": "rw"}, expiration=expires)
    secret = made["token"]
    assert secret.startswith("aiotok_") and len(secret) > 30
    assert made["name"] == "device"
    assert made["hint"] == secret[:12]
    assert made["permissions"] == [
        {"model": "feed", "key": key, "object_id": feed["id"], "mode": "rw"}
    ]
    assert made["expiration"].endswith("Z")
    assert abs(datetime.fromisoformat(made["expiration"]).timestamp() - time.time() - 3600) < 5
    assert made["last_used_at"] is None
    assert made["created_at"].endswith("Z") and made["updated_at"].endswith("Z")

    shown = ok(api.get(f"/tokens/{made['id']}"))
    listed = ok(api.get("/tokens"))
    without = {k: v for k, v in made.items() if k != "token"}
    assert shown == without
    assert without in listed
    for response in (api.get(f"/tokens/{made['id']}"), api.get("/tokens")):
        assert "token" not in response.text.replace('"tokens"', "")
        assert secret not in response.text


def test_bare_bodies_defaults_and_merged_scopes(api: httpx.Client) -> None:
    key = new_feed(api)
    made = ok(
        api.post(
            "/tokens",
            json={"name": "  bare  ", "permissions": [{"key": key}, {"key": key, "mode": "w"}]},
        ),
        201,
    )
    assert made["name"] == "bare"
    assert [(p["model"], p["mode"]) for p in made["permissions"]] == [("feed", "rw")]
    assert made["expiration"] is None
    empty = ok(api.post("/tokens", json={"token": {"name": "nothing"}}), 201)
    assert empty["permissions"] == []


# -- using a token ------------------------------------------------------------------------


def test_a_token_reads_and_writes_its_feed_only(owner: Owner, api: httpx.Client) -> None:
    mine = new_feed(api, "10")
    other = new_feed(api, "20")
    secret = make(api, {"model": "feed", "key": mine, "mode": "rw"})["token"]
    with owner.client(secret) as token:
        assert ok(token.get(f"/feeds/{mine}"))["key"] == mine
        assert [d["value"] for d in ok(token.get(f"/feeds/{mine}/data"))] == ["10"]
        stored = token.post(f"/feeds/{mine}/data", json={"value": "11"})
        assert stored.status_code == 200, stored.text
        # another feed of the same owner: not there for the token
        refused(token.get(f"/feeds/{other}"), 404)
        refused(token.get(f"/feeds/{other}/data"), 404)
        assert token.post(f"/feeds/{other}/data", json={"value": "x"}).status_code in (403, 404)
        # account routes and feed management are the owner's
        refused(token.patch(f"/feeds/{mine}", json={"name": "renamed"}), 403)
        refused(token.delete(f"/feeds/{mine}"), 403)
        refused(token.post("/feeds", json={"name": "new one"}), 403)
    # the query parameter works the same
    base = f"{owner.server.base_url}{API}/{owner.name}"
    assert httpx.get(f"{base}/feeds/{mine}/data", params={"x-aio-key": secret}).status_code == 200
    assert httpx.get(f"{base}/feeds/{other}", params={"X-AIO-Key": secret}).status_code == 404
    assert [d["value"] for d in ok(api.get(f"/feeds/{other}/data"))] == ["20"]
    assert [d["value"] for d in ok(api.get(f"/feeds/{mine}/data"))] == ["11", "10"]


def test_modes_limit_a_token(owner: Owner, api: httpx.Client) -> None:
    key = new_feed(api, "5")
    reader = make(api, {"key": key, "mode": "r"})["token"]
    writer = make(api, {"key": key, "mode": "w"})["token"]
    with owner.client(reader) as r, owner.client(writer) as w:
        assert ok(r.get(f"/feeds/{key}/data"))[0]["value"] == "5"
        refused(r.post(f"/feeds/{key}/data", json={"value": "6"}), 403)
        refused(w.get(f"/feeds/{key}/data"), 404)
        stored = w.post(f"/feeds/{key}/data", json={"value": "7"})
        assert stored.status_code == 200, stored.text
    assert [d["value"] for d in ok(api.get(f"/feeds/{key}/data"))] == ["7", "5"]


def test_a_group_scope_reaches_the_groups_feeds(owner: Owner, api: httpx.Client) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    made_group = ok(api.post("/groups", json={"name": group}), 201)
    ok(api.post(f"/groups/{group}/feeds", json={"feed": {"name": "inside"}}), 201)
    ok(api.post(f"/feeds/{group}.inside/data", json={"value": "3"}))
    outside = new_feed(api)
    made = make(api, {"model": "group", "key": group, "mode": "r"})
    assert made["permissions"] == [
        {"model": "group", "key": group, "object_id": made_group["id"], "mode": "r"}
    ]
    with owner.client(made["token"]) as token:
        assert ok(token.get(f"/feeds/{group}.inside/data"))[0]["value"] == "3"
        assert ok(token.get(f"/groups/{group}/feeds/inside/data"))[0]["value"] == "3"
        refused(token.get(f"/feeds/{outside}"), 404)
        refused(token.post(f"/feeds/{group}.inside/data", json={"value": "4"}), 403)


def test_a_group_writer_creates_feeds_in_its_group_only(owner: Owner, api: httpx.Client) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    ok(api.post("/groups", json={"name": group}), 201)
    secret = make(api, {"model": "group", "key": group, "mode": "w"})["token"]
    with owner.client(secret) as token:
        stored = token.post(f"/feeds/{group}.fresh/data", json={"value": "1"})
        assert stored.status_code == 200, stored.text
        outside = f"out-{uuid.uuid4().hex[:8]}"
        assert token.post(f"/feeds/{outside}/data", json={"value": "1"}).status_code in (403, 404)
    assert [f["key"] for f in ok(api.get(f"/groups/{group}/feeds"))] == [f"{group}.fresh"]
    refused(api.get(f"/feeds/{outside}"), 404)


def test_a_token_reaches_only_its_owners_account(owner: Owner, api: httpx.Client) -> None:
    key = new_feed(api)
    secret = make(api, {"key": key, "mode": "rw"})["token"]
    with owner.client(owner.other_key, owner.other) as other:
        theirs = f"f-{uuid.uuid4().hex[:8]}"
        ok(other.post(f"/feeds/{theirs}/data", json={"value": "1"}))
    with owner.client(secret, owner.other) as token:
        refused(token.get(f"/feeds/{theirs}"), 404)
        assert token.post(f"/feeds/{theirs}/data", json={"value": "x"}).status_code in (403, 404)
        refused(token.get("/tokens"), 403)


def test_last_use_is_recorded(owner: Owner, api: httpx.Client) -> None:
    key = new_feed(api)
    made = make(api, {"key": key})
    with owner.client(made["token"]) as token:
        ok(token.get(f"/feeds/{key}"))
    assert ok(api.get(f"/tokens/{made['id']}"))["last_used_at"] is not None


# -- ending a token -----------------------------------------------------------------------


def test_a_deleted_token_is_refused_at_once(owner: Owner, api: httpx.Client) -> None:
    key = new_feed(api)
    made = make(api, {"key": key, "mode": "rw"})
    with owner.client(made["token"]) as token:
        ok(token.get(f"/feeds/{key}"))
        gone = ok(api.delete(f"/tokens/{made['id']}"))
        assert gone["id"] == made["id"] and "token" not in gone
        refused(token.get(f"/feeds/{key}"), 401)
        refused(token.post(f"/feeds/{key}/data", json={"value": "1"}), 401)
    refused(api.get(f"/tokens/{made['id']}"), 404)
    refused(api.delete(f"/tokens/{made['id']}"), 404)
    assert made["id"] not in [t["id"] for t in ok(api.get("/tokens"))]


def test_an_expired_token_is_refused(owner: Owner, api: httpx.Client) -> None:
    key = new_feed(api)
    made = make(api, {"key": key}, expiration=iso_in(1.5))
    with owner.client(made["token"]) as token:
        ok(token.get(f"/feeds/{key}"))
        time.sleep(2.0)
        assert "expired" in refused(token.get(f"/feeds/{key}"), 401)
    # Given a new expiration, it works again.
    ok(api.patch(f"/tokens/{made['id']}", json={"expiration": None}))
    with owner.client(made["token"]) as token:
        ok(token.get(f"/feeds/{key}"))


def test_changes_apply_at_once(owner: Owner, api: httpx.Client) -> None:
    first = new_feed(api)
    second = new_feed(api)
    made = make(api, {"key": first, "mode": "r"})
    url = f"/tokens/{made['id']}"
    with owner.client(made["token"]) as token:
        ok(token.get(f"/feeds/{first}"))
        changed = ok(
            api.patch(url, json={"token": {"name": "moved", "permissions": [{"key": second}]}})
        )
        assert changed["name"] == "moved"
        assert [p["key"] for p in changed["permissions"]] == [second]
        assert "token" not in changed
        refused(token.get(f"/feeds/{first}"), 404)
        ok(token.get(f"/feeds/{second}"))
        # only the name: the permissions stay
        assert ok(api.patch(url, json={"name": "again"}))["permissions"] == changed["permissions"]
        ok(token.get(f"/feeds/{second}"))


def test_deleting_a_feed_drops_it_from_tokens(api: httpx.Client) -> None:
    kept = new_feed(api)
    dropped = new_feed(api)
    made = make(api, {"key": kept}, {"key": dropped, "mode": "w"})
    assert len(made["permissions"]) == 2
    ok(api.delete(f"/feeds/{dropped}"))
    assert [p["key"] for p in ok(api.get(f"/tokens/{made['id']}"))["permissions"]] == [kept]


# -- who may ------------------------------------------------------------------------------


def test_a_token_cannot_make_tokens_or_permissions(owner: Owner, api: httpx.Client) -> None:
    key = new_feed(api)
    made = make(api, {"key": key, "mode": "rw"})
    with owner.client(made["token"]) as token:
        refused(token.get("/tokens"), 403)
        refused(token.post("/tokens", json={"name": "child", "permissions": [{"key": key}]}), 403)
        refused(token.get(f"/tokens/{made['id']}"), 403)
        refused(token.patch(f"/tokens/{made['id']}", json={"name": "mine now"}), 403)
        refused(token.delete(f"/tokens/{made['id']}"), 403)
        refused(
            token.post(f"/feeds/{key}/acl", json={"scope": "user", "scope_value": owner.other}),
            403,
        )
        refused(token.post(f"/feeds/{key}/acl", json={"scope": "public"}), 403)
    assert ok(api.get(f"/feeds/{key}"))["visibility"] == "private"
    assert ok(api.get(f"/tokens/{made['id']}"))["name"] == "device"


def test_others_and_nobody_are_refused(owner: Owner, api: httpx.Client) -> None:
    made = make(api)
    with owner.client(owner.other_key) as other, owner.client(None) as nobody:
        refused(other.get("/tokens"), 403)
        refused(other.post("/tokens", json={"name": "x"}), 403)
        refused(other.get(f"/tokens/{made['id']}"), 403)
        refused(other.delete(f"/tokens/{made['id']}"), 403)
        refused(nobody.get("/tokens"), 401)
        refused(nobody.post("/tokens", json={"name": "x"}), 401)
        refused(nobody.delete(f"/tokens/{made['id']}"), 401)
    with owner.client(owner.other_key, owner.other) as other_own:
        # the same id under another account is not there
        refused(other_own.get(f"/tokens/{made['id']}"), 404)
        refused(other_own.delete(f"/tokens/{made['id']}"), 404)
    refused(api.get("/tokens/not-a-number"), 404)
    refused(api.get("/tokens/99999999999999999999"), 404)
    ok(api.get(f"/tokens/{made['id']}"))


def test_a_web_ui_session_manages_tokens(server: Server) -> None:
    username, _key = server.create_user("tokw")
    with browser(server) as web:
        assert web.sign_in(username).status_code == 200
        base = f"{API}/{username}"
        ok(web.unsafe("POST", f"{base}/feeds", json={"name": "Web"}), 201)
        made = ok(
            web.unsafe(
                "POST", f"{base}/tokens", json={"name": "t", "permissions": [{"key": "web"}]}
            ),
            201,
        )
        assert made["token"].startswith("aiotok_")
        assert [t["id"] for t in ok(web.get(f"{base}/tokens"))] == [made["id"]]
        refused(web.delete(f"{base}/tokens/{made['id']}"), 403)  # no CSRF token
        ok(web.unsafe("DELETE", f"{base}/tokens/{made['id']}"))


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "name is required"),
        ({"name": ""}, "name can't be blank"),
        ({"name": "   "}, "name can't be blank"),
        ({"name": "x" * 129}, "name is too long"),
        ({"name": ["x"]}, "name must be a string"),
        ({"name": "t", "permissions": "feed"}, "permissions must be a list"),
        ({"name": "t", "permissions": ["feed"]}, "permissions[0] must be an object"),
        ({"name": "t", "permissions": [{"mode": "r"}]}, "permissions[0].key is required"),
        ({"name": "t", "permissions": [{"key": "no-such-feed"}]}, "no feed 'no-such-feed'"),
        (
            {"name": "t", "permissions": [{"model": "group", "key": "no-such-group"}]},
            "no group 'no-such-group'",
        ),
        ({"name": "t", "permissions": [{"model": "dashboard", "key": "x"}]}, "model must be"),
        ({"name": "t", "permissions": [{"key": "FEED", "mode": "x"}]}, "permissions[0].mode"),
        ({"name": "t", "permissions": [{"key": "FEED"}] * 101}, "at most 100 permissions"),
        ({"name": "t", "expiration": "2001-01-01T00:00:00Z"}, "expiration must be in the future"),
        ({"name": "t", "expiration": "next tuesday"}, "expiration is not a valid"),
        ({"name": "t", "expiration": True}, "expiration must be"),
    ],
)
def test_invalid_bodies_are_422(api: httpx.Client, body: dict[str, Any], words: str) -> None:
    key = new_feed(api)
    body = json.loads(json.dumps(body).replace('"FEED"', json.dumps(key)))
    before = len(ok(api.get("/tokens")))
    error = refused(api.post("/tokens", json={"token": body}), 422)
    assert words in error, error
    assert len(ok(api.get("/tokens"))) == before


def test_invalid_changes_are_422(api: httpx.Client) -> None:
    key = new_feed(api)
    made = make(api, {"key": key})
    url = f"/tokens/{made['id']}"
    refused(api.patch(url, json={"name": ""}), 422)
    refused(api.patch(url, json={"expiration": "1999-01-01T00:00:00Z"}), 422)
    refused(api.patch(url, json={"permissions": [{"key": "nope-nope"}]}), 422)
    without = {k: v for k, v in made.items() if k != "token"}
    assert ok(api.get(url)) == without


def test_at_most_a_thousand_tokens(server: Server) -> None:
    username, key = server.create_user("many")
    with httpx.Client(
        base_url=f"{server.base_url}{API}/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as api:
        with ThreadPoolExecutor(8) as pool:
            made = pool.map(lambda n: api.post("/tokens", json={"name": f"t{n}"}), range(1000))
            assert {r.status_code for r in made} == {201}
        assert "at most 1000 tokens" in refused(api.post("/tokens", json={"name": "one more"}), 422)
        first = ok(api.get("/tokens"))[0]
        ok(api.delete(f"/tokens/{first['id']}"))
        ok(api.post("/tokens", json={"name": "fits again"}), 201)


# -- the API's documentation --------------------------------------------------------------


def test_openapi_documents_the_token_routes(server: Server) -> None:
    spec = ok(httpx.get(f"{server.base_url}{API}/openapi.json"))
    paths = spec["paths"]
    assert set(paths[f"{API}/{{username}}/tokens"]) == {"get", "post"}
    assert set(paths[f"{API}/{{username}}/tokens/{{token_id}}"]) == {"get", "patch", "delete"}
    post = paths[f"{API}/{{username}}/tokens"]["post"]
    assert post["tags"] == ["tokens"]
    body = post["requestBody"]["content"]["application/json"]["schema"]["anyOf"][0]
    schema = str(spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]])
    assert "permissions" in schema and "expiration" in schema and "$defs" not in schema
    assert {"201", "401", "403", "404", "422"} <= set(post["responses"])
    assert {"NewToken", "Token", "TokenScope"} <= set(spec["components"]["schemas"])
