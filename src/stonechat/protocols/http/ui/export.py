"""What the REST API v2 has no endpoint for: a feed's whole history as CSV, the whole
account as a zip (``services.account_export``), and such a zip imported back
(``services.account_import``)."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from stonechat.domain.errors import BadRequest
from stonechat.domain.records import Feed
from stonechat.domain.timestamps import iso_ms
from stonechat.protocols.http.bodies import receive_into
from stonechat.protocols.http.deps import CurrentUser, ServicesDep
from stonechat.protocols.http.responses import JSON
from stonechat.services.account_export import AccountExport, archive_name
from stonechat.services.account_import import import_archive
from stonechat.services.feeds import not_found
from stonechat.services.registry import Services

router = APIRouter(tags=["web UI"])

COLUMNS = ("id", "value", "feed_id", "feed_key", "created_at", "lat", "lon", "ele")


async def _rows(services: Services, feed: Feed) -> AsyncIterator[str]:
    """Every point, newest first, one page of 1,000 at a time (memory stays flat)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    cursor: str | None = None
    while True:
        page = await services.data.page(
            [feed], start_time=None, end_time=None, limit=None, before=cursor
        )
        for d in page.data:
            writer.writerow(
                (d.id, d.value, d.feed_id, feed.full_key, iso_ms(d.created_at), d.lat, d.lon, d.ele)
            )
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        cursor = page.next_cursor
        if cursor is None:
            return


@router.get("/feeds/{feed_key}/data.csv", summary="Every point of one of your feeds, as CSV")
async def data_csv(feed_key: str, user: CurrentUser, services: ServicesDep) -> Response:
    feed = await services.feeds.find(user.id, feed_key)
    if feed is None:
        raise not_found(user.username, feed_key)
    filename = f"{user.username}-{feed.full_key}.csv".replace('"', "")
    return StreamingResponse(
        _rows(services, feed),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/export", summary="Everything in your account, as a zip")
async def account_zip(user: CurrentUser, services: ServicesDep) -> Response:
    filename = archive_name(user).replace('"', "")
    return StreamingResponse(
        AccountExport.of(services).stream(user),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


MAX_IMPORT_BYTES = 512 * 1024 * 1024  # an upload; stonechat import reads any size


@router.post("/import", summary="Import an account export (a zip) into your account")
async def account_import(request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    with tempfile.TemporaryFile() as upload:  # on disk: memory stays flat whatever comes
        await receive_into(request, upload, MAX_IMPORT_BYTES)
        upload.seek(0)
        try:
            archive = zipfile.ZipFile(upload)
        except zipfile.BadZipFile:
            raise BadRequest("the upload is not a zip file") from None
        with archive:
            report = await import_archive(services, user, archive)
    return JSON({"imported": dict(report)})
