"""Request quirks of the official clients that a server must tolerate (rest-api.md §1-§3).

Doubled and trailing slashes, the key in the query string under any capitalisation, and the
Python client's whole-namedtuple bodies with explicit nulls, ``history: "ON"`` and
``visibility: "Private"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from support import Server

FEED_TUPLE = {
    "name": None,
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
DATA_TUPLE = {
    "created_epoch": None,
    "created_at": None,
    "updated_at": None,
    "value": None,
    "completed_at": None,
    "feed_id": None,
    "expiration": None,
    "position": None,
    "id": None,
    "lat": None,
    "lon": None,
    "ele": None,
}
GROUP_TUPLE = {
    "description": None,
    "source_keys": None,
    "id": None,
    "source": None,
    "key": None,
    "feeds": None,
    "properties": None,
    "name": None,
}
DASHBOARD_TUPLE = {
    "name": None,
    "key": None,
    "description": None,
    "show_header": False,
    "color_mode": "dark",
    "block_borders": True,
    "header_image_url": None,
    "blocks": None,
}


@pytest.fixture
def root(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    """A client on ``/api/v2/{username}`` *without* a key header."""
    username, _key = user
    with httpx.Client(base_url=f"{server.base_url}/api/v2/{username}", timeout=30) as client:
        yield client


# --- paths -----------------------------------------------------------------------------------


def test_double_slash_group_feeds(api: httpx.Client) -> None:
    """Python ``create_feed(feed, group_key=g)`` posts to ``/api/v2/{u}//groups/{g}/feeds``."""
    api.post("/groups", json={"name": "g"})
    url = str(api.base_url).rstrip("/") + "//groups/g/feeds"
    r = api.post(url, json={"feed": {**FEED_TUPLE, "name": "inner"}})
    assert r.request.url.raw_path.endswith(b"//groups/g/feeds")
    assert r.status_code == 201, r.text
    assert r.json()["key"] == "g.inner"
    listed = api.get(url)
    assert listed.status_code == 200
    assert [f["key"] for f in listed.json()] == ["g.inner"]


@pytest.mark.parametrize(
    "path", ["/feeds/", "/groups/", "/dashboards/", "/feeds/t/", "/feeds/t/data/", "//feeds//t//"]
)
def test_trailing_and_doubled_slashes_are_ignored(api: httpx.Client, path: str) -> None:
    api.post("/feeds/t/data", json={"value": 1})
    r = api.get(str(api.base_url).rstrip("/") + path)  # absolute: httpx would eat "//"
    assert r.request.url.raw_path.endswith(path.encode())
    assert r.status_code == 200, r.text
    assert r.json() == api.get("/" + "/".join(p for p in path.split("/") if p)).json()


def test_trailing_slash_posts(api: httpx.Client) -> None:
    assert api.post("/feeds/", json={"feed": {**FEED_TUPLE, "name": "a"}}).status_code == 201
    assert api.post("/groups/", json={**GROUP_TUPLE, "name": "b"}).status_code == 201
    assert api.post("/dashboards/", json={**DASHBOARD_TUPLE, "name": "c"}).status_code == 201
    assert api.post("/feeds/a/data/", json={"value": 5}).json()["value"] == "5"


def test_unknown_url_is_json_404(api: httpx.Client) -> None:
    r = api.get("/nothing/here")
    assert r.status_code == 404
    assert r.json()["error"] == (
        "not found - that is an invalid URL, please check the API documentation at /api/docs"
    )


def test_wrong_method_is_json_error(api: httpx.Client) -> None:
    r = api.request("PATCH", "/feeds")
    assert r.status_code == 405
    assert isinstance(r.json()["error"], str)


# --- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x-aio-key", "X-AIO-Key", "X-AIO-KEY", "x-Aio-kEY"])
def test_key_in_query_string_any_case(root: httpx.Client, user: tuple[str, str], name: str) -> None:
    r = root.get("/feeds", params={name: user[1]})
    assert r.status_code == 200, r.text
    assert r.json() == []
    created = root.post("/feeds/q/data", params={name: user[1]}, json={"value": "v"})
    assert created.status_code == 200
    assert created.json()["value"] == "v"


@pytest.mark.parametrize("name", ["x-aio-key", "X-AIO-Key", "X-AIO-KEY"])
def test_key_header_any_case(root: httpx.Client, user: tuple[str, str], name: str) -> None:
    r = root.get("/feeds", headers={name: user[1]})
    assert r.status_code == 200


def test_missing_or_wrong_key_is_401_json(root: httpx.Client, user: tuple[str, str]) -> None:
    for kwargs in ({}, {"params": {"x-aio-key": "nope"}}, {"headers": {"X-AIO-Key": "nope"}}):
        r = root.get("/feeds", **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 401, kwargs
        assert r.headers["content-type"] == "application/json"
        assert isinstance(r.json()["error"], str)


def test_key_of_another_user_cannot_write(
    root: httpx.Client, make_user: Callable[[], tuple[str, str]], user: tuple[str, str]
) -> None:
    _other, other_key = make_user()
    r = root.post("/feeds/x/data", headers={"X-AIO-Key": other_key}, json={"value": 1})
    assert r.status_code == 403
    assert isinstance(r.json()["error"], str)
    assert root.get("/feeds", params={"x-aio-key": user[1]}).json() == []


# --- Python's whole-namedtuple bodies -------------------------------------------------------


def test_feed_tuple_with_nulls(api: httpx.Client) -> None:
    r = api.post("/feeds/", json={"feed": {**FEED_TUPLE, "name": "Full Tuple"}})
    assert r.status_code == 201, r.text
    feed = r.json()
    assert (feed["name"], feed["key"]) == ("Full Tuple", "full-tuple")
    assert (feed["history"], feed["visibility"]) == (True, "private")
    assert (feed["description"], feed["unit_type"], feed["license"]) == (None, None, None)
    assert (feed["status_notify"], feed["status_timeout"]) == (False, 60)


def test_feed_tuple_history_off_and_public(api: httpx.Client) -> None:
    body = {**FEED_TUPLE, "name": "open", "history": "OFF", "visibility": "Public"}
    feed = api.post("/feeds/", json={"feed": body}).json()
    assert (feed["history"], feed["visibility"]) == (False, "public")


def test_feed_tuple_with_explicit_key(api: httpx.Client) -> None:
    body = {**FEED_TUPLE, "name": "Nice Name", "key": "custom-key", "description": "d"}
    feed = api.post("/feeds/", json={"feed": body}).json()
    assert (feed["name"], feed["key"], feed["description"]) == ("Nice Name", "custom-key", "d")


@pytest.mark.parametrize(
    ("value", "stored"), [(42, "42"), (3.5, "3.5"), ("text", "text"), (-0.25, "-0.25")]
)
def test_data_tuple_with_nulls(api: httpx.Client, value: object, stored: str) -> None:
    r = api.post("/feeds/tuple/data", json={**DATA_TUPLE, "value": value})
    assert r.status_code == 200, r.text
    datum = r.json()
    assert datum["value"] == stored
    assert (datum["lat"], datum["lon"], datum["ele"]) == (None, None, None)


def test_data_tuple_without_value_is_422(api: httpx.Client) -> None:
    r = api.post("/feeds/tuple/data", json=DATA_TUPLE)
    assert r.status_code == 422
    assert "value" in r.json()["error"]


def test_group_tuple_with_null_feeds(api: httpx.Client) -> None:
    r = api.post("/groups/", json={**GROUP_TUPLE, "name": "tuplegroup"})
    assert r.status_code == 201, r.text
    group = r.json()
    assert (group["name"], group["key"], group["description"]) == (
        "tuplegroup",
        "tuplegroup",
        None,
    )
    assert group["feeds"] == []  # a list, never null (the client maps over it)
    listed = api.get("/groups/").json()
    assert sorted(g["key"] for g in listed) == ["default", "tuplegroup"]
    assert [g["feeds"] for g in listed] == [[], []]


def test_dashboard_tuple_with_null_blocks(api: httpx.Client) -> None:
    r = api.post("/dashboards/", json={**DASHBOARD_TUPLE, "name": "Tuple Dash"})
    assert r.status_code == 201, r.text
    dash = r.json()
    assert (dash["key"], dash["show_header"], dash["color_mode"], dash["block_borders"]) == (
        "tuple-dash",
        False,
        "dark",
        True,
    )
    assert dash["blocks"] == []
    assert dash["header_image_url"] is None
    assert [d["blocks"] for d in api.get("/dashboards/").json()] == [[]]


def test_block_tuple_with_null_block_feeds(api: httpx.Client) -> None:
    api.post("/dashboards/", json={**DASHBOARD_TUPLE, "name": "bd"})
    body = {"name": "b", "id": None, "visual_type": "text", "properties": {}, "block_feeds": None}
    r = api.post("/dashboards/bd/blocks", json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["block_feeds"]) == ("b", [])


def test_layout_tuple_with_null_breakpoints(api: httpx.Client) -> None:
    api.post("/dashboards/", json={**DASHBOARD_TUPLE, "name": "ld"})
    block = api.post("/dashboards/ld/blocks", json={"name": "b", "visual_type": "text"}).json()
    before = api.get("/dashboards/ld").json()["layouts"]
    item = {"x": 1, "y": 1, "w": 2, "h": 2, "i": block["id"]}
    body = {"layouts": {"xl": None, "lg": None, "md": [item], "sm": None, "xs": None}}
    r = api.post("/dashboards/ld/update_layouts", json=body)
    assert r.status_code == 200, r.text
    after = r.json()["layouts"]
    assert after["lg"] == before["lg"]
    assert [{k: it[k] for k in item} for it in after["md"]] == [item]
