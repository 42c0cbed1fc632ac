"""MQTT payloads for feeds and groups (mqtt-api.md §5): what devices send, what they get."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from stonechat.domain.errors import Invalid
from stonechat.domain.nesting import MAX_DEPTH, check_nesting
from stonechat.domain.points import PointInput
from stonechat.domain.records import Datum
from stonechat.domain.text import MAX_SEGMENT_LENGTH, check_text


def _json(text: str) -> Any:
    """The parsed payload, or ``None`` when it is not JSON (then it is a plain value).

    JSON nested deeper than ``nesting.MAX_DEPTH`` is refused, however deep: Python's parser
    raises ``RecursionError`` past about 1,000 levels.
    """
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    except RecursionError:
        raise Invalid(f"payload is nested deeper than {MAX_DEPTH} levels") from None
    check_nesting(parsed, "payload")
    return parsed


def feed_point(payload: bytes, fmt: str) -> PointInput:
    """Read a publish to a feed topic as one point.

    Raw: the payload is the value. JSON (base topic or ``/json``): ``{"value", "lat", "lon",
    "ele", "created_at"}``; an object without ``value`` is stored whole. CSV (``/csv``):
    ``value,lat,lon,ele`` with Arduino's quoted values and CircuitPython's spaces. Trailing
    NUL bytes (a C string's end) are dropped; a NUL inside the value is refused at ingest.
    """
    try:
        text = payload.decode("utf-8").rstrip("\x00")
    except UnicodeDecodeError:
        raise Invalid("payload is not valid UTF-8") from None
    if fmt == "csv":
        return _csv_point(text)
    stripped = text.strip()
    if stripped.startswith("{"):
        parsed = _json(stripped)
        if isinstance(parsed, dict):
            if "value" not in parsed:
                return PointInput(value=json.dumps(parsed, separators=(",", ":")))
            if parsed["value"] is None:
                raise Invalid("value may not be null")
            location = parsed.get("location") if isinstance(parsed.get("location"), dict) else {}
            assert isinstance(location, dict)
            return PointInput(
                value=parsed["value"],
                lat=parsed.get("lat", location.get("lat")),
                lon=parsed.get("lon", location.get("lon")),
                ele=parsed.get("ele", location.get("ele")),
                created_at=parsed.get("created_at"),
                epoch=parsed.get("epoch"),
            )
    if fmt == "json":
        parsed = _json(stripped)
        if isinstance(parsed, str):  # a double-encoded JSON string is stored as the string
            return PointInput(value=parsed)
    if not text:
        raise Invalid("value may not be empty")
    return PointInput(value=text)


def _csv_point(text: str) -> PointInput:
    line = text.strip("\r\n\x00")
    try:
        fields = next(csv.reader([line], skipinitialspace=True), [])
    except csv.Error:
        raise Invalid("payload is not valid CSV: value,lat,lon,ele") from None
    if not fields or fields[0] == "":
        raise Invalid("value may not be empty")
    if len(fields) > 4:
        raise Invalid("CSV payload has more than value,lat,lon,ele")
    extra = [f.strip() or None for f in fields[1:]] + [None] * (4 - len(fields))
    return PointInput(value=fields[0], lat=extra[0], lon=extra[1], ele=extra[2])


def group_points(payload: bytes, fmt: str) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """A publish to a group topic: ``[(feed key, value)]`` and shared location."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("payload is not valid UTF-8") from None
    location: dict[str, Any] = {}
    pairs: list[tuple[str, Any]] = []
    if fmt == "csv":
        try:  # newline="": "\r", "\n" and "\r\n" all end a line
            rows = list(csv.reader(io.StringIO(text, newline=""), skipinitialspace=True))
        except csv.Error:
            raise Invalid("payload is not valid CSV: key,value lines") from None
        for row in rows:
            if not row or not row[0].strip():
                continue
            if row[0].strip() == "location":
                location = dict(zip(("lat", "lon", "ele"), row[1:4], strict=False))
            elif len(row) < 2:
                raise Invalid(f"group CSV line '{','.join(row)}' needs key,value")
            else:
                pairs.append((row[0].strip(), row[1]))
    else:
        parsed = _json(text)
        if not isinstance(parsed, dict) or not isinstance(parsed.get("feeds"), dict):
            raise Invalid('group payload must be {"feeds": {"key": "value", ...}}')
        pairs = list(parsed["feeds"].items())
        raw_location = parsed.get("location")
        if isinstance(raw_location, dict):
            location = raw_location
    if not pairs:
        raise Invalid("group payload has no feed values")
    for key, _value in pairs:
        check_text(key, "feed key", MAX_SEGMENT_LENGTH)
    return pairs, location


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return repr(value)


def _csv_row(fields: list[str]) -> str:
    """One RFC 4180 row without its line end."""
    out = io.StringIO()
    # "\r\n" as terminator so values with "\r" or "\n" are quoted too, then dropped.
    csv.writer(out, lineterminator="\r\n").writerow(fields)
    return out.getvalue()[:-2]


def csv_line(d: Datum) -> str:
    """``value,lat,lon,ele``, RFC 4180 quoting, empty fields when unset."""
    return _csv_row([d.value, _number(d.lat), _number(d.lon), _number(d.ele)])


def group_json(updates: dict[str, str], location: Datum | None) -> str:
    """The group payload: only the feeds that changed, values as strings."""
    body: dict[str, Any] = {"feeds": updates}
    if location is not None and location.lat is not None:
        body["location"] = {"lat": location.lat, "lon": location.lon, "ele": location.ele}
    return json.dumps(body, separators=(",", ":"))


def group_csv(updates: dict[str, str]) -> str:
    return "\n".join(_csv_row([key, value]) for key, value in updates.items())
