"""The requests of the Ruby ``adafruit-io`` gem (clients.md §3.3).

Faraday with ``X-AIO-Key`` and ``Accept: application/json``, JSON bodies (unwrapped), the
``/data/prev`` alias, ``feed_key`` in the JSON body of group add/remove, ``update_layouts``,
activities, ``/api/v2/user`` and the ``X-Pagination-*`` headers (``last_page?`` compares
``limit`` with ``count``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from support import Server


@pytest.fixture
def rb(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    username, key = user
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}",
        headers={
            "X-AIO-Key": key,
            "Accept": "application/json",
            "User-Agent": "AdafruitIO-Ruby/2.0.1 (x86_64-linux)",
        },
        timeout=30,
    ) as client:
        yield client


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_data_prev_alias(rb: httpx.Client) -> None:
    for value in ("a", "b"):
        assert rb.post("/feeds/queue/data", json={"value": value}).status_code == 200
    assert rb.get("/feeds/queue/data/next").json()["value"] == "a"
    prev = rb.get("/feeds/queue/data/prev")
    assert prev.status_code == 200
    assert prev.json()["value"] == "a"
    assert rb.get("/feeds/queue/data/next").json()["value"] == "b"
    assert rb.get("/feeds/queue/data/prev").json()["value"] == "b"
    assert rb.get("/feeds/queue/data/previous").json()["value"] == "b"


def test_data_first_and_last_move_the_pointer(rb: httpx.Client) -> None:
    for value in ("1", "2", "3"):
        rb.post("/feeds/ptr/data", json={"value": value})
    assert rb.get("/feeds/ptr/data/first").json()["value"] == "1"
    assert rb.get("/feeds/ptr/data/prev").json()["value"] == "1"
    assert rb.get("/feeds/ptr/data/next").json()["value"] == "2"
    assert rb.get("/feeds/ptr/data/last").json()["value"] == "3"
    assert rb.get("/feeds/ptr/data/prev").json()["value"] == "3"


def test_pagination_headers(rb: httpx.Client) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    points = [
        {"value": str(i), "created_at": iso(now - timedelta(minutes=10 - i))} for i in range(5)
    ]
    assert rb.post("/feeds/paged/data/batch", json={"data": points}).status_code == 200

    first = rb.get("/feeds/paged/data", params={"limit": 2})
    assert first.status_code == 200
    assert [d["value"] for d in first.json()] == ["4", "3"]
    h = first.headers
    assert (h["X-Pagination-Count"], h["X-Pagination-Limit"], h["X-Pagination-Total"]) == (
        "2",
        "2",
        "5",
    )
    assert h["X-Pagination-Start"] == ""
    end = datetime.strptime(h["X-Pagination-End"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((end - datetime.now(UTC)).total_seconds()) < 60
    # limit == count: Ruby's last_page? is false, so there is more; the Link has it.
    next_url = first.headers["Link"].split('rel="next", <')[1].rstrip(">")
    second = rb.get(next_url)
    assert [d["value"] for d in second.json()] == ["2", "1"]
    assert (second.headers["X-Pagination-Count"], second.headers["X-Pagination-Limit"]) == (
        "2",
        "2",
    )
    third = rb.get(second.headers["Link"].split('rel="next", <')[1].rstrip(">"))
    assert [d["value"] for d in third.json()] == ["0"]
    assert third.headers["X-Pagination-Count"] == "1"  # != limit: last_page? is true
    assert third.headers["Link"] == f"<{third.request.url}>"

    # A time window strictly around points 1..3 (boundaries are not tested).
    start = iso(now - timedelta(minutes=9, seconds=30))
    stop = iso(now - timedelta(minutes=6, seconds=30))
    window = rb.get("/feeds/paged/data", params={"start_time": start, "end_time": stop})
    assert [d["value"] for d in window.json()] == ["3", "2", "1"]
    assert window.headers["X-Pagination-Start"] == start
    assert window.headers["X-Pagination-End"] == stop
    assert window.headers["X-Pagination-Limit"] == "1000"
    assert window.headers["X-Pagination-Count"] == "3"

    last = rb.get("/feeds/paged/data", params={"limit": 10})
    assert (last.headers["X-Pagination-Count"], last.headers["X-Pagination-Limit"]) == ("5", "10")


def test_group_add_and_remove_with_feed_key_in_json(rb: httpx.Client) -> None:
    assert rb.post("/groups", json={"name": "Living Room"}).status_code == 201
    assert rb.post("/feeds", json={"name": "lamp"}).status_code == 201

    added = rb.post("/groups/living-room/add", json={"feed_key": "lamp"})
    assert added.status_code == 200
    assert [f["key"] for f in added.json()["feeds"]] == ["lamp"]
    assert [f["key"] for f in rb.get("/groups/living-room/feeds").json()] == ["lamp"]

    removed = rb.post("/groups/living-room/remove", json={"feed_key": "lamp"})
    assert removed.status_code == 200
    assert removed.json()["feeds"] == []
    assert rb.get("/groups/living-room").json()["feeds"] == []
    # The feed itself is untouched.
    assert rb.get("/feeds/lamp").status_code == 200


def test_group_add_with_query_parameter_and_form(rb: httpx.Client) -> None:
    rb.post("/groups", json={"name": "g1"})
    rb.post("/feeds", json={"name": "f1"})
    rb.post("/feeds", json={"name": "f2"})
    assert rb.post("/groups/g1/add", params={"feed_key": "f1"}).status_code == 200
    assert rb.post("/groups/g1/add", data={"feed_key": "f2"}).status_code == 200
    assert sorted(f["key"] for f in rb.get("/groups/g1").json()["feeds"]) == ["f1", "f2"]


def test_group_add_missing_feed_is_404(rb: httpx.Client) -> None:
    rb.post("/groups", json={"name": "g2"})
    r = rb.post("/groups/g2/add", json={"feed_key": "nope"})
    assert r.status_code == 404
    assert "nope" in r.json()["error"]


def test_update_feed_and_group_with_put(rb: httpx.Client) -> None:
    rb.post("/feeds", json={"name": "old"})
    r = rb.put("/feeds/old", json={"name": "new name", "description": "renamed"})
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["key"], r.json()["description"]) == (
        "new name",
        "old",
        "renamed",
    )
    rb.post("/groups", json={"name": "grp"})
    r = rb.put("/groups/grp", json={"name": "Group Renamed", "key": "grp2"})
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["key"]) == ("Group Renamed", "grp2")
    assert rb.get("/groups/grp2").status_code == 200
    assert rb.get("/groups/grp").status_code == 404


def test_update_dashboard_layouts(rb: httpx.Client) -> None:
    assert rb.post("/dashboards", json={"name": "Home"}).status_code == 201
    block = rb.post(
        "/dashboards/home/blocks", json={"name": "note", "visual_type": "text", "block_feeds": []}
    ).json()
    layouts = {
        "lg": [{"i": block["id"], "x": 0, "y": 0, "w": 4, "h": 4}],
        "xs": [{"i": block["id"], "x": 0, "y": 2, "w": 2, "h": 2}],
    }
    r = rb.post("/dashboards/home/update_layouts", json={"layouts": layouts})
    assert r.status_code == 200
    body = r.json()
    assert body["key"] == "home"
    got = body["layouts"]
    for name, items in layouts.items():
        assert [{k: it[k] for k in ("i", "x", "y", "w", "h")} for it in got[name]] == items
    again = rb.get("/dashboards/home").json()["layouts"]
    assert again["xs"][0]["y"] == 2
    # Dashboard list: blocks, no layouts.
    listed = rb.get("/dashboards").json()
    assert [d["key"] for d in listed] == ["home"]
    assert "layouts" not in listed[0]
    assert [b["id"] for b in listed[0]["blocks"]] == [block["id"]]


def test_update_layouts_rejects_garbage(rb: httpx.Client) -> None:
    rb.post("/dashboards", json={"name": "d"})
    r = rb.post("/dashboards/d/update_layouts", json={"layouts": {"lg": "nope"}})
    assert r.status_code == 400
    assert "lg" in r.json()["error"]


def test_activities_list(rb: httpx.Client) -> None:
    rb.post("/feeds", json={"name": "watched"})
    rb.put("/feeds/watched", json={"description": "x"})
    rb.post("/groups", json={"name": "team"})
    rb.delete("/feeds/watched")
    r = rb.get("/activities")
    assert r.status_code == 200
    got = [(a["action"], a["model"]) for a in r.json()]
    assert got == [("delete", "Feed"), ("create", "Group"), ("update", "Feed"), ("create", "Feed")]
    assert r.headers["X-Pagination-Count"] == "4"
    assert r.headers["X-Pagination-Limit"] == "1000"
    first = r.json()[-1]
    assert json.loads(first["data"])["key"] == "watched"
    feeds_only = rb.get("/activities/feeds").json()
    assert [a["action"] for a in feeds_only] == ["delete", "update", "create"]
    assert [a["action"] for a in rb.get("/activities", params={"limit": 1}).json()] == ["delete"]
    assert rb.delete("/activities").status_code == 200
    assert rb.get("/activities").json() == []


def test_user_record(server: Server, user: tuple[str, str]) -> None:
    username, key = user
    r = httpx.get(
        f"{server.base_url}/api/v2/user",
        headers={"X-AIO-Key": key, "Accept": "application/json"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == username
    assert isinstance(body["id"], int)
    assert isinstance(body["default_group_id"], int)
    groups = httpx.get(
        f"{server.base_url}/api/v2/{username}/groups", headers={"X-AIO-Key": key}
    ).json()
    assert [g["id"] for g in groups if g["key"] == "default"] == [body["default_group_id"]]


def test_user_record_bad_key(server: Server) -> None:
    r = httpx.get(f"{server.base_url}/api/v2/user", headers={"X-AIO-Key": "bogus"})
    assert r.status_code == 401
    assert isinstance(r.json()["error"], str)


def test_delete_missing_things_is_404_json(rb: httpx.Client) -> None:
    """The gem swallows 404 on DELETE; it must be a 404, not 200 or 500."""
    for path in ("/feeds/none", "/groups/none", "/dashboards/none", "/feeds/none/data/0123"):
        r = rb.delete(path)
        assert r.status_code == 404, path
        assert isinstance(r.json()["error"], str)


def test_feed_details(rb: httpx.Client) -> None:
    rb.post("/feeds/detailed/data", json={"value": "first"})
    rb.post("/feeds/detailed/data", json={"value": "second"})
    body = rb.get("/feeds/detailed/details").json()
    assert body["key"] == "detailed"
    assert body["details"]["data"]["count"] == 2
    assert body["details"]["data"]["first"]["value"] == "first"
    assert body["details"]["data"]["last"]["value"] == "second"
    assert body["details"]["shared_with"] == []
