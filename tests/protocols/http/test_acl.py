"""The ACL API (swagger-v2.json ``Permission``), sharing with a user, public and secret scopes,
and the "Shared with me" list; on a real server, on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from support import Server, ok, refused
from ui.helpers import browser

API = "/api/v2"


@dataclass
class People:
    server: Server
    alice: str
    alice_key: str
    bob: str
    bob_key: str
    carol: str
    carol_key: str

    def client(self, key: str | None, user: str | None = None) -> httpx.Client:
        headers = {"X-AIO-Key": key} if key is not None else {}
        base = f"{self.server.base_url}{API}/{user or self.alice}"
        return httpx.Client(base_url=base, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def people(server: Server) -> People:
    (alice, a_key), (bob, b_key), (carol, c_key) = server.create_users(3, "acl")
    return People(server, alice, a_key, bob, b_key, carol, c_key)


@pytest.fixture
def alice(people: People) -> Iterator[httpx.Client]:
    with people.client(people.alice_key) as client:
        yield client


@pytest.fixture
def bob(people: People) -> Iterator[httpx.Client]:
    """Bob's key, on Alice's account."""
    with people.client(people.bob_key) as client:
        yield client


@pytest.fixture
def carol(people: People) -> Iterator[httpx.Client]:
    """Carol's key, on Alice's account: nothing is shared with her."""
    with people.client(people.carol_key) as client:
        yield client


def new_feed(alice: httpx.Client, value: str | None = "1", **fields: Any) -> str:
    key = f"f-{uuid.uuid4().hex[:8]}"
    ok(alice.post("/feeds", json={"feed": {"name": key, **fields}}), 201)
    if value is not None:
        ok(alice.post(f"/feeds/{key}/data", json={"value": value}))
    return key


def share(alice: httpx.Client, path: str, grantee: str, mode: str = "r") -> dict[str, Any]:
    body = {"permission": {"scope": "user", "scope_value": grantee, "mode": mode}}
    made: dict[str, Any] = ok(alice.post(f"{path}/acl", json=body), 201)
    return made


# -- CRUD -------------------------------------------------------------------------------


def test_crud_of_a_feed_share(people: People, alice: httpx.Client) -> None:
    key = new_feed(alice)
    feed = ok(alice.get(f"/feeds/{key}"))
    assert ok(alice.get(f"/feeds/{key}/acl")) == []

    made = share(alice, f"/feeds/{key}", people.bob)
    assert set(made) == {
        "id",
        "user_id",
        "scope",
        "scope_value",
        "model",
        "object_id",
        "mode",
        "created_at",
        "updated_at",
    }
    assert made["scope"] == "user"
    assert made["scope_value"] == people.bob
    assert made["model"] == "feed"
    assert made["object_id"] == feed["id"]
    assert made["user_id"] == feed["owner"]["id"]
    assert made["mode"] == "r"
    assert made["created_at"].endswith("Z") and made["updated_at"].endswith("Z")

    pid = made["id"]
    assert ok(alice.get(f"/feeds/{key}/acl/{pid}")) == made
    assert ok(alice.get(f"/feeds/{key}/acl")) == [made]

    # bare body for PATCH, wrapped for PUT
    assert ok(alice.patch(f"/feeds/{key}/acl/{pid}", json={"mode": "rw"}))["mode"] == "rw"
    put = ok(alice.put(f"/feeds/{key}/acl/{pid}", json={"permission": {"mode": "WR"}}))
    assert put["mode"] == "rw" and put["id"] == pid and put["scope_value"] == people.bob
    assert ok(alice.put(f"/feeds/{key}/acl/{pid}", json={"mode": "r"}))["mode"] == "r"
    # The row sent back as it was read is accepted (read-only fields are ignored).
    assert ok(alice.put(f"/feeds/{key}/acl/{pid}", json={"permission": made}))["mode"] == "r"

    # Sharing with the same user again updates that share: 200, same id.
    again = alice.post(
        f"/feeds/{key}/acl", json={"scope": "user", "scope_value": people.bob, "mode": "w"}
    )
    assert ok(again)["id"] == pid and again.json()["mode"] == "w"
    assert len(ok(alice.get(f"/feeds/{key}/acl"))) == 1

    # A share can move to another user; the mode stays.
    moved = ok(alice.patch(f"/feeds/{key}/acl/{pid}", json={"scope_value": people.carol}))
    assert moved["scope_value"] == people.carol and moved["mode"] == "w"

    gone = ok(alice.delete(f"/feeds/{key}/acl/{pid}"))
    assert gone["id"] == pid
    refused(alice.get(f"/feeds/{key}/acl/{pid}"), 404)
    refused(alice.delete(f"/feeds/{key}/acl/{pid}"), 404)
    assert ok(alice.get(f"/feeds/{key}/acl")) == []


def test_default_mode_is_r_and_scope_value_alone_means_user(
    people: People, alice: httpx.Client
) -> None:
    key = new_feed(alice, None)
    made = ok(alice.post(f"/feeds/{key}/acl", json={"scope_value": people.bob}), 201)
    assert made["scope"] == "user" and made["mode"] == "r"


def test_form_bodies_work(people: People, alice: httpx.Client) -> None:
    key = new_feed(alice, None)
    made = ok(
        alice.post(
            f"/feeds/{key}/acl",
            data={"scope": "user", "scope_value": people.bob, "mode": "rw"},
        ),
        201,
    )
    assert made["mode"] == "rw"
    changed = ok(alice.patch(f"/feeds/{key}/acl/{made['id']}", data={"mode": "r"}))
    assert changed["mode"] == "r"


def test_feed_identified_by_group_key_and_id(people: People, alice: httpx.Client) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    ok(alice.post("/groups", json={"name": group}), 201)
    feed = ok(alice.post(f"/groups/{group}/feeds", json={"feed": {"name": "inside"}}), 201)
    made = share(alice, f"/feeds/{group}.inside", people.bob)
    assert made["object_id"] == feed["id"]
    assert ok(alice.get(f"/feeds/{feed['id']}/acl")) == [made]


def test_groups_and_dashboards_have_access_lists(people: People, alice: httpx.Client) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    made_group = ok(alice.post("/groups", json={"name": group}), 201)
    ok(alice.post("/dashboards", json={"name": group}), 201)
    g = share(alice, f"/groups/{group}", people.bob, "rw")
    assert g["model"] == "group" and g["object_id"] == made_group["id"] and g["mode"] == "rw"
    d = share(alice, f"/dashboards/{group}", people.bob)
    assert d["model"] == "dashboard"
    assert ok(alice.get(f"/groups/{group}/acl")) == [g]
    assert ok(alice.get(f"/dashboards/{group}/acl")) == [d]
    # A row is reached only under its own object.
    refused(alice.get(f"/dashboards/{group}/acl/{g['id']}"), 404)
    refused(alice.patch(f"/groups/{group}/acl/{d['id']}", json={"mode": "r"}), 404)
    refused(alice.delete(f"/groups/{group}/acl/{d['id']}"), 404)
    refused(alice.get(f"/groups/{group}/acl/not-a-number"), 404)
    refused(alice.get(f"/groups/{group}/acl/99999999999999999999"), 404)
    ok(alice.delete(f"/groups/{group}/acl/{g['id']}"))
    ok(alice.delete(f"/dashboards/{group}/acl/{d['id']}"))


# -- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "scope is required"),
        ({"mode": "r"}, "scope is required"),
        ({"scope": "organization"}, "organization"),
        ({"scope": "everyone"}, "scope must be one of"),
        ({"scope": 5}, "scope must be one of"),
        ({"scope": ["user"]}, "scope must be a string"),
        ({"scope": "user"}, "scope_value is required"),
        ({"scope": "user", "scope_value": ""}, "scope_value is required"),
        ({"scope": "user", "scope_value": "nobody-" + "x" * 10}, "no user named"),
        ({"scope": "user", "scope_value": "OWNER"}, "owner"),
        ({"scope": "user", "scope_value": ["BOB"]}, "scope_value must be a string"),
        ({"scope": "user", "scope_value": "BOB", "mode": "x"}, "mode must be one of"),
        ({"scope": "user", "scope_value": "BOB", "mode": "rwr"}, "mode must be one of"),
        ({"scope": "user", "scope_value": "BOB", "mode": 1}, "mode must be one of"),
        ({"scope": "public", "mode": "rw"}, "mode must be r"),
        ({"scope": "public", "mode": "w"}, "mode must be r"),
        ({"scope": "secret", "mode": "w"}, "mode must be r"),
        ({"scope": "public", "scope_value": "BOB"}, "scope_value must be empty"),
        ({"scope": "user", "scope_value": "BOB", "model": "group"}, "model must be feed"),
        ({"scope": "user", "scope_value": "BOB", "model": "cat"}, "model must be one of"),
        ({"scope": "user", "scope_value": "BOB", "object_id": 1}, "object_id must be"),
        ({"scope": "user", "scope_value": "BOB", "object_id": "x"}, "object_id must be"),
    ],
)
def test_invalid_bodies_are_422(
    people: People, alice: httpx.Client, body: dict[str, Any], words: str
) -> None:
    key = new_feed(alice, None)
    names = {"BOB": people.bob, "OWNER": people.alice}
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if isinstance(body.get("scope_value"), list):
        body["scope_value"] = [people.bob]
    error = refused(alice.post(f"/feeds/{key}/acl", json={"permission": body}), 422)
    assert words in error, error
    assert ok(alice.get(f"/feeds/{key}/acl")) == []
    assert ok(alice.get(f"/feeds/{key}"))["visibility"] == "private"


def test_invalid_changes_are_422(people: People, alice: httpx.Client) -> None:
    key = new_feed(alice, None)
    to_bob = share(alice, f"/feeds/{key}", people.bob)
    to_carol = share(alice, f"/feeds/{key}", people.carol)
    url = f"/feeds/{key}/acl/{to_bob['id']}"
    assert "scope cannot change" in refused(alice.patch(url, json={"scope": "public"}), 422)
    assert "already shared" in refused(alice.put(url, json={"scope_value": people.carol}), 422)
    assert "mode must be" in refused(alice.patch(url, json={"mode": "x"}), 422)
    assert "owner" in refused(alice.patch(url, json={"scope_value": people.alice}), 422)
    assert "model must be" in refused(alice.patch(url, json={"model": "dashboard"}), 422)
    assert ok(alice.get(f"/feeds/{key}/acl")) == [to_bob, to_carol]


def test_malformed_bodies_are_400(alice: httpx.Client) -> None:
    key = new_feed(alice, None)
    headers = {"Content-Type": "application/json"}
    refused(alice.post(f"/feeds/{key}/acl", content=b"{nope", headers=headers), 400)
    refused(alice.post(f"/feeds/{key}/acl", json=["scope", "user"]), 400)


# -- who may --------------------------------------------------------------------------


def test_only_the_owner_with_the_master_key_manages_access_lists(
    people: People, alice: httpx.Client, bob: httpx.Client, carol: httpx.Client
) -> None:
    key = new_feed(alice)
    made = share(alice, f"/feeds/{key}", people.bob, "rw")
    row = f"/feeds/{key}/acl/{made['id']}"
    body = {"scope": "user", "scope_value": people.carol}
    token = ok(
        alice.post(
            "/tokens",
            json={"token": {"name": "t", "permissions": [{"key": key, "mode": "rw"}]}},
        ),
        201,
    )["token"]
    with people.client(token) as by_token, people.client(None) as nobody:
        # bob is a grantee with rw, carol has nothing, the token is alice's own
        for client in (bob, carol, by_token):
            refused(client.get(f"/feeds/{key}/acl"), 403)
            refused(client.post(f"/feeds/{key}/acl", json=body), 403)
            refused(client.get(row), 403)
            refused(client.patch(row, json={"mode": "r"}), 403)
            refused(client.put(row, json={"mode": "r"}), 403)
            refused(client.delete(row), 403)
            refused(client.get(f"/feeds/missing-{key}/acl"), 403)
            refused(client.post("/groups/default/acl", json=body), 403)
        for call in (
            nobody.get(f"/feeds/{key}/acl"),
            nobody.post(f"/feeds/{key}/acl", json=body),
            nobody.get(row),
            nobody.delete(row),
        ):
            refused(call, 401)
        with people.client("not-a-key") as wrong:
            refused(wrong.get(f"/feeds/{key}/acl"), 401)
    # Nothing changed.
    assert ok(alice.get(f"/feeds/{key}/acl")) == [made]
    # Unknown objects and users
    refused(alice.get(f"/feeds/missing-{key}/acl"), 404)
    refused(alice.post(f"/groups/missing-{key}/acl", json=body), 404)
    refused(alice.get(f"/dashboards/missing-{key}/acl"), 404)
    with people.client(people.alice_key, f"nobody{uuid.uuid4().hex[:8]}") as elsewhere:
        refused(elsewhere.get(f"/feeds/{key}/acl"), 404)


def test_a_web_ui_session_manages_access_lists(server: Server, people: People) -> None:
    username, _key = server.create_user("aclw")
    with browser(server) as web:
        assert web.sign_in(username).status_code == 200
        base = f"{API}/{username}"
        ok(web.unsafe("POST", f"{base}/feeds", json={"name": "Web Feed"}), 201)
        made = ok(
            web.unsafe(
                "POST",
                f"{base}/feeds/web-feed/acl",
                json={"scope": "user", "scope_value": people.bob},
            ),
            201,
        )
        assert ok(web.get(f"{base}/feeds/web-feed/acl")) == [made]
        # Without the CSRF token a change is refused.
        refused(web.delete(f"{base}/feeds/web-feed/acl/{made['id']}"), 403)
        ok(web.unsafe("DELETE", f"{base}/feeds/web-feed/acl/{made['id']}"))
        # The session reaches its own user only.
        refused(web.get(f"{API}/{people.alice}/feeds/anything/acl"), 403)


# -- what a share gives ---------------------------------------------------------------


def test_a_reader_reads_but_cannot_write(
    people: People, alice: httpx.Client, bob: httpx.Client, carol: httpx.Client
) -> None:
    key = new_feed(alice, "41")
    refused(bob.get(f"/feeds/{key}"), 404)
    made = share(alice, f"/feeds/{key}", people.bob, "r")

    assert ok(bob.get(f"/feeds/{key}"))["key"] == key
    assert [d["value"] for d in ok(bob.get(f"/feeds/{key}/data"))] == ["41"]
    assert ok(bob.get(f"/feeds/{key}/data/last"))["value"] == "41"
    refused(bob.post(f"/feeds/{key}/data", json={"value": "666"}), 403)
    refused(bob.patch(f"/feeds/{key}", json={"name": "mine"}), 403)
    refused(bob.delete(f"/feeds/{key}"), 403)
    assert key in [f["key"] for f in ok(bob.get("/feeds"))]
    # Nobody else gained anything.
    refused(carol.get(f"/feeds/{key}"), 404)
    assert [d["value"] for d in ok(alice.get(f"/feeds/{key}/data"))] == ["41"]

    # Revoked: refused at once.
    ok(alice.delete(f"/feeds/{key}/acl/{made['id']}"))
    refused(bob.get(f"/feeds/{key}"), 404)
    refused(bob.get(f"/feeds/{key}/data"), 404)
    assert key not in [f["key"] for f in ok(bob.get("/feeds"))]


def test_a_read_write_grantee_stores_data(
    people: People, alice: httpx.Client, bob: httpx.Client
) -> None:
    key = new_feed(alice, "1")
    made = share(alice, f"/feeds/{key}", people.bob, "rw")
    stored = bob.post(f"/feeds/{key}/data", json={"value": "2"})
    assert stored.status_code == 200, stored.text
    assert [d["value"] for d in ok(alice.get(f"/feeds/{key}/data"))] == ["2", "1"]
    # Down to r: writes stop at once.
    ok(alice.patch(f"/feeds/{key}/acl/{made['id']}", json={"mode": "r"}))
    refused(bob.post(f"/feeds/{key}/data", json={"value": "3"}), 403)
    # A grantee never creates feeds in the owner's account.
    refused(bob.post(f"/feeds/brand-new-{key}/data", json={"value": "1"}), 403)
    assert [d["value"] for d in ok(alice.get(f"/feeds/{key}/data"))] == ["2", "1"]


def test_a_group_share_reaches_the_feeds_of_the_group(
    people: People, alice: httpx.Client, bob: httpx.Client
) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    ok(alice.post("/groups", json={"name": group}), 201)
    ok(alice.post(f"/groups/{group}/feeds", json={"feed": {"name": "inside"}}), 201)
    ok(alice.post(f"/feeds/{group}.inside/data", json={"value": "9"}))
    outside = new_feed(alice, "5")
    made = share(alice, f"/groups/{group}", people.bob, "r")
    assert ok(bob.get(f"/feeds/{group}.inside/data"))[0]["value"] == "9"
    refused(bob.get(f"/feeds/{outside}"), 404)
    ok(alice.delete(f"/groups/{group}/acl/{made['id']}"))
    refused(bob.get(f"/feeds/{group}.inside"), 404)


def test_public_scope_is_visibility_public(
    people: People, alice: httpx.Client, carol: httpx.Client
) -> None:
    key = new_feed(alice, "7")
    refused(carol.get(f"/feeds/{key}"), 404)

    public = ok(alice.post(f"/feeds/{key}/acl", json={"permission": {"scope": "public"}}), 201)
    assert public["scope"] == "public" and public["scope_value"] is None and public["mode"] == "r"
    assert ok(alice.get(f"/feeds/{key}"))["visibility"] == "public"
    assert ok(carol.get(f"/feeds/{key}/data"))[0]["value"] == "7"
    refused(carol.post(f"/feeds/{key}/data", json={"value": "8"}), 403)
    # Made public again: the same row, 200.
    again = alice.post(f"/feeds/{key}/acl", json={"scope": "public"})
    assert ok(again)["id"] == public["id"]
    assert ok(alice.get(f"/feeds/{key}/acl")) == [public]

    # Deleting the public row makes the feed private again, at once.
    ok(alice.delete(f"/feeds/{key}/acl/{public['id']}"))
    assert ok(alice.get(f"/feeds/{key}"))["visibility"] == "private"
    refused(carol.get(f"/feeds/{key}"), 404)
    assert ok(alice.get(f"/feeds/{key}/acl")) == []


def test_visibility_and_public_rows_stay_in_step(
    people: People, alice: httpx.Client, carol: httpx.Client
) -> None:
    key = new_feed(alice, None)
    ok(alice.patch(f"/feeds/{key}", json={"visibility": "public"}))
    [row] = ok(alice.get(f"/feeds/{key}/acl"))
    assert row["scope"] == "public"
    ok(alice.patch(f"/feeds/{key}", json={"visibility": "public"}))
    assert ok(alice.get(f"/feeds/{key}/acl")) == [row]

    # secret: private, the public row goes, one secret row stays
    secret = ok(alice.post(f"/feeds/{key}/acl", json={"scope": "secret"}), 201)
    assert secret["scope"] == "secret"
    assert ok(alice.get(f"/feeds/{key}"))["visibility"] == "private"
    assert ok(alice.get(f"/feeds/{key}/acl")) == [secret]
    refused(carol.get(f"/feeds/{key}"), 404)
    assert ok(alice.post(f"/feeds/{key}/acl", json={"scope": "secret"}))["id"] == secret["id"]

    # public again through the feed: the secret row goes
    ok(alice.patch(f"/feeds/{key}", json={"feed": {"visibility": "public"}}))
    [row] = ok(alice.get(f"/feeds/{key}/acl"))
    assert row["scope"] == "public"
    ok(alice.patch(f"/feeds/{key}", json={"visibility": "private"}))
    assert ok(alice.get(f"/feeds/{key}/acl")) == []

    # groups and dashboards too
    name = f"v-{uuid.uuid4().hex[:8]}"
    ok(alice.post("/groups", json={"name": name}), 201)
    ok(alice.post("/dashboards", json={"name": name}), 201)
    for path in (f"/groups/{name}", f"/dashboards/{name}"):
        made = ok(alice.post(f"{path}/acl", json={"scope": "public"}), 201)
        assert ok(alice.get(path))["visibility"] == "public"
        ok(alice.delete(f"{path}/acl/{made['id']}"))
        assert ok(alice.get(path))["visibility"] == "private"
        ok(alice.patch(path, json={"visibility": "public"}))
        assert [r["scope"] for r in ok(alice.get(f"{path}/acl"))] == ["public"]


# -- shared with me -------------------------------------------------------------------


def test_shared_with_me(server: Server, people: People, alice: httpx.Client) -> None:
    dave, dave_key = server.create_user("dave")
    key = new_feed(alice, None)
    group = f"g-{uuid.uuid4().hex[:8]}"
    ok(alice.post("/groups", json={"name": group, "key": group}), 201)
    ok(alice.post("/dashboards", json={"name": group, "key": group}), 201)
    f = share(alice, f"/feeds/{key}", dave, "rw")
    g = share(alice, f"/groups/{group}", dave, "r")
    d = share(alice, f"/dashboards/{group}", dave, "r")
    ok(alice.post(f"/feeds/{key}/acl", json={"scope": "public"}), 201)  # not a share

    with people.client(dave_key, dave) as mine:
        listed = ok(mine.get("/shared"))
    assert listed == [
        {
            "id": f["id"],
            "model": "feed",
            "owner": people.alice,
            "key": key,
            "name": key,
            "mode": "rw",
            "object_id": f["object_id"],
        },
        {
            "id": g["id"],
            "model": "group",
            "owner": people.alice,
            "key": group,
            "name": group,
            "mode": "r",
            "object_id": g["object_id"],
        },
        {
            "id": d["id"],
            "model": "dashboard",
            "owner": people.alice,
            "key": group,
            "name": group,
            "mode": "r",
            "object_id": d["object_id"],
        },
    ]
    # Deleting an object takes its shares with it.
    ok(alice.delete(f"/feeds/{key}"))
    ok(alice.delete(f"/dashboards/{group}"))
    with people.client(dave_key, dave) as mine:
        assert [i["model"] for i in ok(mine.get("/shared"))] == ["group"]
    ok(alice.delete(f"/groups/{group}"))
    with people.client(dave_key, dave) as mine:
        assert ok(mine.get("/shared")) == []


def test_shared_list_is_the_callers_own(people: People, alice: httpx.Client) -> None:
    assert ok(alice.get("/shared")) == []
    with people.client(people.bob_key) as bob_on_alice:
        refused(bob_on_alice.get("/shared"), 403)
    with people.client(None) as nobody:
        refused(nobody.get("/shared"), 401)
    key = new_feed(alice, None)
    token = ok(alice.post("/tokens", json={"name": "t", "permissions": [{"key": key}]}), 201)[
        "token"
    ]
    with people.client(token) as by_token:
        refused(by_token.get("/shared"), 403)


# -- the API's documentation ----------------------------------------------------------


def test_openapi_documents_the_acl_routes(server: Server) -> None:
    spec = ok(httpx.get(f"{server.base_url}{API}/openapi.json"))
    paths = spec["paths"]
    for kind, param in (
        ("feeds", "feed_key"),
        ("groups", "group_key"),
        ("dashboards", "dashboard_key"),
    ):
        base = f"{API}/{{username}}/{kind}/{{{param}}}/acl"
        assert set(paths[base]) == {"get", "post"}
        assert set(paths[f"{base}/{{permission_id}}"]) == {"get", "put", "patch", "delete"}
        post = paths[base]["post"]
        assert "permissions" in post["tags"] and post["summary"]
        schema = post["requestBody"]["content"]["application/json"]["schema"]
        shapes = [
            spec["components"]["schemas"][s["$ref"].rsplit("/", 1)[1]] for s in schema["anyOf"]
        ]
        assert "scope_value" in shapes[0]["properties"]
        assert shapes[1]["required"] == ["permission"]
        assert {"200", "201", "401", "403", "404", "422"} <= set(post["responses"])
        patch = paths[f"{base}/{{permission_id}}"]["patch"]
        assert "requestBody" in patch and "422" in patch["responses"]
    assert "Permission" in spec["components"]["schemas"]
    assert set(paths[f"{API}/{{username}}/shared"]) == {"get"}
