"""Values, sizes, coordinates, timestamps and ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.domain.errors import Invalid
from stonechat.domain.ids import UlidGenerator, is_ulid
from stonechat.domain.timestamps import iso, parse_time
from stonechat.domain.values import check_size, coordinate, numeric, value_to_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (42, "42"),
        (3.5, "3.5"),
        ("hello", "hello"),
        (True, "true"),
        ({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'),
        ('"quoted"', '"quoted"'),
    ],
)
def test_value_to_text(value: object, text: str) -> None:
    assert value_to_text(value) == text


@pytest.mark.parametrize("value", [None, "", float("nan"), float("inf"), object()])
def test_bad_values(value: object) -> None:
    with pytest.raises(Invalid):
        value_to_text(value)


def test_size_limits() -> None:
    check_size("x" * 1024, history=True)
    with pytest.raises(Invalid):
        check_size("x" * 1025, history=True)
    check_size("x" * 102_400, history=False)
    with pytest.raises(Invalid):
        check_size("x" * 102_401, history=False)
    with pytest.raises(Invalid):  # bytes, not characters
        check_size("é" * 513, history=True)


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1.0), (" -2.5 ", -2.5), ("1e3", 1000.0), (".5", 0.5), ("abc", None), ("1_000", None)],
)
def test_numeric(text: str, number: float | None) -> None:
    assert numeric(text) == number


def test_coordinates() -> None:
    assert coordinate("38.5", "lat") == 38.5
    assert coordinate(None, "lat") is None
    for bad in ("abc", 91, True):
        with pytest.raises(Invalid):
            coordinate(bad, "lat")
    with pytest.raises(Invalid):
        coordinate(181, "lon")


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2018-09-23T06:53:37Z", 1537685617000),
        ("2018-09-23T06:53:37.250Z", 1537685617250),
        ("2018-09-23T08:53:37+02:00", 1537685617000),
        ("2018-09-23T06:53:37", 1537685617000),
        ("1537685617", 1537685617000),
        (1537685617.5, 1537685617500),
    ],
)
def test_parse_time(text: str | float, ms: int) -> None:
    assert parse_time(text) == ms


@pytest.mark.parametrize("text", ["yesterday", "", "2018-13-01", -5, True])
def test_parse_time_rejects(text: object) -> None:
    with pytest.raises(Invalid):
        parse_time(text)


def test_iso() -> None:
    assert iso(1537685617999) == "2018-09-23T06:53:37Z"


@given(st.lists(st.integers(0, 2**47), min_size=1, max_size=50))
def test_ulids_sort_like_their_times(times: list[int]) -> None:
    generator = UlidGenerator()
    ordered = sorted(times)
    ids = [generator.new(t) for t in ordered]
    assert all(is_ulid(i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
