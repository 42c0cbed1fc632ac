"""``/ui/api/admin/...`` on every backend: administrators only (signed out 401, another
user 403, an AIO key is no way in), each route's answers and bad input, and what the
actions do: a disabled user is refused on REST, MQTT and the web UI at once and its MQTT
connections end; a deleted user's data is gone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support import Server, ok, refused
from ui.admin_support import PASSWORD, Device, admin_browser, make_admin, wait_until
from ui.helpers import Browser, browser

ROUTES = [
    ("GET", "/ui/api/admin/users", None),
    ("POST", "/ui/api/admin/users", {"username": "x1234", "password": PASSWORD}),
    ("GET", "/ui/api/admin/users/admin", None),
    ("POST", "/ui/api/admin/users/admin/disable", None),
    ("POST", "/ui/api/admin/users/admin/enable", None),
    ("DELETE", "/ui/api/admin/users/admin", None),
    ("PUT", "/ui/api/admin/users/admin/data-rate", {"data_rate": 5}),
    ("POST", "/ui/api/admin/users/admin/key", None),
    ("GET", "/ui/api/admin/connections", None),
    ("POST", "/ui/api/admin/connections/disconnect", {"username": "admin", "client_id": "x"}),
    ("GET", "/ui/api/admin/bans", None),
    ("DELETE", "/ui/api/admin/bans/admin", None),
    ("GET", "/ui/api/admin/health", None),
]


@pytest.fixture(scope="module")
def admin_name(server: Server) -> str:
    return make_admin(server)


@pytest.fixture(scope="module")
def admin_key(server: Server, admin_name: str) -> str:
    return server.cli("user", "key", admin_name).stdout.strip()


@pytest.fixture
def admin(server: Server, admin_name: str) -> Iterator[Browser]:
    client = admin_browser(server, admin_name)
    yield client
    client.close()


def rest(server: Server, username: str, key: str) -> httpx.Response:
    return httpx.get(f"{server.base_url}/api/v2/{username}/feeds", headers={"X-AIO-Key": key})


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_signed_out_other_users_and_keys_are_refused(
    server: Server, admin_key: str, signed_in: Browser, method: str, path: str, body: object
) -> None:
    with browser(server) as anonymous:
        refused(anonymous.request(method, path, json=body), 401)
    refused(signed_in.unsafe(method, path, json=body), 403)  # a user, not an administrator
    # An administrator's AIO key is not a way in: the admin API takes the web UI session.
    headers = {"X-AIO-Key": admin_key}
    refused(httpx.request(method, server.base_url + path, json=body, headers=headers), 401)


def test_state_changes_need_the_csrf_token(admin: Browser, user: tuple[str, str]) -> None:
    refused(admin.post(f"/ui/api/admin/users/{user[0]}/disable"), 403)
    assert ok(admin.get(f"/ui/api/admin/users/{user[0]}"))["disabled"] is False


def test_users_list_shows_rate_points_and_activity(
    server: Server, admin: Browser, user: tuple[str, str]
) -> None:
    name, key = user
    for value in ("1", "2", "3"):
        ok(
            httpx.post(
                f"{server.base_url}/api/v2/{name}/feeds/t/data",
                headers={"X-AIO-Key": key},
                json={"value": value},
            )
        )
    rows = {u["username"]: u for u in ok(admin.get("/ui/api/admin/users"))["users"]}
    row = rows[name]
    assert row["points"] == 3
    assert row["last_activity"] is not None
    assert (row["is_admin"], row["disabled"], row["own_data_rate"]) == (False, False, None)
    assert row["data_rate"] == 0  # the test servers run unlimited
    assert rows[admin.username]["is_admin"] is True


def test_create_user_and_bad_input(server: Server, admin: Browser) -> None:
    name = f"made{server.http_port}{id(admin) % 10000}"
    made = ok(
        admin.unsafe("POST", "/ui/api/admin/users", json={"username": name, "password": PASSWORD}),
        201,
    )
    assert made["user"]["username"] == name and made["user"]["is_admin"] is False
    assert rest(server, name, made["key"]).status_code == 200
    refused(
        admin.unsafe("POST", "/ui/api/admin/users", json={"username": name, "password": PASSWORD}),
        409,
    )
    refused(
        admin.unsafe("POST", "/ui/api/admin/users", json={"username": "a b", "password": PASSWORD}),
        422,
    )
    refused(admin.unsafe("POST", "/ui/api/admin/users", json={"username": "ok-name"}), 400)
    refused(admin.unsafe("POST", "/ui/api/admin/users", json=[1]), 400)
    refused(
        admin.unsafe(
            "POST",
            "/ui/api/admin/users",
            json={"username": "n1x", "password": PASSWORD, "is_admin": "yes"},
        ),
        400,
    )


def test_unknown_users_are_404(admin: Browser) -> None:
    for method, path, body in ROUTES:
        if "/users/admin" in path:
            refused(
                admin.unsafe(method, path.replace("/users/admin", "/users/nobody-here"), json=body),
                404,
            )
    refused(
        admin.unsafe(
            "POST",
            "/ui/api/admin/connections/disconnect",
            json={"username": "nobody-here", "client_id": "c"},
        ),
        404,
    )
    refused(admin.unsafe("DELETE", "/ui/api/admin/bans/nobody-here"), 404)  # not banned


def test_disable_refuses_key_token_session_and_sign_in_then_enable(
    server: Server, admin: Browser, user: tuple[str, str]
) -> None:
    name, key = user
    token = ok(
        httpx.post(
            f"{server.base_url}/api/v2/{name}/tokens",
            headers={"X-AIO-Key": key},
            json={"token": {"name": "t", "permissions": []}},
        ),
        201,
    )
    secret = token["token"]
    api = f"{server.base_url}/api/v2/{name}"
    ok(httpx.post(f"{api}/feeds", headers={"X-AIO-Key": key}, json={"feed": {"name": "hook"}}), 201)
    hook = ok(httpx.post(f"{api}/feeds/hook/webhooks", headers={"X-AIO-Key": key}), 201)["url"]
    with browser(server) as own:
        assert own.sign_in(name).status_code == 200
        assert ok(admin.unsafe("POST", f"/ui/api/admin/users/{name}/disable"))["disabled"] is True
        assert "disabled" in refused(rest(server, name, key), 403)
        refused(rest(server, name, secret), 403)
        refused(httpx.post(hook, json={"value": "1"}), 403)  # its feed webhooks too
        refused(own.get("/ui/api/session"), 401)  # the session was ended
        assert "disabled" in refused(
            own.post("/ui/api/signin", json={"username": name, "password": PASSWORD}), 403
        )
        # A wrong password still says only that: nothing about the account's state.
        assert "disabled" not in refused(
            own.post("/ui/api/signin", json={"username": name, "password": "wrong-pass"}), 401
        )
    assert ok(admin.unsafe("POST", f"/ui/api/admin/users/{name}/enable"))["disabled"] is False
    assert rest(server, name, key).status_code == 200
    ok(httpx.post(hook, json={"value": "1"}))


def test_admins_cannot_disable_or_delete_themselves(admin: Browser) -> None:
    me = admin.username
    assert "own account" in refused(admin.unsafe("POST", f"/ui/api/admin/users/{me}/disable"), 403)
    assert "own account" in refused(admin.unsafe("DELETE", f"/ui/api/admin/users/{me}"), 403)


def test_data_rate_and_bad_rates(admin: Browser, user: tuple[str, str]) -> None:
    name = user[0]
    path = f"/ui/api/admin/users/{name}/data-rate"
    row = ok(admin.unsafe("PUT", path, json={"data_rate": 7}))
    assert (row["data_rate"], row["own_data_rate"]) == (7, 7)
    row = ok(admin.unsafe("PUT", path, json={"data_rate": None}))
    assert row["own_data_rate"] is None
    for bad in ({"data_rate": -1}, {"data_rate": "5"}, {"data_rate": 1.5}, {"data_rate": True}, {}):
        refused(admin.unsafe("PUT", path, json=bad), 400)


def test_regenerate_key(server: Server, admin: Browser, user: tuple[str, str]) -> None:
    name, old = user
    new = ok(admin.unsafe("POST", f"/ui/api/admin/users/{name}/key"))["key"]
    assert new != old
    refused(rest(server, name, old), 401)
    assert rest(server, name, new).status_code == 200


def test_delete_removes_the_user_and_its_data(
    server: Server, admin: Browser, user: tuple[str, str]
) -> None:
    name, key = user
    api = f"{server.base_url}/api/v2/{name}"
    ok(
        httpx.post(
            f"{api}/feeds",
            headers={"X-AIO-Key": key},
            json={"feed": {"name": "Gone", "visibility": "public"}},
        ),
        201,
    )
    ok(httpx.post(f"{api}/feeds/gone/data", headers={"X-AIO-Key": key}, json={"value": "42"}))
    ok(httpx.post(f"{api}/dashboards", headers={"X-AIO-Key": key}, json={"name": "D"}), 201)
    reader = {"X-AIO-Key": server.create_user()[1]}  # another user reads the public feed
    assert httpx.get(f"{api}/feeds/gone", headers=reader).status_code == 200
    assert ok(admin.unsafe("DELETE", f"/ui/api/admin/users/{name}")) == {"deleted": name}
    refused(rest(server, name, key), 401)
    assert httpx.get(f"{api}/feeds/gone", headers=reader).status_code == 404
    refused(admin.get(f"/ui/api/admin/users/{name}"), 404)
    # A new account of the same name starts empty: nothing of the old one is left.
    made = ok(
        admin.unsafe("POST", "/ui/api/admin/users", json={"username": name, "password": PASSWORD}),
        201,
    )
    again = {"X-AIO-Key": made["key"]}
    assert [f["key"] for f in ok(httpx.get(f"{api}/feeds", headers=again))] == []
    assert ok(httpx.get(f"{api}/dashboards", headers=again)) == []
    assert made["user"]["points"] == 0


def test_disable_ends_mqtt_connections_and_refuses_reconnects(
    server: Server, admin: Browser, user: tuple[str, str]
) -> None:
    name, key = user
    v5, v3 = Device(server, name, key, v5=True), Device(server, name, key, v5=False)
    for device in (v5, v3):
        device.connect()
        assert device.connected.wait(10)
    try:
        listed = ok(admin.get("/ui/api/admin/connections"))
        mine = {c["client_id"]: c for c in listed["connections"] if c["username"] == name}
        assert mine[v5.client_id]["protocol_version"] == "5.0"
        assert mine[v3.client_id]["protocol_version"] == "3.1.1"
        assert mine[v5.client_id]["address"] == "127.0.0.1"
        ok(admin.unsafe("POST", f"/ui/api/admin/users/{name}/disable"))
        wait_until(
            lambda: not v5.connected.is_set() and not v3.connected.is_set(), "the disconnects"
        )
        assert v5.disconnects[-1] == 0x98  # MQTT 5: DISCONNECT administrative action
        assert v5.attempt() == 0x87  # not authorized
        assert v3.attempt() == 0x87  # 3.1.1 code 5, which paho reports as 0x87
        ok(admin.unsafe("POST", f"/ui/api/admin/users/{name}/enable"))
        assert v5.attempt() == 0
    finally:
        v5.stop()
        v3.stop()


def test_disconnect_one_connection(server: Server, admin: Browser, user: tuple[str, str]) -> None:
    name, key = user
    device, other = Device(server, name, key), Device(server, name, key)
    for d in (device, other):
        d.connect()
        assert d.connected.wait(10)
    try:
        body = {"username": name, "client_id": device.client_id}
        assert ok(admin.unsafe("POST", "/ui/api/admin/connections/disconnect", json=body)) == {
            "disconnected": True
        }
        wait_until(lambda: not device.connected.is_set(), "the disconnect")
        assert device.disconnects[-1] == 0x98
        assert other.connected.is_set()
        for bad in ({"username": name}, {"username": name, "client_id": 5}, {"client_id": "x"}):
            refused(admin.unsafe("POST", "/ui/api/admin/connections/disconnect", json=bad), 400)
    finally:
        device.stop()
        other.stop()


def test_health(admin: Browser, backend: str) -> None:
    health = ok(admin.get("/ui/api/admin/health"))
    assert health["database"] == {"reachable": True, "dialect": backend}
    assert health["bus"]["kind"] == "memory" and health["bus"]["connected"] is True
    assert health["workers"] == ["local"]
    assert ok(admin.get("/ui/api/admin/bans")) == {"bans": []}  # bans are off on this server
