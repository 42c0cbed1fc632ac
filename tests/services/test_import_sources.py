"""The sources of an account import, without a server: an export's zip (``ZipSource``)
refuses what is not a whole, readable export and names the member and line; the Adafruit IO
API reader (``AioSource``) keeps ids and millisecond times, follows pages, waits out 429 and
5xx and stops on anything else; ``point_of`` checks each row."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stonechat.domain.errors import Invalid, Unavailable
from stonechat.domain.ids import UlidGenerator
from stonechat.domain.records import Feed
from stonechat.services.account_import import point_of
from stonechat.services.import_aio import AioSource
from stonechat.services.import_source import Row
from stonechat.services.import_zip import ZipSource

HEADER = b"id,created_at,value,lat,lon,ele\n"
ULID = UlidGenerator().new(1_700_000_000_123)
MANIFEST = {"format": "stonechat-account-export", "version": 1, "username": "ann"}


def archive(**change: bytes | None) -> zipfile.ZipFile:
    """A small good export, with members replaced (None: left out)."""
    members: dict[str, bytes | None] = {
        "manifest.json": json.dumps(MANIFEST).encode(),
        "groups.json": b"[]",
        "feeds.json": b'[{"id": 7, "key": "t"}]',
        "dashboards.json": b"[]",
        "data/7.csv": HEADER + f"{ULID},2023-11-14T22:13:20.123Z,21.5,52.5,13.4,\n".encode(),
        **change,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in members.items():
            if content is not None:
                z.writestr(name, content)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


async def read(source: Any) -> list[Row]:
    _groups, feeds, _dashboards = await source.records()
    return [row for feed in feeds async for rows in source.points(feed) for row in rows]


def test_a_good_export_reads_back() -> None:
    z = archive()
    assert ZipSource(z).username() == "ann"
    [row] = asyncio.run(read(ZipSource(z)))
    assert (row.id, row.created_at, row.value) == (ULID, 1_700_000_000_123, "21.5")
    assert (row.lat, row.lon, row.ele) == ("52.5", "13.4", None)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"manifest.json": None}, "the archive has no manifest.json"),
        ({"manifest.json": b'{"format": "x", "version": 1}'}, "not a Stonechat account export"),
        ({"manifest.json": json.dumps({**MANIFEST, "version": 99}).encode()}, "version 99"),
        ({"manifest.json": b"[1"}, "manifest.json is not JSON"),
        ({"feeds.json": b'{"a": 1}'}, "feeds.json is not a list of objects"),
        ({"groups.json": b"[{"}, "groups.json is not JSON"),
        ({"dashboards.json": b"[1, 2]"}, "dashboards.json is not a list of objects"),
        ({"data/7.csv": b"a,b\n1,2\n"}, "data/7.csv: the columns are not"),
        ({"data/7.csv": HEADER + b"x,yesterday,1,,,\n"}, "data/7.csv line 2: created_at"),
        ({"data/7.csv": HEADER + b"x,2024-01-01T00:00:00Z\n"}, "line 2: not 6 columns"),
        ({"data/7.csv": HEADER + b"x,2024-01-01T00:00:00Z,1,,,,,\n"}, "line 2: not 6 columns"),
        ({"data/7.csv": HEADER + b"\xff\xfe,\n"}, "data/7.csv: "),
    ],
)
def test_what_is_not_a_whole_export_is_refused(change: dict[str, bytes], message: str) -> None:
    with pytest.raises(Invalid) as refused:
        asyncio.run(read(ZipSource(archive(**change))))
    assert message in refused.value.message


def feed(history: bool = True) -> Feed:
    values: dict[str, Any] = dict.fromkeys(Feed.__dataclass_fields__)
    values.update(id=3, user_id=1, group_id=1, key="t", name="t", history=history)
    return Feed(**values)


@pytest.mark.parametrize(
    "row,message",
    [
        (Row("not-a-ulid", 1, "1", None, None, None, "r"), "r: the id is not a ULID"),
        (Row(ULID, 1, "1", "52.5", None, None, "r"), "r: lat and lon must be given together"),
        (Row(ULID, 1, "1", "north", "13.4", None, "r"), "r: lat"),
        (Row(ULID, 1, "x" * 1025, None, None, None, "r"), "r: value is 1025 bytes"),
    ],
)
def test_each_row_is_checked(row: Row, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        point_of(row, feed())
    assert message in refused.value.message


def test_a_feed_without_history_takes_large_values() -> None:
    point = point_of(Row(ULID, 1, "x" * 50_000, "1", "2", None, "r"), feed(history=False))
    assert point.history is False and (point.datum.lat, point.datum.lon) == (1.0, 2.0)


# -- the Adafruit IO API --------------------------------------------------------------------


def api(answer: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="https://io.example", transport=httpx.MockTransport(answer))


def reader(client: httpx.AsyncClient, waits: list[float]) -> AioSource:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return AioSource(client, "ann", sleep=sleep)


def test_pages_are_followed_and_times_kept_to_the_millisecond() -> None:
    later = UlidGenerator().new(1_700_000_100_456)
    pages = {
        "/api/v2/ann/feeds/t/data": (
            [
                {"id": later, "value": "2", "created_at": "2023-11-14T22:15:00Z"},
                {
                    "id": 17,
                    "value": 3.5,
                    "created_at": "2016-08-15T20:29:16Z",
                    "created_epoch": 1471292956.85221,
                    "lat": 1,
                    "lon": 2,
                },
            ],
            '<https://io.example/api/v2/ann/feeds/t/data?limit=1000>;rel="next", '
            "<https://io.example/api/v2/ann/feeds/t/data?before=x>",
        ),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("before") == "x":
            return httpx.Response(200, json=[])
        body, link = pages[request.url.path]
        return httpx.Response(200, json=body, headers={"Link": link})

    async def go() -> list[Row]:
        async with api(answer) as client:
            return [
                r
                for rows in [rows async for rows in reader(client, []).points({"key": "t"})]
                for r in rows
            ]

    first, old = asyncio.run(go())
    assert (first.id, first.created_at) == (later, 1_700_000_100_456)  # the ULID's millisecond
    assert old.created_at == 1_471_292_956_852 and old.value == "3.5"  # created_epoch's
    assert len(old.id) == 26 and old.id == asyncio.run(go())[1].id  # made from 17, stable


@pytest.mark.parametrize(
    "answers,waits",
    [
        ([(429, {"Retry-After": "3"}), (429, {}), (200, {})], [3.0, 2.0]),
        ([(503, {}), (502, {}), (500, {}), (200, {})], [1.0, 2.0, 4.0]),
        ([(429, {"Retry-After": "9999"}), (200, {})], [120.0]),
    ],
)
def test_429_and_5xx_are_waited_out(
    answers: list[tuple[int, dict[str, str]]], waits: list[float]
) -> None:
    queue = list(answers)

    def answer(_request: httpx.Request) -> httpx.Response:
        status, headers = queue.pop(0)
        return httpx.Response(status, json=[], headers=headers)

    waited: list[float] = []

    async def go() -> None:
        async with api(answer) as client:
            await reader(client, waited).records()

    queue = [*answers, (200, {}), (200, {})]  # groups, then feeds and dashboards
    asyncio.run(go())
    assert waited == waits


def test_other_answers_stop_the_import_with_what_the_source_said() -> None:
    def refuse(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid AIO key"})

    def busy(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": "slow down"})

    async def records(answer: Callable[[httpx.Request], httpx.Response]) -> None:
        async with api(answer) as client:
            await reader(client, []).records()

    with pytest.raises(Invalid) as refused:
        asyncio.run(records(refuse))
    assert "answered /api/v2/ann/groups with 401: invalid AIO key" in refused.value.message
    with pytest.raises(Unavailable) as gave_up:
        asyncio.run(records(busy))
    assert "kept answering 429" in gave_up.value.message


@pytest.mark.parametrize(
    "next_page",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://io.example.evil.org/api/v2/ann/feeds/t/data",
        "http://io.example/api/v2/ann/feeds/t/data",  # another scheme
        "https://io.example:8443/api/v2/ann/feeds/t/data",  # another port
    ],
)
def test_a_next_page_on_another_server_is_refused(next_page: str) -> None:
    """The Link header cannot send the import to another address (the web UI's imports
    read from the operator's server only)."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        link = f'<{request.url}>;rel="next", <{next_page}>'
        return httpx.Response(200, json=[], headers={"Link": link})

    async def go() -> None:
        async with api(answer) as client:
            async for _rows in reader(client, []).points({"key": "t"}):
                pass

    with pytest.raises(Invalid, match="next page is on another server"):
        asyncio.run(go())
    assert len(asked) == 1


def test_a_next_page_on_the_same_server_is_followed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("before"):
            return httpx.Response(200, json=[])
        link = '<x>;rel="next", </api/v2/ann/feeds/t/data?before=y>'
        return httpx.Response(200, json=[], headers={"Link": link})

    async def go() -> int:
        async with api(answer) as client:
            return len([rows async for rows in reader(client, []).points({"key": "t"})])

    assert asyncio.run(go()) == 2
