"""Feeds, groups, dashboards and blocks, webhook receivers, activities, throttle, user, time,
and the API's own documentation."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from stonechat.limits.constants import UNLIMITED_DATA_RATE
from support import Server


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    """One user for the module (users are slow to make); each test uses its own names."""
    username, key = server.create_user("res")
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def fresh_api(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    """A brand-new user, for counts that must start from nothing."""
    username, key = user
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def assert_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"], str)
    assert body["error"]


def values(api: httpx.Client, path: str) -> list[str]:
    return [d["value"] for d in ok(api.get(f"{path}/data"))]


FEED_FIELDS = {
    "username",
    "owner",
    "id",
    "name",
    "key",
    "description",
    "unit_type",
    "unit_symbol",
    "history",
    "visibility",
    "license",
    "enabled",
    "last_value",
    "last_value_at",
    "status",
    "status_notify",
    "status_timeout",
    "created_at",
    "updated_at",
    "group",
    "groups",
    "feed_webhook_receivers",
    "feed_status_changes",
    "retention",  # the feed's own tiers (Stonechat's; docs/usage.md#retention-per-feed)
    "retention_effective",
}


# --- feeds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,key",
    [
        ("My Feed_1", "my-feed-1"),
        ("Temperature", "temperature"),
        ("mq6_gas", "mq6-gas"),
        ("A--B__C", "a-b-c"),
        ("  Spaced  Out  ", "spaced-out"),
        ("x 1 2", "x-1-2"),
        ("_lead-and-trail_", "lead-and-trail"),
    ],
)
def test_feed_key_is_derived_from_the_name(api: httpx.Client, name: str, key: str) -> None:
    suffix = unique("")
    feed = ok(api.post("/feeds", json={"feed": {"name": f"{name} {suffix}"}}), 201)
    assert feed["key"] == f"{key}-{suffix}"
    assert feed["name"] == f"{name} {suffix}".strip()
    assert ok(api.get(f"/feeds/{key}-{suffix}"))["id"] == feed["id"]


def test_feed_crud(api: httpx.Client, server: Server) -> None:
    name = unique("Crud Feed ")
    key = name.lower().replace(" ", "-")
    created = ok(api.post("/feeds", json={"feed": {"name": name, "description": "first"}}), 201)
    assert set(created) == FEED_FIELDS
    username = api.base_url.path.rstrip("/").rsplit("/", 1)[1]
    assert created["username"] == username
    assert created["key"] == key
    assert created["description"] == "first"
    assert created["history"] is True
    assert created["visibility"] == "private"
    assert created["status_timeout"] == 60
    assert created["status_notify"] is False
    assert created["last_value"] is None
    assert created["status"] == "offline"
    assert created["group"]["key"] == "default"
    assert [g["key"] for g in created["groups"]] == ["default"]
    assert created["feed_webhook_receivers"] == []

    # Found by key, id and name.
    assert ok(api.get(f"/feeds/{key}")) == created
    assert ok(api.get(f"/feeds/{created['id']}"))["key"] == key
    assert ok(api.get(f"/feeds/{name}"))["key"] == key
    assert key in [f["key"] for f in ok(api.get("/feeds"))]

    # PATCH changes only what is sent.
    patched = ok(
        api.patch(
            f"/feeds/{key}",
            json={
                "feed": {
                    "name": "Renamed",
                    "unit_type": "temperature",
                    "unit_symbol": "°C",
                    "history": "off",
                    "visibility": "Public",
                    "license": "CC-BY",
                    "status_notify": True,
                    "status_timeout": "15",
                }
            },
        )
    )
    expected = {
        "name": "Renamed",
        "key": key,
        "description": "first",
        "unit_type": "temperature",
        "unit_symbol": "°C",
        "history": False,
        "visibility": "public",
        "license": "CC-BY",
        "status_notify": True,
        "status_timeout": 15,
    }
    assert {k: patched[k] for k in expected} == expected
    assert ok(api.get(f"/feeds/{key}")) == patched

    # PUT, unwrapped, with explicit nulls: nulls clear text fields, flags stay.
    put = ok(api.put(f"/feeds/{key}", json={"description": None, "license": None, "key": None}))
    assert put["description"] is None
    assert put["license"] is None
    assert put["history"] is False
    assert put["key"] == key

    # A new key moves the feed.
    new_key = unique("moved-")
    assert ok(api.patch(f"/feeds/{key}", json={"feed": {"key": new_key}}))["key"] == new_key
    assert_error(api.get(f"/feeds/{key}"), 404)
    ok(api.post(f"/feeds/{new_key}/data", json={"value": "5"}))

    # DELETE returns the feed; afterwards it and its data are gone.
    deleted = ok(api.delete(f"/feeds/{new_key}"))
    assert deleted["key"] == new_key
    assert deleted["last_value"] == "5"
    assert_error(api.get(f"/feeds/{new_key}"), 404)
    assert_error(api.get(f"/feeds/{new_key}/data"), 404)
    assert_error(api.delete(f"/feeds/{new_key}"), 404)
    assert new_key not in [f["key"] for f in ok(api.get("/feeds"))]


def test_feed_create_shapes_clients_send(api: httpx.Client) -> None:
    # Python client: wrapped, every field present, nulls, "ON", capitalised visibility.
    python = unique("py")
    body = {
        "feed": {
            "name": python,
            "key": None,
            "description": None,
            "unit_type": None,
            "unit_symbol": None,
            "history": "ON",
            "visibility": "Private",
            "license": None,
            "status_notify": None,
            "status_timeout": None,
        }
    }
    feed = ok(api.post("/feeds/", json=body), 201)  # trailing slash
    assert (feed["key"], feed["history"], feed["visibility"]) == (python, True, "private")
    # CircuitPython: unwrapped.
    circuit = unique("cp")
    feed = ok(api.post("/feeds", json={"name": circuit, "description": "d", "license": "MIT"}), 201)
    assert (feed["key"], feed["description"], feed["license"]) == (circuit, "d", "MIT")
    # Arduino: form-encoded.
    arduino = unique("Ard Uino ")
    feed = ok(api.post("/feeds", data={"name": arduino}), 201)
    assert feed["key"] == arduino.lower().replace(" ", "-")
    # A key without a name: the key is the name.
    only_key = unique("only-key-")
    feed = ok(api.post("/feeds", json={"feed": {"key": only_key}}), 201)
    assert (feed["key"], feed["name"]) == (only_key, only_key)


def test_duplicate_feed_key_is_refused(api: httpx.Client) -> None:
    name = unique("Dup ")
    first = ok(api.post("/feeds", json={"feed": {"name": name}}), 201)
    before = ok(api.get("/feeds"))
    for body in ({"name": name}, {"name": name.upper()}, {"name": "x", "key": first["key"]}):
        assert_error(api.post("/feeds", json={"feed": body}), 422)
    assert ok(api.get("/feeds")) == before


def test_feed_details(api: httpx.Client) -> None:
    key = unique("details-")
    ok(api.post("/feeds", json={"feed": {"name": key}}), 201)
    empty = ok(api.get(f"/feeds/{key}/details"))
    assert empty["details"] == {
        "shared_with": [],
        "data": {"first": None, "last": None, "count": 0},
    }
    first = ok(api.post(f"/feeds/{key}/data", json={"value": "a"}))
    ok(api.post(f"/feeds/{key}/data", json={"value": "b"}))
    last = ok(api.post(f"/feeds/{key}/data", json={"value": "c"}))
    shown = ok(api.get(f"/feeds/{key}/details"))
    assert shown["details"]["data"]["count"] == 3
    assert shown["details"]["data"]["first"] == first
    assert shown["details"]["data"]["last"] == last
    assert shown["last_value"] == "c"
    assert shown["status"] == "online"
    # The plain feed has no details.
    assert "details" not in ok(api.get(f"/feeds/{key}"))


def test_feed_in_a_group_by_query_and_by_path(api: httpx.Client) -> None:
    group = unique("fg")
    ok(api.post("/groups", json={"name": group}), 201)
    by_query = ok(api.post(f"/feeds?group_key={group}", json={"feed": {"name": "one"}}), 201)
    assert by_query["key"] == f"{group}.one"
    assert by_query["group"]["key"] == group
    # The Python client sends a double slash here.
    double_slash = f"{api.base_url}/groups/{group}/feeds"  # base_url ends with a slash
    assert "//groups" in double_slash
    by_path = ok(api.post(double_slash, json={"feed": {"name": "two"}}), 201)
    assert by_path["key"] == f"{group}.two"
    assert [f["key"] for f in ok(api.get(f"/groups/{group}/feeds"))] == [
        f"{group}.one",
        f"{group}.two",
    ]
    assert ok(api.get(f"/feeds/{group}.two"))["id"] == by_path["id"]
    # The same feed name in another group is a different feed.
    plain = ok(api.post("/feeds", json={"feed": {"name": f"{group}-one"}}), 201)
    assert plain["key"] == f"{group}-one"


# --- groups ------------------------------------------------------------------------------


def test_group_crud(api: httpx.Client) -> None:
    name = unique("Weather Station ")
    key = name.lower().replace(" ", "-")
    group = ok(api.post("/groups", json={"name": name, "description": "roof"}), 201)
    assert (group["key"], group["name"], group["description"]) == (key, name, "roof")
    assert group["feeds"] == []
    assert group["visibility"] == "private"
    listed = ok(api.get("/groups/"))  # trailing slash
    assert listed[0]["key"] == "default"
    assert listed[0]["name"] == "Default"
    assert key in [g["key"] for g in listed]
    assert all(isinstance(g["feeds"], list) for g in listed)
    assert ok(api.get(f"/groups/{key}")) == group

    patched = ok(api.patch(f"/groups/{key}", json={"group": {"description": "garden"}}))
    assert (patched["name"], patched["description"]) == (name, "garden")
    put = ok(api.put(f"/groups/{key}", json={"name": "Renamed", "visibility": "public"}))
    assert (put["name"], put["key"], put["visibility"]) == ("Renamed", key, "public")
    assert ok(api.get(f"/groups/{key}")) == put

    # Form-encoded create (Arduino), key given explicitly.
    explicit = unique("explicit-")
    assert ok(api.post("/groups", data={"name": "Form", "key": explicit}), 201)["key"] == explicit

    deleted = ok(api.delete(f"/groups/{key}"))
    assert deleted["key"] == key
    assert_error(api.get(f"/groups/{key}"), 404)
    assert key not in [g["key"] for g in ok(api.get("/groups"))]


def test_group_add_and_remove(api: httpx.Client) -> None:
    group = unique("members")
    ok(api.post("/groups", json={"name": group}), 201)
    outside = [unique("out-") for _ in range(3)]
    for key in outside:
        ok(api.post("/feeds", json={"feed": {"name": key}}), 201)
    # feed_key as a query parameter, in a form and in JSON.
    ok(api.post(f"/groups/{group}/add", params={"feed_key": outside[0]}))
    ok(api.post(f"/groups/{group}/add", data={"feed_key": outside[1]}))
    shown = ok(api.post(f"/groups/{group}/add", json={"feed_key": outside[2]}))
    assert [f["key"] for f in shown["feeds"]] == outside
    assert [f["key"] for f in ok(api.get(f"/groups/{group}/feeds"))] == outside
    member = ok(api.get(f"/feeds/{outside[0]}"))
    assert [g["key"] for g in member["groups"]] == ["default", group]
    assert member["group"]["key"] == "default"
    # Members are reachable through the group path too.
    ok(api.post(f"/feeds/{outside[0]}/data", json={"value": "7"}))
    assert values(api, f"/groups/{group}/feeds/{outside[0]}") == ["7"]

    shown = ok(api.post(f"/groups/{group}/remove", params={"feed_key": outside[1]}))
    assert [f["key"] for f in shown["feeds"]] == [outside[0], outside[2]]
    ok(api.post(f"/groups/{group}/remove", json={"feed_key": outside[0]}))
    assert [f["key"] for f in ok(api.get(f"/groups/{group}/feeds"))] == [outside[2]]
    assert [g["key"] for g in ok(api.get(f"/feeds/{outside[0]}"))["groups"]] == ["default"]
    # A removed feed still exists with its data.
    assert values(api, f"/feeds/{outside[0]}") == ["7"]


def test_group_data_creates_feeds_in_the_group(api: httpx.Client) -> None:
    group = unique("station")
    ok(api.post("/groups", json={"name": group}), 201)
    when = "2024-05-06T07:08:09Z"
    written = ok(
        api.post(
            f"/groups/{group}/data",
            json={
                "feeds": [{"key": "temp", "value": "20.5"}, {"key": "hum", "value": 55}],
                "created_at": when,
                "location": {"lat": 51.5, "lon": -0.1, "ele": 30},
            },
        )
    )
    assert [(d["feed_key"], d["value"]) for d in written] == [
        (f"{group}.temp", "20.5"),
        (f"{group}.hum", "55"),
    ]
    for datum in written:
        assert (datum["lat"], datum["lon"], datum["ele"]) == (51.5, -0.1, 30.0)
        assert datum["created_at"] == when
    feeds = ok(api.get(f"/groups/{group}/feeds"))
    assert [(f["key"], f["last_value"]) for f in feeds] == [
        (f"{group}.temp", "20.5"),
        (f"{group}.hum", "55"),
    ]
    assert all(f["group"]["key"] == group for f in feeds)
    # Flat lat/lon next to "feeds" (CircuitPython), existing feed reused, new one made.
    again = ok(
        api.post(
            f"/groups/{group}/data",
            json={
                "feeds": [{"key": "temp", "value": "21"}, {"key": "wind", "value": "3"}],
                "lat": 1.25,
                "lon": 2.5,
            },
        )
    )
    assert [(d["value"], d["lat"], d["lon"], d["ele"]) for d in again] == [
        ("21", 1.25, 2.5, None),
        ("3", 1.25, 2.5, None),
    ]
    assert [f["key"] for f in ok(api.get(f"/groups/{group}/feeds"))] == [
        f"{group}.temp",
        f"{group}.hum",
        f"{group}.wind",
    ]
    # The MQTT-style object of key: value works too.
    ok(api.post(f"/groups/{group}/data", json={"feeds": {"hum": "60"}}))
    assert values(api, f"/groups/{group}/feeds/hum") == ["60", "55"]
    assert values(api, f"/groups/{group}/feeds/temp") == ["21", "20.5"]
    assert values(api, f"/feeds/{group}.temp") == ["21", "20.5"]
    # Nothing leaked into the default group.
    assert "temp" not in [f["key"] for f in ok(api.get("/feeds"))]


def test_group_feed_data_routes(api: httpx.Client) -> None:
    group = unique("routes")
    ok(api.post("/groups", json={"name": group}), 201)
    base = f"/groups/{group}/feeds/level"
    ok(api.post(f"{base}/data", json={"value": "1"}))
    ok(api.post(f"{base}/data/batch", json={"data": [{"value": "2"}, {"value": "3"}]}))
    assert values(api, base) == ["3", "2", "1"]
    assert ok(api.get(f"{base}/data/last"))["value"] == "3"
    assert ok(api.get(f"{base}/data/first"))["value"] == "1"
    assert ok(api.get(f"{base}/data/next"))["value"] == "2"
    assert ok(api.get(f"{base}/data/previous"))["value"] == "2"
    assert api.get(f"{base}/data/retain").text == "3,,,"
    assert ok(api.get(f"/feeds/{group}.level/details"))["details"]["data"]["count"] == 3
    # The feed lives in that group only: "group.key" finds it, a bare key or name means a
    # feed of the default group (as MQTT fan-out does), so "level" alone finds nothing.
    assert_error(api.get("/feeds/level"), 404)
    assert "level" not in [f["key"] for f in ok(api.get("/feeds"))]


def test_deleting_a_group_deletes_its_own_feeds_only(api: httpx.Client) -> None:
    group = unique("doomed")
    ok(api.post("/groups", json={"name": group}), 201)
    ok(api.post(f"/groups/{group}/feeds/inner/data", json={"value": "1"}))
    visitor = unique("visitor-")
    ok(api.post(f"/feeds/{visitor}/data", json={"value": "2"}))
    ok(api.post(f"/groups/{group}/add", json={"feed_key": visitor}))
    deleted = ok(api.delete(f"/groups/{group}"))
    assert [f["key"] for f in deleted["feeds"]] == [f"{group}.inner", visitor]
    assert_error(api.get(f"/feeds/{group}.inner"), 404)
    assert [g["key"] for g in ok(api.get(f"/feeds/{visitor}"))["groups"]] == ["default"]
    assert values(api, f"/feeds/{visitor}") == ["2"]


# --- dashboards, blocks, layouts ---------------------------------------------------------


def test_dashboard_crud(api: httpx.Client) -> None:
    name = unique("Main Dash ")
    key = name.lower().replace(" ", "-")
    created = ok(api.post("/dashboards/", json={"name": name}), 201)
    expected = {
        "name": name,
        "key": key,
        "description": None,
        "visibility": "private",
        "show_header": True,
        "color_mode": "dark",
        "block_borders": True,
        "allow_overlap": False,
        "blocks": [],
        "layouts": {},
    }
    assert {k: created[k] for k in expected} == expected
    assert ok(api.get(f"/dashboards/{key}")) == created
    assert ok(api.get(f"/dashboards/{created['id']}"))["key"] == key
    listed = [d for d in ok(api.get("/dashboards")) if d["key"] == key]
    assert len(listed) == 1
    assert "layouts" not in listed[0]

    changed = {
        "description": "kitchen",
        "color_mode": "light",
        "show_header": False,
        "block_borders": False,
        "allow_overlap": True,
        "visibility": "public",
    }
    patched = ok(api.patch(f"/dashboards/{key}", json={"dashboard": changed}))
    assert {k: patched[k] for k in changed} == changed
    assert patched["name"] == name
    renamed = ok(api.put(f"/dashboards/{key}", json={"name": "Other"}))
    assert (renamed["name"], renamed["key"], renamed["color_mode"]) == ("Other", key, "light")
    assert ok(api.get(f"/dashboards/{key}")) == renamed

    assert ok(api.delete(f"/dashboards/{key}"))["key"] == key
    assert_error(api.get(f"/dashboards/{key}"), 404)
    assert key not in [d["key"] for d in ok(api.get("/dashboards"))]


def test_blocks_and_layouts(api: httpx.Client) -> None:
    group = unique("bg")
    ok(api.post("/groups", json={"name": group}), 201)
    ok(api.post(f"/groups/{group}/feeds/temp/data", json={"value": "1"}))
    plain = unique("plain-")
    plain_feed = ok(api.post("/feeds", json={"feed": {"name": plain}}), 201)
    dash = unique("blocks-")
    ok(api.post("/dashboards", json={"name": dash}), 201)

    gauge = ok(
        api.post(
            f"/dashboards/{dash}/blocks",
            json={
                "block": {
                    "name": "Temperature",
                    "visual_type": "gauge",
                    "properties": {"minValue": "0", "maxValue": "50"},
                    "block_feeds": [{"feed_id": f"{group}.temp", "group_id": group}],
                }
            },
        )
    )
    assert gauge["visual_type"] == "gauge"
    assert gauge["name"] == "Temperature"
    assert gauge["properties"] == {"minValue": "0", "maxValue": "50"}
    assert (gauge["size_x"], gauge["size_y"], gauge["row"], gauge["column"]) == (4, 4, None, None)
    assert isinstance(gauge["id"], str)
    [bf] = gauge["block_feeds"]
    assert bf["feed"]["key"] == f"{group}.temp"
    assert bf["group"]["key"] == group

    # Arduino sends sizes as strings and the feed by name; properties may be a JSON string.
    text = ok(
        api.post(
            f"/dashboards/{dash}/blocks",
            json={
                "visual_type": "text",
                "size_x": "6",
                "size_y": "2",
                "row": "1",
                "column": "3",
                "properties": '{"fontSize": "12"}',
                "block_feeds": [{"feed_id": plain_feed["id"]}],
            },
        )
    )
    assert (text["size_x"], text["size_y"], text["row"], text["column"]) == (6, 2, 1, 3)
    assert text["properties"] == {"fontSize": "12"}
    assert text["block_feeds"][0]["feed"] == {"id": plain_feed["id"], "name": plain, "key": plain}

    shown = ok(api.get(f"/dashboards/{dash}"))
    assert [b["id"] for b in shown["blocks"]] == [gauge["id"], text["id"]]
    assert shown["layouts"] == {
        "lg": [
            {"i": gauge["id"], "x": 0, "y": 0, "w": 4, "h": 4},
            {"i": text["id"], "x": 3, "y": 1, "w": 6, "h": 2},
        ]
    }
    assert ok(api.get(f"/dashboards/{dash}/blocks")) == shown["blocks"]
    assert ok(api.get(f"/dashboards/{dash}/blocks/{gauge['id']}")) == gauge

    # update_layouts: null breakpoints stay as they are.
    lg = [
        {"i": gauge["id"], "x": 0, "y": 0, "w": 6, "h": 3},
        {"i": text["id"], "x": 6, "y": 0, "w": 6, "h": 3, "z": 1},
    ]
    sm = [{"i": gauge["id"], "x": 0, "y": 0, "w": 2, "h": 2}]
    updated = ok(
        api.post(
            f"/dashboards/{dash}/update_layouts",
            json={"layouts": {"xl": None, "lg": lg, "md": None, "sm": sm, "xs": None}},
        )
    )
    assert updated["layouts"] == {"lg": lg, "sm": sm}
    assert [b["id"] for b in updated["blocks"]] == [gauge["id"], text["id"]]
    again = ok(
        api.post(f"/dashboards/{dash}/update_layouts", json={"layouts": {"lg": None, "sm": []}})
    )
    assert again["layouts"] == {"lg": lg, "sm": []}
    assert ok(api.get(f"/dashboards/{dash}"))["layouts"] == {"lg": lg, "sm": []}

    # A new block without column and row goes to the first free spot of every layout.
    third = ok(api.post(f"/dashboards/{dash}/blocks", json={"visual_type": "divider"}))
    layouts = ok(api.get(f"/dashboards/{dash}"))["layouts"]
    # A divider without a size is as wide as the grid and one row high: below the others.
    assert (third["size_x"], third["size_y"]) == (16, 1)
    assert layouts["lg"] == [*lg, {"i": third["id"], "x": 0, "y": 3, "w": 16, "h": 1}]
    assert layouts["sm"] == [{"i": third["id"], "x": 0, "y": 0, "w": 8, "h": 1}]

    # PUT / PATCH a block.
    renamed = ok(
        api.patch(f"/dashboards/{dash}/blocks/{gauge['id']}", json={"name": "Temp", "size_x": 8})
    )
    assert (renamed["name"], renamed["size_x"], renamed["visual_type"]) == ("Temp", 8, "gauge")
    assert renamed["block_feeds"] == gauge["block_feeds"]
    swapped = ok(
        api.put(
            f"/dashboards/{dash}/blocks/{gauge['id']}",
            json={"block": {"visual_type": "line_chart", "block_feeds": [{"feed_id": plain}]}},
        )
    )
    assert swapped["visual_type"] == "line_chart"
    assert [b["feed"]["key"] for b in swapped["block_feeds"]] == [plain]
    assert ok(api.get(f"/dashboards/{dash}/blocks/{gauge['id']}")) == swapped

    # Deleting a block takes it out of every layout.
    assert ok(api.delete(f"/dashboards/{dash}/blocks/{gauge['id']}"))["id"] == gauge["id"]
    assert_error(api.get(f"/dashboards/{dash}/blocks/{gauge['id']}"), 404)
    after = ok(api.get(f"/dashboards/{dash}"))
    assert [b["id"] for b in after["blocks"]] == [text["id"], third["id"]]
    assert after["layouts"] == {
        "lg": [lg[1], {"i": third["id"], "x": 0, "y": 3, "w": 16, "h": 1}],
        "sm": [{"i": third["id"], "x": 0, "y": 0, "w": 8, "h": 1}],
    }


def test_layouts_through_dashboard_update(api: httpx.Client) -> None:
    dash = unique("lay-")
    ok(api.post("/dashboards", json={"name": dash}), 201)
    block = ok(api.post(f"/dashboards/{dash}/blocks", json={"visual_type": "stream"}))
    md = [{"i": block["id"], "x": 1, "y": 2, "w": 3, "h": 4}]
    shown = ok(api.patch(f"/dashboards/{dash}", json={"layouts": {"md": md, "lg": None}}))
    assert shown["layouts"] == {
        "lg": [{"i": block["id"], "x": 0, "y": 0, "w": 6, "h": 5}],  # a stream's own size
        "md": md,
    }


# --- webhook receivers -------------------------------------------------------------------


def test_webhook_receivers(api: httpx.Client, server: Server) -> None:
    feed = unique("hook-")
    ok(api.post("/feeds", json={"feed": {"name": feed}}), 201)
    receiver = ok(api.post(f"/feeds/{feed}/webhooks"), 201)
    token = receiver["token"]
    url = f"{server.base_url}/api/v2/webhooks/feed/{token}"
    assert receiver["url"] == url
    assert receiver["raw_url"] == f"{url}/raw"
    assert receiver["notify_url"] == f"{url}/notify"
    assert ok(api.get(f"/feeds/{feed}/webhooks")) == [receiver]
    assert [r["token"] for r in ok(api.get(f"/feeds/{feed}"))["feed_webhook_receivers"]] == [token]

    with httpx.Client(timeout=30) as anyone:  # no key: the token is the secret
        datum = ok(anyone.post(url, json={"value": "from json", "lat": 1, "lon": 2}))
        assert (datum["value"], datum["lat"], datum["lon"]) == ("from json", 1.0, 2.0)
        assert datum["feed_key"] == feed
        assert ok(anyone.post(url, data={"payload": "from form"}))["value"] == "from form"
        assert ok(anyone.post(url, json={"payload": {"a": 1}}))["value"] == '{"a":1}'
        raw_body = b'{"not": "parsed",  "kept": true}'
        assert ok(anyone.post(f"{url}/raw", content=raw_body))["value"] == raw_body.decode()
        assert ok(anyone.post(f"{url}/notify", json={"value": "ignored"}))["value"] == "ping"
        assert ok(anyone.post(f"{url}/notify"))["value"] == "ping"
        # Raw bodies are cut at 1024 bytes on a feed with history.
        long_raw = ok(anyone.post(f"{url}/raw", content=b"r" * 3000))
        assert long_raw["value"] == "r" * 1024
        # A cut in the middle of a character drops the partial character.
        cut = ok(anyone.post(f"{url}/raw", content=b"a" + "é".encode() * 600))
        assert cut["value"] == "a" + "é" * 511
        # Bad bodies store nothing.
        assert_error(anyone.post(url, json={"nothing": "here"}), 422)
        assert_error(anyone.post(url, json={"value": ""}), 422)
        assert_error(anyone.post(f"{url}/raw", content=b""), 422)
    assert values(api, f"/feeds/{feed}") == [
        "a" + "é" * 511,
        "r" * 1024,
        "ping",
        "ping",
        raw_body.decode(),
        '{"a":1}',
        "from form",
        "from json",
    ]

    # Revoked: every receiver URL is 404 and nothing more is stored.
    assert ok(api.delete(f"/feeds/{feed}/webhooks/{receiver['id']}"))["deleted"] is True
    assert ok(api.get(f"/feeds/{feed}/webhooks")) == []
    with httpx.Client(timeout=30) as anyone:
        assert_error(anyone.post(url, json={"value": "late"}), 404)
        assert_error(anyone.post(f"{url}/raw", content=b"late"), 404)
        assert_error(anyone.post(f"{url}/notify"), 404)
    assert ok(api.get(f"/feeds/{feed}/details"))["details"]["data"]["count"] == 8
    assert_error(api.delete(f"/feeds/{feed}/webhooks/{receiver['id']}"), 404)


def test_webhook_raw_without_history_keeps_100kb(api: httpx.Client, server: Server) -> None:
    feed = unique("rawbig-")
    ok(api.post("/feeds", json={"feed": {"name": feed, "history": False}}), 201)
    receiver = ok(api.post(f"/feeds/{feed}/webhooks"), 201)
    raw_url = receiver["raw_url"]
    assert ok(httpx.post(raw_url, content=b"m" * 5000))["value"] == "m" * 5000
    assert ok(httpx.post(raw_url, content=b"n" * 150_000))["value"] == "n" * 102_400


def test_two_receivers_and_feed_deletion(api: httpx.Client) -> None:
    feed = unique("hooks-")
    ok(api.post("/feeds", json={"feed": {"name": feed}}), 201)
    first = ok(api.post(f"/feeds/{feed}/webhooks"), 201)
    second = ok(api.post(f"/feeds/{feed}/webhooks"), 201)
    assert first["token"] != second["token"]
    assert ok(api.get(f"/feeds/{feed}/webhooks")) == [first, second]
    ok(api.delete(f"/feeds/{feed}"))
    assert_error(httpx.post(first["url"], json={"value": "1"}), 404)
    assert_error(httpx.post(second["notify_url"]), 404)


# --- activities --------------------------------------------------------------------------


def test_activities(fresh_api: httpx.Client) -> None:
    api = fresh_api
    assert ok(api.get("/activities")) == []
    feed = ok(api.post("/feeds", json={"feed": {"name": "act"}}), 201)
    ok(api.patch("/feeds/act", json={"feed": {"description": "x"}}))
    ok(api.post("/feeds/act/data", json={"value": "1"}))  # data is not an activity
    group = ok(api.post("/groups", json={"name": "actg"}), 201)
    dash = ok(api.post("/dashboards", json={"name": "actd"}), 201)
    block = ok(api.post("/dashboards/actd/blocks", json={"visual_type": "text"}))
    ok(api.delete("/feeds/act"))

    listed = api.get("/activities")
    entries = ok(listed)
    assert [(a["action"], a["model"]) for a in entries] == [
        ("delete", "Feed"),
        ("create", "Block"),
        ("create", "Dashboard"),
        ("create", "Group"),
        ("update", "Feed"),
        ("create", "Feed"),
    ]
    assert json.loads(entries[-1]["data"]) == {"id": feed["id"], "key": "act"}
    assert json.loads(entries[3]["data"]) == {"id": group["id"], "key": "actg"}
    assert json.loads(entries[2]["data"]) == {"id": dash["id"]}
    assert json.loads(entries[1]["data"]) == {"id": int(block["id"])}
    assert json.loads(entries[4]["data"]) == {"id": feed["id"], "description": "x"}
    ids = [a["id"] for a in entries]
    assert ids == sorted(ids, reverse=True)
    assert listed.headers["x-pagination-count"] == "6"

    feeds_only = ok(api.get("/activities/feeds"))
    assert [a["action"] for a in feeds_only] == ["delete", "update", "create"]
    assert {a["model"] for a in feeds_only} == {"Feed"}
    assert [a["model"] for a in ok(api.get("/activities/dashboard"))] == ["Dashboard"]
    limited = api.get("/activities", params={"limit": 2})
    assert [a["id"] for a in ok(limited)] == ids[:2]
    assert limited.headers["x-pagination-limit"] == "2"
    future = ok(api.get("/activities", params={"start_time": "2999-01-01T00:00:00Z"}))
    assert future == []
    past = ok(api.get("/activities", params={"end_time": "2000-01-01T00:00:00Z"}))
    assert past == []

    assert ok(api.delete("/activities")) == {"deleted": True}
    assert ok(api.get("/activities")) == []


# --- throttle, user, time ----------------------------------------------------------------


def test_throttle_counts_points_written_this_minute(fresh_api: httpx.Client) -> None:
    api = fresh_api
    for attempt in range(3):
        window = int(time.time() // 60)
        start = ok(api.get("/throttle"))
        # Test servers have no data rate (the default), told as a large limit, never 0.
        assert start["data_rate_limit"] == UNLIMITED_DATA_RATE
        base = start["active_data_rate"]
        assert attempt > 0 or base == 0
        ok(api.post(f"/feeds/t{attempt}/data", json={"value": "1"}))
        ok(api.post(f"/feeds/t{attempt}/data", json={"value": "2"}))
        ok(api.post(f"/feeds/t{attempt}/data/batch", json=[{"value": "3"}, {"value": "4"}]))
        ok(api.post("/groups/default/data", json={"feeds": {"a": "1", "b": "2", "c": "3"}}))
        assert_error(api.post(f"/feeds/t{attempt}/data", json={"value": ""}), 422)  # not counted
        api.get(f"/feeds/t{attempt}/data")  # reads are not counted
        shown = ok(api.get("/throttle"))
        if int(time.time() // 60) == window:
            assert shown["data_rate_limit"] == UNLIMITED_DATA_RATE
            assert shown["active_data_rate"] == base + 7
            return
    pytest.fail("the minute kept rolling over")


def test_user(server: Server, user: tuple[str, str]) -> None:
    username, key = user
    shown = ok(httpx.get(f"{server.base_url}/api/v2/user", headers={"X-AIO-Key": key}))
    assert shown["username"] == username
    assert shown["name"] == username
    assert isinstance(shown["id"], int)
    assert shown["role"] == "user"
    assert shown["time_zone"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", shown["created_at"])
    groups = ok(
        httpx.get(f"{server.base_url}/api/v2/{username}/groups", headers={"X-AIO-Key": key})
    )
    assert shown["default_group_id"] == groups[0]["id"]
    assert groups[0]["key"] == "default"
    # The key in the query string, with any case of the parameter name.
    for name in ("x-aio-key", "X-AIO-Key"):
        response = httpx.get(f"{server.base_url}/api/v2/user", params={name: key})
        assert ok(response)["username"] == username
    # Header names are case-insensitive (CircuitPython sends X-AIO-KEY).
    response = httpx.get(f"{server.base_url}/api/v2/user", headers={"X-AIO-KEY": key})
    assert ok(response)["username"] == username


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Sydney"])
def test_time_struct(api: httpx.Client, zone: str) -> None:
    before = datetime.now(UTC).astimezone(ZoneInfo(zone))
    shown = ok(api.get("/integrations/time/struct.json", params={"tz": zone}))
    after = datetime.now(UTC).astimezone(ZoneInfo(zone))

    def struct(t: datetime) -> dict[str, Any]:
        return {
            "year": t.year,
            "mon": t.month,
            "mday": t.day,
            "hour": t.hour,
            "min": t.minute,
            "wday": t.isoweekday() % 7,  # Sunday = 0
            "yday": t.timetuple().tm_yday,
            "isdst": bool(t.dst()),
        }

    assert set(shown) == {"year", "mon", "mday", "hour", "min", "sec", "wday", "yday", "isdst"}
    without_sec = {k: v for k, v in shown.items() if k != "sec"}
    assert without_sec in (struct(before), struct(after))
    assert 0 <= shown["sec"] <= 60


def test_time_strftime(api: httpx.Client) -> None:
    fmt = "%Y-%m-%d %H:%M %z %Z"
    for zone in ("UTC", "Asia/Kolkata", "America/Los_Angeles"):
        before = datetime.now(UTC).astimezone(ZoneInfo(zone)).strftime(fmt)
        response = api.get("/integrations/time/strftime", params={"tz": zone, "fmt": fmt})
        after = datetime.now(UTC).astimezone(ZoneInfo(zone)).strftime(fmt)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text in (before, after)
    # The default format is Adafruit's, with Ruby's %L milliseconds.
    default = api.get("/integrations/time/strftime", params={"tz": "Asia/Kolkata"}).text
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d{3} [1-7] \+0530 IST", default), (
        default
    )
    seconds = int(api.get("/integrations/time/seconds").text)
    assert abs(seconds - time.time()) < 5


# --- the API's own documentation ---------------------------------------------------------


def test_openapi_document(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/api/v2/openapi.json")
    spec = ok(response)
    assert spec["openapi"].startswith("3.1.")
    assert spec["info"]["title"]
    assert spec["info"]["version"]
    paths = spec["paths"]
    assert len(paths) > 30
    for path, operations in paths.items():
        assert path.startswith("/api/v2/"), path
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}, (path, method)
            assert operation["responses"], (path, method)
            assert all(re.fullmatch(r"\d{3}|default", code) for code in operation["responses"])
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in {"path", "query", "header", "cookie"}
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    # Every $ref points at something that exists.
    refs = re.findall(r'"\$ref":\s*"#/([^"]+)"', json.dumps(spec))
    for ref in refs:
        node: Any = spec
        for part in ref.split("/"):
            node = node[part]
    for path in (
        "/api/v2/{username}/feeds/{feed_key}/data",
        "/api/v2/{username}/groups/{group_key}/data",
        "/api/v2/{username}/dashboards/{dashboard_key}/update_layouts",
        "/api/v2/webhooks/feed/{token}/raw",
        "/api/v2/user",
    ):
        assert path in paths
    assert set(paths["/api/v2/{username}/feeds/{feed_key}/data"]) == {"get", "post"}


def test_docs_page_is_self_contained(server: Server) -> None:
    page = httpx.get(f"{server.base_url}/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "/api/v2/openapi.json" in html
    assets = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', html)
    assert len(assets) >= 2
    assert not re.search(r"https?://|//cdn", html), "docs must not load anything from a CDN"
    for asset in assets:
        assert asset.startswith("/"), asset
        loaded = httpx.get(f"{server.base_url}{asset}")
        assert loaded.status_code == 200, asset
        assert len(loaded.content) > 100, asset
    kinds = {a.rsplit(".", 1)[-1] for a in assets}
    assert {"js", "css"} <= kinds
