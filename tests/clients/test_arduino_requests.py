"""The HTTP requests of the Arduino library ``Adafruit_IO_Arduino`` 4.3.6 (clients.md §3.2).

It checks exact status codes: feed/group/dashboard create must be 201, block create 200,
``exists()`` 200. Bodies are form-encoded ``name=<name>`` (not URL-escaped) for creates and a
hand-built JSON string for blocks; ``lastValue()`` reads ``/data/retain`` as CSV.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support import Server


class Arduino:
    """ArduinoHttpClient as the library drives it: absolute paths, ``X-AIO-Key`` header."""

    def __init__(self, server: Server, username: str, key: str) -> None:
        self.username = username
        self.key = key
        self.http = httpx.Client(base_url=server.base_url, timeout=30)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"/api/v2/{self.username}/{path}", headers={"X-AIO-Key": self.key})

    def create(self, kind: str, name: str) -> httpx.Response:
        """``AdafruitIO_Feed::create`` / ``_Group::create`` / ``_Dashboard::create``."""
        body = f"name={name}".encode()
        return self.http.post(
            f"/api/v2/{self.username}/{kind}",
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": str(len(body)),
                "X-AIO-Key": self.key,
            },
        )

    def save_block(self, dashboard: str, body: str) -> httpx.Response:
        """``AdafruitIO_Block::save``: the JSON string is concatenated by hand."""
        raw = body.encode()
        return self.http.post(
            f"/api/v2/{self.username}/dashboards/{dashboard}/blocks",
            content=raw,
            headers={
                "Content-Type": "application/json",
                "Content-Length": str(len(raw)),
                "X-AIO-Key": self.key,
            },
        )


@pytest.fixture
def board(server: Server, user: tuple[str, str]) -> Iterator[Arduino]:
    client = Arduino(server, *user)
    yield client
    client.http.close()


def block_body(
    visual_type: str, feed_name: str, properties: str, width: int, height: int, row: int, col: int
) -> str:
    """Exactly what ``AdafruitIO_Block::save`` + ``dimensions()`` concatenate."""
    dims = f'","size_x":"{width}","size_y":"{height}'
    if row > 0:
        dims += f'","row":"{row}'
    if col > 0:
        dims += f'","column":"{col}'
    return (
        f'{{"visual_type":"{visual_type}{dims}","properties":{properties},'
        f'"block_feeds":[{{"feed_id":"{feed_name}"}}]}}'
    )


def test_feed_exists_is_200_or_404(board: Arduino) -> None:
    missing = board.get("feeds/counter")
    assert missing.status_code == 404
    assert "error" in missing.json()
    created = board.create("feeds", "counter")
    assert created.status_code == 201
    assert created.json()["key"] == "counter"
    assert board.get("feeds/counter").status_code == 200


def test_feed_create_with_unescaped_name(board: Arduino) -> None:
    r = board.create("feeds", "Door Sensor")
    assert r.status_code == 201
    assert (r.json()["name"], r.json()["key"]) == ("Door Sensor", "door-sensor")
    assert board.get("feeds/door-sensor").status_code == 200


def test_feed_create_twice_is_not_201(board: Arduino) -> None:
    assert board.create("feeds", "twice").status_code == 201
    again = board.create("feeds", "twice")
    assert again.status_code == 422
    assert "error" in again.json()


def test_group_create_is_201(board: Arduino) -> None:
    r = board.create("groups", "sensors")
    assert r.status_code == 201
    assert (r.json()["key"], r.json()["feeds"]) == ("sensors", [])
    assert board.get("groups/sensors").status_code == 200


def test_dashboard_create_and_exists(board: Arduino) -> None:
    assert board.get("dashboards/demo").status_code == 404
    r = board.create("dashboards", "demo")
    assert r.status_code == 201
    assert r.json()["key"] == "demo"
    assert board.get("dashboards/demo").status_code == 200


def test_gauge_block_save_is_200(board: Arduino) -> None:
    assert board.create("feeds", "temperature").status_code == 201
    assert board.create("dashboards", "dash").status_code == 201
    body = block_body(
        "gauge",
        "temperature",
        '{"minValue":"0","maxValue":"100","ringWidth":"50","label":"Value"}',
        4,
        4,
        0,
        0,
    )
    r = board.save_block("dash", body)
    assert r.status_code == 200, r.text
    block = r.json()
    assert block["visual_type"] == "gauge"
    assert (block["size_x"], block["size_y"]) == (4, 4)
    assert block["properties"] == {
        "minValue": "0",
        "maxValue": "100",
        "ringWidth": "50",
        "label": "Value",
    }
    assert [bf["feed"]["key"] for bf in block["block_feeds"]] == ["temperature"]
    blocks = board.get("dashboards/dash/blocks").json()
    assert [b["id"] for b in blocks] == [block["id"]]


def test_block_with_row_column_and_feed_name(board: Arduino) -> None:
    """Row and column are strings too; ``feed_id`` carries the sketch's feed *name*."""
    assert board.create("feeds", "Light Switch").status_code == 201
    assert board.create("dashboards", "panel").status_code == 201
    body = block_body("toggle_button", "Light Switch", '{"onText":"1","offText":"0"}', 2, 3, 5, 7)
    r = board.save_block("panel", body)
    assert r.status_code == 200, r.text
    block = r.json()
    assert (block["size_x"], block["size_y"], block["row"], block["column"]) == (2, 3, 5, 7)
    assert block["block_feeds"][0]["feed"]["key"] == "light-switch"


def test_block_with_empty_properties(board: Arduino) -> None:
    assert board.create("feeds", "words").status_code == 201
    assert board.create("dashboards", "plain").status_code == 201
    r = board.save_block("plain", block_body("text", "words", "{}", 4, 2, 0, 0))
    assert r.status_code == 200, r.text
    assert r.json()["properties"] == {}


def test_block_on_missing_dashboard_is_an_error(board: Arduino) -> None:
    assert board.create("feeds", "orphan").status_code == 201
    r = board.save_block("nodash", block_body("text", "orphan", "{}", 4, 2, 0, 0))
    assert r.status_code == 404
    assert "error" in r.json()


def test_last_value_retain_csv_with_blank_location(board: Arduino, api: httpx.Client) -> None:
    api.post("/feeds/level/data", json={"value": 42})
    r = board.get("feeds/level/data/retain")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text == "42,,,"


def test_last_value_retain_csv_with_location(board: Arduino, api: httpx.Client) -> None:
    api.post("/feeds/gps/data", json={"value": 1})
    api.post("/feeds/gps/data", json={"value": "here", "lat": 40.5, "lon": -74.25, "ele": 10})
    r = board.get("feeds/gps/data/retain")
    assert r.status_code == 200
    assert r.text == "here,40.5,-74.25,10.0"
    # retain does not move the queue pointer: next still starts at the oldest point.
    assert api.get("/feeds/gps/data/next").json()["value"] == "1"


def test_last_value_retain_on_empty_feed_is_not_2xx(board: Arduino) -> None:
    assert board.create("feeds", "nothing").status_code == 201
    r = board.get("feeds/nothing/data/retain")
    assert r.status_code == 404
    assert "error" in r.json()
