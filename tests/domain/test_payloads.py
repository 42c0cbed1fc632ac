"""MQTT payload formats (mqtt-api.md §5): what devices publish and what subscribers get."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.domain.errors import Invalid
from stonechat.domain.payloads import csv_line, feed_point, group_csv, group_json, group_points
from stonechat.domain.points import PointInput
from stonechat.domain.records import Datum


def datum(
    value: str, lat: float | None = None, lon: float | None = None, ele: float | None = None
) -> Datum:
    return Datum("01J0000000000000000000000", 1, value, lat, lon, ele, 0, 0)


# --- feed publishes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fmt", "point"),
    [
        # Raw: the payload is the value, kept as it is.
        (b"22.587", "", PointInput("22.587")),
        (b"hello world", "", PointInput("hello world")),
        (b" 5 ", "", PointInput(" 5 ")),
        (b"[1,2]", "", PointInput("[1,2]")),
        (b"{not json", "", PointInput("{not json")),
        ("Grüße".encode(), "", PointInput("Grüße")),
        # JSON on the base topic or /json.
        (
            b'{"value":22.587,"lat":38.1123,"lon":-91.2325,"ele":112}',
            "",
            PointInput(22.587, 38.1123, -91.2325, 112),
        ),
        (b' {"value":"on"} ', "json", PointInput("on")),
        (
            b'{"value":1,"location":{"lat":1,"lon":2,"ele":3}}',
            "json",
            PointInput(1, 1, 2, 3),
        ),
        (b'{"value":1,"lat":5,"location":{"lat":1,"lon":2}}', "", PointInput(1, 5, 2, None)),
        (
            b'{"value":"x","created_at":"2024-01-01T00:00:00Z","epoch":5}',
            "json",
            PointInput("x", created_at="2024-01-01T00:00:00Z", epoch=5),
        ),
        (b'{"value":{"a":1}}', "json", PointInput({"a": 1})),
        # JSON without "value": the whole object is the value (compact).
        (b'{"temp": 21, "hum": 40}', "", PointInput('{"temp":21,"hum":40}')),
        (b'{"temp":21}', "json", PointInput('{"temp":21}')),
        # /json with a JSON string: the string; other JSON scalars stay text.
        (b'"double encoded"', "json", PointInput("double encoded")),
        (b"42", "json", PointInput("42")),
        (b"plain", "json", PointInput("plain")),
        # CSV: value,lat,lon,ele.
        (b"22.587,38.1123,-91.2325,112", "csv", PointInput("22.587", "38.1123", "-91.2325", "112")),
        (b"22.587", "csv", PointInput("22.587")),
        (b"5,1,2", "csv", PointInput("5", "1", "2")),
        (b"5,,,", "csv", PointInput("5")),
        (b"5\r\n", "csv", PointInput("5")),
        # Arduino: quoted value, %f / dtostre numbers, zeros without a location.
        (
            b'"21.50",0.000000,0.000000,0.000000',
            "csv",
            PointInput("21.50", "0.000000", "0.000000", "0.000000"),
        ),
        (b'"a, ""b""",1,2,3', "csv", PointInput('a, "b"', "1", "2", "3")),
        (
            b'"2.5e+00",4.2000000000e+01,-7.1500000000e+01,1.0000000000e+02',
            "csv",
            PointInput("2.5e+00", "4.2000000000e+01", "-7.1500000000e+01", "1.0000000000e+02"),
        ),
        # CircuitPython: spaces after the commas of its metadata.
        (b"21.5,40.7128, -74.0060, 10", "csv", PointInput("21.5", "40.7128", "-74.0060", "10")),
        (b'"on", 1, 2, 3', "csv", PointInput("on", "1", "2", "3")),
        (b"on\x00", "csv", PointInput("on")),
    ],
)
def test_feed_point(payload: bytes, fmt: str, point: PointInput) -> None:
    assert feed_point(payload, fmt) == point


@pytest.mark.parametrize(
    ("payload", "fmt", "message"),
    [
        (b"", "", "value may not be empty"),
        (b"", "json", "value may not be empty"),
        (b"", "csv", "value may not be empty"),
        (b"\xff\xfe", "", "payload is not valid UTF-8"),
        (b"\xff", "csv", "payload is not valid UTF-8"),
        (b'{"value":null}', "", "value may not be null"),
        (b",1,2,3", "csv", "value may not be empty"),
        (b"1,2,3,4,5", "csv", "CSV payload has more than value,lat,lon,ele"),
    ],
)
def test_feed_point_refuses(payload: bytes, fmt: str, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        feed_point(payload, fmt)
    assert raised.value.message == message


# --- group publishes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fmt", "pairs", "location"),
    [
        (b'{"feeds":{"temp":"21","hum":40}}', "", [("temp", "21"), ("hum", 40)], {}),
        (
            b'{"feeds":{"temp":1},"location":{"lat":1,"lon":2,"ele":3}}',
            "json",
            [("temp", 1)],
            {"lat": 1, "lon": 2, "ele": 3},
        ),
        (b"light,300\nsound,12.5\n", "csv", [("light", "300"), ("sound", "12.5")], {}),
        (b"light, 300\r\n\r\n", "csv", [("light", "300")], {}),
        (
            b"a,1\nlocation,10,20,30",
            "csv",
            [("a", "1")],
            {"lat": "10", "lon": "20", "ele": "30"},
        ),
        (b'a,"x,y"\nlocation,1,2', "csv", [("a", "x,y")], {"lat": "1", "lon": "2"}),
        (b"a,1\rb,2\r", "csv", [("a", "1"), ("b", "2")], {}),  # old Mac line ends
        (b'a,"multi\r\nline"\nb,2', "csv", [("a", "multi\r\nline"), ("b", "2")], {}),
    ],
)
def test_group_points(
    payload: bytes, fmt: str, pairs: list[tuple[str, object]], location: dict[str, object]
) -> None:
    assert group_points(payload, fmt) == (pairs, location)


@pytest.mark.parametrize(
    ("payload", "fmt"),
    [
        (b'{"feeds":{}}', ""),
        (b'{"feeds":[{"key":"a","value":1}]}', ""),
        (b'{"temp":1}', "json"),
        (b"[1]", ""),
        (b"not json", ""),
        (b"", "csv"),
        (b"location,1,2", "csv"),
        (b"lonely", "csv"),
        (b"\xff", "csv"),
        (b"a," + b"x" * 200_000, "csv"),  # over the csv module's field limit
    ],
)
def test_group_points_refuses(payload: bytes, fmt: str) -> None:
    with pytest.raises(Invalid):
        group_points(payload, fmt)


# --- what subscribers get --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "line"),
    [
        (datum("22.587", 38.1123, -91.2325, 112.0), "22.587,38.1123,-91.2325,112.0"),
        (datum("5"), "5,,,"),
        (datum("5", 1.0, 2.0), "5,1.0,2.0,"),
        (datum("a,b"), '"a,b",,,'),
        (datum('say "hi"'), '"say ""hi""",,,'),
        (datum("two\nlines"), '"two\nlines",,,'),
        (datum("cr\rlf\n"), '"cr\rlf\n",,,'),
    ],
)
def test_csv_line(d: Datum, line: str) -> None:
    assert csv_line(d) == line


def test_group_json() -> None:
    assert group_json({"temp": "21", "hum": "40"}, None) == '{"feeds":{"temp":"21","hum":"40"}}'
    located = datum("21", 1.5, 2.5, None)
    assert (
        group_json({"temp": "21"}, located)
        == '{"feeds":{"temp":"21"},"location":{"lat":1.5,"lon":2.5,"ele":null}}'
    )
    assert group_json({"temp": "21"}, datum("21")) == '{"feeds":{"temp":"21"}}'


def test_group_csv() -> None:
    assert group_csv({"temp": "21", "hum": "40"}) == "temp,21\nhum,40"
    assert group_csv({"note": "a,b"}) == 'note,"a,b"'
    assert group_csv({"a": "x\ry", "b": "1\n"}) == 'a,"x\ry"\nb,"1\n"'
    assert group_csv({}) == ""


# Leading blanks of an unquoted CSV field are dropped on the way in (CircuitPython's
# "value, lat, lon, ele"), so values starting with one cannot come back unchanged.
_VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
).filter(lambda s: not s[0].isspace())
_COORD = st.none() | st.floats(-90, 90, allow_nan=False)


@given(value=_VALUE, lat=_COORD, lon=_COORD, ele=_COORD)
def test_csv_we_send_reads_back_as_the_same_point(
    value: str, lat: float | None, lon: float | None, ele: float | None
) -> None:
    point = feed_point(csv_line(datum(value, lat, lon, ele)).encode(), "csv")
    assert point.value == value
    as_floats = tuple(None if c is None else float(c) for c in (point.lat, point.lon, point.ele))
    assert as_floats == (lat, lon, ele)


@given(st.dictionaries(st.text(min_size=1, max_size=8).filter(str.strip), _VALUE, min_size=1))
def test_group_csv_reads_back(updates: dict[str, str]) -> None:
    clean = {k.strip(): v for k, v in updates.items() if k.strip() != "location"}
    if not clean or any(c in k for k in clean for c in "\r\n\x00"):
        return
    pairs, location = group_points(group_csv(clean).encode(), "csv")
    assert dict(pairs) == clean
    assert location == {}
