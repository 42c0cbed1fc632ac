"""Per-feed retention through the REST API: a feed's own tiers (raw, minute, hour, day) over
the server's defaults, shown beside the tiers in force; bad tiers refused with 422; another
user or a signed-out client cannot change them. Charts read rollups, and say when the range
reaches past the finer ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from support import Server

DEFAULTS = {"raw": 30, "minute": 90, "hour": 730, "day": None}


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    username, key = server.create_user("keep")
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def new_feed(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    key = f"r-{uuid.uuid4().hex[:10]}"
    return ok(api.post("/feeds", json={"feed": {"name": key, **fields}}), 201)  # type: ignore[no-any-return]


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_new_feed_follows_the_defaults(api: httpx.Client) -> None:
    feed = new_feed(api)
    assert feed["retention"] == {}
    assert feed["retention_effective"] == DEFAULTS
    assert ok(api.get(f"/feeds/{feed['key']}"))["retention_effective"] == DEFAULTS


def test_own_tiers_are_kept_shown_and_reset(api: httpx.Client) -> None:
    feed = new_feed(api, retention={"raw": 365, "minute": 365})
    key = feed["key"]
    assert feed["retention"] == {"raw": 365, "minute": 365}
    assert feed["retention_effective"] == {"raw": 365, "minute": 365, "hour": 730, "day": None}
    # A point expires by the feed's raw tier.
    point = ok(api.post(f"/feeds/{key}/data", json={"value": "1"}))
    created = datetime.fromisoformat(point["created_at"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(point["expiration"].replace("Z", "+00:00"))
    assert expires - created == timedelta(days=365)
    # The object sent replaces the feed's tiers; null is forever.
    changed = ok(api.put(f"/feeds/{key}", json={"feed": {"retention": {"raw": None}}}))
    assert changed["retention"] == {"raw": None}
    assert changed["retention_effective"] == {
        "raw": None,
        "minute": None,
        "hour": None,
        "day": None,
    }
    point = ok(api.post(f"/feeds/{key}/data", json={"value": "2"}))
    assert point["expiration"] is None
    # null resets every tier to the defaults; a change without retention keeps them.
    ok(api.put(f"/feeds/{key}", json={"feed": {"retention": {"day": 4000}}}))
    assert ok(api.put(f"/feeds/{key}", json={"feed": {"name": "renamed"}}))["retention"] == {
        "day": 4000
    }
    reset = ok(api.put(f"/feeds/{key}", json={"feed": {"retention": None}}))
    assert reset["retention"] == {} and reset["retention_effective"] == DEFAULTS


@pytest.mark.parametrize(
    "retention",
    [
        {"raw": 0},
        {"raw": -1},
        {"raw": "30"},
        {"raw": True},
        {"raw": 1.5},
        {"raw": 100_001},
        {"week": 3},
        {"raw": 100, "minute": 50},  # minutes would go before the raw points
        {"minute": 10},  # before the default raw tier (30)
        {"raw": None, "minute": 90},  # raw forever, minutes not
        "30",
        [30],
    ],
)
def test_bad_tiers_are_refused(api: httpx.Client, retention: Any) -> None:
    feed = new_feed(api)
    response = api.put(f"/feeds/{feed['key']}", json={"feed": {"retention": retention}})
    assert response.status_code == 422, response.text
    assert response.json()["error"]
    assert ok(api.get(f"/feeds/{feed['key']}"))["retention"] == {}
    created = api.post(
        "/feeds", json={"feed": {"name": f"x{uuid.uuid4().hex[:8]}", "retention": retention}}
    )
    assert created.status_code == 422, created.text


def test_another_user_or_no_key_cannot_change_them(server: Server, api: httpx.Client) -> None:
    feed = new_feed(api)
    owner = api.base_url.path.rstrip("/").split("/")[-1]
    _, other_key = server.create_user("other")
    body = {"feed": {"retention": {"raw": 3650}}}
    with httpx.Client(base_url=server.base_url, timeout=30) as anyone:
        path = f"/api/v2/{owner}/feeds/{feed['key']}"
        assert anyone.put(path, json=body, headers={"X-AIO-Key": other_key}).status_code in (
            403,
            404,
        )
        assert anyone.put(path, json=body).status_code == 401
    assert ok(api.get(f"/feeds/{feed['key']}"))["retention"] == {}


def test_a_chart_says_which_rollups_it_read(api: httpx.Client) -> None:
    feed = new_feed(api, retention={"raw": 1, "minute": 1})
    key = feed["key"]
    points = [{"value": str(i), "created_at": ago(days=3, minutes=-i * 10)} for i in range(30)]
    ok(api.post(f"/feeds/{key}/data/batch", json=points))
    recent = ok(api.get(f"/feeds/{key}/data/chart", params={"hours": 1, "resolution": 5}))
    assert recent["parameters"]["rollup"] == "minute" and recent["parameters"]["note"] is None
    params = {"start_time": ago(days=3, hours=1), "end_time": ago(days=2), "resolution": 5}
    old = ok(api.get(f"/feeds/{key}/data/chart", params=params))
    # Minutes are kept one day: three days back the chart is drawn from hours, and says so.
    assert old["parameters"]["rollup"] == "hour"
    assert old["parameters"]["resolution"] == 60
    assert "minute summaries are kept 1 days" in old["parameters"]["note"]
    counted = ok(api.get(f"/feeds/{key}/data/chart", params={**params, "field": "val_count"}))
    assert sum(int(v) for _, v in counted["data"]) == 30


def test_a_feed_without_history_charts_every_value(api: httpx.Client) -> None:
    """Only the latest value is stored, but the rollups counted every one."""
    key = new_feed(api, history=False)["key"]
    for value in ("1", "2", "6"):
        ok(api.post(f"/feeds/{key}/data", json={"value": value}))
    assert [d["value"] for d in ok(api.get(f"/feeds/{key}/data"))] == ["6"]
    chart = ok(
        api.get(
            f"/feeds/{key}/data/chart", params={"hours": 1, "resolution": 60, "field": "val_count"}
        )
    )
    assert sum(int(v) for _, v in chart["data"]) == 3
    chart = ok(
        api.get(f"/feeds/{key}/data/chart", params={"hours": 1, "resolution": 60, "field": "max"})
    )
    assert max(float(v) for _, v in chart["data"]) == 6.0
