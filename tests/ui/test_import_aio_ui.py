"""Moving in from Adafruit IO from the web UI (``/ui/api/import-aio``): the signed-in user
gives a username and key of the operator's source (here a second Stonechat server, as
``STONECHAT_IMPORT_AIO_URL``); the import runs in the background, its progress readable
until it is done; running it again adds nothing. Refusals: bad fields, a wrong key (told
as the source's answer), signed out, no CSRF token; another user sees none of it.

The import itself (429s, interruptions, both databases) is tested in
tests/cli/test_import_aio.py; the jobs table in tests/storage/test_jobs.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from support import Server, free_port
from ui.helpers import Browser, browser

pytestmark = pytest.mark.sqlite_only

POINTS = 1_500


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    """The server users move from, with an account of two feeds, a group and a dashboard."""
    srv = Server("sqlite", tmp_path_factory.mktemp("ui-source"), None, free_port(), free_port())
    srv.start()
    username, key = srv.create_user("away")
    with httpx.Client(
        base_url=f"{srv.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=60
    ) as api:
        ok(api.post("/groups", json={"name": "Garden"}), 201)
        ok(api.post("/feeds?group_key=garden", json={"feed": {"name": "Soil"}}), 201)
        for feed in ("temperature", "garden.soil"):
            points = [{"value": str(i)} for i in range(POINTS // 2)]
            ok(api.post(f"/feeds/{feed}/data/batch", json=points))
        board = ok(api.post("/dashboards", json={"name": "Home"}), 201)
        block = {"name": "T", "visual_type": "gauge", "block_feeds": [{"feed_id": "temperature"}]}
        ok(api.post(f"/dashboards/{board['key']}/blocks", json=block))
    yield srv, username, key
    srv.stop()


@pytest.fixture(scope="module")
def target(
    source: tuple[Server, str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    srv = Server(
        "sqlite",
        tmp_path_factory.mktemp("ui-target"),
        None,
        free_port(),
        free_port(),
        extra_env={"STONECHAT_IMPORT_AIO_URL": source[0].base_url},
    )
    srv.start()
    yield srv
    srv.stop()


def signed_in(server: Server) -> Browser:
    username, _ = server.create_user("mover", password="password123")
    b = browser(server)
    ok(b.sign_in(username))
    return b


def finished(b: Browser, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = ok(b.get("/ui/api/import-aio"))["job"]
        if job["state"] != "running":
            return job
        time.sleep(0.2)
    raise AssertionError(f"the import did not finish: {job}")


def test_a_user_moves_in_and_again_adds_nothing(
    target: Server, source: tuple[Server, str, str]
) -> None:
    _, username, key = source
    with closing(signed_in(target)) as b:
        assert ok(b.get("/ui/api/import-aio")) == {"job": None, "source": source[0].base_url}
        started = ok(
            b.unsafe("POST", "/ui/api/import-aio", json={"username": username, "key": key}), 202
        )
        assert started["job"]["state"] == "running"
        job = finished(b)
        assert job["state"] == "done", job
        assert job["report"]["points"] == POINTS and job["report"]["feeds"] == 2
        assert f"imported {username} from {source[0].base_url}" in job["message"]
        feeds = ok(b.get(f"/api/v2/{b.username}/feeds"))
        assert sorted(f["key"] for f in feeds) == ["garden.soil", "temperature"]
        counted = ok(b.get(f"/api/v2/{b.username}/feeds/temperature/details"))
        assert counted["details"]["data"]["count"] == POINTS // 2
        ok(b.unsafe("POST", "/ui/api/import-aio", json={"username": username, "key": key}), 202)
        again = finished(b)
        assert again["state"] == "done" and again["report"]["points"] == 0
        assert again["report"]["points_existing"] == POINTS


def test_a_wrong_key_fails_with_the_sources_answer(
    target: Server, source: tuple[Server, str, str]
) -> None:
    with closing(signed_in(target)) as b:
        body = {"username": source[1], "key": "not-the-key"}
        ok(b.unsafe("POST", "/ui/api/import-aio", json=body), 202)
        job = finished(b)
        assert job["state"] == "failed"
        assert "401" in job["message"], job
        assert ok(b.get(f"/api/v2/{b.username}/feeds")) == []


@pytest.mark.parametrize(
    "body",
    [
        {"username": "", "key": "k"},
        {"username": "a b", "key": "k"},
        {"username": "x" * 65, "key": "k"},
        {"username": "ann", "key": ""},
        {"username": "ann", "key": "with space"},
        {"username": "ann", "key": "k" * 129},
        {"username": "ann", "key": 12},
        {"username": "ann", "key": "k", "since": "yesterday"},
        {"key": "k"},
    ],
)
def test_bad_fields_are_refused_and_start_nothing(target: Server, body: dict[str, Any]) -> None:
    with closing(signed_in(target)) as b:
        response = b.unsafe("POST", "/ui/api/import-aio", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]
        assert ok(b.get("/ui/api/import-aio"))["job"] is None


def test_not_json_signed_out_or_without_csrf_is_refused(
    target: Server, source: tuple[Server, str, str]
) -> None:
    body = {"username": source[1], "key": source[2]}
    with closing(signed_in(target)) as b:
        assert b.unsafe("POST", "/ui/api/import-aio", content=b"[1]").status_code == 400
        assert b.post("/ui/api/import-aio", json=body).status_code == 403  # no CSRF token
        assert ok(b.get("/ui/api/import-aio"))["job"] is None
    with browser(target) as anyone:
        assert anyone.get("/ui/api/import-aio").status_code == 401
        assert anyone.post("/ui/api/import-aio", json=body).status_code in (401, 403)


def test_another_user_sees_nothing_of_it(target: Server, source: tuple[Server, str, str]) -> None:
    with closing(signed_in(target)) as mover, closing(signed_in(target)) as other:
        body = {"username": source[1], "key": "wrong"}
        ok(mover.unsafe("POST", "/ui/api/import-aio", json=body), 202)
        assert finished(mover)["state"] == "failed"
        assert ok(other.get("/ui/api/import-aio"))["job"] is None


def test_a_device_token_or_a_wrong_key_is_refused(
    target: Server, source: tuple[Server, str, str]
) -> None:
    """A device token of the account (even one that may write a feed) is not the account."""
    with closing(signed_in(target)) as b:
        ok(b.unsafe("POST", f"/api/v2/{b.username}/feeds", json={"feed": {"name": "t"}}), 201)
        scoped = {"token": {"name": "dev", "permissions": [{"key": "t", "mode": "rw"}]}}
        token = ok(b.unsafe("POST", f"/api/v2/{b.username}/tokens", json=scoped), 201)["token"]
        body = {"username": source[1], "key": source[2]}
        for headers, status in (({"X-AIO-Key": token}, 403), ({"X-AIO-Key": "aio_not_a_key"}, 401)):
            for method in ("GET", "POST"):
                response = httpx.request(
                    method,
                    f"{target.base_url}/ui/api/import-aio",
                    headers=headers,
                    json=body if method == "POST" else None,
                )
                assert response.status_code == status, (headers, method, response.text)
                assert response.json()["error"]
        assert ok(b.get("/ui/api/import-aio"))["job"] is None
