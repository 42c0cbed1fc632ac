"""Sessions end after the idle timeout and after the absolute one, on every backend.

``short_server`` runs with a 3 s idle timeout and an 8 s absolute one.

The cookie's Max-Age is the absolute timeout, so a browser would drop it too; these tests
send the token themselves to check that the server refuses it.
"""

from __future__ import annotations

import time

import httpx

from support import Server
from ui.helpers import IDLE_SECONDS, MAX_SECONDS, browser

COOKIE = "stonechat_session"
EXPIRED = {"error": "session expired, sign in again"}


def test_idle_sessions_end(short_server: Server) -> None:
    username, _key = short_server.create_user("e")
    with browser(short_server) as client:
        assert client.sign_in(username).status_code == 200
        started = time.monotonic()
        # Used every second for longer than the idle timeout: still alive.
        while time.monotonic() - started < IDLE_SECONDS + 1.5:
            assert client.get("/ui/api/session").status_code == 200
            assert client.get(f"/api/v2/{username}/feeds").status_code == 200
            time.sleep(0.5)
        token = client.cookie
        time.sleep(IDLE_SECONDS + 0.5)
        for url in ("/ui/api/session", f"/api/v2/{username}/feeds"):
            response = httpx.get(short_server.base_url + url, cookies={COOKIE: token})
            assert response.status_code == 401
            assert response.json() == EXPIRED
        assert client.sign_in(username).status_code == 200
        assert client.get("/ui/api/session").status_code == 200


def test_sessions_end_at_the_absolute_timeout_however_busy(short_server: Server) -> None:
    username, _key = short_server.create_user("a")
    with browser(short_server) as client:
        assert client.sign_in(username).status_code == 200
        token = client.cookie
        started = time.monotonic()
        statuses = []
        while time.monotonic() - started < MAX_SECONDS + 2:
            response = httpx.get(f"{short_server.base_url}/ui/api/session", cookies={COOKIE: token})
            statuses.append((time.monotonic() - started, response.status_code))
            time.sleep(0.5)
        alive = [t for t, status in statuses if status == 200]
        dead = [t for t, status in statuses if status == 401]
        assert alive and dead
        assert max(alive) < MAX_SECONDS + 0.5 < min(dead) + 1.0
        assert all(t > max(alive) for t in dead)  # once over, it stays over


def test_an_expired_session_cannot_change_anything(short_server: Server) -> None:
    username, _key = short_server.create_user("x")
    with browser(short_server) as client:
        client.sign_in(username)
        token = client.cookie
        time.sleep(IDLE_SECONDS + 0.5)
        response = httpx.post(
            f"{short_server.base_url}/api/v2/{username}/feeds",
            cookies={COOKIE: token},
            headers={"X-CSRF-Token": client.csrf},
            json={"name": "Late"},
        )
        assert response.status_code == 401
        assert response.json() == EXPIRED
