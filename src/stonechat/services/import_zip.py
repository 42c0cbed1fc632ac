"""An account export's zip (``account_export``) as a source of an import: the manifest
checked, the records read whole (bounded), the points streamed from each feed's CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from stonechat.domain.errors import Invalid, StonechatError
from stonechat.domain.timestamps import parse_time
from stonechat.services.account_export import FORMAT, POINT_COLUMNS, VERSION
from stonechat.services.import_source import BATCH, Row

MAX_JSON_BYTES = 64 * 1024 * 1024  # a member of records; points are streamed


class ZipSource:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def username(self) -> str:
        """The name of the account the archive was exported from."""
        name = self._manifest().get("username")
        if not isinstance(name, str) or not name:
            raise Invalid("not a Stonechat account export (its manifest.json names no account)")
        return name

    def _manifest(self) -> dict[str, Any]:
        manifest = _json(self.archive, "manifest.json")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise Invalid("not a Stonechat account export (its manifest.json is missing or other)")
        if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
            raise Invalid(f"an export of version {manifest.get('version')!r}; this reads {VERSION}")
        return manifest

    async def records(self) -> tuple[list[Any], list[Any], list[Any]]:
        self._manifest()
        names = ("groups.json", "feeds.json", "dashboards.json")
        groups, feeds, dashboards = (_list(self.archive, name) for name in names)
        return groups, feeds, dashboards

    async def points(self, feed: dict[str, Any]) -> AsyncIterator[list[Row]]:
        name = f"data/{feed.get('id')}.csv"
        if name not in self.archive.namelist():
            return
        with self.archive.open(name) as member:
            text = io.TextIOWrapper(member, encoding="utf-8", newline="")
            reader = csv.DictReader(text)
            try:
                if tuple(reader.fieldnames or ()) != POINT_COLUMNS:
                    raise Invalid(f"{name}: the columns are not {','.join(POINT_COLUMNS)}")
                batch: list[Row] = []
                for row in reader:
                    batch.append(_row(row, f"{name} line {reader.line_num}"))
                    if len(batch) == BATCH:
                        yield batch
                        batch = []
                if batch:
                    yield batch
            except (csv.Error, UnicodeDecodeError) as error:
                raise Invalid(f"{name}: {error}") from None

    def done(self, feed: dict[str, Any], report: Counter[str]) -> None:
        pass


def _row(row: dict[str, str], where: str) -> Row:
    if None in row or None in row.values():  # csv's marks of too many or too few fields
        raise Invalid(f"{where}: not {len(POINT_COLUMNS)} columns")
    try:
        created = parse_time(row["created_at"], "created_at")
        lat, lon, ele = (row[c] or None for c in ("lat", "lon", "ele"))
        return Row(row["id"], created, row["value"], lat, lon, ele, where)
    except StonechatError as error:
        raise Invalid(f"{where}: {error.message}") from None


def _json(archive: zipfile.ZipFile, name: str) -> Any:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise Invalid(f"the archive has no {name}") from None
    if info.file_size > MAX_JSON_BYTES:
        raise Invalid(f"{name} is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB")
    try:
        return json.loads(archive.read(name))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile) as error:
        raise Invalid(f"{name} is not JSON: {error}") from None


def _list(archive: zipfile.ZipFile, name: str) -> list[Any]:
    items = _json(archive, name)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Invalid(f"{name} is not a list of objects")
    return items
