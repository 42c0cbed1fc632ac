"""One user's key never reaches another user's private resources, on any route.

The routes are enumerated from the FastAPI app itself, so a route added without a case
here makes ``test_every_route_has_a_case`` fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from stonechat.protocols.http.app import create_app
from support import Server

API = "/api/v2"


def _app_routes() -> list[tuple[str, str]]:
    """``(METHOD, path template)`` of every API route, hidden ones included."""
    app = create_app(None)  # type: ignore[arg-type]
    found: set[tuple[str, str]] = set()
    try:  # FastAPI >= 0.16x keeps included routers lazily
        from fastapi.routing import iter_route_contexts

        contexts: Any = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI flattens them into APIRoutes
        contexts = [r for r in app.routes if isinstance(r, APIRoute)]
    for route in contexts:
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None) or set()
        if not path or not path.startswith(API + "/") or path == f"{API}/openapi.json":
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", path)
        for method in methods:
            if method != "HEAD":
                found.add((method, path))
    return sorted(found, key=lambda mp: (mp[1], mp[0]))


ROUTES = _app_routes()

# Bodies a route would accept from the owner, so a missing check would really change data.
DATUM = {"value": "evil", "lat": 1, "lon": 2}
FEED = {"name": "Evil Feed", "description": "evil"}
GROUP = {"name": "Evil Group", "description": "evil"}
DASHBOARD = {"name": "Evil Dashboard"}
BLOCK = {"visual_type": "gauge", "name": "evil", "block_feeds": [{"feed_id": "secret"}]}
ACTION = {
    "name": "evil",
    "trigger": {"type": "schedule", "cron": "* * * * *"},
    "outputs": [{"type": "publish", "feed": "secret", "value": "evil"}],
}

# Every (method, path) under /api/v2 must appear here (or in NOT_USER_SCOPED).
CASES: dict[tuple[str, str], Any] = {
    ("GET", "/{username}/throttle"): None,
    ("GET", "/{username}/activities"): None,
    ("DELETE", "/{username}/activities"): None,
    ("GET", "/{username}/activities/{model}"): None,
    ("GET", "/{username}/integrations/time/struct.json"): None,
    ("GET", "/{username}/integrations/time/strftime"): None,
    ("GET", "/{username}/integrations/time/seconds"): None,
    ("GET", "/{username}/integrations/time/millis"): None,
    ("GET", "/{username}/integrations/{service}"): None,
    ("POST", "/{username}/integrations/{service}"): {"name": "x"},
    ("DELETE", "/{username}/integrations/{service}"): None,
    ("GET", "/{username}/integrations/{service}/{rest}"): None,
    ("POST", "/{username}/integrations/{service}/{rest}"): {"name": "x"},
    ("DELETE", "/{username}/integrations/{service}/{rest}"): None,
    ("GET", "/{username}/feeds"): None,
    ("POST", "/{username}/feeds"): {"feed": FEED},
    ("GET", "/{username}/feeds/{feed_key}"): None,
    ("PUT", "/{username}/feeds/{feed_key}"): {"feed": FEED},
    ("PATCH", "/{username}/feeds/{feed_key}"): {"feed": FEED},
    ("DELETE", "/{username}/feeds/{feed_key}"): None,
    ("GET", "/{username}/feeds/{feed_key}/details"): None,
    ("GET", "/{username}/feeds/{feed_key}/webhooks"): None,
    ("POST", "/{username}/feeds/{feed_key}/webhooks"): {},
    ("DELETE", "/{username}/feeds/{feed_key}/webhooks/{receiver_id}"): None,
    ("GET", "/{username}/groups"): None,
    ("POST", "/{username}/groups"): GROUP,
    ("GET", "/{username}/groups/{group_key}"): None,
    ("PUT", "/{username}/groups/{group_key}"): GROUP,
    ("PATCH", "/{username}/groups/{group_key}"): GROUP,
    ("DELETE", "/{username}/groups/{group_key}"): None,
    ("POST", "/{username}/groups/{group_key}/add"): {"feed_key": "secret"},
    ("POST", "/{username}/groups/{group_key}/remove"): {"feed_key": "shared"},
    ("GET", "/{username}/groups/{group_key}/feeds"): None,
    ("POST", "/{username}/groups/{group_key}/feeds"): {"feed": FEED},
    ("POST", "/{username}/groups/{group_key}/data"): {
        "feeds": [{"key": "inner", "value": "evil"}, {"key": "brand-new", "value": "1"}]
    },
    ("GET", "/{username}/dashboards"): None,
    ("POST", "/{username}/dashboards"): DASHBOARD,
    ("GET", "/{username}/dashboards/{dashboard_key}"): None,
    ("PUT", "/{username}/dashboards/{dashboard_key}"): DASHBOARD,
    ("PATCH", "/{username}/dashboards/{dashboard_key}"): DASHBOARD,
    ("DELETE", "/{username}/dashboards/{dashboard_key}"): None,
    ("POST", "/{username}/dashboards/{dashboard_key}/update_layouts"): {
        "layouts": {"lg": [{"i": "1", "x": 5, "y": 5, "w": 2, "h": 2}]}
    },
    ("GET", "/{username}/dashboards/{dashboard_key}/blocks"): None,
    ("POST", "/{username}/dashboards/{dashboard_key}/blocks"): BLOCK,
    ("GET", "/{username}/dashboards/{dashboard_key}/blocks/{block_id}"): None,
    ("PUT", "/{username}/dashboards/{dashboard_key}/blocks/{block_id}"): BLOCK,
    ("PATCH", "/{username}/dashboards/{dashboard_key}/blocks/{block_id}"): BLOCK,
    ("DELETE", "/{username}/dashboards/{dashboard_key}/blocks/{block_id}"): None,
    ("GET", "/{username}/shared"): None,
    ("GET", "/{username}/tokens"): None,
    ("POST", "/{username}/tokens"): {
        "token": {"name": "evil", "permissions": [{"key": "secret", "mode": "rw"}]}
    },
    ("GET", "/{username}/tokens/{token_id}"): None,
    ("PATCH", "/{username}/tokens/{token_id}"): {"name": "evil"},
    ("DELETE", "/{username}/tokens/{token_id}"): None,
}
for _prefix in ("/{username}/actions", "/{username}/triggers"):
    CASES.update(
        {
            ("GET", _prefix): None,
            ("POST", _prefix): {"action": ACTION},
            ("GET", f"{_prefix}/{{action_id}}"): None,
            ("PUT", f"{_prefix}/{{action_id}}"): {"action": ACTION},
            ("PATCH", f"{_prefix}/{{action_id}}"): {"enabled": False},
            ("DELETE", f"{_prefix}/{{action_id}}"): None,
            ("GET", f"{_prefix}/{{action_id}}/runs"): None,
            ("POST", f"{_prefix}/{{action_id}}/run"): None,
            ("POST", f"{_prefix}/dry-run"): {"action": ACTION},
            ("POST", f"{_prefix}/preview"): {"template": "{{ value }}"},
        }
    )
for _prefix in (
    "/{username}/feeds/{feed_key}",
    "/{username}/groups/{group_key}",
    "/{username}/dashboards/{dashboard_key}",
):
    CASES.update(
        {
            ("GET", f"{_prefix}/acl"): None,
            ("POST", f"{_prefix}/acl"): {"permission": {"scope": "public"}},
            ("GET", f"{_prefix}/acl/{{permission_id}}"): None,
            ("PUT", f"{_prefix}/acl/{{permission_id}}"): {"mode": "rw"},
            ("PATCH", f"{_prefix}/acl/{{permission_id}}"): {"mode": "rw"},
            ("DELETE", f"{_prefix}/acl/{{permission_id}}"): None,
        }
    )
for _prefix in ("/{username}/feeds/{feed_key}", "/{username}/groups/{group_key}/feeds/{feed_key}"):
    CASES.update(
        {
            ("GET", f"{_prefix}/data"): None,
            ("POST", f"{_prefix}/data"): DATUM,
            ("POST", f"{_prefix}/data/batch"): {"data": [DATUM, DATUM]},
            ("GET", f"{_prefix}/data/chart"): None,
            ("GET", f"{_prefix}/data/first"): None,
            ("GET", f"{_prefix}/data/last"): None,
            ("GET", f"{_prefix}/data/next"): None,
            ("GET", f"{_prefix}/data/prev"): None,
            ("GET", f"{_prefix}/data/previous"): None,
            ("GET", f"{_prefix}/data/retain"): None,
            ("GET", f"{_prefix}/data/{{datum_id}}"): None,
            ("PUT", f"{_prefix}/data/{{datum_id}}"): DATUM,
            ("PATCH", f"{_prefix}/data/{{datum_id}}"): DATUM,
            ("DELETE", f"{_prefix}/data/{{datum_id}}"): None,
        }
    )

# Collections another user may list: only public records are shown (none exist here).
PUBLIC_LISTINGS = {
    ("GET", "/{username}/feeds"),
    ("GET", "/{username}/groups"),
    ("GET", "/{username}/dashboards"),
}

# Routes with no user in the path: checked by their own tests below.
NOT_USER_SCOPED = {
    ("GET", "/user"),
    ("POST", "/webhooks/feed/{token}"),
    ("POST", "/webhooks/feed/{token}/raw"),
    ("POST", "/webhooks/feed/{token}/notify"),
}

USER_ROUTES = [r for r in ROUTES if (r[0], r[1].removeprefix(API)) not in NOT_USER_SCOPED]


def _route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1].removeprefix(API)}"


def assert_json_error(response: httpx.Response, statuses: set[int]) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"], str)
    assert body["error"].strip()


@dataclass
class World:
    server: Server
    a_name: str
    a_key: str
    b_name: str
    b_key: str
    params: dict[str, str]

    def client(self, key: str | None) -> httpx.Client:
        headers = {"X-AIO-Key": key} if key is not None else {}
        return httpx.Client(base_url=self.server.base_url, headers=headers, timeout=30)


def _check(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.request.url, response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[World]:
    """User A with private feeds (with data), a group, a dashboard with a block, a receiver."""
    a_name, a_key = server.create_user("iso_a")
    b_name, b_key = server.create_user("iso_b")
    c_name, _c_key = server.create_user("iso_c")  # a grantee who is neither A nor B
    with httpx.Client(
        base_url=f"{server.base_url}{API}/{a_name}", headers={"X-AIO-Key": a_key}, timeout=30
    ) as a:
        _check(a.post("/feeds", json={"feed": {"name": "secret"}}))
        datum = _check(a.post("/feeds/secret/data", json={"value": "42", "lat": 1, "lon": 2}))
        _check(a.post("/feeds/secret/data", json={"value": "43"}))
        _check(a.get("/feeds/secret/data/first"))  # puts the queue pointer somewhere known
        _check(a.post("/feeds", json={"feed": {"name": "shared"}}))
        _check(a.post("/groups", json={"name": "grp"}))
        _check(a.post("/groups/grp/feeds", json={"feed": {"name": "inner"}}))
        _check(a.post("/groups/grp/add", json={"feed_key": "shared"}))
        inner = _check(a.post("/groups/grp/feeds/inner/data", json={"value": "7"}))
        _check(a.post("/dashboards", json={"name": "dash"}))
        block = _check(
            a.post(
                "/dashboards/dash/blocks",
                json={"visual_type": "text", "block_feeds": [{"feed_id": "secret"}]},
            )
        )
        receiver = _check(a.post("/feeds/secret/webhooks"))
        share = _check(
            a.post("/feeds/secret/acl", json={"scope": "user", "scope_value": c_name, "mode": "r"})
        )
        token = _check(
            a.post("/tokens", json={"name": "dev", "permissions": [{"key": "secret", "mode": "r"}]})
        )
        action = _check(
            a.post(
                "/actions",
                json={
                    "name": "hot",
                    "trigger": {"feed": "secret", "operator": "gt", "value": "40"},
                    "outputs": [{"type": "publish", "feed": "shared", "value": "on"}],
                },
            )
        )
    yield World(
        server,
        a_name,
        a_key,
        b_name,
        b_key,
        {
            "username": a_name,
            "feed_key": "secret",
            "group_key": "grp",
            "dashboard_key": "dash",
            "block_id": block["id"],
            "receiver_id": str(receiver["id"]),
            "model": "feeds",
            "service": "weather",
            "rest": "1",
            "token": receiver["token"],
            "datum_id": datum["id"],
            "inner_datum_id": inner["id"],
            "permission_id": str(share["id"]),
            "token_id": str(token["id"]),
            "action_id": str(action["id"]),
        },
    )


def snapshot(world: World) -> dict[str, Any]:
    """Everything A can see of A's account."""
    shot: dict[str, Any] = {}
    with world.client(world.a_key) as a:
        base = f"{API}/{world.a_name}"
        shot["feeds"] = _check(a.get(f"{base}/feeds"))
        for feed in shot["feeds"]:
            k = feed["key"]
            shot[f"details {k}"] = _check(a.get(f"{base}/feeds/{k}/details"))
            shot[f"data {k}"] = _check(a.get(f"{base}/feeds/{k}/data"))
            shot[f"webhooks {k}"] = _check(a.get(f"{base}/feeds/{k}/webhooks"))
            if shot[f"data {k}"]:
                shot[f"previous {k}"] = _check(a.get(f"{base}/feeds/{k}/data/previous"))
        shot["groups"] = _check(a.get(f"{base}/groups"))
        shot["dashboards"] = _check(a.get(f"{base}/dashboards"))
        for dashboard in shot["dashboards"]:
            k = dashboard["key"]
            shot[f"dashboard {k}"] = _check(a.get(f"{base}/dashboards/{k}"))
        shot["activities"] = _check(a.get(f"{base}/activities"))
        shot["acl secret"] = _check(a.get(f"{base}/feeds/secret/acl"))
        shot["tokens"] = _check(a.get(f"{base}/tokens"))
        shot["actions"] = _check(a.get(f"{base}/actions"))
    return shot


def _url(world: World, path: str) -> str:
    params = dict(world.params)
    if "{group_key}/feeds/{feed_key}" in path:
        params["feed_key"] = "inner"
        params["datum_id"] = params["inner_datum_id"]
    return path.format(**params)


def test_every_route_has_a_case() -> None:
    """A new route must be added to CASES (or NOT_USER_SCOPED) with a body that would work."""
    assert len(ROUTES) > 50
    known = set(CASES) | NOT_USER_SCOPED
    missing = [_route_id(r) for r in ROUTES if (r[0], r[1].removeprefix(API)) not in known]
    assert missing == []
    stale = sorted(k for k in known if (k[0], API + k[1]) not in set(ROUTES))
    assert stale == []


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def test_other_users_key_is_refused_everywhere(world: World) -> None:
    """B's key on every route of A's account: a JSON 4xx (or an empty public listing)."""
    before = snapshot(world)
    wrong: list[str] = []
    with world.client(world.b_key) as b:
        for method, path in USER_ROUTES:
            template = path.removeprefix(API)
            response = b.request(method, _url(world, path), json=CASES[(method, template)])
            try:
                if (method, template) in PUBLIC_LISTINGS:
                    # B may list A's public records; A has none, so B sees nothing.
                    assert response.status_code == 200
                    assert response.json() == []
                else:
                    assert_json_error(response, {401, 403, 404})
            except AssertionError:
                wrong.append(f"{method} {template}: {response.status_code} {response.text[:200]}")
    assert wrong == []
    after = snapshot(world)
    assert _changed(before, after) == []
    assert after == before


def test_no_key_and_bad_key_get_401_everywhere(world: World) -> None:
    before = snapshot(world)
    wrong: list[str] = []
    clients = {
        "no key": world.client(None),
        "bad key": world.client("aio_notAKeyAtAll0000000000000000"),
        "empty key": world.client(""),
    }
    try:
        for method, path in ROUTES:
            template = path.removeprefix(API)
            if template.startswith("/webhooks/"):
                continue  # authenticated by their token, see the test below
            body = CASES.get((method, template))
            url = _url(world, path)
            attempts = [(name, c.request(method, url, json=body)) for name, c in clients.items()]
            # The key in the query string is checked the same way.
            attempts.append(
                (
                    "bad query key",
                    clients["no key"].request(method, url, params={"x-aio-key": "no"}, json=body),
                )
            )
            for name, response in attempts:
                try:
                    assert_json_error(response, {401})
                except AssertionError:
                    wrong.append(f"{name} {method} {template}: {response.status_code}")
    finally:
        for c in clients.values():
            c.close()
    assert wrong == []
    after = snapshot(world)
    assert _changed(before, after) == []
    assert after == before


def test_user_route_answers_for_the_key_not_the_path(world: World) -> None:
    with world.client(world.b_key) as b:
        me = b.get(f"{API}/user")
    assert me.status_code == 200
    assert me.json()["username"] == world.b_name
    with world.client(world.a_key) as a:
        assert a.get(f"{API}/user").json()["username"] == world.a_name


def test_unknown_webhook_token_is_404_and_stores_nothing(world: World) -> None:
    before = snapshot(world)
    with world.client(world.b_key) as b:
        for suffix in ("", "/raw", "/notify"):
            response = b.post(f"{API}/webhooks/feed/not-a-token{suffix}", json={"value": "x"})
            assert_json_error(response, {404})
    assert snapshot(world) == before


def test_owner_key_in_other_case_of_username_is_still_owner(world: World) -> None:
    with world.client(world.a_key) as a:
        response = a.get(f"{API}/{world.a_name.upper()}/feeds/secret")
    assert response.status_code == 200
    assert response.json()["key"] == "secret"


def test_public_feed_is_readable_but_not_writable(server: Server) -> None:
    a_name, a_key = server.create_user("pub_a")
    b_name, b_key = server.create_user("pub_b")
    base = f"{server.base_url}{API}/{a_name}"
    with httpx.Client(base_url=base, headers={"X-AIO-Key": a_key}, timeout=30) as a:
        _check(a.post("/feeds", json={"feed": {"name": "open", "visibility": "public"}}))
        _check(a.post("/feeds", json={"feed": {"name": "closed"}}))
        first = _check(a.post("/feeds/open/data", json={"value": "1"}))
        _check(a.post("/feeds/open/data", json={"value": "2"}))
        feed_before = _check(a.get("/feeds/open/details"))
        data_before = _check(a.get("/feeds/open/data"))
    with httpx.Client(base_url=base, headers={"X-AIO-Key": b_key}, timeout=30) as b:
        feed = b.get("/feeds/open")
        assert feed.status_code == 200
        assert feed.json()["key"] == "open"
        assert feed.json()["visibility"] == "public"
        assert feed.json()["last_value"] == "2"
        data = b.get("/feeds/open/data")
        assert data.status_code == 200
        assert [d["value"] for d in data.json()] == ["2", "1"]
        one = b.get(f"/feeds/open/data/{first['id']}")
        assert one.status_code == 200
        assert one.json()["value"] == "1"
        # Listing shows the public feed and only it.
        assert [f["key"] for f in b.get("/feeds").json()] == ["open"]
        # The private neighbour stays hidden.
        assert_json_error(b.get("/feeds/closed"), {403, 404})
        assert_json_error(b.get("/feeds/closed/data"), {403, 404})
        # Nothing about the public feed is writable.
        for method, path, body in (
            ("POST", "/feeds/open/data", {"value": "evil"}),
            ("POST", "/feeds/open/data/batch", {"data": [{"value": "evil"}]}),
            ("PUT", "/feeds/open", {"feed": {"name": "evil"}}),
            ("PATCH", "/feeds/open", {"feed": {"visibility": "private"}}),
            ("DELETE", "/feeds/open", None),
            ("PUT", f"/feeds/open/data/{first['id']}", {"value": "evil"}),
            ("PATCH", f"/feeds/open/data/{first['id']}", {"value": "evil"}),
            ("DELETE", f"/feeds/open/data/{first['id']}", None),
            ("POST", "/feeds/open/webhooks", {}),
            ("GET", "/feeds/open/webhooks", None),
        ):
            assert_json_error(b.request(method, path, json=body), {403, 404})
    with httpx.Client(base_url=base, headers={"X-AIO-Key": a_key}, timeout=30) as a:
        assert _check(a.get("/feeds/open/details")) == feed_before
        assert _check(a.get("/feeds/open/data")) == data_before
    # B's own account got nothing either.
    with httpx.Client(
        base_url=f"{server.base_url}{API}/{b_name}", headers={"X-AIO-Key": b_key}, timeout=30
    ) as b:
        assert b.get("/feeds").json() == []
