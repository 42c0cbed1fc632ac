"""An Adafruit IO account read through its REST API v2, as a source of an import
(``stonechat import-aio``): io.adafruit.com, or any server that speaks the API (another
Stonechat).

Records: ``GET /groups``, ``/feeds``, ``/dashboards`` and each dashboard (its blocks and
layouts). Points: each feed's ``/data``, 1,000 a page, following the ``Link`` header's next
page (newest first, as the API gives them), from ``since`` on if given. A 429 or a 5xx is
waited out (``Retry-After``, else a growing pause) and the request made again; anything else
that is not a 200 stops the import with what the source said. Interrupted, the import can be
run again: the points already stored are skipped.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from stonechat.domain.errors import Invalid, StonechatError, Unavailable
from stonechat.domain.ids import derived, is_ulid, time_of
from stonechat.domain.timestamps import iso, parse_time
from stonechat.services.import_source import BATCH, Row

ADAFRUIT_IO = "https://io.adafruit.com"
MAX_WAITS = 30  # 429s and 5xx in a row before giving up
MAX_WAIT_SECONDS = 120.0
_NEXT = re.compile(r'rel="next", <(.+?)>')

Progress = Callable[[str], None]


class AioSource:
    def __init__(
        self,
        client: httpx.AsyncClient,
        username: str,
        since: int | None = None,
        progress: Progress = lambda _line: None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        """``client``: its base URL the server's (``https://io.adafruit.com``), its headers
        the account's key (``X-AIO-Key``)."""
        self.client = client
        self.base = f"/api/v2/{username}"
        self.since = since
        self.progress = progress
        self.sleep = sleep
        self.requests = 0
        self.waits = 0

    async def records(self) -> tuple[list[Any], list[Any], list[Any]]:
        groups = await self._list(f"{self.base}/groups")
        feeds = await self._list(f"{self.base}/feeds")
        dashboards = []
        for item in await self._list(f"{self.base}/dashboards"):
            key = item.get("key")
            full = await self._get(f"{self.base}/dashboards/{key}")
            dashboard = full.json()
            if not isinstance(dashboard, dict):
                raise Invalid(f"the source's dashboard '{key}' is not an object")
            if not isinstance(dashboard.get("blocks"), list):
                dashboard["blocks"] = await self._list(f"{self.base}/dashboards/{key}/blocks")
            dashboards.append(dashboard)
        self.progress(
            f"read {len(groups)} groups, {len(feeds)} feeds and {len(dashboards)} dashboards"
        )
        return groups, feeds, dashboards

    async def points(self, feed: dict[str, Any]) -> AsyncIterator[list[Row]]:
        key = feed.get("key")
        url: str | None = f"{self.base}/feeds/{key}/data"
        first: dict[str, Any] = {"limit": BATCH}
        if self.since is not None:
            first["start_time"] = iso(self.since)
        params: dict[str, Any] | None = first
        page = 0
        while url is not None:
            response = await self._get(url, params)
            items = response.json()
            if not isinstance(items, list):
                raise Invalid(f"the source's data of feed '{key}' is not a list")
            page += 1
            yield [_row(item, f"feed '{key}', page {page}") for item in items]
            url, params = self._next_page(response), None

    def done(self, feed: dict[str, Any], report: Counter[str]) -> None:
        self.progress(
            f"feed {feed.get('key')}: {report['points']} points imported so far "
            f"({report['points_existing']} there already)"
        )

    def _next_page(self, response: httpx.Response) -> str | None:
        """The next page the ``Link`` header names: on the source's own server only (a
        source cannot send the import to another address)."""
        found = _NEXT.search(response.headers.get("link", ""))
        if not found:
            return None
        url = httpx.URL(found.group(1))
        base = self.client.base_url
        if url.is_absolute_url and (url.scheme, url.host, url.port) != (
            base.scheme,
            base.host,
            base.port,
        ):
            raise Invalid(f"the source's next page is on another server: {url.host}")
        return str(url)

    async def _list(self, url: str) -> list[Any]:
        items = (await self._get(url)).json()
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Invalid(f"the source's {url} is not a list of objects")
        return items

    async def _get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        for attempt in range(MAX_WAITS + 1):
            self.requests += 1
            try:
                response = await self.client.get(url, params=params)
            except httpx.HTTPError as error:
                if attempt == MAX_WAITS:
                    raise Unavailable(f"cannot reach the source: {error}") from None
                await self._wait(None, attempt, f"cannot reach the source ({error})")
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == MAX_WAITS:
                    break
                await self._wait(response, attempt, f"the source answered {response.status_code}")
                continue
            if response.status_code != 200:
                raise Invalid(
                    f"the source answered {url} with {response.status_code}: {_said(response)}"
                )
            return response
        raise Unavailable(f"the source kept answering {response.status_code} to {url}")

    async def _wait(self, response: httpx.Response | None, attempt: int, why: str) -> None:
        seconds = min(MAX_WAIT_SECONDS, 2.0**attempt)
        if response is not None:
            seconds = _retry_after(response, seconds)
        self.waits += 1
        self.progress(f"{why}: waiting {seconds:g} s")
        await self.sleep(seconds)


def _row(item: Any, where: str) -> Row:
    """A point of the API as a row: its time to the millisecond where the source tells it
    (``created_epoch`` with a fraction, or the time in a ULID id of the same second), its
    id kept if a ULID, else one made from it (the same on every run)."""
    if not isinstance(item, dict):
        raise Invalid(f"{where}: a point is not an object")
    try:
        created = parse_time(item.get("created_at"), "created_at")
    except StonechatError as error:
        raise Invalid(f"{where}: {error.message}") from None
    epoch = item.get("created_epoch")
    if isinstance(epoch, float) and int(epoch) == created // 1000:
        created = round(epoch * 1000)
    ident = str(item.get("id"))
    if is_ulid(ident):
        at = time_of(ident)
        if at is not None and at // 1000 == created // 1000:
            created = at
    else:
        ident = derived(created, ident)
    value = item.get("value")
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return Row(ident, created, text, item.get("lat"), item.get("lon"), item.get("ele"), where)


def _retry_after(response: httpx.Response, default: float) -> float:
    given = response.headers.get("retry-after", "")
    try:
        return min(MAX_WAIT_SECONDS, max(0.0, float(given)))
    except ValueError:
        return default


def _said(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error") if isinstance(body, dict) else body)[:200]
