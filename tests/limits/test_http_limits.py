"""The data rate over HTTP: exact counts for single, batch, group and webhook writes, 429
with Retry-After and RateLimit headers, the throttle endpoint, per-user limits via the CLI."""

from __future__ import annotations

import time

import httpx

from stonechat.limits.constants import UNLIMITED_DATA_RATE
from support import Server

from .conftest import LIMIT


def stored(api: httpx.Client, feed: str) -> int:
    response = api.get(f"/feeds/{feed}/data")
    assert response.status_code == 200, response.text
    return len(response.json())


def assert_throttled(response: httpx.Response, username: str, limit: int = LIMIT) -> None:
    assert response.status_code == 429, response.text
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json() == {
        "error": f"{username} data rate limit reached, {wait} seconds until throttle released"
    }
    assert response.headers["RateLimit-Limit"] == str(limit)
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Reset"] == str(wait)
    assert response.headers["RateLimit-Policy"] == f"{limit};w=60"


def test_single_points_exactly_the_limit(rest_api: httpx.Client, fresh: tuple[str, str]) -> None:
    for i in range(LIMIT):
        response = rest_api.post("/feeds/temp/data", json={"value": i})
        assert response.status_code == 200, response.text
        assert response.headers["RateLimit-Limit"] == str(LIMIT)
        assert response.headers["RateLimit-Remaining"] == str(LIMIT - 1 - i)
        assert 55 <= int(response.headers["RateLimit-Reset"]) <= 60
    assert_throttled(rest_api.post("/feeds/temp/data", json={"value": "late"}), fresh[0])
    assert_throttled(rest_api.post("/feeds/other/data", json={"value": "late"}), fresh[0])
    assert stored(rest_api, "temp") == LIMIT
    # A throttled write changes nothing: the feed it named is not created (issue 10).
    assert rest_api.get("/feeds/other").status_code == 404
    throttle = rest_api.get("/throttle").json()
    assert throttle["data_rate_limit"] == LIMIT
    assert throttle["active_data_rate"] == LIMIT


def test_batch_counts_every_point_all_or_nothing(
    rest_api: httpx.Client, fresh: tuple[str, str]
) -> None:
    ok = rest_api.post("/feeds/b/data/batch", json=[{"value": 1}, {"value": 2}, {"value": 3}])
    assert ok.status_code == 200 and ok.headers["RateLimit-Remaining"] == str(LIMIT - 3)
    too_many = [{"value": v} for v in range(LIMIT - 2)]
    assert_throttled(rest_api.post("/feeds/b/data/batch", json=too_many), fresh[0])
    assert stored(rest_api, "b") == 3
    fits = [{"value": v} for v in range(LIMIT - 3)]
    assert rest_api.post("/feeds/b/data/batch", json=fits).status_code == 200
    assert stored(rest_api, "b") == LIMIT
    assert rest_api.get("/throttle").json()["active_data_rate"] == LIMIT


def test_group_data_counts_one_point_per_value(
    rest_api: httpx.Client, fresh: tuple[str, str]
) -> None:
    three = {"feeds": [{"key": k, "value": 1} for k in ("a", "b", "c")]}
    response = rest_api.post("/groups/default/data", json=three)
    assert response.status_code == 200, response.text
    assert response.headers["RateLimit-Remaining"] == str(LIMIT - 3)
    assert_throttled(rest_api.post("/groups/default/data", json=three), fresh[0])
    assert [stored(rest_api, k) for k in ("a", "b", "c")] == [1, 1, 1]
    two = {"feeds": [{"key": k, "value": 2} for k in ("a", "b")]}
    assert rest_api.post("/groups/default/data", json=two).status_code == 200
    assert rest_api.get("/throttle").json()["active_data_rate"] == LIMIT


def test_webhook_writes_count(
    limited: Server, rest_api: httpx.Client, fresh: tuple[str, str]
) -> None:
    assert rest_api.post("/feeds", json={"feed": {"name": "hook"}}).status_code == 201
    token = rest_api.post("/feeds/hook/webhooks").json()["token"]
    url = f"{limited.base_url}/api/v2/webhooks/feed/{token}"
    for i in range(LIMIT):
        response = httpx.post(url, json={"value": i})
        assert response.status_code == 200, response.text
        assert response.headers["RateLimit-Remaining"] == str(LIMIT - 1 - i)
    assert_throttled(httpx.post(url, json={"value": "late"}), fresh[0])
    assert_throttled(httpx.post(f"{url}/notify"), fresh[0])
    assert stored(rest_api, "hook") == LIMIT


def test_reads_and_invalid_points_are_not_counted(rest_api: httpx.Client) -> None:
    assert rest_api.post("/feeds/r/data", json={"value": ""}).status_code == 422
    for _ in range(LIMIT + 2):
        assert rest_api.get("/feeds").status_code == 200
    assert rest_api.get("/throttle").json()["active_data_rate"] == 0
    for i in range(LIMIT):
        assert rest_api.post("/feeds/r/data", json={"value": i}).status_code == 200


def wait_limit(api: httpx.Client, limit: int) -> None:
    deadline = time.monotonic() + 5
    while api.get("/throttle").json()["data_rate_limit"] != limit:
        assert time.monotonic() < deadline, "the server did not pick the new limit up"
        time.sleep(0.1)


def test_per_user_limit_from_the_cli(
    limited: Server, rest_api: httpx.Client, fresh: tuple[str, str]
) -> None:
    username = fresh[0]
    out = limited.cli("user", "update", username, "--data-rate", "2").stdout
    assert out.strip() == f"{username}: data rate 2 points per minute"
    wait_limit(rest_api, 2)
    for i in range(2):
        assert rest_api.post("/feeds/x/data", json={"value": i}).status_code == 200
    assert_throttled(rest_api.post("/feeds/x/data", json={"value": 9}), username, limit=2)

    # 0 = unlimited: no counting; the limit told is a large one, never 0.
    limited.cli("user", "update", username, "--data-rate", "0")
    wait_limit(rest_api, UNLIMITED_DATA_RATE)
    for i in range(3 * LIMIT):
        response = rest_api.post("/feeds/x/data", json={"value": i})
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == str(UNLIMITED_DATA_RATE)
        assert response.headers["RateLimit-Remaining"] == str(UNLIMITED_DATA_RATE)
    assert stored(rest_api, "x") == 2 + 3 * LIMIT

    # Back to the server's default.
    out = limited.cli("user", "update", username, "--data-rate", "default").stdout
    assert out.strip() == f"{username}: data rate is the server default"
    wait_limit(rest_api, LIMIT)
    bad = limited.cli("user", "update", username, "--data-rate", "-3", check=False)
    assert bad.returncode != 0 and "--data-rate" in bad.stderr


def test_throttle_endpoint_fields(rest_api: httpx.Client) -> None:
    throttle = rest_api.get("/throttle").json()
    assert throttle == {
        "data_rate_limit": LIMIT,
        "active_data_rate": 0,
        "authentication_rate": 0,
        "subscribe_authorization_rate": 0,
        "publish_authorization_rate": 0,
        "hourly_ban_rate": 0,
        "mqtt_ban_error_message": None,
        "active_sms_rate": 0,
    }
