"""What data reads and writes mean: pages, the queue pointer, edits, value text, charts."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from support import Server

MINUTE = 60_000
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    """One user for the module (users are slow to make); each test uses its own feeds."""
    username, key = server.create_user("sem")
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def minute_floor(ms: int) -> int:
    return ms - ms % MINUTE


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


def post_batch(api: httpx.Client, feed: str, points: list[dict[str, Any]]) -> list[Any]:
    result: list[Any] = ok(api.post(f"/feeds/{feed}/data/batch", json={"data": points}))
    assert len(result) == len(points)
    return result


def ulid_ms(ulid: str) -> int:
    """The millisecond time in the first 10 characters of a ULID."""
    value = 0
    for char in ulid[:10]:
        value = value * 32 + CROCKFORD.index(char)
    return value


# --- pagination --------------------------------------------------------------------------

LINK_NEXT = re.compile(r'<([^<>]+)>;rel="next", <([^<>]+)>')
LINK_LAST = re.compile(r"<([^<>]+)>")


def pages(api: httpx.Client, feed: str, **params: Any) -> list[httpx.Response]:
    """Follow ``Link`` next URLs the way the Python client does, checking the header shape."""
    responses = [api.get(f"/feeds/{feed}/data", params=params)]
    while True:
        response = responses[-1]
        assert response.status_code == 200, response.text
        link = response.headers["link"]
        me = str(response.request.url)
        following = LINK_NEXT.fullmatch(link)
        if following is None:
            last = LINK_LAST.fullmatch(link)
            assert last is not None, link
            assert last.group(1) == me
            return responses
        assert following.group(1) == me
        assert len(responses) < 50
        responses.append(api.get(following.group(2)))


@pytest.fixture(scope="module")
def paged(api: httpx.Client) -> tuple[str, list[dict[str, Any]]]:
    """25 points one minute apart (value i at T0 + i minutes), created in shuffled order."""
    feed = unique("paged")
    t0 = minute_floor(now_ms()) - 60 * MINUTE
    order = [7, 3, 24, 0, 12, 18, 1, 9, 22, 5, 15, 2, 20, 11, 4, 23, 8, 16, 6, 13, 21, 10, 14]
    order += [17, 19]
    assert sorted(order) == list(range(25))
    created = post_batch(
        api, feed, [{"value": str(i), "created_at": iso(t0 + i * MINUTE)} for i in order]
    )
    by_value = {d["value"]: d for d in created}
    return feed, [by_value[str(i)] | {"t": t0 + i * MINUTE} for i in range(25)]


def test_pages_follow_next_links_newest_first(
    api: httpx.Client, paged: tuple[str, list[dict[str, Any]]]
) -> None:
    feed, points = paged
    responses = pages(api, feed, limit=10)
    assert [len(r.json()) for r in responses] == [10, 10, 5]
    seen = [d["id"] for r in responses for d in r.json()]
    assert seen == [p["id"] for p in reversed(points)]
    assert [d["value"] for r in responses for d in r.json()] == [str(i) for i in range(24, -1, -1)]
    for response, count in zip(responses, [10, 10, 5], strict=True):
        assert response.headers["x-pagination-count"] == str(count)
        assert response.headers["x-pagination-limit"] == "10"
        assert response.headers["x-pagination-total"] == "25"
        assert response.headers["x-pagination-start"] == ""
    # The next URL keeps the limit and carries an opaque cursor.
    next_url = LINK_NEXT.fullmatch(responses[0].headers["link"])
    assert next_url is not None
    query = parse_qs(urlsplit(next_url.group(2)).query)
    assert query["limit"] == ["10"]
    assert len(query["before"]) == 1


def test_one_page_when_everything_fits(
    api: httpx.Client, paged: tuple[str, list[dict[str, Any]]]
) -> None:
    feed, _ = paged
    [response] = pages(api, feed)
    assert len(response.json()) == 25
    assert response.headers["link"] == f"<{response.request.url}>"
    assert response.headers["x-pagination-limit"] == "1000"
    assert response.headers["x-pagination-count"] == "25"
    [response] = pages(api, feed, limit=25)
    assert response.headers["link"] == f"<{response.request.url}>"
    # Over the maximum page size: capped at 1000.
    big = api.get(f"/feeds/{feed}/data", params={"limit": 5000})
    assert big.headers["x-pagination-limit"] == "1000"


def test_exact_multiple_of_the_limit_has_no_empty_last_page(
    api: httpx.Client, paged: tuple[str, list[dict[str, Any]]]
) -> None:
    feed, _ = paged
    responses = pages(api, feed, limit=5)
    assert [len(r.json()) for r in responses] == [5, 5, 5, 5, 5]


def test_start_and_end_time_are_inclusive(
    api: httpx.Client, paged: tuple[str, list[dict[str, Any]]]
) -> None:
    feed, points = paged
    start, end = points[3]["t"], points[17]["t"]
    responses = pages(api, feed, start_time=iso(start), end_time=iso(end), limit=4)
    values = [d["value"] for r in responses for d in r.json()]
    assert values == [str(i) for i in range(17, 2, -1)]
    assert [len(r.json()) for r in responses] == [4, 4, 4, 3]
    for response in responses:
        assert response.headers["x-pagination-start"] == iso(start)
        assert response.headers["x-pagination-end"] == iso(end)
    # The following pages keep the time window.
    following = LINK_NEXT.fullmatch(responses[0].headers["link"])
    assert following is not None
    query = parse_qs(urlsplit(following.group(2)).query)
    assert query["start_time"] == [iso(start)]
    assert query["end_time"] == [iso(end)]
    # Epoch seconds work as well as ISO-8601.
    by_epoch = ok(
        api.get(f"/feeds/{feed}/data", params={"start_time": start // 1000, "limit": 1000})
    )
    assert [d["value"] for d in by_epoch] == [str(i) for i in range(24, 2, -1)]
    only_end = ok(api.get(f"/feeds/{feed}/data", params={"end_time": iso(points[1]["t"])}))
    assert [d["value"] for d in only_end] == ["1", "0"]


def test_include_limits_fields(api: httpx.Client, paged: tuple[str, list[dict[str, Any]]]) -> None:
    feed, points = paged
    data = ok(api.get(f"/feeds/{feed}/data", params={"include": "value,id", "limit": 3}))
    assert data == [{"value": str(i), "id": points[i]["id"]} for i in (24, 23, 22)]
    last = ok(api.get(f"/feeds/{feed}/data/last", params={"include": "value,created_at"}))
    assert last == {"value": "24", "created_at": iso(points[24]["t"])}
    one = ok(api.get(f"/feeds/{feed}/data/{points[5]['id']}", params={"include": "lat,lon"}))
    assert one == {"lat": None, "lon": None}


def test_points_in_the_same_millisecond_page_without_loss(api: httpx.Client) -> None:
    feed = unique("ties")
    created = post_batch(api, feed, [{"value": str(i)} for i in range(7)])
    assert len({d["created_at"] for d in created}) == 1
    responses = pages(api, feed, limit=3)
    assert [len(r.json()) for r in responses] == [3, 3, 1]
    # Newest first: the last one written comes first.
    assert [d["value"] for r in responses for d in r.json()] == [str(i) for i in range(6, -1, -1)]
    assert [d["id"] for r in responses for d in r.json()] == [d["id"] for d in reversed(created)]


def test_group_feed_data_pages_the_same(api: httpx.Client) -> None:
    group = unique("pg")
    assert api.post("/groups", json={"name": group}).status_code == 201
    for i in range(5):
        ok(api.post(f"/groups/{group}/feeds/temp/data", json={"value": str(i)}))
    first = api.get(f"/groups/{group}/feeds/temp/data", params={"limit": 3})
    assert [d["value"] for d in ok(first)] == ["4", "3", "2"]
    following = LINK_NEXT.fullmatch(first.headers["link"])
    assert following is not None
    second = api.get(following.group(2))
    assert [d["value"] for d in ok(second)] == ["1", "0"]
    assert second.headers["link"] == f"<{second.request.url}>"
    assert first.headers["x-pagination-total"] == "5"


# --- the queue pointer -------------------------------------------------------------------


def test_first_last_next_previous(api: httpx.Client) -> None:
    feed = unique("queue")
    t = minute_floor(now_ms()) - 10 * MINUTE
    post_batch(
        api, feed, [{"value": f"v{i}", "created_at": iso(t + i * MINUTE)} for i in (1, 2, 3)]
    )

    def value(edge: str) -> str:
        return str(ok(api.get(f"/feeds/{feed}/data/{edge}"))["value"])

    # Never started: next gives the oldest, previous the point at the pointer.
    assert value("next") == "v1"
    assert value("previous") == "v1"
    assert value("next") == "v2"
    assert value("previous") == "v2"
    assert value("prev") == "v2"
    assert value("previous") == "v2"  # reading does not move the pointer
    assert value("last") == "v3"
    assert value("previous") == "v3"
    response = api.get(f"/feeds/{feed}/data/next")
    assert response.status_code == 404
    assert set(response.json()) == {"error"}
    assert value("previous") == "v3"
    assert value("first") == "v1"
    assert value("previous") == "v1"
    assert value("next") == "v2"
    assert value("next") == "v3"


def test_previous_without_a_pointer_is_the_newest(api: httpx.Client) -> None:
    feed = unique("queue")
    t = minute_floor(now_ms()) - 10 * MINUTE
    post_batch(api, feed, [{"value": f"v{i}", "created_at": iso(t + i * MINUTE)} for i in (1, 2)])
    assert ok(api.get(f"/feeds/{feed}/data/previous"))["value"] == "v2"
    assert ok(api.get(f"/feeds/{feed}/data/next"))["value"] == "v1"


def test_python_client_receive_next_and_previous(api: httpx.Client) -> None:
    """The sequence the official Python client tests run (rest-api.md §6.4)."""
    feed = unique("pyq")
    ok(api.post(f"/feeds/{feed}/data", json={"value": 1}))
    assert ok(api.get(f"/feeds/{feed}/data/next"))["value"] == "1"
    assert ok(api.get(f"/feeds/{feed}/data/previous"))["value"] == "1"
    ok(api.post(f"/feeds/{feed}/data", json={"value": 2}))
    assert ok(api.get(f"/feeds/{feed}/data/next"))["value"] == "2"
    assert ok(api.get(f"/feeds/{feed}/data/previous"))["value"] == "2"


def test_retain_is_csv_of_the_newest(api: httpx.Client) -> None:
    feed = unique("retain")
    t = minute_floor(now_ms()) - 10 * MINUTE
    post_batch(
        api,
        feed,
        [
            {"value": "old", "created_at": iso(t)},
            {"value": "new", "lat": 51.5, "lon": -0.25, "created_at": iso(t + MINUTE)},
        ],
    )
    retain = api.get(f"/feeds/{feed}/data/retain")
    assert retain.status_code == 200
    assert retain.headers["content-type"].startswith("text/csv")
    assert retain.text == "new,51.5,-0.25,"
    ok(api.post(f"/feeds/{feed}/data", json={"value": "3", "lat": 1.5, "lon": 2.5, "ele": 10.25}))
    assert api.get(f"/feeds/{feed}/data/retain").text == "3,1.5,2.5,10.25"
    ok(api.post(f"/feeds/{feed}/data", json={"value": "plain"}))
    assert api.get(f"/feeds/{feed}/data/retain").text == "plain,,,"
    # retain does not move the queue pointer
    assert ok(api.get(f"/feeds/{feed}/data/first"))["value"] == "old"
    api.get(f"/feeds/{feed}/data/retain")
    assert ok(api.get(f"/feeds/{feed}/data/previous"))["value"] == "old"


# --- editing and deleting ----------------------------------------------------------------


def details(api: httpx.Client, feed: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(api.get(f"/feeds/{feed}/details"))
    return body


def test_update_and_delete_a_datum(api: httpx.Client) -> None:
    feed = unique("edit")
    t = minute_floor(now_ms()) - 10 * MINUTE
    v1, v2, v3 = post_batch(
        api, feed, [{"value": f"v{i}", "created_at": iso(t + i * MINUTE)} for i in (1, 2, 3)]
    )
    assert details(api, feed)["last_value"] == "v3"

    # PUT the newest: the feed's last value follows.
    put = ok(api.put(f"/feeds/{feed}/data/{v3['id']}", json={"value": "thirty"}))
    assert put["id"] == v3["id"]
    assert put["value"] == "thirty"
    assert put["created_at"] == v3["created_at"]
    shown = details(api, feed)
    assert shown["last_value"] == "thirty"
    assert shown["details"]["data"]["count"] == 3
    assert shown["details"]["data"]["last"]["value"] == "thirty"
    assert shown["details"]["data"]["first"]["value"] == "v1"

    # PATCH an older one (wrapped body, with a location): the last value stays.
    patched = ok(
        api.patch(
            f"/feeds/{feed}/data/{v1['id']}",
            json={"datum": {"value": "ten", "lat": 10, "lon": 20}},
        )
    )
    assert (patched["value"], patched["lat"], patched["lon"]) == ("ten", 10.0, 20.0)
    assert ok(api.get(f"/feeds/{feed}/data/{v1['id']}"))["value"] == "ten"
    assert details(api, feed)["last_value"] == "thirty"

    # Moving a point to be the newest makes it the last value.
    moved = ok(
        api.patch(f"/feeds/{feed}/data/{v1['id']}", json={"created_at": iso(t + 5 * MINUTE)})
    )
    assert moved["created_at"] == iso(t + 5 * MINUTE)
    assert details(api, feed)["last_value"] == "ten"
    assert [d["value"] for d in ok(api.get(f"/feeds/{feed}/data"))] == ["ten", "thirty", "v2"]

    # DELETE the newest: it is returned, the count drops, the last value goes back.
    deleted = ok(api.delete(f"/feeds/{feed}/data/{v1['id']}"))
    assert deleted["id"] == v1["id"]
    assert deleted["value"] == "ten"
    assert api.get(f"/feeds/{feed}/data/{v1['id']}").status_code == 404
    shown = details(api, feed)
    assert shown["last_value"] == "thirty"
    assert shown["details"]["data"]["count"] == 2
    listed = api.get(f"/feeds/{feed}/data")
    assert listed.headers["x-pagination-total"] == "2"
    assert [d["value"] for d in listed.json()] == ["thirty", "v2"]

    ok(api.delete(f"/feeds/{feed}/data/{v3['id']}"))
    ok(api.delete(f"/feeds/{feed}/data/{v2['id']}"))
    shown = details(api, feed)
    assert shown["last_value"] is None
    assert shown["details"]["data"] == {"first": None, "last": None, "count": 0}
    assert ok(api.get(f"/feeds/{feed}/data")) == []


def test_group_feed_datum_routes(api: httpx.Client) -> None:
    group = unique("gd")
    assert api.post("/groups", json={"name": group}).status_code == 201
    base = f"/groups/{group}/feeds/inside/data"
    datum = ok(api.post(base, json={"value": "a"}))
    assert datum["feed_key"] == f"{group}.inside"
    assert ok(api.get(f"{base}/{datum['id']}"))["value"] == "a"
    assert ok(api.put(f"{base}/{datum['id']}", json={"value": "b"}))["value"] == "b"
    assert ok(api.get(f"{base}/last"))["value"] == "b"
    assert ok(api.get(f"/feeds/{group}.inside"))["last_value"] == "b"
    batch = ok(api.post(f"{base}/batch", json=[{"value": "c"}, {"value": "d"}]))
    assert [d["value"] for d in batch] == ["c", "d"]
    assert ok(api.delete(f"{base}/{datum['id']}"))["value"] == "b"
    assert [d["value"] for d in ok(api.get(base))] == ["d", "c"]
    assert ok(api.get(f"/feeds/{group}.inside/details"))["details"]["data"]["count"] == 2


# --- what a stored point looks like ------------------------------------------------------


def test_json_values_are_stored_compactly(api: httpx.Client) -> None:
    feed = unique("json")
    obj = ok(api.post(f"/feeds/{feed}/data", json={"value": {"a": 1, "b": [1, 2, {"c": None}]}}))
    assert obj["value"] == '{"a":1,"b":[1,2,{"c":null}]}'
    arr = ok(api.post(f"/feeds/{feed}/data", json={"value": [1, "two", 3.5]}))
    assert arr["value"] == '[1,"two",3.5]'
    text = ok(api.post(f"/feeds/{feed}/data", json={"value": '{"a": 1,  "b": 2}'}))
    assert text["value"] == '{"a": 1,  "b": 2}'  # a string is kept as sent
    uni = ok(api.post(f"/feeds/{feed}/data", json={"value": {"t": "héllo ☃"}}))
    assert uni["value"] == '{"t":"héllo ☃"}'
    assert [d["value"] for d in ok(api.get(f"/feeds/{feed}/data"))] == [
        '{"t":"héllo ☃"}',
        '{"a": 1,  "b": 2}',
        '[1,"two",3.5]',
        '{"a":1,"b":[1,2,{"c":null}]}',
    ]


@pytest.mark.parametrize(
    "sent,stored",
    [
        (42, "42"),
        (21.5, "21.5"),
        (-0.25, "-0.25"),
        (0, "0"),
        (True, "true"),
        (False, "false"),
        ("007", "007"),
        ("  spaced  ", "  spaced  "),
    ],
)
def test_values_are_strings(api: httpx.Client, sent: Any, stored: str) -> None:
    feed = unique("num")
    datum = ok(api.post(f"/feeds/{feed}/data", json={"value": sent}))
    assert datum["value"] == stored
    assert ok(api.get(f"/feeds/{feed}/data/last"))["value"] == stored
    assert ok(api.get(f"/feeds/{feed}"))["last_value"] == stored


def test_form_encoded_value(api: httpx.Client) -> None:
    feed = unique("form")
    datum = ok(api.post(f"/feeds/{feed}/data", data={"value": "12.5", "lat": "1", "lon": "2"}))
    assert (datum["value"], datum["lat"], datum["lon"]) == ("12.5", 1.0, 2.0)
    multipart = ok(api.post(f"/feeds/{feed}/data", files={"value": (None, "from-curl-F")}))
    assert multipart["value"] == "from-curl-F"


def test_stored_point_shape(api: httpx.Client) -> None:
    feed = unique("shape")
    before = now_ms() // 1000
    datum = ok(
        api.post(f"/feeds/{feed}/data", json={"value": "x", "lat": 1.5, "lon": -2, "ele": 3})
    )
    after = now_ms() // 1000
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", datum["id"])
    assert isinstance(datum["created_epoch"], int)
    assert before <= datum["created_epoch"] <= after
    assert datum["created_at"] == iso(datum["created_epoch"] * 1000)
    assert ulid_ms(datum["id"]) // 1000 == datum["created_epoch"]
    assert datum["expiration"] == iso((datum["created_epoch"] + 30 * 86400) * 1000)
    assert datum["feed_id"] == ok(api.get(f"/feeds/{feed}"))["id"]
    assert datum["feed_key"] == feed
    assert (datum["lat"], datum["lon"], datum["ele"]) == (1.5, -2.0, 3.0)
    assert datum["location"] == {"lat": 1.5, "lon": -2.0, "ele": 3.0}
    assert ok(api.get(f"/feeds/{feed}/data/{datum['id']}")) == datum


def test_back_dated_created_at(api: httpx.Client) -> None:
    feed = unique("back")
    when = minute_floor(now_ms()) - 3 * 86_400_000 + 17_000  # three days ago, :17 seconds
    iso_sent = datetime.fromtimestamp(when / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    datum = ok(api.post(f"/feeds/{feed}/data", json={"value": "then", "created_at": iso_sent}))
    assert datum["created_at"] == iso(when)
    assert datum["created_epoch"] == when // 1000
    assert datum["expiration"] == iso(when + 30 * 86_400_000)
    assert ulid_ms(datum["id"]) == when
    # A newer point written first stays the last value.
    ok(api.post(f"/feeds/{feed}/data", json={"value": "now"}))
    ok(api.post(f"/feeds/{feed}/data", json={"value": "older", "epoch": when // 1000 - 60}))
    assert ok(api.get(f"/feeds/{feed}"))["last_value"] == "now"
    assert [d["value"] for d in ok(api.get(f"/feeds/{feed}/data"))] == ["now", "then", "older"]
    # Other time shapes: naive (UTC), offsets, epoch as a string.
    for sent in (iso(when).rstrip("Z"), iso(when - 3_600_000).replace("Z", "-01:00")):
        assert ok(api.post(f"/feeds/{feed}/data", json={"value": "t", "created_at": sent}))[
            "created_at"
        ] == iso(when)
    epoch_text = ok(
        api.post(f"/feeds/{feed}/data", json={"value": "e", "epoch": str(when // 1000)})
    )
    assert epoch_text["created_epoch"] == when // 1000


def test_ids_are_unique_and_time_ordered(api: httpx.Client) -> None:
    feed = unique("ids")
    created = post_batch(api, feed, [{"value": str(i)} for i in range(50)])
    ids = [d["id"] for d in created]
    assert len(set(ids)) == 50
    assert ids == sorted(ids)
    assert all(len(i) == 26 for i in ids)


# --- charts ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charted(api: httpx.Client) -> tuple[str, int]:
    """A known data set in 10-minute buckets from T0, a whole hour (chart buckets start at
    multiples of their length).

    bucket 0: 1, 2, 6        bucket 2: 10, "abc", 20       bucket 3: "hello"
    plus a point exactly at T0 + 60 min, which a [T0, T0 + 60 min) window leaves out.
    """
    feed = unique("chart")
    t0 = now_ms() // (60 * MINUTE) * (60 * MINUTE) - 5 * 60 * MINUTE
    points = [
        (1, "1"),
        (2, "2"),
        (3, "6"),
        (21, "10"),
        (22, "abc"),
        (23, "20"),
        (31, "hello"),
        (60, "1000"),
    ]
    post_batch(api, feed, [{"value": v, "created_at": iso(t0 + m * MINUTE)} for m, v in points])
    return feed, t0


@pytest.mark.parametrize(
    "field,expected",
    [
        ("avg", [(0, "3.0"), (20, "15.0")]),
        ("min", [(0, "1.0"), (20, "10.0")]),
        ("max", [(0, "6.0"), (20, "20.0")]),
        ("sum", [(0, "9.0"), (20, "30.0")]),
        ("val", [(0, "6.0"), (20, "20.0")]),  # the last number of each bucket
        ("val_count", [(0, "3"), (20, "3"), (30, "1")]),
    ],
)
def test_chart_aggregates(
    api: httpx.Client, charted: tuple[str, int], field: str, expected: list[tuple[int, str]]
) -> None:
    feed, t0 = charted
    params = {
        "start_time": iso(t0),
        "end_time": iso(t0 + 60 * MINUTE),
        "resolution": 10,
        "field": field,
    }
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    assert chart["columns"] == ["date", field]
    assert chart["data"] == [[iso(t0 + m * MINUTE), v] for m, v in expected]
    assert chart["parameters"]["resolution"] == 10
    assert chart["parameters"]["field"] == field
    assert chart["parameters"]["start_time"] == iso(t0)
    assert chart["parameters"]["end_time"] == iso(t0 + 60 * MINUTE)
    assert chart["parameters"]["hours"] == 1.0
    assert chart["feed"]["key"] == feed
    assert chart["feed"]["name"] == feed


def test_chart_default_field_is_avg(api: httpx.Client, charted: tuple[str, int]) -> None:
    feed, t0 = charted
    params = {"start_time": iso(t0), "end_time": iso(t0 + 30 * MINUTE), "resolution": 30}
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    assert chart["columns"] == ["date", "avg"]
    assert chart["data"] == [[iso(t0), "7.8"]]  # (1 + 2 + 6 + 10 + 20) / 5


def test_chart_raw(api: httpx.Client, charted: tuple[str, int]) -> None:
    feed, t0 = charted
    for raw in ("1", "true"):
        params = {"start_time": iso(t0), "end_time": iso(t0 + 60 * MINUTE), "raw": raw}
        chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
        assert chart["columns"] == ["date", "value"]
        # Oldest first; raw includes the end instant.
        assert chart["data"] == [
            [iso(t0 + m * MINUTE), v]
            for m, v in [
                (1, "1"),
                (2, "2"),
                (3, "6"),
                (21, "10"),
                (22, "abc"),
                (23, "20"),
                (31, "hello"),
                (60, "1000"),
            ]
        ]
        assert chart["parameters"]["raw"] is True


@pytest.fixture(scope="module")
def minutely(api: httpx.Client) -> tuple[str, int]:
    """600 points, value i at T0 + i minutes; T0 a multiple of 4 hours (chart buckets start
    at multiples of their length), 16 to 20 hours ago: a chart from T0 + 590 minutes to now
    spans more than 4 hours whatever the time of day."""
    feed = unique("minutely")
    t0 = now_ms() // (240 * MINUTE) * (240 * MINUTE) - 16 * 60 * MINUTE
    post_batch(
        api, feed, [{"value": str(i), "created_at": iso(t0 + i * MINUTE)} for i in range(600)]
    )
    return feed, t0


def test_chart_has_at_most_480_points(api: httpx.Client, minutely: tuple[str, int]) -> None:
    feed, t0 = minutely
    params: dict[str, Any] = {
        "start_time": iso(t0),
        "end_time": iso(t0 + 480 * MINUTE),
        "resolution": 1,
    }
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    assert chart["parameters"]["resolution"] == 1
    assert chart["data"] == [[iso(t0 + i * MINUTE), f"{float(i)}"] for i in range(480)]
    # One minute more would be 481 one-minute buckets: the next resolution (5) is used.
    params["end_time"] = iso(t0 + 481 * MINUTE)
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    assert chart["parameters"]["resolution"] == 5
    assert len(chart["data"]) == 97
    assert chart["data"][0] == [iso(t0), "2.0"]  # (0 + 1 + 2 + 3 + 4) / 5
    assert chart["data"][95] == [iso(t0 + 475 * MINUTE), "477.0"]
    assert chart["data"][96] == [iso(t0 + 480 * MINUTE), "480.0"]
    # The whole ten hours with no resolution asked: the finest that fits is 5 minutes.
    params = {"start_time": iso(t0), "end_time": iso(t0 + 600 * MINUTE)}
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    assert chart["parameters"]["resolution"] == 5
    assert len(chart["data"]) == 120
    assert chart["data"][-1] == [iso(t0 + 595 * MINUTE), "597.0"]
    # raw is capped too, keeping the newest.
    params["raw"] = "1"
    raw = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    assert len(raw["data"]) == 480
    assert raw["data"][0] == [iso(t0 + 120 * MINUTE), "120"]
    assert raw["data"][-1] == [iso(t0 + 599 * MINUTE), "599"]


@pytest.mark.parametrize(
    "params,hours,resolution",
    [
        ({}, 1.0, 1),
        ({"hours": "2"}, 2.0, 1),
        ({"hours": "8"}, 8.0, 1),
        ({"hours": "9"}, 9.0, 5),
        ({"hours": "48"}, 48.0, 10),
        ({"hours": "48", "resolution": "1"}, 48.0, 10),
        ({"hours": "48", "resolution": "60"}, 48.0, 60),
        ({"hours": "1000"}, 1000.0, 240),
        ({"hours": "0.5"}, 0.5, 1),
        ({"resolution": "30"}, 1.0, 30),
    ],
)
def test_chart_hours_and_resolution(
    api: httpx.Client,
    minutely: tuple[str, int],
    params: dict[str, str],
    hours: float,
    resolution: int,
) -> None:
    feed, _ = minutely
    before = now_ms()
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    after = now_ms()
    shown = chart["parameters"]
    assert shown["hours"] == hours
    assert shown["resolution"] == resolution
    assert iso(before) <= shown["end_time"] <= iso(after)
    span_ms = int(hours * 3_600_000)
    assert iso(before - span_ms) <= shown["start_time"] <= iso(after - span_ms)
    assert len(chart["data"]) <= 480


def test_chart_hours_ignored_with_start_and_end(
    api: httpx.Client, minutely: tuple[str, int]
) -> None:
    feed, t0 = minutely
    params = {
        "start_time": iso(t0),
        "end_time": iso(t0 + 120 * MINUTE),
        "hours": "48",
        "resolution": "60",
    }
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    assert chart["parameters"]["hours"] == 2.0
    assert chart["parameters"]["resolution"] == 60
    assert chart["data"] == [[iso(t0), "29.5"], [iso(t0 + 60 * MINUTE), "89.5"]]


def test_chart_with_only_start_runs_to_now(api: httpx.Client, minutely: tuple[str, int]) -> None:
    feed, t0 = minutely
    params = {"start_time": iso(t0 + 590 * MINUTE), "field": "val_count", "resolution": "240"}
    chart = ok(api.get(f"/feeds/{feed}/data/chart", params=params))
    # The whole 4-hour bucket the start falls in: points 480 to 599.
    assert chart["data"] == [[iso(t0 + 480 * MINUTE), "120"]]
    assert chart["parameters"]["start_time"] == iso(t0 + 590 * MINUTE)


def test_chart_of_group_feed(api: httpx.Client) -> None:
    group = unique("cg")
    assert api.post("/groups", json={"name": group}).status_code == 201
    t0 = now_ms() // (10 * MINUTE) * (10 * MINUTE) - 30 * MINUTE
    points = [{"value": str(v), "created_at": iso(t0 + i * MINUTE)} for i, v in enumerate([4, 8])]
    ok(api.post(f"/groups/{group}/feeds/g/data/batch", json=points))
    params = {"start_time": iso(t0), "end_time": iso(t0 + 10 * MINUTE), "resolution": "10"}
    chart = ok(api.get(f"/groups/{group}/feeds/g/data/chart", params=params))
    assert chart["data"] == [[iso(t0), "6.0"]]
    assert chart["feed"]["key"] == f"{group}.g"
