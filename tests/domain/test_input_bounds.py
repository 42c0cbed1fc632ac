"""The edge's bounds on times, numbers, text and nesting (issue 12): whatever a client
sends, the parsers answer a value storage and every formatter can hold, or ``Invalid``."""

from __future__ import annotations

import contextlib
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.domain.errors import BadRequest, Invalid
from stonechat.domain.fields import INT32_MAX, INT64_MAX, INT64_MIN, to_id, to_int, to_text
from stonechat.domain.nesting import MAX_DEPTH, check_nesting, too_deep
from stonechat.domain.payloads import feed_point, group_points
from stonechat.domain.points import check_point, point_from_body
from stonechat.domain.text import check_text, text_problem
from stonechat.domain.timestamps import MAX_MS, MIN_MS, iso, iso_ms, now_ms, parse_time
from stonechat.domain.values import (
    MAX_CHART_NUMBER,
    coordinate,
    numeric,
    value_to_text,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("0001-01-01T00:00:00Z", MIN_MS),
        ("0001-01-01T00:00:00-01:00", MIN_MS + 3_600_000),
        ("9999-12-31T23:59:59.999Z", MAX_MS),
        ("9999-12-31T23:59:59+01:00", MAX_MS - 999 - 3_600_000),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2019-07-03T14:47:16.0389Z", 1_562_165_236_038),  # below a millisecond: dropped
    ],
)
def test_times_at_the_edges_of_the_range(text: str, ms: int) -> None:
    assert parse_time(text) == ms


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",  # an offset that moves it before year 1 (issue 12)
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-01:00",  # after year 9999
        "0000-12-31T23:00:00Z",
        253_402_300_800,  # epoch seconds of year 10000
        10**400,  # past a float: no OverflowError
        1e300,
        -1,
        float("inf"),
        "9" * 40,
        "2020-01-01T00:00:00Z" + " " * 10 + "x" * 60,
        "2020-01-01\x00T00:00:00Z",
    ],
)
def test_times_out_of_range_are_invalid(value: object) -> None:
    with pytest.raises(Invalid):
        parse_time(value, "created_at")


_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.datetimes(timezones=st.just(UTC) | _OFFSETS))
def test_any_iso_time_parses_exactly_or_is_refused(moment: datetime) -> None:
    text = moment.isoformat()
    exact = (moment - EPOCH) // timedelta(milliseconds=1)
    if MIN_MS <= exact <= MAX_MS:
        assert parse_time(text) == exact
        assert iso_ms(exact)[:-5] == (moment.astimezone(UTC).isoformat()[:19])
    else:
        with pytest.raises(Invalid):
            parse_time(text)


@given(st.one_of(st.text(max_size=80), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parse_time_answers_a_time_in_range_or_invalid(value: Any) -> None:
    try:
        ms = parse_time(value)
    except Invalid:
        return
    assert MIN_MS <= ms <= MAX_MS
    assert len(iso(ms)) == 20


@given(st.integers(INT64_MIN, INT64_MAX))
def test_any_stored_time_formats(ms: int) -> None:
    """A row stored before times were bounded still reads: formatting clamps."""
    assert len(iso(ms)) == 20
    assert len(iso_ms(ms)) == 24
    assert iso(ms)[:4].isdigit()


def test_four_digit_years() -> None:
    assert iso(MIN_MS) == "0001-01-01T00:00:00Z"
    assert iso(parse_time("0886-02-18T18:30:00Z")) == "0886-02-18T18:30:00Z"
    assert iso_ms(MAX_MS) == "9999-12-31T23:59:59.999Z"


def test_points_check_times_with_the_same_parser() -> None:
    now = now_ms()
    for body in (
        {"value": "1", "created_at": "0001-01-01T00:00:00+01:00"},
        {"value": "1", "epoch": 10**30},
        {"datum": {"value": "1", "created_at": "10000-01-01T00:00:00Z"}},
    ):
        with pytest.raises(Invalid):
            check_point(point_from_body(body), now)
    check_point(point_from_body({"value": "1", "created_at": "0001-01-01T00:00:00Z"}), now)


def test_mqtt_json_times_go_through_the_same_parser() -> None:
    point = feed_point(b'{"value": 1, "created_at": "0001-01-01T00:00:00+01:00"}', "json")
    with pytest.raises(Invalid):
        check_point(point, now_ms())


# --- integers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [1e20, 10**20, 2**63, "9" * 19, 1e300, float("inf"), float("nan"), "1" * 40]
)
def test_integers_beyond_64_bits_are_invalid(value: object) -> None:
    with pytest.raises(Invalid):
        to_int(value, "column")


def test_integers_within_a_column() -> None:
    assert to_int(INT32_MAX, "size_x", maximum=INT32_MAX) == INT32_MAX
    with pytest.raises(Invalid, match="at most 2147483647"):
        to_int(INT32_MAX + 1, "size_x", maximum=INT32_MAX)
    assert to_int(" 12 ", "x") == 12
    assert to_int(INT64_MIN, "z") == INT64_MIN
    assert to_int(4.0, "w") == 4


@given(st.one_of(st.integers(), st.floats(), st.text(max_size=40), st.booleans()))
def test_to_int_answers_64_bits_or_invalid(value: Any) -> None:
    try:
        number = to_int(value, "n")
    except Invalid:
        return
    assert INT64_MIN <= number <= INT64_MAX


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42", 42),
        ("2147483647", INT32_MAX),
        ("2147483648", None),
        ("99999999999999999999", None),
        ("0", None),
        ("²", None),
        ("٣", None),
        ("-1", None),
        ("", None),
    ],
)
def test_ids_in_paths(text: str, number: int | None) -> None:
    assert to_id(text) == number


# --- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a\x00b", "may not contain NUL"),
        ("\ud800", "lone surrogate"),
        ("x" * 11, "too long"),
        ("é" * 10, None),
        ("", None),
    ],
)
def test_text_problems(text: str, problem: str | None) -> None:
    found = text_problem(text, 10)
    assert (found is None) if problem is None else (problem in str(found))


@given(st.text(alphabet=st.characters(), max_size=40))
def test_check_text_accepts_exactly_what_storage_holds(text: str) -> None:
    try:
        text.encode("utf-8")
        storable = "\x00" not in text
    except UnicodeEncodeError:
        storable = False
    try:
        assert check_text(text, "name") == text
    except Invalid as error:
        assert not storable, error
    else:
        assert storable


def test_to_text_refuses_nul_and_numbers_past_64_bits() -> None:
    with pytest.raises(Invalid, match="description may not contain NUL"):
        to_text("a\u0000b", "description")
    with pytest.raises(Invalid):
        to_text(10**30, "name")
    assert to_text(12, "name") == "12"


# --- values and coordinates ----------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "\udfff", {"k": "\ud800"}, nested(MAX_DEPTH + 1), nested(1000), nested(100_000)],
)
def test_values_storage_cannot_hold_are_invalid(value: Any) -> None:
    with pytest.raises(Invalid):
        value_to_text(value)


def test_values_within_bounds() -> None:
    assert value_to_text(nested(MAX_DEPTH)) == "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    assert value_to_text({"a": "\x00"}) == '{"a":"\\u0000"}'  # escaped: no NUL stored


@pytest.mark.parametrize(("text", "number"), [("1e100", 1e100), ("1e101", None), ("-1e300", None)])
def test_charted_numbers_are_bounded(text: str, number: float | None) -> None:
    assert numeric(text) == number


@given(st.text(max_size=70))
def test_numeric_is_finite_and_bounded(text: str) -> None:
    number = numeric(text)
    assert number is None or (math.isfinite(number) and abs(number) <= MAX_CHART_NUMBER)


@pytest.mark.parametrize(
    ("value", "field"),
    [(1e10, "ele"), (10**400, "ele"), ("1" * 400, "lat"), (float("nan"), "lon"), ("1e999", "ele")],
)
def test_coordinates_are_finite_and_bounded(value: Any, field: str) -> None:
    with pytest.raises(Invalid):
        coordinate(value, field)


# --- nesting -------------------------------------------------------------------------------


def reference_depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((reference_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((reference_depth(v) for v in value), default=0)
    return 0


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=40,
)


@given(_JSON, st.integers(0, 8))
def test_too_deep_agrees_with_a_recursive_count(value: Any, limit: int) -> None:
    assert too_deep(value, limit) == (reference_depth(value) > limit)


def test_nesting_is_measured_without_recursion() -> None:
    assert too_deep(nested(1_000_000))
    with pytest.raises(Invalid, match="nested deeper than 32 levels"):
        check_nesting({"value": nested(40)}, "request body")


# --- MQTT payloads -------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 200_000])
def test_deep_mqtt_json_is_invalid_not_a_recursion_error(depth: int) -> None:
    payload = b'{"value": ' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(Invalid):
        feed_point(payload, "json")
    with pytest.raises(Invalid):
        group_points(b'{"feeds": {"a": ' + b"[" * depth + b"]" * depth + b"}}", "json")


def test_mqtt_trailing_nul_is_dropped_inner_nul_refused() -> None:
    assert feed_point(b"21.5\x00", "").value == "21.5"
    point = feed_point(b"a\x00b", "")
    with pytest.raises(Invalid):
        check_point(point, now_ms())
    with pytest.raises(Invalid):
        group_points(b'{"feeds": {"a\\u0000": "1"}}', "json")


@given(st.binary(max_size=200), st.sampled_from(["", "json", "csv"]))
def test_any_feed_payload_is_a_point_or_invalid(payload: bytes, fmt: str) -> None:
    with contextlib.suppress(Invalid, BadRequest):
        check_point(feed_point(payload, fmt), now_ms())


@given(_JSON)
def test_any_json_value_is_stored_text_or_invalid(value: Any) -> None:
    try:
        text = value_to_text(value)
    except Invalid:
        return
    assert check_text(text, "value") == text
    if isinstance(value, dict | list):
        assert json.loads(text) == value
