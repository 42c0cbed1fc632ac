"""Retention tiers (domain/retention.py) and the rollups a chart reads (domain/chart_buckets.py)."""

from __future__ import annotations

import pytest

from stonechat.domain.chart_buckets import grain_for, plan, rounded_to_grain
from stonechat.domain.errors import Invalid
from stonechat.domain.retention import DAY_MS, Retention, parse_overrides

DEFAULTS = Retention()  # 30, 90, 730, forever
NOW = 1_767_225_600_000 + 13 * 3_600_000 + 17 * 60_000 + 5_123  # 2026-01-01T13:17:05.123Z


def test_the_defaults() -> None:
    assert DEFAULTS.as_json() == {"raw": 30, "minute": 90, "hour": 730, "day": None}


def test_cutoffs_round_down_to_the_grain_below() -> None:
    assert DEFAULTS.cutoff("raw", NOW) == (NOW - 30 * DAY_MS) // 60_000 * 60_000
    assert DEFAULTS.cutoff("minute", NOW) == (NOW - 90 * DAY_MS) // 3_600_000 * 3_600_000
    assert DEFAULTS.cutoff("hour", NOW) == (NOW - 730 * DAY_MS) // DAY_MS * DAY_MS
    assert DEFAULTS.cutoff("day", NOW) is None
    assert DEFAULTS.expiration(5) == 5 + 30 * DAY_MS
    assert Retention(raw=None, minute=None, hour=None).expiration(5) is None


@pytest.mark.parametrize(
    "own,effective",
    [
        ({}, (30, 90, 730, None)),
        ({"raw": 365}, (365, 365, 730, None)),  # the default minutes follow the longer raw
        ({"raw": None}, (None, None, None, None)),
        ({"day": 3650}, (30, 90, 730, 3650)),
        ({"raw": 7, "minute": 7, "hour": 7, "day": 7}, (7, 7, 7, 7)),
        ({"hour": 1}, (30, 90, 90, None)),  # own tiers the defaults outgrew (not strict)
    ],
)
def test_a_feeds_tiers_over_the_defaults(
    own: dict[str, int | None], effective: tuple[int | None, ...]
) -> None:
    merged = DEFAULTS.over(own)
    assert (merged.raw, merged.minute, merged.hour, merged.day) == effective


@pytest.mark.parametrize(
    "value",
    [{"raw": 0}, {"raw": True}, {"raw": "3"}, {"raw": 2.5}, {"year": 1}, {"minute": 10},
     {"raw": None, "day": 30}, {"hour": 100, "day": 99}, "30", [1], 7],
)  # fmt: skip
def test_bad_overrides_are_refused(value: object) -> None:
    with pytest.raises(Invalid):
        parse_overrides(value, DEFAULTS)


def test_good_overrides_are_kept_as_sent() -> None:
    assert parse_overrides(None, DEFAULTS) == {}
    assert parse_overrides({"raw": 365, "day": None}, DEFAULTS) == {"raw": 365, "day": None}


@pytest.mark.parametrize(
    "minutes,grain",
    [(1, "minute"), (5, "minute"), (30, "minute"), (60, "hour"), (120, "hour"), (960, "hour"),
     (1440, "day"), (2880, "day"), (90, "minute")],
)  # fmt: skip
def test_the_coarsest_grain_that_tiles_a_bucket(minutes: int, grain: str) -> None:
    assert grain_for(minutes) == grain


def test_long_buckets_are_whole_days() -> None:
    assert rounded_to_grain(960) == 960
    assert rounded_to_grain(961) == 1440
    assert rounded_to_grain(1095) == 1440
    assert rounded_to_grain(1441) == 2880


def test_a_chart_older_than_its_minutes_reads_hours_and_says_so() -> None:
    recent = plan(5, NOW - 10 * DAY_MS, DEFAULTS, NOW)
    assert (recent.minutes, recent.grain, recent.note) == (5, "minute", None)
    old = plan(5, NOW - 100 * DAY_MS, DEFAULTS, NOW)
    assert (old.minutes, old.grain) == (60, "hour")
    assert old.note and "minute summaries are kept 90 days" in old.note
    ancient = plan(5, NOW - 1000 * DAY_MS, DEFAULTS, NOW)
    assert (ancient.minutes, ancient.grain) == (1440, "day")
    lost = plan(5, NOW - 1000 * DAY_MS, Retention(raw=30, minute=90, hour=730, day=900), NOW)
    assert lost.note == "part of this range is older than every summary this feed keeps"


def test_the_settings_tiers_follow_a_longer_raw_tier() -> None:
    """An operator's --retention-days 365 (set before rollups existed) still starts: the
    summary tiers left at their defaults follow it; two given in the wrong order are refused."""
    from pydantic import ValidationError

    from stonechat.config import Settings

    assert Settings(retention_days=365).retention() == Retention(365, 365, 730, None)
    assert Settings(retention_days=800_000).retention() == Retention(800_000, 800_000, 800_000)
    assert Settings(retention_day_days=3650).retention() == Retention(30, 90, 730, 3650)
    with pytest.raises(ValidationError, match="minute 100 is shorter than 365"):
        Settings(retention_days=365, retention_minute_days=100)
