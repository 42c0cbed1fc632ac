"""Issue 12's bad input, on both databases: every failure is a JSON ``{"error": ...}`` with
the right status and stores nothing; nothing a client sends, and nothing already stored,
makes any later read fail.

Reproductions: 1 (body size and nesting), 2 (dates), 3 (numbers, strings, NUL).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import text

from stonechat.config import Settings
from stonechat.runtime import open_database
from support import Server, backend_url, free_port

BODY_LIMIT = 4 * 1024 * 1024
TOO_EARLY = "0001-01-01T00:00:00+01:00"  # year 0 in UTC
YEAR_ONE = "0001-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def account(server: Server) -> tuple[str, str]:
    return server.create_user("bounds")


def client(server: Server, account: tuple[str, str]) -> httpx.Client:
    username, key = account
    return httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    )


@pytest.fixture(scope="module")
def api(server: Server, account: tuple[str, str]) -> Iterator[httpx.Client]:
    with client(server, account) as api:
        yield api


@pytest.fixture(scope="module")
def keeper(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose retention keeps everything back to year 1: the session server's
    retention rounds would remove the ancient points these tests store and read back."""
    urls = backend_url(backend)
    srv = Server(
        backend=backend,
        data_dir=tmp_path_factory.mktemp(f"keeper-{backend}"),
        database_url=next(urls),
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={"STONECHAT_RETENTION_DAYS": "800000"},  # 2,190 years: back past year 1
    )
    srv.start()
    yield srv
    srv.stop()
    urls.close()


@pytest.fixture(scope="module")
def kept(keeper: Server) -> tuple[str, str]:
    return keeper.create_user("kept")


@pytest.fixture
def old_api(keeper: Server, kept: tuple[str, str]) -> Iterator[httpx.Client]:
    with client(keeper, kept) as api:
        yield api


@pytest.fixture
def old_feed(old_api: httpx.Client) -> str:
    """A feed with one point, ``"1"``, on the keeper server."""
    key = make_feed(old_api)
    assert old_api.post(f"/feeds/{key}/data", json={"value": "1"}).status_code == 200
    return key


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def assert_error(response: httpx.Response, status: int, contains: str | None = None) -> str:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    if contains is not None:
        assert contains in body["error"], body
    return str(body["error"])


def make_feed(api: httpx.Client, **fields: Any) -> str:
    key = unique("f")
    response = api.post("/feeds", json={"feed": {"name": key, **fields}})
    assert response.status_code == 201, response.text
    return key


@pytest.fixture
def feed(api: httpx.Client) -> str:
    """A feed with one point, ``"1"``."""
    key = make_feed(api)
    assert api.post(f"/feeds/{key}/data", json={"value": "1"}).status_code == 200
    return key


def values(api: httpx.Client, feed: str) -> list[str]:
    response = api.get(f"/feeds/{feed}/data")
    assert response.status_code == 200, response.text
    return [d["value"] for d in response.json()]


def assert_reads(api: httpx.Client, server: Server, feed: str) -> list[dict[str, Any]]:
    """Every read of the account and the feed answers 200; the feed's data rows."""
    for path in ("/feeds", f"/feeds/{feed}", f"/feeds/{feed}/details", "/groups", "/dashboards"):
        response = api.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    for path in ("data/last", "data/first", "data/retain", "data/chart", "data/chart?raw=1"):
        response = api.get(f"/feeds/{feed}/{path}")
        assert response.status_code == 200, (path, response.text[:300])
    data = api.get(f"/feeds/{feed}/data")
    assert data.status_code == 200, data.text[:300]
    rows: list[dict[str, Any]] = data.json()
    # The CSV download of the web UI pages through everything: never cut off.
    download = api.get(f"{server.base_url}/ui/api/feeds/{feed}/data.csv")
    assert download.status_code == 200, download.text[:300]
    lines = list(csv.reader(io.StringIO(download.text)))
    assert lines[0][:2] == ["id", "value"]
    assert sorted(line[0] for line in lines[1:]) == sorted(d["id"] for d in rows)
    return rows


# --- 1. bodies -----------------------------------------------------------------------------


def raw_request(server: Server, head: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Send a request head only (no body) and read the answer: proves the server answers
    from the head without waiting for the body."""
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        head_bytes, _, rest = answer.partition(b"\r\n\r\n")
        status = int(head_bytes.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head_bytes.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, rest


@pytest.mark.parametrize("path", ["/ui/api/signin", "/api/v2/{u}/feeds/{f}/data"])
def test_content_length_over_the_limit_is_413_before_reading(
    server: Server, account: tuple[str, str], feed: str, path: str
) -> None:
    username, key = account
    started = time.monotonic()
    status, body = raw_request(
        server,
        f"POST {path.format(u=username, f=feed)} HTTP/1.1\r\nHost: test\r\n"
        f"X-AIO-Key: {key}\r\nContent-Type: application/json\r\n"
        "Content-Length: 500000000\r\n\r\n",
    )
    assert status == 413
    assert b'"error"' in body
    assert time.monotonic() - started < 3


def chunks(total: int, size: int = 65536) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


def rss_mb(server: Server) -> float:
    assert server.process is not None
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_streamed_bodies_over_the_limit_are_413_and_memory_stays_flat(
    server: Server, api: httpx.Client, feed: str
) -> None:
    """Three clients stream 500 MB each (chunked, no Content-Length) at once: each gets a 413,
    the server's memory grows by far less than one body, /health answers meanwhile."""
    results: list[Any] = []

    def upload(url: str) -> None:
        try:
            response = httpx.post(
                url,
                content=chunks(500 * 1024 * 1024),
                headers={"Content-Type": "application/json", **api.headers},
                timeout=60,
            )
            results.append((response.status_code, response.json()))
        except httpx.HTTPError as error:  # the server may close once it has answered
            results.append(error)

    urls = [
        f"{server.base_url}/ui/api/signin",
        f"{api.base_url}/feeds/{feed}/data",
        f"{api.base_url}/groups",
    ]
    before = rss_mb(server)
    peak = before
    threads = [threading.Thread(target=upload, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    slowest = 0.0
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, rss_mb(server))
        started = time.monotonic()
        assert httpx.get(f"{server.base_url}/health", timeout=5).status_code == 200
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert peak - before < 50, (before, peak)
    assert slowest < 1.0
    for result in results:
        assert not isinstance(result, Exception), result
        status, body = result
        assert status == 413 and set(body) == {"error"}, result
    assert values(api, feed) == ["1"]


def test_body_at_the_limit_is_read(api: httpx.Client, feed: str) -> None:
    padding = BODY_LIMIT - len(b'{"value": "2", "pad": ""}')
    body = b'{"value": "2", "pad": "' + b"x" * padding + b'"}'
    assert len(body) == BODY_LIMIT
    ok = api.post(f"/feeds/{feed}/data", content=body, headers={"content-type": "application/json"})
    assert ok.status_code == 200, ok.text[:200]
    over = api.post(
        f"/feeds/{feed}/data", content=body + b" ", headers={"content-type": "application/json"}
    )
    assert_error(over, 413)
    form = api.post(f"/feeds/{feed}/data", data={"value": "3", "pad": "x" * BODY_LIMIT})
    assert_error(form, 413)
    assert values(api, feed) == ["2", "1"]


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


@pytest.mark.parametrize("depth", [33, 1000, 5000, 100_000])
def test_nested_json_is_refused_never_a_recursion_error(
    api: httpx.Client, feed: str, depth: int
) -> None:
    headers = {"content-type": "application/json"}
    for path, body in (
        (f"/feeds/{feed}/data", '{"value": ' + nested(depth) + "}"),
        (f"/feeds/{feed}/data/batch", nested(depth)),
        ("/feeds", '{"feed": {"name": "deep", "description": ' + nested(depth) + "}}"),
    ):
        response = api.post(path, content=body.encode(), headers=headers)
        assert_error(response, 422, "nested deeper than 32 levels")
    assert values(api, feed) == ["1"]


def test_value_nested_31_deep_is_stored_and_reads(
    server: Server, api: httpx.Client, feed: str
) -> None:
    value = nested(31)
    response = api.post(
        f"/feeds/{feed}/data",
        content=b'{"value": ' + value.encode() + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["value"] == value
    assert [r["value"] for r in assert_reads(api, server, feed)] == [value, "1"]


def test_block_properties_nested_deep_are_refused(api: httpx.Client) -> None:
    key = unique("dash")
    assert api.post("/dashboards", json={"name": key}).status_code == 201
    for properties in ('{"a": ' + nested(40) + "}", '{"a": ' + nested(200_000) + "}"):
        response = api.post(
            f"/dashboards/{key}/blocks", json={"visual_type": "text", "properties": properties}
        )
        assert_error(response, 422, "nested deeper than 32 levels")
    assert api.get(f"/dashboards/{key}/blocks").json() == []


# --- 2. dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        {"created_at": TOO_EARLY},
        {"created_at": "9999-12-31T23:59:59-01:00"},
        {"created_at": "-0001-01-01T00:00:00Z"},
        {"epoch": 10**30},
        {"epoch": 1e300},
        {"created_at": "2020-01-01T00:00:00Z" + "0" * 100},
    ],
)
def test_dates_out_of_range_are_refused_by_every_write(
    server: Server, api: httpx.Client, feed: str, when: dict[str, Any]
) -> None:
    group = unique("g")
    assert api.post("/groups", json={"name": group}).status_code == 201
    datum = api.get(f"/feeds/{feed}/data").json()[0]["id"]
    writes: list[tuple[str, str, Any]] = [
        ("POST", f"/feeds/{feed}/data", {"value": "2", **when}),
        ("POST", f"/feeds/{feed}/data/batch", [{"value": "2"}, {"value": "3", **when}]),
        ("POST", f"/groups/{group}/data", {"feeds": [{"key": "a", "value": "2"}], **when}),
        ("POST", f"/groups/{group}/feeds/b/data", {"value": "2", **when}),
    ]
    if "created_at" in when:  # an update takes created_at only
        writes.append(("PUT", f"/feeds/{feed}/data/{datum}", {"value": "2", **when}))
        writes.append(("PATCH", f"/feeds/{feed}/data/{datum}", when))
    for method, path, body in writes:
        assert_error(api.request(method, path, json=body), 422)
    assert values(api, feed) == ["1"]
    assert api.get(f"/groups/{group}/feeds").json() == []
    assert_reads(api, server, feed)


def test_year_one_utc_is_stored_and_every_read_works(
    keeper: Server, old_api: httpx.Client, old_feed: str
) -> None:
    server, api, feed = keeper, old_api, old_feed
    stored = api.post(f"/feeds/{feed}/data", json={"value": "2", "created_at": YEAR_ONE})
    assert stored.status_code == 200, stored.text
    assert stored.json()["created_at"] == YEAR_ONE
    latest = api.post(
        f"/feeds/{feed}/data", json={"value": "3", "created_at": "9999-12-31T23:59:59Z"}
    )
    assert_error(latest, 422, "future")
    datum = stored.json()["id"]
    moved = api.patch(f"/feeds/{feed}/data/{datum}", json={"created_at": "0001-01-01T01:00:00Z"})
    assert moved.status_code == 200 and moved.json()["created_at"] == "0001-01-01T01:00:00Z"
    rows = assert_reads(api, server, feed)
    assert [r["value"] for r in rows] == ["1", "2"]
    assert rows[1]["created_at"] == "0001-01-01T01:00:00Z"
    first = api.get(f"/feeds/{feed}/data/first")
    assert first.json()["created_at"] == "0001-01-01T01:00:00Z"


@pytest.mark.parametrize(
    "params",
    [
        {"end_time": "0001-01-01T00:00:00+14:00"},
        {"start_time": TOO_EARLY},
        {"start_time": "10000-01-01T00:00:00Z"},
        {"start_time": "2020-01-01T00:00:00Z" + "0" * 100},
        {"end_time": "9999-12-31T23:59:59-14:00"},
        {"end_time": 10**20},
    ],
)
def test_query_times_out_of_range_are_422(
    api: httpx.Client, feed: str, params: dict[str, Any]
) -> None:
    for path in ("data", "data/chart"):
        assert_error(api.get(f"/feeds/{feed}/{path}", params=params), 422, "time")


def test_query_times_at_the_edges_answer(api: httpx.Client, feed: str) -> None:
    edges = {"start_time": YEAR_ONE, "end_time": "9999-12-31T23:59:59Z"}
    for path in ("data", "data/chart", "data/chart?raw=1"):
        response = api.get(f"/feeds/{feed}/{path}", params=edges)
        assert response.status_code == 200, (path, response.text[:200])
    assert api.get(f"/feeds/{feed}/data", params=edges).json()[0]["value"] == "1"
    # An hour before year 1 is clamped to year 1: start and end meet, a plain 400.
    response = api.get(f"/feeds/{feed}/data/chart", params={"end_time": YEAR_ONE})
    assert_error(response, 400, "start_time must be before end_time")


class Publisher:
    """A paho client that publishes with QoS 1 and waits for each PUBACK."""

    def __init__(self, server: Server, username: str, key: str) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("bounds"))
        self.client.username_pw_set(username, key)
        self.client.connect("127.0.0.1", server.mqtt_port)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes) -> None:
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_for_values(api: httpx.Client, feed: str, expected: list[str]) -> None:
    deadline = time.monotonic() + 5
    while values(api, feed) != expected:
        assert time.monotonic() < deadline, values(api, feed)
        time.sleep(0.05)


def test_mqtt_json_dates_go_through_the_same_parser(
    keeper: Server, kept: tuple[str, str], old_api: httpx.Client, old_feed: str
) -> None:
    server, api, feed = keeper, old_api, old_feed
    username, key = kept
    publisher = Publisher(server, username, key)
    try:
        for payload in (
            b'{"value": "bad", "created_at": "' + TOO_EARLY.encode() + b'"}',
            b'{"value": "bad", "epoch": 1e300}',
            b'{"value": ' + nested(1000).encode() + b"}",
            b'{"value": "bad\\u0000"}',
            b"bad\x00bad",
        ):
            publisher.publish(f"{username}/feeds/{feed}/json", payload)
        publisher.publish(
            f"{username}/feeds/{feed}/json", b'{"value": "old", "created_at": "0001-01-01"}'
        )
        publisher.publish(f"{username}/feeds/{feed}", b"2\x00")  # a C string's end: dropped
    finally:
        publisher.close()
    wait_for_values(api, feed, ["2", "1", "old"])
    assert_reads(api, server, feed)


# --- 3. numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status_timeout", 1e30),
        ("status_timeout", 10**30),
        ("status_timeout", 2**31),
        ("status_timeout", "99999999999999999999"),
        ("description", "x" * 10_001),
        ("unit_type", "x" * 65),
    ],
)
def test_feed_numbers_beyond_their_column_are_422(
    api: httpx.Client, feed: str, field: str, value: Any
) -> None:
    assert_error(api.post("/feeds", json={"feed": {"name": unique("n"), field: value}}), 422)
    assert_error(api.patch(f"/feeds/{feed}", json={"feed": {field: value}}), 422)
    largest = api.patch(f"/feeds/{feed}", json={"status_timeout": 2**31 - 1})
    assert largest.status_code == 200 and largest.json()["status_timeout"] == 2**31 - 1
    assert api.get("/feeds").status_code == 200


@pytest.fixture
def dashboard(api: httpx.Client) -> tuple[str, str]:
    """A public dashboard with one gauge block: (key, block id)."""
    key = unique("dash")
    response = api.post("/dashboards", json={"name": key, "visibility": "public"})
    assert response.status_code == 201
    block = api.post(f"/dashboards/{key}/blocks", json={"visual_type": "gauge"})
    assert block.status_code == 200
    return key, str(block.json()["id"])


@pytest.mark.parametrize(
    "fields",
    [
        {"column": 1e20},
        {"row": 10**19},
        {"size_x": 2**31},
        {"size_y": float("1e300")},
        {"column": "1" * 40},
        {"block_feeds": [{"feed_id": 10**15}]},
        {"block_feeds": [{"feed_id": "x", "group_id": 10**15}]},
        {"name": "a\u0000"},
        {"description": "x" * 256},
    ],
)
def test_block_fields_beyond_their_columns_are_refused(
    server: Server,
    account: tuple[str, str],
    api: httpx.Client,
    dashboard: tuple[str, str],
    fields: dict[str, Any],
) -> None:
    key, block = dashboard
    shown = api.get(f"/dashboards/{key}").json()
    response = api.post(f"/dashboards/{key}/blocks", json={"visual_type": "gauge", **fields})
    assert response.status_code in (404, 422), response.text
    assert_error(response, response.status_code)
    response = api.patch(f"/dashboards/{key}/blocks/{block}", json=fields)
    assert response.status_code in (404, 422), response.text
    assert_error(response, response.status_code)
    assert api.get(f"/dashboards/{key}").json() == shown
    assert_dashboard_reads(server, account, api, key)


def assert_dashboard_reads(
    server: Server, account: tuple[str, str], api: httpx.Client, key: str
) -> None:
    for path in (f"/dashboards/{key}", f"/dashboards/{key}/blocks", "/dashboards"):
        assert api.get(path).status_code == 200, path
    public = httpx.get(f"{server.base_url}/ui/api/public/{account[0]}/dashboards/{key}")
    assert public.status_code == 200, public.text[:300]


@pytest.mark.parametrize(
    "item",
    [
        {"i": "1", "x": 1e300},
        {"i": "1", "y": 10**20},
        {"i": "1", "w": 2**31},
        {"i": "1", "h": "1e3"},
        {"i": "1", "z": 10**19},
        {"i": "x" * 65},
        {"i": {"nested": True}},
        {"i": "1\u0000"},
    ],
)
def test_layouts_beyond_their_bounds_are_refused_and_nothing_is_stored(
    server: Server,
    account: tuple[str, str],
    api: httpx.Client,
    dashboard: tuple[str, str],
    item: dict[str, Any],
) -> None:
    key, _block = dashboard
    shown = api.get(f"/dashboards/{key}").json()
    response = api.post(f"/dashboards/{key}/update_layouts", json={"layouts": {"lg": [item]}})
    assert_error(response, 422)
    assert_error(api.patch(f"/dashboards/{key}", json={"layouts": {"md": [item]}}), 422)
    assert api.get(f"/dashboards/{key}").json() == shown
    assert_dashboard_reads(server, account, api, key)


def test_too_many_layout_items_or_block_feeds(
    api: httpx.Client, dashboard: tuple[str, str]
) -> None:
    key, _block = dashboard
    items = [{"i": str(n), "x": 0, "y": n, "w": 1, "h": 1} for n in range(1001)]
    assert_error(
        api.post(f"/dashboards/{key}/update_layouts", json={"layouts": {"lg": items}}), 422
    )
    feeds = [{"feed_id": "x"}] * 101
    block = {"visual_type": "line_chart", "block_feeds": feeds}
    assert_error(api.post(f"/dashboards/{key}/blocks", json=block), 422)
    properties = {"visual_type": "text", "properties": {"text": "x" * (64 * 1024)}}
    assert_error(api.post(f"/dashboards/{key}/blocks", json=properties), 422)


@pytest.mark.parametrize(
    "params",
    [
        {"hours": "1e15"},
        {"hours": "1e308"},
        {"resolution": "1e300"},
        {"raw": "1", "hours": "1e9"},
        {"hours": "1e9", "field": "sum"},
        {"hours": "1e9", "resolution": "1e300", "field": "val"},
        {"start_time": YEAR_ONE, "resolution": "1"},
    ],
)
def test_chart_parameters_are_clamped(api: httpx.Client, feed: str, params: dict[str, str]) -> None:
    response = api.get(f"/feeds/{feed}/data/chart", params=params)
    assert response.status_code == 200, response.text[:300]
    chart = response.json()
    assert chart["parameters"]["start_time"] >= "0001-01-01T00:00:00Z"
    assert len(chart["data"]) <= 480
    if not chart["parameters"]["raw"]:
        assert chart["parameters"]["resolution"] >= 1


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"hours": "1e400"}, 400),
        ({"resolution": "9" * 500}, 400),
        ({"hours": "9" * 5000}, 422),  # past any query value's bound
        ({"limit": "9" * 1000}, 200),  # more than a page: one page
        ({"limit": "99999999999999999999"}, 200),
    ],
)
def test_list_and_chart_numbers(
    api: httpx.Client, feed: str, params: dict[str, str], status: int
) -> None:
    path = "data" if "limit" in params else "data/chart"
    response = api.get(f"/feeds/{feed}/{path}", params=params)
    if status == 200:
        assert response.status_code == 200
    else:
        assert_error(response, status)


def cursor(content: str) -> str:
    return base64.urlsafe_b64encode(content.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "forged",
    [
        cursor('{"t": 1e300, "id": "x"}'),
        cursor('{"t": 99999999999999999999999, "id": "x"}'),
        cursor('{"t": 1, "id": "\\u0000"}'),
        cursor('{"t": 1, "id": "' + "x" * 27 + '"}'),
        cursor("[" * 60),
        cursor("[" * 500),
    ],
)
def test_forged_cursors_are_400(api: httpx.Client, feed: str, forged: str) -> None:
    assert_error(api.get(f"/feeds/{feed}/data", params={"before": forged}), 400)


def test_time_zone_and_format_are_bounded(api: httpx.Client) -> None:
    for params in ({"tz": "a" * 5000}, {"tz": "a" * 300}, {"tz": "Europe/\u0000"}):
        for path in ("strftime", "struct.json"):
            assert_error(api.get(f"/integrations/time/{path}", params=params), 422)
    assert_error(api.get("/integrations/time/strftime", params={"fmt": "%Y\u0000"}), 422)
    assert_error(api.get("/integrations/time/strftime", params={"fmt": "%Y" * 600}), 422)
    ok = api.get("/integrations/time/strftime", params={"tz": "Europe/Paris", "fmt": "%Y"})
    assert ok.status_code == 200 and ok.text.isdigit()


@pytest.mark.parametrize(
    "ident", ["99999999999999999999", "2147483648", "9223372036854775808", "²", "٣"]
)
def test_numeric_ids_beyond_a_column_are_404(
    api: httpx.Client, dashboard: tuple[str, str], ident: str
) -> None:
    key, _block = dashboard
    for path in (
        f"/feeds/{ident}",
        f"/feeds/{ident}/data",
        f"/groups/{ident}",
        f"/groups/{ident}/feeds/{ident}/data",
        f"/dashboards/{ident}",
        f"/dashboards/{key}/blocks/{ident}",
    ):
        assert_error(api.get(path), 404)
    assert_error(api.post("/groups/default/add", json={"feed_key": ident}), 404)
    assert_error(api.delete(f"/feeds/{ident}/webhooks/1"), 404)


def test_webhook_receiver_ids_beyond_a_column(api: httpx.Client, feed: str) -> None:
    assert_error(api.delete(f"/feeds/{feed}/webhooks/99999999999999999999"), 400)
    assert_error(api.delete(f"/feeds/{feed}/webhooks/2147483648"), 400)
    assert_error(api.delete(f"/feeds/{feed}/webhooks/2147483647"), 404)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"lat": 1, "lon": 1, "ele": 1e300}, "ele must be between"),
        ({"lat": 1, "lon": 1, "ele": 1e10}, "ele must be between"),
        ({"lat": "1" * 400, "lon": 1}, "lat must be a number"),
        ({"lat": 1e-400, "lon": 200}, "lon must be between"),
    ],
)
def test_coordinates_are_bounded(
    api: httpx.Client, feed: str, location: dict[str, Any], message: str
) -> None:
    assert_error(api.post(f"/feeds/{feed}/data", json={"value": "2", **location}), 422, message)
    assert values(api, feed) == ["1"]


def test_huge_numeric_values_are_stored_and_charts_still_answer(
    server: Server, api: httpx.Client
) -> None:
    """Values past 1e100 are text to charts (PostgreSQL's avg would overflow)."""
    key = make_feed(api)
    for value in ("1e300", "-1e300", "1e300", "5"):
        assert api.post(f"/feeds/{key}/data", json={"value": value}).status_code == 200
    for field in ("avg", "sum", "min", "max", "val", "val_count"):
        response = api.get(f"/feeds/{key}/data/chart", params={"field": field})
        assert response.status_code == 200, (field, response.text[:300])
    avg = api.get(f"/feeds/{key}/data/chart", params={"field": "avg"}).json()["data"]
    assert [float(v) for _at, v in avg] == [5.0]
    assert_reads(api, server, key)


# --- 4. strings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/feeds", {"feed": {"name": "nul-desc", "description": "a\u0000b"}}),
        ("POST", "/feeds", {"feed": {"name": "nul-unit", "unit_symbol": "\u0000"}}),
        ("POST", "/groups", {"group": {"name": "g\u0000b"}}),
        ("POST", "/groups", {"group": {"name": "gnul", "description": "\u0000"}}),
        ("POST", "/dashboards", {"dashboard": {"name": "d\u0000b"}}),
        ("POST", "/feeds/{feed}/data", {"value": "a\u0000b"}),
        ("POST", "/feeds/{feed}/data/batch", [{"value": "1"}, {"value": "\u0000"}]),
        ("POST", "/groups/default/data", {"feeds": [{"key": "k\u0000", "value": "1"}]}),
        ("POST", "/groups/default/add", {"feed_key": "a\u0000"}),
        ("PATCH", "/feeds/{feed}", {"feed": {"description": "\u0000"}}),
        ("PUT", "/feeds/{feed}/data/{datum}", {"value": "\u0000"}),
        ("POST", "/tokens", {"token": {"name": "t\u0000"}}),
    ],
)
def test_nul_in_bodies_is_422(
    server: Server, api: httpx.Client, feed: str, method: str, path: str, body: Any
) -> None:
    datum = api.get(f"/feeds/{feed}/data").json()[0]["id"]
    before = {p: api.get(p).json() for p in ("/feeds", "/groups", "/dashboards")}
    response = api.request(method, path.format(feed=feed, datum=datum), json=body)
    assert_error(response, 422)
    assert {p: api.get(p).json() for p in before} == before
    assert_reads(api, server, feed)


def test_lone_surrogate_in_a_body(api: httpx.Client, feed: str) -> None:
    """orjson refuses a lone surrogate escape as malformed JSON; a form can't carry one."""
    for body in (b'{"value": "\\ud800"}', b'{"value": {"k": "\\udfff"}}'):
        response = api.post(
            f"/feeds/{feed}/data", content=body, headers={"content-type": "application/json"}
        )
        assert_error(response, 400)
    assert values(api, feed) == ["1"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/feeds/a%00b"),
        ("PUT", "/feeds/a%00b"),
        ("GET", "/feeds/a%00b/details"),
        ("GET", "/feeds/a%00b/data"),
        ("POST", "/feeds/a%00b/data"),
        ("POST", "/feeds/a%00b/data/batch"),
        ("GET", "/groups/g%00"),
        ("POST", "/groups/g%00/data"),
        ("POST", "/groups/g%00/feeds/f/data"),
        ("POST", "/groups/default/feeds/f%00/data"),
        ("GET", "/dashboards/d%00"),
        ("POST", "/dashboards/d%00/blocks"),
        ("GET", "/feeds/{feed}/data/x%00"),
        ("PATCH", "/feeds/{feed}/data/x%00"),
        ("GET", "/feeds/{feed}/data?start_time=2020%00"),
        ("POST", "/feeds?group_key=a%00"),
        ("GET", "/feeds/{feed}/data?include=value%00"),
        ("GET", "/feeds/{feed}/data/chart?field=avg%00"),
    ],
)
def test_nul_in_paths_and_queries_is_422(
    api: httpx.Client, feed: str, method: str, path: str
) -> None:
    response = api.request(method, path.format(feed=feed), json={"value": "1", "name": "x"})
    assert_error(response, 422, "NUL")
    assert values(api, feed) == ["1"]


def test_nul_in_the_account_name_of_a_path(server: Server, api: httpx.Client) -> None:
    headers = dict(api.headers)
    for path in ("/api/v2/a%00b/feeds", "/api/v2/a%00b/feeds/x/data", "/api/v2/a%00b/groups"):
        assert_error(httpx.get(f"{server.base_url}{path}", headers=headers), 422)


def test_nul_in_a_webhook_token_or_raw_body(server: Server, api: httpx.Client) -> None:
    assert_error(httpx.post(f"{server.base_url}/api/v2/webhooks/feed/a%00b", json={}), 422)
    key = make_feed(api)
    hook = api.post(f"/feeds/{key}/webhooks")
    assert hook.status_code == 201
    url = hook.json()["url"]
    assert_error(httpx.post(url, json={"value": "a\u0000"}), 422)
    assert_error(httpx.post(url + "/raw", content=b"a\x00b"), 422)
    ok = httpx.post(url + "/raw", content=b"x" * 5000)  # cut to the 1 KB of a history feed
    assert ok.status_code == 200 and ok.json()["value"] == "x" * 1024
    over = httpx.post(url + "/raw", content=b"x" * (BODY_LIMIT + 1))
    assert_error(over, 413)


def test_signin_with_nul_is_never_a_500(server: Server) -> None:
    """The sign-in route belongs to the accounts work; here only: no 500 on either database."""
    for body in ({"username": "a\u0000b", "password": "x"}, {"username": "a", "password": "\0"}):
        response = httpx.post(f"{server.base_url}/ui/api/signin", json=body)
        assert response.status_code in (400, 401, 422, 429), response.text
        assert set(response.json()) == {"error"}


@pytest.mark.parametrize(
    ("field", "limit"),
    [("description", 10_000), ("unit_type", 64), ("unit_symbol", 32), ("license", 255)],
)
def test_text_lengths_are_bounded(api: httpx.Client, feed: str, field: str, limit: int) -> None:
    assert_error(api.patch(f"/feeds/{feed}", json={field: "x" * (limit + 1)}), 422, "too long")
    assert api.patch(f"/feeds/{feed}", json={field: "x" * limit}).status_code == 200


def test_long_path_segments_are_422(api: httpx.Client) -> None:
    assert_error(api.get("/feeds/" + "a" * 513), 422, "too long")
    assert_error(api.get("/feeds/" + "a" * 512), 404)


# --- what is already stored ----------------------------------------------------------------


async def _sql(server: Server, statements: list[tuple[str, dict[str, Any]]]) -> None:
    db = open_database(Settings(data_dir=server.data_dir, database_url=server.database_url))
    try:
        async with db.begin() as conn:
            for statement, params in statements:
                await conn.execute(text(statement), params)
    finally:
        await db.close()


def test_rows_stored_before_the_bounds_still_read(keeper: Server, old_api: httpx.Client) -> None:
    """A point stored before times were bounded (before year 1, after 9999, past any year
    a datetime holds) reads everywhere: list, details, first/last, chart, CSV download."""
    server, api = keeper, old_api
    key = make_feed(api)
    for value in ("early", "late", "far"):
        assert api.post(f"/feeds/{key}/data", json={"value": value}).status_code == 200
    rows = {d["value"]: d["id"] for d in api.get(f"/feeds/{key}/data").json()}
    statements = [
        ("UPDATE data SET created_at = :at WHERE id = :id", {"at": at, "id": rows[value]})
        for value, at in (
            ("early", -62_135_600_400_000),  # 0000-12-31T23:00:00Z
            ("late", 253_402_300_800_000 + 86_400_000),  # 10000-01-02
            ("far", 2**62),  # past any year a datetime holds
        )
    ]
    statements.append(
        (
            "UPDATE feeds SET last_value_at = :at WHERE key = :key",
            {"at": 253_402_300_800_000 + 86_400_000, "key": key},
        )
    )
    asyncio.run(_sql(server, statements))
    data = assert_reads(api, server, key)
    assert [d["value"] for d in data] == ["far", "late", "early"]
    assert [d["created_at"] for d in data] == [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
    ]
    # The pages go on past each of them.
    page = api.get(f"/feeds/{key}/data", params={"limit": 1})
    seen = []
    while True:
        assert page.status_code == 200, page.text
        seen += [d["value"] for d in page.json()]
        links = re.findall(r"<([^>]+)>", page.headers["Link"])
        if len(links) < 2:  # the second link continues the listing
            break
        page = api.get(links[1])
    assert seen == ["far", "late", "early"]
    chart = api.get(f"/feeds/{key}/data/chart", params={"start_time": YEAR_ONE, "raw": "1"})
    assert chart.status_code == 200
