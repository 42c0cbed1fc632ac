"""The requests CircuitPython's ``adafruit_io.IO_HTTP`` (and PortalBase) send (clients.md §3.1).

The library hard-codes io.adafruit.com, so it is reproduced here request by request: the
``X-AIO-KEY`` header in capitals, ``Content-Type: application/json`` on POST and DELETE, and
every answer — DELETE included — decoded with ``.json()``; errors read ``["error"]``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from stonechat.limits.constants import UNLIMITED_DATA_RATE
from support import Server

HEADERS = {"User-Agent": "AIO-CircuitPython/5.8.0"}


class IOHTTP:
    """What ``IO_HTTP._post/_get/_delete`` do, against the test server."""

    def __init__(self, server: Server, username: str, key: str) -> None:
        self.username = username
        self.base = f"{server.base_url}/api/v2"
        self.http = httpx.Client(timeout=30)
        self.json_headers = {**HEADERS, "X-AIO-KEY": key, "Content-Type": "application/json"}
        self.get_headers = {**HEADERS, "X-AIO-KEY": key}
        self.last: httpx.Response | None = None

    def path(self, path: str) -> str:
        return f"{self.base}/{self.username}/{path}"

    def _done(self, response: httpx.Response) -> Any:
        self.last = response
        if response.status_code >= 400:
            raise IORequestError(response)
        return response.json()

    def post(self, path: str, payload: Any) -> Any:
        return self._done(self.http.post(self.path(path), json=payload, headers=self.json_headers))

    def get(self, path: str) -> Any:
        return self._done(self.http.get(self.path(path), headers=self.get_headers))

    def delete(self, path: str) -> Any:
        return self._done(self.http.delete(self.path(path), headers=self.json_headers))


class IORequestError(Exception):
    """``AdafruitIO_RequestError``: reads the JSON ``error`` of a failed answer."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.error = response.json()["error"]
        super().__init__(f"Adafruit IO request failed: {self.status} - {self.error}")


@pytest.fixture
def io(server: Server, user: tuple[str, str]) -> Iterator[IOHTTP]:
    client = IOHTTP(server, *user)
    yield client
    client.http.close()


def test_header_is_uppercase_x_aio_key(io: IOHTTP) -> None:
    io.get("feeds")
    assert io.last is not None
    assert (b"X-AIO-KEY", io.get_headers["X-AIO-KEY"].encode()) in io.last.request.headers.raw
    assert io.last.status_code == 200


def test_send_data_and_receive(io: IOHTTP) -> None:
    sent = io.post("feeds/temperature/data", {"value": 21.5})
    assert sent["value"] == "21.5"
    assert io.post("feeds/temperature/data", {"value": "hot"})["value"] == "hot"
    last = io.get("feeds/temperature/data/last")
    assert last["value"] == "hot"
    assert [d["value"] for d in io.get("feeds/temperature/data")] == ["hot", "21.5"]
    assert [d["value"] for d in io.get("feeds/temperature/data?limit=1")] == ["hot"]


def test_send_data_with_metadata_flat(io: IOHTTP) -> None:
    created_at = (datetime.now(UTC) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {"value": 7, "lat": 51.5, "lon": -0.12, "ele": 11.0, "created_at": created_at}
    sent = io.post("feeds/located/data", payload)
    assert (sent["value"], sent["lat"], sent["lon"], sent["ele"]) == ("7", 51.5, -0.12, 11.0)
    assert sent["created_at"] == created_at
    # Metadata with nulls (the dict a sketch builds when it has no location).
    none = io.post(
        "feeds/located/data",
        {"value": 8, "lat": None, "lon": None, "ele": None, "created_at": None},
    )
    assert (none["lat"], none["lon"], none["ele"]) == (None, None, None)
    assert abs(none["created_epoch"] - time.time()) < 60


def test_send_batch(io: IOHTTP) -> None:
    answer = io.post("feeds/many/data/batch", {"data": [{"value": 1}, {"value": 2}]})
    assert [d["value"] for d in answer] == ["1", "2"]
    assert [d["value"] for d in io.get("feeds/many/data")] == ["2", "1"]


def test_delete_data_answer_is_json(io: IOHTTP) -> None:
    datum = io.post("feeds/del/data", {"value": "x"})
    answer = io.delete(f"feeds/del/data/{datum['id']}")
    assert isinstance(answer, dict)
    assert answer["id"] == datum["id"]
    assert io.get("feeds/del/data") == []
    with pytest.raises(IORequestError) as info:
        io.delete(f"feeds/del/data/{datum['id']}")
    assert info.value.status == 404


def test_groups_create_get_delete(io: IOHTTP) -> None:
    created = io.post("groups", {"name": "weather", "description": "outside sensors"})
    assert io.last is not None and io.last.status_code == 201
    assert (created["key"], created["name"], created["description"]) == (
        "weather",
        "weather",
        "outside sensors",
    )
    assert created["feeds"] == []
    assert io.get("groups/weather")["id"] == created["id"]
    deleted = io.delete("groups/weather")
    assert deleted["key"] == "weather"
    with pytest.raises(IORequestError) as info:
        io.get("groups/weather")
    assert info.value.status == 404


def test_create_feed_in_group_wrapped(io: IOHTTP) -> None:
    io.post("groups", {"name": "garden", "description": None})
    feed = io.post("groups/garden/feeds", {"feed": {"name": "soil"}})
    assert io.last is not None and io.last.status_code == 201
    assert (feed["key"], feed["name"]) == ("garden.soil", "soil")
    assert feed["group"]["key"] == "garden"
    assert [f["key"] for f in io.get("groups/garden")["feeds"]] == ["garden.soil"]


def test_add_feed_to_group_with_json_feed_key(io: IOHTTP) -> None:
    io.post("groups", {"name": "house", "description": ""})
    io.post("feeds", {"name": "lamp", "description": None, "license": None})
    group = io.post("groups/house/add", {"feed_key": "lamp"})
    assert io.last is not None and io.last.status_code == 200
    assert group["key"] == "house"
    assert [f["key"] for f in group["feeds"]] == ["lamp"]
    assert [f["key"] for f in io.get("groups/house")["feeds"]] == ["lamp"]
    assert sorted(g["key"] for g in io.get("feeds/lamp")["groups"]) == ["default", "house"]


def test_group_data_with_flat_metadata(io: IOHTTP) -> None:
    io.post("groups", {"name": "station", "description": ""})
    created_at = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {
        "feeds": [{"key": "temp", "value": 20.5}, {"key": "humidity", "value": 40}],
        "created_at": created_at,
        "lat": 40.0,
        "lon": -73.5,
        "ele": 12.0,
    }
    answer = io.post("groups/station/data", payload)
    assert [d["value"] for d in answer] == ["20.5", "40"]
    for datum in answer:
        assert (datum["lat"], datum["lon"], datum["ele"]) == (40.0, -73.5, 12.0)
        assert datum["created_at"] == created_at
    assert [d["feed_key"] for d in answer] == ["station.temp", "station.humidity"]
    assert io.get("feeds/station.temp/data/last")["value"] == "20.5"
    assert io.get("groups/station/feeds/humidity/data/last")["value"] == "40"
    group = io.get("groups/station")
    assert sorted(f["key"] for f in group["feeds"]) == ["station.humidity", "station.temp"]


def test_group_data_with_location_object(io: IOHTTP) -> None:
    io.post("groups", {"name": "boat", "description": ""})
    answer = io.post(
        "groups/boat/data",
        {"feeds": [{"key": "speed", "value": "3"}], "location": {"lat": 1.0, "lon": 2.0}},
    )
    assert (answer[0]["lat"], answer[0]["lon"], answer[0]["ele"]) == (1.0, 2.0, None)


def test_feed_create_get_details_delete(io: IOHTTP) -> None:
    created = io.post("feeds", {"name": "Light Level", "description": "lux", "license": "CC-BY"})
    assert io.last is not None and io.last.status_code == 201
    assert (created["key"], created["name"], created["description"], created["license"]) == (
        "light-level",
        "Light Level",
        "lux",
        "CC-BY",
    )
    io.post("feeds/light-level/data", {"value": 100})
    io.post("feeds/light-level/data", {"value": 200})
    feed = io.get("feeds/light-level")
    assert feed["last_value"] == "200"
    assert "details" not in feed
    details = io.get("feeds/light-level/details")["details"]
    assert details["data"]["count"] == 2
    assert details["data"]["first"]["value"] == "100"
    assert details["data"]["last"]["value"] == "200"
    deleted = io.delete("feeds/light-level")
    assert deleted["key"] == "light-level"
    with pytest.raises(IORequestError) as info:
        io.get("feeds/light-level")
    assert info.value.status == 404


def test_missing_feed_is_a_json_4xx_so_create_and_get_feed_works(io: IOHTTP) -> None:
    """``create_and_get_feed`` / PortalBase ``push_to_io``: get, on request error create."""
    with pytest.raises(IORequestError) as info:
        io.get("feeds/newfeed")
    assert 400 <= info.value.status < 500
    assert "newfeed" in info.value.error
    assert io.last is not None
    assert io.last.headers["content-type"] == "application/json"
    io.post("feeds", {"name": "newfeed", "description": None, "license": None})
    assert io.get("feeds/newfeed")["key"] == "newfeed"


def test_delete_missing_feed_is_json_404(io: IOHTTP) -> None:
    with pytest.raises(IORequestError) as info:
        io.delete("feeds/nothing-here")
    assert info.value.status == 404


def test_delete_with_json_content_type_and_empty_body(io: IOHTTP) -> None:
    io.post("feeds", {"name": "todelete"})
    r = io.http.request("DELETE", io.path("feeds/todelete"), headers=io.json_headers, content=b"")
    assert r.status_code == 200
    assert r.json()["key"] == "todelete"


def test_receive_time_struct(io: IOHTTP) -> None:
    before = datetime.now(UTC)
    got = io.get("integrations/time/struct.json")
    assert set(got) >= {"year", "mon", "mday", "hour", "min", "sec", "wday", "yday", "isdst"}
    struct = time.struct_time(
        tuple(
            got[k] for k in ("year", "mon", "mday", "hour", "min", "sec", "wday", "yday", "isdst")
        )
    )
    stamp = datetime(*struct[:6], tzinfo=UTC)
    assert before.replace(microsecond=0) <= stamp <= datetime.now(UTC)
    assert got["wday"] == (stamp.weekday() + 1) % 7  # Sunday = 0
    assert got["yday"] == stamp.timetuple().tm_yday
    tokyo = io.get("integrations/time/struct.json?tz=Asia/Tokyo")
    assert (tokyo["hour"] - stamp.hour) % 24 in (9, 10)  # +09:00 (10 if the hour turned)


def test_throttle(io: IOHTTP) -> None:
    io.post("feeds/count/data", {"value": 1})
    throttle = io.get("throttle")
    # Test servers have no data rate (the default): a large limit, never 0.
    assert throttle["data_rate_limit"] == UNLIMITED_DATA_RATE
    assert throttle["active_data_rate"] == 1
    # get_remaining_throttle_limit() is limit - used: positive, so a sketch waiting on it runs.
    assert throttle["data_rate_limit"] - throttle["active_data_rate"] > 0


def test_connected_services_answer_json_errors(io: IOHTTP) -> None:
    for path in ("integrations/weather/1", "integrations/words/1", "integrations/air_quality/2"):
        with pytest.raises(IORequestError) as info:
            io.get(path)
        assert info.value.status == 404
        assert "not available" in info.value.error
    with pytest.raises(IORequestError) as info:
        io.post("integrations/weather", {"weather": {"name": "x", "location": "1,2"}})
    assert info.value.status == 404


def test_get_user_info_absolute_path(io: IOHTTP) -> None:
    r = io.http.get(f"{io.base}/user", headers=io.get_headers)
    assert r.status_code == 200
    assert r.json()["username"] == io.username


def test_portalbase_strftime_with_query_key(server: Server, user: tuple[str, str]) -> None:
    """PortalBase ``get_local_time``: key and zone in the query string, plain text back."""
    username, key = user
    url = f"{server.base_url}/api/v2/{username}/integrations/time/strftime"
    fmt = "%Y-%m-%d %H:%M:%S.%L %j %u %z %Z"
    r = httpx.get(url, params={"x-aio-key": key, "tz": "Etc/UTC", "fmt": fmt})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    match = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\.(\d{3}) (\d{3}) ([1-7]) \+0000 UTC", text
    )
    assert match, text
    stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs((stamp - datetime.now(UTC)).total_seconds()) < 5
    assert int(match.group(3)) == stamp.timetuple().tm_yday
    assert int(match.group(4)) == stamp.isoweekday()
    # The zone changes the offset.
    r = httpx.get(url, params={"x-aio-key": key, "tz": "Asia/Kolkata", "fmt": "%z"})
    assert r.text == "+0530"
    # PortalBase without fmt: the default Ruby format.
    r = httpx.get(url, params={"x-aio-key": key, "tz": "UTC"})
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} \d{3} [1-7] \+0000 UTC", r.text
    )


def test_portalbase_strftime_bad_key_and_bad_zone(server: Server, user: tuple[str, str]) -> None:
    username, key = user
    url = f"{server.base_url}/api/v2/{username}/integrations/time/strftime"
    r = httpx.get(url, params={"x-aio-key": "wrong", "tz": "UTC"})
    assert r.status_code == 401
    assert isinstance(r.json()["error"], str)
    r = httpx.get(url, params={"x-aio-key": key, "tz": "Mars/Olympus"})
    assert r.status_code == 400
    assert "Mars/Olympus" in r.json()["error"]
