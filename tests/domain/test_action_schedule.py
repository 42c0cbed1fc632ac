"""Schedule triggers: cron patterns on a time zone's clock, across daylight saving changes.

Epoch times are fixed; each is written as its UTC time for the reader.
2025 changes: Europe/Amsterdam springs forward 2025-03-30 01:00Z (02:00 -> 03:00) and
falls back 2025-10-26 01:00Z (03:00 -> 02:00); America/New_York springs forward
2025-03-09 07:00Z (02:00 -> 03:00) and falls back 2025-11-02 06:00Z (02:00 -> 01:00).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.domain.action_schedule import MAX_DUE, check_schedule, due_between, next_due
from stonechat.domain.errors import Invalid

AMS = "Europe/Amsterdam"
NYC = "America/New_York"


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def shown(times: list[float]) -> list[str]:
    return [datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M") for t in times]


def test_fixed_epoch() -> None:
    assert utc("2025-03-30T01:00") == 1_743_296_400
    assert next_due("30 2 * * *", AMS, 1_743_289_200) == 1_743_296_400  # 23:00Z -> 01:00Z


def test_next_due_is_strictly_after() -> None:
    due = next_due("0 7 * * *", "UTC", utc("2025-06-01T06:59"))
    assert due == utc("2025-06-01T07:00")
    assert next_due("0 7 * * *", "UTC", due) == utc("2025-06-02T07:00")
    assert next_due("* * * * *", "UTC", utc("2025-06-01T07:00") + 0.5) == utc("2025-06-01T07:01")


def test_time_zone_shifts_the_wall_clock() -> None:
    assert next_due("0 7 * * *", AMS, utc("2025-06-01T00:00")) == utc("2025-06-01T05:00")  # CEST
    assert next_due("0 7 * * *", AMS, utc("2025-01-01T00:00")) == utc("2025-01-01T06:00")  # CET
    assert next_due("0 7 * * *", NYC, utc("2025-01-01T00:00")) == utc("2025-01-01T12:00")  # EST


def test_spring_forward_amsterdam_fires_once_when_clocks_jump() -> None:
    times = due_between("30 2 * * *", AMS, utc("2025-03-29T00:00"), utc("2025-04-01T00:00"))
    assert shown(times) == [
        "2025-03-29T01:30",  # 02:30 CET
        "2025-03-30T01:00",  # 02:30 does not exist: due at 03:00 CEST, the jump
        "2025-03-31T00:30",  # 02:30 CEST
    ]


def test_skipped_times_fold_into_one() -> None:
    times = due_between("*/15 2 * * *", AMS, utc("2025-03-30T00:00"), utc("2025-03-30T03:00"))
    assert shown(times) == ["2025-03-30T01:00"]
    hourly = due_between("30 * * * *", AMS, utc("2025-03-30T00:00"), utc("2025-03-30T03:00"))
    # 01:30 CET, (02:30 skipped -> 03:00 CEST), 03:30 CEST, 04:30 CEST
    assert shown(hourly) == [
        "2025-03-30T00:30",
        "2025-03-30T01:00",
        "2025-03-30T01:30",
        "2025-03-30T02:30",
    ]


def test_fall_back_amsterdam_fires_once_at_the_first_occurrence() -> None:
    times = due_between("30 2 * * *", AMS, utc("2025-10-25T00:00"), utc("2025-10-28T00:00"))
    assert shown(times) == [
        "2025-10-25T00:30",  # 02:30 CEST
        "2025-10-26T00:30",  # 02:30 CEST, the first of two; 01:30Z (02:30 CET) is skipped
        "2025-10-27T01:30",  # 02:30 CET
    ]
    # asked from inside the repeated hour, the repeated 02:30 is not due again
    assert next_due("30 2 * * *", AMS, utc("2025-10-26T01:10")) == utc("2025-10-27T01:30")


def test_new_york_spring_forward_and_fall_back() -> None:
    spring = due_between("30 2 * * *", NYC, utc("2025-03-08T00:00"), utc("2025-03-11T00:00"))
    assert shown(spring) == ["2025-03-08T07:30", "2025-03-09T07:00", "2025-03-10T06:30"]
    fall = due_between("30 1 * * *", NYC, utc("2025-11-01T00:00"), utc("2025-11-04T00:00"))
    assert shown(fall) == ["2025-11-01T05:30", "2025-11-02T05:30", "2025-11-03T06:30"]
    hourly = due_between("30 * * * *", NYC, utc("2025-11-02T04:00"), utc("2025-11-02T08:00"))
    # 00:30 EDT, 01:30 EDT, (01:30 EST repeated: skipped), 02:30 EST
    assert shown(hourly) == ["2025-11-02T04:30", "2025-11-02T05:30", "2025-11-02T07:30"]


def test_weekday_range() -> None:
    # Thursday 2025-03-27 to Wednesday 2025-04-02, across the spring change
    times = due_between("0 7 * * 1-5", AMS, utc("2025-03-27T00:00"), utc("2025-04-03T00:00"))
    assert shown(times) == [
        "2025-03-27T06:00",  # Thu, CET
        "2025-03-28T06:00",  # Fri
        "2025-03-31T05:00",  # Mon, CEST
        "2025-04-01T05:00",
        "2025-04-02T05:00",
    ]


def test_due_between_is_half_open_and_bounded() -> None:
    start, end = utc("2025-06-01T00:00"), utc("2025-06-01T00:05")
    assert shown(due_between("* * * * *", "UTC", start, end)) == [
        "2025-06-01T00:00",
        "2025-06-01T00:01",
        "2025-06-01T00:02",
        "2025-06-01T00:03",
        "2025-06-01T00:04",
    ]
    assert len(due_between("* * * * *", "UTC", start, start + 30 * 86_400)) == MAX_DUE
    assert len(due_between("* * * * *", "UTC", start, end, limit=2)) == 2
    assert due_between("* * * * *", "UTC", end, start) == []


@pytest.mark.parametrize(
    ("cron", "zone", "message"),
    [
        ("61 * * * *", "UTC", "trigger.cron: "),
        ("a b c d e", "UTC", "trigger.cron: "),
        ("* * * *", "UTC", "trigger.cron: must have five fields"),
        ("* * * * * *", "UTC", "trigger.cron: must have five fields"),
        ("@daily", "UTC", "trigger.cron: must have five fields"),
        ("0 0 30 2 *", "UTC", "trigger.cron: never due"),
        ("* * * * *", "Mars/Olympus_Mons", "trigger.time_zone: unknown time zone"),
        ("* * * * *", "../../etc/passwd", "trigger.time_zone: unknown time zone"),
        ("* * * * *", "", "trigger.time_zone: unknown time zone"),
        ("* * * * *", "x" * 1000, "trigger.time_zone: unknown time zone"),
    ],
)
def test_bad_schedules_are_refused_with_the_field(cron: str, zone: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_schedule(cron, zone)
    assert caught.value.message.startswith(message)
    assert caught.value.status == 422


def test_good_schedules_pass() -> None:
    for cron in ("0 7 * * 1-5", "*/5 * * * *", "0 0 1 1 *", "15 8-17 * * mon-fri"):
        check_schedule(cron, AMS)


@given(
    st.sampled_from(["*/7 * * * *", "30 2 * * *", "0 */3 * * 1-5", "45 1 * * *"]),
    st.sampled_from(["UTC", AMS, NYC, "Australia/Lord_Howe", "Asia/Kolkata"]),
    st.floats(min_value=1_600_000_000, max_value=1_900_000_000),
)
def test_next_due_always_moves_forward(cron: str, zone: str, after: float) -> None:
    first = next_due(cron, zone, after)
    assert after < first <= after + 8 * 86_400
    assert next_due(cron, zone, first) > first
