"""The web UI's account endpoints (/ui/api), on every backend."""

from __future__ import annotations

import uuid

import httpx
import pytest

from support import Server
from ui.helpers import Browser, browser


def new_name(prefix: str = "s") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def test_config(server: Server) -> None:
    body = httpx.get(f"{server.base_url}/ui/api/config").json()
    assert body["signed_in"] is False
    assert body["signup_enabled"] is True
    assert body["has_users"] is True  # the bootstrap administrator
    assert body["mqtt_ws_path"] == "/mqtt"
    assert body["mqtt_port"] == server.mqtt_port  # the UI's device snippets use it
    assert body["base_url"] == server.base_url
    assert isinstance(body["version"], str)


def test_sign_up_signs_in_and_the_cookie_is_safe(server: Server) -> None:
    name = new_name()
    with browser(server) as client:
        response = client.post(
            "/ui/api/signup",
            json={
                "username": name,
                "email": f"{name}@example.com",
                "password": "correct horse",
                "time_zone": "Europe/Paris",
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["user"] == {
            "username": name,
            "email": f"{name}@example.com",
            "time_zone": "Europe/Paris",
            "is_admin": False,  # the server made its administrator on first start
            "created_at": body["user"]["created_at"],
        }
        assert body["user"]["created_at"].endswith("Z")
        cookie = response.headers["set-cookie"]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert cookie.startswith("stonechat_session=")
        assert {"httponly", "samesite", "path"} <= attributes
        assert "samesite=lax" in cookie.lower()
        assert "secure" not in attributes  # plain http here; https requests get Secure

        session = client.get("/ui/api/session").json()
        assert session["user"]["username"] == name
        assert session["csrf_token"] == body["csrf_token"]
        # The key shown in the UI works for the REST API.
        me = httpx.get(f"{server.base_url}/api/v2/user", headers={"X-AIO-Key": session["aio_key"]})
        assert me.json()["username"] == name

        # And sign in again with the email address instead of the username.
    with browser(server) as other:
        assert other.sign_in(f"{name}@example.com", "correct horse").status_code == 200
        assert other.get("/ui/api/session").json()["user"]["username"] == name


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "bad name!", "password": "password123"}, 422),
        ({"username": "", "password": "password123"}, 400),
        ({"password": "password123"}, 400),
        ({"username": "PLACEHOLDER", "password": "short"}, 422),
        ({"username": "PLACEHOLDER", "password": 12345678}, 400),
        ({"username": "PLACEHOLDER", "password": "password123", "email": "nope"}, 422),
        ({"username": "PLACEHOLDER", "password": "password123", "time_zone": "Mars/Base"}, 422),
        ({"username": "PLACEHOLDER", "password": "x" * 2000}, 422),
    ],
)
def test_sign_up_refuses_bad_input(server: Server, body: dict[str, object], status: int) -> None:
    if body.get("username") == "PLACEHOLDER":
        body = {**body, "username": new_name()}
    response = httpx.post(f"{server.base_url}/ui/api/signup", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert "set-cookie" not in response.headers


def test_sign_up_refuses_a_taken_username_in_any_case(server: Server) -> None:
    username, _key = server.create_user("d")
    response = httpx.post(
        f"{server.base_url}/ui/api/signup",
        json={"username": username.upper(), "password": "password123"},
    )
    assert response.status_code == 409
    assert "taken" in response.json()["error"]


def test_sign_up_and_in_take_only_json(server: Server) -> None:
    """A cross-site HTML form cannot send JSON: no forged sign-in (login CSRF)."""
    username, _key = server.create_user("f")
    form = {"username": username, "password": "password123"}
    for path in ("/ui/api/signin", "/ui/api/signup"):
        response = httpx.post(f"{server.base_url}{path}", data=form)
        assert response.status_code == 400
        assert "set-cookie" not in response.headers


def test_sign_in_and_out(server: Server) -> None:
    username, _key = server.create_user("i")
    with browser(server) as client:
        response = client.sign_in(username)
        assert response.status_code == 200
        assert response.json()["user"]["username"] == username
        assert client.get("/ui/api/session").status_code == 200
        token = client.cookie

        # Sign-out needs the CSRF token like any other state change.
        refused = client.post("/ui/api/signout")
        assert refused.status_code == 403
        assert refused.json() == {"error": "CSRF token missing or invalid"}

        out = client.unsafe("POST", "/ui/api/signout")
        assert out.status_code == 204
        assert (
            'stonechat_session=""' in out.headers["set-cookie"]
            or "Max-Age=0" in (out.headers["set-cookie"])
        )
        assert client.get("/ui/api/session").status_code == 401
    # The old cookie is dead on the server, not only in the browser.
    replay = httpx.get(f"{server.base_url}/ui/api/session", cookies={"stonechat_session": token})
    assert replay.status_code == 401
    assert replay.json() == {"error": "session expired, sign in again"}


def test_wrong_password_and_unknown_user_look_the_same(server: Server) -> None:
    username, _key = server.create_user("p")
    with browser(server) as client:
        wrong = client.sign_in(username, "wrong password")
        unknown = client.sign_in(new_name("nobody"), "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers


def test_no_session_no_access(server: Server) -> None:
    for cookies in ({}, {"stonechat_session": "forged"}):
        response = httpx.get(f"{server.base_url}/ui/api/session", cookies=cookies)
        assert response.status_code == 401
        assert response.json()["error"]


def test_config_says_whether_the_cookie_is_a_live_session(signed_in: Browser) -> None:
    assert signed_in.get("/ui/api/config").json()["signed_in"] is True
    stale = httpx.get(f"{signed_in.base_url}/ui/api/config", cookies={"stonechat_session": "stale"})
    assert stale.json()["signed_in"] is False


def test_profile(signed_in: Browser) -> None:
    changed = signed_in.unsafe(
        "PATCH", "/ui/api/profile", json={"email": "me@example.org", "time_zone": "Asia/Tokyo"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["email"] == "me@example.org"
    assert changed.json()["user"]["time_zone"] == "Asia/Tokyo"
    assert signed_in.get("/ui/api/session").json()["user"]["time_zone"] == "Asia/Tokyo"
    bad = signed_in.unsafe("PATCH", "/ui/api/profile", json={"time_zone": "Not/AZone"})
    assert bad.status_code == 422
    assert signed_in.unsafe("PATCH", "/ui/api/profile", json={"email": 5}).status_code == 400


def test_password_change(server: Server) -> None:
    username, _key = server.create_user("c")
    with browser(server) as client, browser(server) as elsewhere:
        client.sign_in(username)
        elsewhere.sign_in(username)
        wrong = client.unsafe(
            "POST",
            "/ui/api/password",
            json={"current_password": "not it", "new_password": "new password 1"},
        )
        assert wrong.status_code == 403  # not 401: the session is fine
        short = client.unsafe(
            "POST",
            "/ui/api/password",
            json={"current_password": "password123", "new_password": "short"},
        )
        assert short.status_code == 422
        done = client.unsafe(
            "POST",
            "/ui/api/password",
            json={"current_password": "password123", "new_password": "new password 1"},
        )
        assert done.status_code == 204
        assert client.get("/ui/api/session").status_code == 200
        # Other browsers of the account are signed out.
        assert elsewhere.get("/ui/api/session").status_code == 401
    with browser(server) as again:
        assert again.sign_in(username).status_code == 401
        assert again.sign_in(username, "new password 1").status_code == 200


def test_key_regeneration(signed_in: Browser, server: Server) -> None:
    old = signed_in.get("/ui/api/session").json()["aio_key"]
    assert signed_in.post("/ui/api/key/regenerate").status_code == 403  # CSRF
    response = signed_in.unsafe("POST", "/ui/api/key/regenerate")
    assert response.status_code == 200
    new = response.json()["aio_key"]
    assert new != old
    assert signed_in.get("/ui/api/session").json()["aio_key"] == new
    url = f"{server.base_url}/api/v2/user"
    assert httpx.get(url, headers={"X-AIO-Key": old}).status_code == 401
    assert httpx.get(url, headers={"X-AIO-Key": new}).status_code == 200


def test_sign_up_can_be_turned_off(short_server: Server) -> None:
    assert httpx.get(f"{short_server.base_url}/ui/api/config").json()["signup_enabled"] is False
    response = httpx.post(
        f"{short_server.base_url}/ui/api/signup",
        json={"username": new_name(), "password": "password123"},
    )
    assert response.status_code == 403
    assert "sign-up" in response.json()["error"]


def test_sign_in_is_throttled(short_server: Server) -> None:
    username, _key = short_server.create_user("t")
    with browser(short_server) as client:
        statuses = [client.sign_in(username, "wrong password").status_code for _ in range(6)]
        assert statuses[:5] == [401] * 5
        assert statuses[5] == 429
        throttled = client.sign_in(username)  # even the right password waits now
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) >= 1
        assert throttled.json()["error"]
