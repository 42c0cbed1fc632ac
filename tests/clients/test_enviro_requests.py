"""Pimoroni Enviro's upload (``enviro/destinations/adafruit_io.py``, clients.md §3.6).

One ``POST /groups/enviro/data`` per cached reading, ``{"created_at", "feeds": [{key, value}]}``
with keys ``<nickname>-<reading>``. Success is **only** 200; 429 means "rate limited"; a 422
whose error *starts with* ``data created_at may not be in the future`` means the clock lost sync
(any other 422 makes it skip the file).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

FUTURE = "data created_at may not be in the future"


def enviro_timestamp(t: datetime) -> str:
    """``helpers.datetime_string()``: the RTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def reading(nickname: str, at: datetime, readings: dict[str, Any]) -> dict[str, Any]:
    """``upload_reading``: underscores in reading names become dashes."""
    return {
        "created_at": enviro_timestamp(at),
        "feeds": [
            {"key": f"{nickname}-{key.replace('_', '-')}", "value": value}
            for key, value in readings.items()
        ],
    }


def upload(api: httpx.Client, payload: dict[str, Any]) -> httpx.Response:
    return api.post(
        "/groups/enviro/data", json=payload, headers={"Content-Type": "application/json"}
    )


@pytest.fixture
def enviro(api: httpx.Client) -> httpx.Client:
    """The setup guide: 'Create a new group called enviro'."""
    assert api.post("/groups", json={"name": "enviro"}).status_code == 201
    return api


def test_upload_is_answered_200_and_creates_feeds(enviro: httpx.Client) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    payload = reading(
        "weather-station",
        at,
        {"temperature": 21.38, "humidity": 51.1, "pressure": 1013.2, "rain_per_hour": 0},
    )
    r = upload(enviro, payload)
    assert r.status_code == 200, r.text
    assert [(d["feed_key"], d["value"]) for d in r.json()] == [
        ("enviro.weather-station-temperature", "21.38"),
        ("enviro.weather-station-humidity", "51.1"),
        ("enviro.weather-station-pressure", "1013.2"),
        ("enviro.weather-station-rain-per-hour", "0"),
    ]
    assert {d["created_at"] for d in r.json()} == {enviro_timestamp(at)}
    group = enviro.get("/groups/enviro").json()
    assert sorted(f["key"] for f in group["feeds"]) == [
        "enviro.weather-station-humidity",
        "enviro.weather-station-pressure",
        "enviro.weather-station-rain-per-hour",
        "enviro.weather-station-temperature",
    ]
    last = enviro.get("/feeds/enviro.weather-station-temperature/data/last").json()
    assert (last["value"], last["created_at"]) == ("21.38", enviro_timestamp(at))


def test_cached_readings_upload_in_order(enviro: httpx.Client) -> None:
    """Readings cached while offline go up later, oldest first, each answered 200."""
    now = datetime.now(UTC).replace(microsecond=0)
    for hours, value in ((30, 10.5), (20, 11.5), (1, 12.5)):
        r = upload(enviro, reading("garden", now - timedelta(hours=hours), {"temperature": value}))
        assert r.status_code == 200, r.text
    data = enviro.get("/feeds/enviro.garden-temperature/data").json()
    assert [d["value"] for d in data] == ["12.5", "11.5", "10.5"]
    assert data[-1]["created_at"] == enviro_timestamp(now - timedelta(hours=30))


def test_future_created_at_is_422_with_exact_text(enviro: httpx.Client) -> None:
    future = datetime.now(UTC) + timedelta(days=2)
    r = upload(enviro, reading("kitchen", future, {"temperature": 20.0, "humidity": 40}))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error.find(FUTURE) == 0  # Enviro's own test
    assert error == FUTURE
    # Nothing was stored.
    assert enviro.get("/groups/enviro").json()["feeds"] == []


def test_future_after_existing_feeds_stores_nothing(enviro: httpx.Client) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    assert upload(enviro, reading("attic", now, {"temperature": 1})).status_code == 200
    r = upload(enviro, reading("attic", now + timedelta(hours=1), {"temperature": 2}))
    assert r.status_code == 422
    assert r.json()["error"] == FUTURE
    values = [d["value"] for d in enviro.get("/feeds/enviro.attic-temperature/data").json()]
    assert values == ["1"]


def test_group_must_exist(api: httpx.Client) -> None:
    """Without the 'enviro' group the upload fails with a JSON error (Enviro logs it)."""
    r = upload(api, reading("x", datetime.now(UTC), {"temperature": 1}))
    assert r.status_code == 404
    assert isinstance(r.json()["error"], str)


def test_upload_without_created_at_uses_server_time(enviro: httpx.Client) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    r = upload(enviro, {"feeds": [{"key": "porch-luminance", "value": 125.5}]})
    assert r.status_code == 200
    created = datetime.strptime(r.json()[0]["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert before <= created.replace(tzinfo=UTC) <= datetime.now(UTC)
