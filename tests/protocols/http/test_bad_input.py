"""Bad requests: each gets the right status, a JSON ``{"error": "..."}`` and stores nothing.

"Stores nothing" is checked against the whole account (every feed with its last value and
count, every group, every dashboard) taken before the bad request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from support import Server


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    """One user for the module (users are slow to make); each test uses its own names."""
    username, key = server.create_user("bad")
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def fresh() -> str:
    """A feed key nothing uses yet."""
    return unique("fresh")


def state(api: httpx.Client) -> dict[str, Any]:
    """Every feed (with its last value and count), group and dashboard of the user."""
    feeds = api.get("/feeds")
    groups = api.get("/groups")
    dashboards = api.get("/dashboards")
    assert feeds.status_code == groups.status_code == dashboards.status_code == 200
    return {"feeds": feeds.json(), "groups": groups.json(), "dashboards": dashboards.json()}


@pytest.fixture
def before(api: httpx.Client, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The account as it was once the test's other fixtures ran."""
    for name in ("feed", "dashboard", "group"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
    return state(api)


def assert_error(response: httpx.Response, status: int, text: str | None = None) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict)
    assert set(body) == {"error"}, body
    assert isinstance(body["error"], str)
    assert body["error"].strip()
    if text is not None:
        assert body["error"] == text
    return str(body["error"])


def values(api: httpx.Client, feed: str) -> list[str]:
    response = api.get(f"/feeds/{feed}/data")
    assert response.status_code == 200
    return [d["value"] for d in response.json()]


def make_feed(api: httpx.Client, name: str, **fields: Any) -> dict[str, Any]:
    response = api.post("/feeds", json={"feed": {"name": name, **fields}})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def feed(api: httpx.Client) -> str:
    """An existing feed with one point, ``"1"``."""
    key = unique("target")
    make_feed(api, key)
    assert api.post(f"/feeds/{key}/data", json={"value": "1"}).status_code == 200
    return key


def assert_feed_untouched(api: httpx.Client, feed: str) -> None:
    assert values(api, feed) == ["1"]
    details = api.get(f"/feeds/{feed}/details").json()
    assert details["last_value"] == "1"
    assert details["details"]["data"]["count"] == 1


# --- data values -------------------------------------------------------------------------


def test_missing_value(api: httpx.Client, fresh: str, before: dict[str, Any]) -> None:
    assert_error(api.post(f"/feeds/{fresh}/data", json={"lat": 1, "lon": 2}), 422)
    assert state(api) == before


def test_empty_body(api: httpx.Client, fresh: str, before: dict[str, Any]) -> None:
    assert_error(api.post(f"/feeds/{fresh}/data", content=b""), 422)
    assert state(api) == before


def test_null_value(api: httpx.Client, fresh: str, before: dict[str, Any]) -> None:
    assert_error(api.post(f"/feeds/{fresh}/data", json={"value": None}), 422)
    assert state(api) == before


def test_empty_value(api: httpx.Client, fresh: str, before: dict[str, Any]) -> None:
    assert_error(api.post(f"/feeds/{fresh}/data", json={"value": ""}), 422)
    assert state(api) == before


def test_missing_value_on_existing_feed(api: httpx.Client, feed: str) -> None:
    response = api.post(f"/feeds/{feed}/data", json={"created_at": "2020-01-01T00:00:00Z"})
    assert_error(response, 422)
    assert_feed_untouched(api, feed)


def test_value_over_1kb_with_history(api: httpx.Client, feed: str) -> None:
    assert_error(api.post(f"/feeds/{feed}/data", json={"value": "x" * 1025}), 422)
    assert_feed_untouched(api, feed)
    # Bytes count, not characters: 513 two-byte characters are 1026 bytes.
    assert_error(api.post(f"/feeds/{feed}/data", json={"value": "é" * 513}), 422)
    assert_feed_untouched(api, feed)
    # Exactly 1024 bytes is fine.
    ok = api.post(f"/feeds/{feed}/data", json={"value": "y" * 1024})
    assert ok.status_code == 200
    assert ok.json()["value"] == "y" * 1024


def test_value_over_100kb_without_history(api: httpx.Client) -> None:
    key = unique("big")
    make_feed(api, key, history=False)
    assert_error(api.post(f"/feeds/{key}/data", json={"value": "x" * 102401}), 422)
    assert values(api, key) == []
    ok = api.post(f"/feeds/{key}/data", json={"value": "z" * 102400})
    assert ok.status_code == 200
    assert len(ok.json()["value"]) == 102400
    assert values(api, key) == ["z" * 102400]


def test_value_over_100kb_on_new_feed(
    api: httpx.Client, fresh: str, before: dict[str, Any]
) -> None:
    assert_error(api.post(f"/feeds/{fresh}/data", json={"value": "x" * 102401}), 422)
    assert state(api) == before


def test_future_created_at(api: httpx.Client, feed: str) -> None:
    response = api.post(
        f"/feeds/{feed}/data", json={"value": "2", "created_at": "2999-01-01T00:00:00Z"}
    )
    assert_error(response, 422, "data created_at may not be in the future")
    assert_feed_untouched(api, feed)


def test_future_epoch(api: httpx.Client, feed: str) -> None:
    response = api.post(f"/feeds/{feed}/data", json={"value": "2", "epoch": 32503680000})
    assert_error(response, 422, "data created_at may not be in the future")
    assert_feed_untouched(api, feed)


def test_future_created_at_on_new_feed(
    api: httpx.Client, fresh: str, before: dict[str, Any]
) -> None:
    response = api.post(f"/feeds/{fresh}/data", json={"value": "2", "created_at": "2999-01-01"})
    assert_error(response, 422, "data created_at may not be in the future")
    assert state(api) == before


@pytest.mark.parametrize("created_at", ["yesterday", "2020-13-45T00:00:00Z", True, [], -5])
def test_invalid_created_at(api: httpx.Client, feed: str, created_at: Any) -> None:
    response = api.post(f"/feeds/{feed}/data", json={"value": "2", "created_at": created_at})
    assert_error(response, 422)
    assert_feed_untouched(api, feed)


def test_invalid_created_at_on_new_feed(
    api: httpx.Client, fresh: str, before: dict[str, Any]
) -> None:
    response = api.post(f"/feeds/{fresh}/data", json={"value": "2", "created_at": "soon"})
    assert_error(response, 422)
    assert state(api) == before


def test_invalid_epoch(api: httpx.Client, feed: str) -> None:
    assert_error(api.post(f"/feeds/{feed}/data", json={"value": "2", "epoch": "abc"}), 422)
    assert_feed_untouched(api, feed)


@pytest.mark.parametrize(
    "location",
    [
        {"lat": "abc", "lon": 1},
        {"lat": 100, "lon": 1},
        {"lat": -90.5, "lon": 1},
        {"lat": 1, "lon": 181},
        {"lat": 1, "lon": "east"},
        {"lat": 1, "lon": 2, "ele": "high"},
        {"lat": True, "lon": 2},
        {"lat": 10},
    ],
)
def test_wrong_location(api: httpx.Client, feed: str, location: dict[str, Any]) -> None:
    assert_error(api.post(f"/feeds/{feed}/data", json={"value": "2", **location}), 422)
    assert_feed_untouched(api, feed)


def test_wrong_location_on_new_feed(api: httpx.Client, fresh: str, before: dict[str, Any]) -> None:
    body = {"value": "2", "lat": "abc", "lon": 1}
    assert_error(api.post(f"/feeds/{fresh}/data", json=body), 422)
    assert state(api) == before


def test_wrong_value_type(api: httpx.Client, feed: str) -> None:
    # JSON has no NaN, but Python's encoder writes it; the server must refuse it cleanly.
    response = api.post(
        f"/feeds/{feed}/data",
        content=b'{"value": NaN}',
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400)
    assert_feed_untouched(api, feed)


def test_batch_with_one_bad_point_stores_none(api: httpx.Client, feed: str) -> None:
    batch = {"data": [{"value": "2"}, {"value": "3"}, {"value": None}, {"value": "4"}]}
    assert_error(api.post(f"/feeds/{feed}/data/batch", json=batch), 422)
    assert_feed_untouched(api, feed)
    bad_time = [{"value": "2"}, {"value": "3", "created_at": "2999-01-01T00:00:00Z"}]
    response = api.post(f"/feeds/{feed}/data/batch", json=bad_time)
    assert_error(response, 422, "data created_at may not be in the future")
    assert_feed_untouched(api, feed)
    too_big = [{"value": "2"}, {"value": "x" * 1025}]
    assert_error(api.post(f"/feeds/{feed}/data/batch", json={"data": too_big}), 422)
    assert_feed_untouched(api, feed)
    bad_lat = [{"value": "2"}, {"value": "3", "lat": 91, "lon": 0}]
    assert_error(api.post(f"/feeds/{feed}/data/batch", json=bad_lat), 422)
    assert_feed_untouched(api, feed)


def test_batch_with_one_bad_point_on_new_feed(
    api: httpx.Client, fresh: str, before: dict[str, Any]
) -> None:
    batch = {"data": [{"value": "2"}, {"value": ""}]}
    assert_error(api.post(f"/feeds/{fresh}/data/batch", json=batch), 422)
    assert state(api) == before


def test_batch_that_is_not_a_list(api: httpx.Client, feed: str) -> None:
    assert_error(api.post(f"/feeds/{feed}/data/batch", json={"data": "2"}), 400)
    assert_error(api.post(f"/feeds/{feed}/data/batch", json={"value": "2"}), 400)
    assert_feed_untouched(api, feed)


def test_batch_item_that_is_not_an_object(api: httpx.Client, feed: str) -> None:
    assert_error(api.post(f"/feeds/{feed}/data/batch", json=[{"value": "2"}, "3"]), 400)
    assert_feed_untouched(api, feed)


@pytest.fixture
def group(api: httpx.Client) -> str:
    key = unique("grp")
    assert api.post("/groups", json={"name": key}).status_code == 201
    return key


@pytest.mark.parametrize(
    "body,status",
    [
        ({"feeds": [{"key": "fine", "value": "1"}, {"key": "blank", "value": ""}]}, 422),
        ({"feeds": [{"key": "fine", "value": "1"}, {"key": "none", "value": None}]}, 422),
        ({"feeds": [{"key": "fine", "value": "x" * 102401}]}, 422),
        ({"feeds": [{"key": "fine", "value": "1"}], "location": {"lat": 200, "lon": 1}}, 422),
        ({"feeds": [{"key": "fine", "value": "1"}], "lat": "north", "lon": 1}, 422),
        ({"feeds": [{"key": "fine", "value": "1"}], "created_at": "2999-01-01T00:00:00Z"}, 422),
        ({"feeds": [{"key": "fine", "value": "1"}], "created_at": "whenever"}, 422),
        ({"feeds": [{"key": "1234", "value": "1"}]}, 422),
        ({"feeds": []}, 422),
        ({"feeds": [{"value": "1"}]}, 422),
        ({"feeds": "fine=1"}, 422),
        ([{"key": "fine", "value": "1"}], 400),
    ],
)
def test_bad_group_data_creates_nothing(
    api: httpx.Client, group: str, before: dict[str, Any], body: Any, status: int
) -> None:
    assert_error(api.post(f"/groups/{group}/data", json=body), status)
    assert api.get(f"/groups/{group}/feeds").json() == []
    assert state(api) == before


# --- bodies ------------------------------------------------------------------------------


def test_malformed_json(api: httpx.Client, feed: str, fresh: str, before: dict[str, Any]) -> None:
    headers = {"content-type": "application/json"}
    for path in ("/feeds", f"/feeds/{feed}/data", "/groups", "/dashboards", f"/feeds/{fresh}/data"):
        assert_error(api.post(path, content=b'{"name": "x", "value": ', headers=headers), 400)
    assert_error(api.put(f"/feeds/{feed}", content=b"{name: x}", headers=headers), 400)
    assert state(api) == before
    assert_feed_untouched(api, feed)


def test_json_array_where_object_expected(
    api: httpx.Client, feed: str, fresh: str, before: dict[str, Any]
) -> None:
    assert_error(api.post("/feeds", json=[{"name": "x"}]), 400)
    assert_error(api.post("/groups", json=[{"name": "x"}]), 400)
    assert_error(api.post("/dashboards", json=[{"name": "x"}]), 400)
    assert_error(api.post(f"/feeds/{feed}/data", json=[{"value": "2"}]), 400)
    assert_error(api.post(f"/feeds/{fresh}/data", json=[{"value": "2"}]), 400)
    assert_error(api.put(f"/feeds/{feed}", json=["x"]), 400)
    assert_error(api.post(f"/feeds/{feed}/data", json="2"), 400)
    assert state(api) == before
    assert_feed_untouched(api, feed)


# --- names and keys ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["1234", "__--", "bad/name", "bad.name", "émoji", "semi;colon", "a" * 129, "", "   "],
    ids=["no-letter", "only-punct", "slash", "dot", "non-ascii", "semicolon", "too-long", "", "ws"],
)
def test_invalid_feed_name(api: httpx.Client, before: dict[str, Any], name: str) -> None:
    assert_error(api.post("/feeds", json={"feed": {"name": name}}), 422)
    assert state(api) == before


def test_invalid_feed_name_as_auto_created_key(api: httpx.Client, before: dict[str, Any]) -> None:
    assert_error(api.post("/feeds/12345/data", json={"value": "1"}), 422)
    assert state(api) == before


def test_feed_name_of_128_characters_is_fine(api: httpx.Client) -> None:
    name = unique("n") + "a" * 116
    assert len(name) == 128
    assert make_feed(api, name)["key"] == name


def test_wrong_type_for_feed_name(api: httpx.Client, before: dict[str, Any]) -> None:
    assert_error(api.post("/feeds", json={"feed": {"name": {"x": 1}}}), 422)
    assert_error(api.post("/feeds", json={"feed": {"name": ["x"]}}), 422)
    assert state(api) == before


def test_feed_without_name_or_key(api: httpx.Client, before: dict[str, Any]) -> None:
    assert_error(api.post("/feeds", json={"feed": {"description": "no name"}}), 422)
    assert state(api) == before


@pytest.mark.parametrize("key", ["Bad Key!", "-lead", "trail-", "a.b", "a/b", "k" * 129, "ünï"])
def test_invalid_feed_key(api: httpx.Client, before: dict[str, Any], key: str) -> None:
    assert_error(api.post("/feeds", json={"feed": {"name": "fine", "key": key}}), 422)
    assert state(api) == before


def test_invalid_group_and_dashboard_names_and_keys(
    api: httpx.Client, before: dict[str, Any]
) -> None:
    assert_error(api.post("/groups", json={"name": "fine", "key": "bad key"}), 422)
    assert_error(api.post("/groups", json={"name": "!!!"}), 422)
    assert_error(api.post("/groups", json={"name": "g" * 129}), 422)
    assert_error(api.post("/groups", json={"description": "no name"}), 422)
    assert_error(api.post("/dashboards", json={"name": "fine", "key": "bad key"}), 422)
    assert_error(api.post("/dashboards", json={"name": "d" * 129}), 422)
    assert_error(api.post("/dashboards", json={"description": "no name"}), 422)
    assert state(api) == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("history", "maybe"),
        ("visibility", "secret"),
        ("status_timeout", "soon"),
        ("status_timeout", 0),
        ("status_notify", "perhaps"),
        ("description", {"a": 1}),
    ],
)
def test_wrong_types_for_feed_fields(
    api: httpx.Client, feed: str, before: dict[str, Any], field: str, value: Any
) -> None:
    assert_error(api.post("/feeds", json={"feed": {"name": unique("typed"), field: value}}), 422)
    assert_error(api.patch(f"/feeds/{feed}", json={"feed": {field: value}}), 422)
    assert_error(api.put(f"/feeds/{feed}", json={field: value}), 422)
    assert state(api) == before


# --- query parameters --------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["abc", "0", "-3", "1.5"])
def test_bad_limit(api: httpx.Client, feed: str, limit: str) -> None:
    assert_error(api.get(f"/feeds/{feed}/data", params={"limit": limit}), 400)


@pytest.mark.parametrize("cursor", ["garbage!", "eyJ0IjoxfQ", "e30", "bm90IGpzb24"])
def test_bad_before_cursor(api: httpx.Client, feed: str, cursor: str) -> None:
    assert_error(api.get(f"/feeds/{feed}/data", params={"before": cursor}), 400)


@pytest.mark.parametrize("path", ["data", "data/last", "data/first", "data/{id}"])
def test_bad_include(api: httpx.Client, feed: str, path: str) -> None:
    datum_id = api.get(f"/feeds/{feed}/data").json()[0]["id"]
    url = f"/feeds/{feed}/" + path.format(id=datum_id)
    error = assert_error(api.get(url, params={"include": "value,password"}), 400)
    assert "password" in error


def test_bad_time_range_parameters(api: httpx.Client, feed: str) -> None:
    assert_error(api.get(f"/feeds/{feed}/data", params={"start_time": "not a time"}), 422)
    assert_error(api.get(f"/feeds/{feed}/data", params={"end_time": "2020-02-30"}), 422)


@pytest.mark.parametrize("field", ["median", "AVG;drop", "value"])
def test_bad_chart_field(api: httpx.Client, feed: str, field: str) -> None:
    assert_error(api.get(f"/feeds/{feed}/data/chart", params={"field": field}), 400)


@pytest.mark.parametrize("resolution", ["abc", "0", "-5", "nan", "inf"])
def test_bad_chart_resolution(api: httpx.Client, feed: str, resolution: str) -> None:
    response = api.get(f"/feeds/{feed}/data/chart", params={"resolution": resolution})
    assert_error(response, 400)


@pytest.mark.parametrize("hours", ["abc", "0", "-1", "nan"])
def test_bad_chart_hours(api: httpx.Client, feed: str, hours: str) -> None:
    assert_error(api.get(f"/feeds/{feed}/data/chart", params={"hours": hours}), 400)


def test_chart_start_after_end(api: httpx.Client, feed: str) -> None:
    params = {"start_time": "2024-01-02T00:00:00Z", "end_time": "2024-01-01T00:00:00Z"}
    assert_error(api.get(f"/feeds/{feed}/data/chart", params=params), 400)


def test_bad_activity_parameters(api: httpx.Client) -> None:
    assert_error(api.get("/activities", params={"limit": "0"}), 400)
    assert_error(api.get("/activities", params={"limit": "lots"}), 400)
    assert_error(api.get("/activities/bogus"), 400)
    assert_error(api.get("/activities", params={"start_time": "then"}), 422)


def test_unknown_time_zone(api: httpx.Client) -> None:
    response = api.get("/integrations/time/struct.json", params={"tz": "Mars/Olympus"})
    assert_error(response, 400, "unknown time zone 'Mars/Olympus'")
    response = api.get("/integrations/time/strftime", params={"tz": "../../etc/passwd"})
    assert_error(response, 400)


# --- routes and methods ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/nonsense",
        "/nonsense/thing",
        "/feeds/x/data/y/z",
        "/feeds/x/nothing",
        "/groups/g/feeds/f/nothing",
        "/dashboards/d/blocks/1/extra",
    ],
)
def test_unknown_route(api: httpx.Client, before: dict[str, Any], path: str) -> None:
    assert_error(api.get(path), 404)
    assert_error(api.post(path, json={"value": "1"}), 404)
    assert state(api) == before


def test_unknown_route_outside_the_api(server: Server) -> None:
    for path in ("/nope", "/api/v3/user", "/api/v2", "/api/v1/feeds"):
        assert_error(httpx.get(f"{server.base_url}{path}"), 404)
        assert_error(httpx.post(f"{server.base_url}{path}", json={}), 404)


@pytest.mark.parametrize(
    "method,path",
    [
        ("PUT", "/feeds"),
        ("DELETE", "/feeds"),
        ("DELETE", "/groups"),
        ("PATCH", "/dashboards"),
        ("POST", "/feeds/x/details"),
        ("PUT", "/feeds/x/data"),
        ("POST", "/feeds/x/data/last"),
        ("POST", "/throttle"),
        ("PUT", "/integrations/time/struct.json"),
        ("GET", "/groups/g/data"),
        ("GET", "/dashboards/d/update_layouts"),
    ],
)
def test_wrong_method(api: httpx.Client, before: dict[str, Any], method: str, path: str) -> None:
    assert_error(api.request(method, path, json={"value": "1"}), 405)
    assert state(api) == before


def test_wrong_method_on_user(server: Server, api: httpx.Client) -> None:
    key = api.headers["X-AIO-Key"]
    response = httpx.post(f"{server.base_url}/api/v2/user", headers={"X-AIO-Key": key})
    assert_error(response, 405)


@pytest.mark.parametrize(
    "path",
    [
        "/permissions",
    ],
)
def test_unsupported_resources_are_404(
    api: httpx.Client, feed: str, before: dict[str, Any], path: str
) -> None:
    path = path.format(feed=feed)
    for method in ("GET", "POST", "PUT", "DELETE"):
        body = None if method in ("GET", "DELETE") else {"trigger": {"name": "x"}}
        assert_error(api.request(method, path, json=body), 404)
    assert state(api) == before


def test_integrations_not_offered_are_404(api: httpx.Client) -> None:
    for path in ("/integrations/weather", "/integrations/air_quality/1", "/integrations/words"):
        assert_error(api.get(path), 404)
        assert_error(api.post(path, json={"location": "1, 2"}), 404)


# --- unknown records ---------------------------------------------------------------------


def test_unknown_feed(api: httpx.Client, fresh: str, before: dict[str, Any]) -> None:
    for method, path in (
        ("GET", f"/feeds/{fresh}"),
        ("GET", f"/feeds/{fresh}/details"),
        ("GET", f"/feeds/{fresh}/data"),
        ("GET", f"/feeds/{fresh}/data/last"),
        ("GET", f"/feeds/{fresh}/data/chart"),
        ("PUT", f"/feeds/{fresh}"),
        ("DELETE", f"/feeds/{fresh}"),
        ("GET", f"/feeds/{fresh}/webhooks"),
        ("POST", f"/feeds/{fresh}/webhooks"),
    ):
        assert_error(api.request(method, path, json={"name": "x"}), 404)
    assert state(api) == before


def test_unknown_datum(api: httpx.Client, feed: str) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        for datum_id in ("0000000000000000000000000A", "not-an-id"):
            path = f"/feeds/{feed}/data/{datum_id}"
            assert_error(api.request(method, path, json={"value": "9"}), 404)
    assert_feed_untouched(api, feed)


def test_bad_datum_update(api: httpx.Client, feed: str) -> None:
    datum_id = api.get(f"/feeds/{feed}/data").json()[0]["id"]
    for body in (
        {"value": ""},
        {"value": "x" * 1025},
        {"lat": "abc", "lon": 1},
        {"created_at": "2999-01-01T00:00:00Z"},
        {"created_at": "never"},
    ):
        assert_error(api.patch(f"/feeds/{feed}/data/{datum_id}", json=body), 422)
    assert_feed_untouched(api, feed)


def test_unknown_webhook_receiver(api: httpx.Client, feed: str) -> None:
    assert_error(api.delete(f"/feeds/{feed}/webhooks/999999"), 404)
    assert_error(api.delete(f"/feeds/{feed}/webhooks/abc"), 400)


def test_empty_feed_has_no_last_first_next(api: httpx.Client) -> None:
    key = unique("empty")
    make_feed(api, key)
    for edge in ("last", "first", "next", "previous", "prev", "retain"):
        assert_error(api.get(f"/feeds/{key}/data/{edge}"), 404)


def test_unknown_group(api: httpx.Client, before: dict[str, Any]) -> None:
    for method, path, body in (
        ("GET", "/groups/nope", None),
        ("PUT", "/groups/nope", {"name": "x"}),
        ("DELETE", "/groups/nope", None),
        ("GET", "/groups/nope/feeds", None),
        ("POST", "/groups/nope/feeds", {"feed": {"name": "x"}}),
        ("POST", "/groups/nope/data", {"feeds": [{"key": "a", "value": "1"}]}),
        ("POST", "/groups/nope/add", {"feed_key": "x"}),
        ("POST", "/groups/nope/remove", {"feed_key": "x"}),
        ("GET", "/groups/nope/feeds/x/data", None),
        ("POST", "/groups/nope/feeds/x/data", {"value": "1"}),
        ("POST", "/groups/nope/feeds/x/data/batch", [{"value": "1"}]),
        ("POST", "/feeds?group_key=nope", {"feed": {"name": "x"}}),
        ("POST", "/feeds/nope.x/data", {"value": "1"}),
    ):
        assert_error(api.request(method, path, json=body), 404)
    assert state(api) == before


def test_add_unknown_feed_to_group(api: httpx.Client, group: str, before: dict[str, Any]) -> None:
    assert_error(api.post(f"/groups/{group}/add", json={"feed_key": "nope"}), 404)
    assert_error(api.post(f"/groups/{group}/add", json={}), 400)
    assert_error(api.post(f"/groups/{group}/remove", json={"feed_key": "nope"}), 404)
    assert state(api) == before


def test_default_group_cannot_be_deleted(api: httpx.Client, before: dict[str, Any]) -> None:
    assert_error(api.delete("/groups/default"), 403)
    assert_error(api.patch("/groups/default", json={"key": "other"}), 403)
    assert state(api) == before


def test_unknown_dashboard_and_block(api: httpx.Client, before: dict[str, Any]) -> None:
    for method, path in (
        ("GET", "/dashboards/nope"),
        ("PUT", "/dashboards/nope"),
        ("DELETE", "/dashboards/nope"),
        ("GET", "/dashboards/nope/blocks"),
        ("POST", "/dashboards/nope/blocks"),
        ("GET", "/dashboards/nope/blocks/1"),
        ("DELETE", "/dashboards/nope/blocks/1"),
        ("POST", "/dashboards/nope/update_layouts"),
    ):
        assert_error(api.request(method, path, json={"visual_type": "gauge"}), 404)
    assert state(api) == before


@pytest.fixture
def dashboard(api: httpx.Client) -> str:
    """A dashboard with one gauge block."""
    key = unique("dash")
    assert api.post("/dashboards", json={"name": key}).status_code == 201
    block = api.post(f"/dashboards/{key}/blocks", json={"visual_type": "gauge"})
    assert block.status_code == 200
    return key


def test_unknown_block(api: httpx.Client, dashboard: str, before: dict[str, Any]) -> None:
    for block_id in ("999999", "abc"):
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            path = f"/dashboards/{dashboard}/blocks/{block_id}"
            assert_error(api.request(method, path, json={"name": "x"}), 404)
    assert state(api) == before


@pytest.mark.parametrize("visual_type", ["hologram", "", "Gauge", 5, None])
def test_invalid_visual_type(
    api: httpx.Client, dashboard: str, before: dict[str, Any], visual_type: Any
) -> None:
    layouts = api.get(f"/dashboards/{dashboard}").json()["layouts"]
    response = api.post(f"/dashboards/{dashboard}/blocks", json={"visual_type": visual_type})
    assert_error(response, 422)
    assert state(api) == before
    assert api.get(f"/dashboards/{dashboard}").json()["layouts"] == layouts


def test_invalid_visual_type_on_update(
    api: httpx.Client, dashboard: str, before: dict[str, Any]
) -> None:
    [block] = api.get(f"/dashboards/{dashboard}/blocks").json()
    path = f"/dashboards/{dashboard}/blocks/{block['id']}"
    assert_error(api.put(path, json={"visual_type": "hologram"}), 422)
    assert_error(api.patch(path, json={"visual_type": ""}), 422)
    assert state(api) == before


@pytest.mark.parametrize(
    "body,status",
    [
        ({"visual_type": "gauge", "block_feeds": [{"feed_id": "nope"}]}, 404),
        ({"visual_type": "gauge", "block_feeds": "f"}, 400),
        ({"visual_type": "gauge", "block_feeds": [{"group_id": 1}]}, 400),
        ({"visual_type": "gauge", "properties": "not json"}, 400),
        ({"visual_type": "gauge", "properties": [1, 2]}, 400),
        ({"visual_type": "gauge", "size_x": 0}, 422),
        ({"visual_type": "gauge", "size_y": "tall"}, 422),
        ({"visual_type": "gauge", "row": -1}, 422),
    ],
)
def test_bad_block_fields(
    api: httpx.Client, dashboard: str, before: dict[str, Any], body: dict[str, Any], status: int
) -> None:
    layouts = api.get(f"/dashboards/{dashboard}").json()["layouts"]
    assert_error(api.post(f"/dashboards/{dashboard}/blocks", json=body), status)
    assert state(api) == before
    assert api.get(f"/dashboards/{dashboard}").json()["layouts"] == layouts


@pytest.mark.parametrize(
    "body,status",
    [
        ({}, 400),
        ({"layouts": [1]}, 400),
        ({"layouts": "lg"}, 400),
        ({"layouts": {"huge": []}}, 422),
        ({"layouts": {"lg": {}}}, 400),
        ({"layouts": {"lg": [{"x": 1}]}}, 400),
        ({"layouts": {"lg": ["a"]}}, 400),
        ({"layouts": {"lg": [{"i": "1", "w": 0}]}}, 422),
        ({"layouts": {"lg": [{"i": "1", "w": "wide"}]}}, 422),
        ({"layouts": {"lg": [{"i": "1", "x": -1}]}}, 422),
        # One bad breakpoint rejects the whole update, good ones included.
        ({"layouts": {"md": [{"i": "1", "x": 1, "y": 1, "w": 2, "h": 2}], "sm": 5}}, 400),
    ],
)
def test_bad_layouts(api: httpx.Client, dashboard: str, body: dict[str, Any], status: int) -> None:
    shown = api.get(f"/dashboards/{dashboard}").json()
    assert_error(api.post(f"/dashboards/{dashboard}/update_layouts", json=body), status)
    assert api.get(f"/dashboards/{dashboard}").json() == shown


@pytest.mark.parametrize(
    "body,status",
    [
        ({"color_mode": "purple"}, 422),
        ({"visibility": "everyone"}, 422),
        ({"show_header": "sometimes"}, 422),
        ({"name": ""}, 422),
        ({"layouts": {"lg": "x"}}, 400),
    ],
)
def test_bad_dashboard_fields(
    api: httpx.Client, dashboard: str, body: dict[str, Any], status: int
) -> None:
    shown = api.get(f"/dashboards/{dashboard}").json()
    assert_error(api.patch(f"/dashboards/{dashboard}", json=body), status)
    assert api.get(f"/dashboards/{dashboard}").json() == shown


def test_duplicate_keys_are_refused(api: httpx.Client) -> None:
    same = unique("same")
    make_feed(api, same)
    two = make_feed(api, unique("two"))["key"]
    before = state(api)
    assert_error(api.post("/feeds", json={"feed": {"name": same.upper()}}), 422)
    assert_error(api.post("/feeds", json={"feed": {"name": "other", "key": same}}), 422)
    assert_error(api.patch(f"/feeds/{two}", json={"feed": {"key": same}}), 422)
    assert state(api) == before
    grp = unique("g")
    assert api.post("/groups", json={"name": grp}).status_code == 201
    dash = unique("d")
    assert api.post("/dashboards", json={"name": dash}).status_code == 201
    before = state(api)
    assert_error(api.post("/groups", json={"name": grp.upper()}), 422)
    assert_error(api.post("/dashboards", json={"name": dash.upper()}), 422)
    assert state(api) == before


def test_value_too_big_for_a_new_feed_creates_no_feed(api: httpx.Client) -> None:
    # A new feed keeps history, so 1 KB is its limit; the refusal comes before the feed.
    for path, body in (
        ("/feeds/{name}/data", {"value": "x" * 2000}),
        ("/feeds/{name}/data/batch", {"data": [{"value": "1"}, {"value": "x" * 2000}]}),
    ):
        name = unique("big-")
        assert_error(api.post(path.format(name=name), json=body), 422)
        assert_error(api.get(f"/feeds/{name}"), 404)
    group = unique("bigs")
    assert api.post("/groups", json={"name": group}).status_code == 201
    assert_error(api.post(f"/groups/{group}/feeds/inner/data", json={"value": "x" * 2000}), 422)
    assert_error(api.get(f"/feeds/{group}.inner"), 404)
