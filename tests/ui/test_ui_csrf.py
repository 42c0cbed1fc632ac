"""Every state change made with the session cookie needs the session's CSRF token, on every
route of /api/v2 and /ui/api; X-AIO-Key callers never need one.

The routes are enumerated from the app, so a new route is covered without editing this file.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from stonechat.protocols.http.app import create_app
from support import Server
from ui.helpers import Browser

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Authenticated by their own secret in the path, never by a session: nothing to forge.
NOT_SESSION = ("/api/v2/webhooks/",)
# Nobody is signed in yet: these take only JSON instead (see test_ui_accounts).
NO_SESSION_YET = {
    ("POST", "/ui/api/signup"),
    ("POST", "/ui/api/signin"),
    ("POST", "/ui/api/password-reset"),
    ("POST", "/ui/api/password-reset/confirm"),
}

SAMPLES = {
    "feed_key": "csrf-feed",
    "group_key": "default",
    "dashboard_key": "csrf-dash",
    "block_id": "1",
    "datum_id": "0AAAAAAAAAAAAAAAAAAAAAAAAA",
    "receiver_id": "1",
    "service": "weather",
    "rest": "x",
    "model": "feed",
    "permission_id": "1",
    "token_id": "1",
    "action_id": "1",
}


def unsafe_routes() -> list[tuple[str, str]]:
    app = create_app(None)  # type: ignore[arg-type]
    try:  # FastAPI >= 0.16x keeps included routers lazily
        from fastapi.routing import iter_route_contexts

        contexts: Any = list(iter_route_contexts(app.routes))
    except ImportError:
        contexts = [r for r in app.routes if isinstance(r, APIRoute)]
    found = set()
    for route in contexts:
        path = getattr(route, "path", None) or ""
        if not path.startswith(("/api/v2/", "/ui/api/")) or path.startswith(NOT_SESSION):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", path)
        for method in getattr(route, "methods", None) or ():
            if method in UNSAFE and (method, path) not in NO_SESSION_YET:
                found.add((method, path))
    return sorted(found, key=lambda mp: (mp[1], mp[0]))


ROUTES = unsafe_routes()


def test_the_routes_were_found() -> None:
    paths = {p for _m, p in ROUTES}
    assert "/api/v2/{username}/feeds/{feed_key}/data" in paths
    assert "/ui/api/key/regenerate" in paths
    assert len(ROUTES) > 40


def _url(path: str, username: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: username if m[1] == "username" else SAMPLES[m[1]], path)


@pytest.mark.parametrize("token", ["missing", "wrong"])
def test_unsafe_requests_need_the_csrf_token(signed_in: Browser, token: str) -> None:
    """Refused before anything is looked up or changed, whatever the body."""
    headers = {} if token == "missing" else {"X-CSRF-Token": signed_in.csrf[:-2] + "xx"}
    failures = []
    for method, path in ROUTES:
        response = signed_in.request(
            method, _url(path, signed_in.username), json={"value": 1}, headers=headers
        )
        if response.status_code != 403 or response.json() != {
            "error": "CSRF token missing or invalid"
        }:
            failures.append((method, path, response.status_code, response.text[:100]))
    assert not failures
    # Nothing happened: no feed, no dashboard, the same key, still signed in.
    assert signed_in.get(f"/api/v2/{signed_in.username}/feeds").json() == []
    assert signed_in.get(f"/api/v2/{signed_in.username}/dashboards").json() == []
    assert signed_in.get("/ui/api/session").status_code == 200


def test_safe_requests_and_the_right_token_work(signed_in: Browser) -> None:
    u = signed_in.username
    made = signed_in.unsafe("POST", f"/api/v2/{u}/feeds", json={"feed": {"name": "Csrf Feed"}})
    assert made.status_code == 201, made.text
    point = signed_in.unsafe("POST", f"/api/v2/{u}/feeds/csrf-feed/data", json={"value": 42})
    assert point.status_code == 200, point.text
    listed = signed_in.get(f"/api/v2/{u}/feeds/csrf-feed/data")
    assert [d["value"] for d in listed.json()] == ["42"]
    assert signed_in.unsafe("DELETE", f"/api/v2/{u}/feeds/csrf-feed").status_code == 200


def test_a_session_reaches_only_its_own_user(server: Server, signed_in: Browser) -> None:
    other, _key = server.create_user("o")
    response = signed_in.unsafe("POST", f"/api/v2/{other}/feeds", json={"name": "x"})
    assert response.status_code == 403
    listed = signed_in.get(f"/api/v2/{other}/feeds")
    assert listed.status_code == 403 or listed.json() == []  # public feeds only: none


def test_aio_key_callers_need_no_csrf_token_even_with_a_cookie(
    server: Server, signed_in: Browser
) -> None:
    key = signed_in.get("/ui/api/session").json()["aio_key"]
    u = signed_in.username
    plain = httpx.post(
        f"{server.base_url}/api/v2/{u}/feeds", headers={"X-AIO-Key": key}, json={"name": "Keyed"}
    )
    assert plain.status_code == 201
    # A key decides who the caller is; a stale cookie next to it changes nothing.
    both = httpx.post(
        f"{server.base_url}/api/v2/{u}/feeds/keyed/data",
        headers={"X-AIO-Key": key},
        cookies={"stonechat_session": "stale"},
        json={"value": 1},
    )
    assert both.status_code == 200


def test_no_cookie_no_key_is_still_401(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/api/v2/user")
    assert response.status_code == 401
    assert "X-AIO-Key" in response.json()["error"]
