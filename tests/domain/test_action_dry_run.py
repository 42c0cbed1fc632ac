"""Dry run: stored history replayed through the state machine, with its times as the clock."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.domain.action_dry_run import MAX_POINTS, dry_run
from stonechat.domain.actions import ActionSpec, DataTrigger, LogOutput, ScheduleTrigger
from stonechat.domain.errors import Invalid

T0 = 1_750_000_000.0


def spec(
    when: str = "matches",
    operator: str = "gt",
    value: str | None = "30",
    compare_feed: str | None = None,
    delay: int = 0,
    mode: str = "reset",
    cooldown: int = 0,
) -> ActionSpec:
    return ActionSpec(
        "a",
        DataTrigger("temp", operator, value, compare_feed, when),
        [LogOutput("x")],
        delay_seconds=delay,
        delay_mode=mode,
        cooldown_seconds=cooldown,
    )


def history(*values: str, step: float = 10.0) -> list[tuple[float, str]]:
    return [(T0 + i * step, v) for i, v in enumerate(values)]


def test_synthetic_history_with_cooldown() -> None:
    # a day of readings every 10 minutes, a hot afternoon, a cooldown of an hour
    readings = [str(20 + (12 if 80 <= i < 90 else 0)) for i in range(144)]
    verdicts = dry_run(spec(cooldown=3600), history(*readings, step=600))
    assert len(verdicts) == 144
    fired = [i for i, v in enumerate(verdicts) if v.fired]
    assert fired == [80, 86]  # 86: one hour after 80
    assert all(v.reason.startswith("cooldown") for v in verdicts[81:86])
    assert verdicts[0].reason == "'20' gt '30': false"
    assert verdicts[80].fired_at == verdicts[80].at


def test_disabled_actions_are_replayed_as_enabled() -> None:
    action = spec()
    action.enabled = False
    assert [v.fired for v in dry_run(action, history("31"))] == [True]


def test_points_are_replayed_in_time_order() -> None:
    points = [(T0 + 20, "40"), (T0, "31"), (T0 + 10, "10")]
    verdicts = dry_run(spec("starts"), points)
    assert [(v.at, v.fired) for v in verdicts] == [(T0, True), (T0 + 10, False), (T0 + 20, True)]


def test_compare_feed_history() -> None:
    action = spec(operator="gt", value=None, compare_feed="outside")
    inside = history("21", "21", "21", "21")
    outside = [(T0 + 5, "20"), (T0 + 20, "25"), (T0 + 30, "10")]
    verdicts = dry_run(action, inside, outside)
    # T0: no outside value yet; T0+10: 21 > 20; T0+20: 21 > 25 no (same instant counts);
    # T0+30: 21 > 10
    assert [v.fired for v in verdicts] == [False, True, False, True]
    assert "no value to compare with" in verdicts[0].reason


def test_delay_reset_held_and_interrupted() -> None:
    action = spec(delay=30, mode="reset")
    # armed at 0, held at 10 and 20, fires at 30 (the deadline comes before the point at 30);
    # the point at 30 arms again, 40 holds, 50 cancels
    verdicts = dry_run(action, history("31", "32", "33", "34", "35", "10"))
    first = verdicts[0]
    assert first.fired and first.fired_at == T0 + 30
    assert "fired at" in first.reason and "held for 30 s" in first.reason
    assert [v.fired for v in verdicts[1:]] == [False] * 5
    assert "delay pending" in verdicts[1].reason
    assert verdicts[3].reason.endswith("; cancelled at 2025-06-15T15:07:30.000Z")
    assert "delay pending" in verdicts[4].reason
    assert verdicts[5].reason.startswith("delay cancelled")


def test_delay_keep_ignores_and_survives_false_points() -> None:
    action = spec(delay=30, mode="keep")
    verdicts = dry_run(action, history("31", "10", "40", "5"))
    assert verdicts[0].fired and verdicts[0].fired_at == T0 + 30
    assert all("delay (keep) pending" in v.reason for v in verdicts[1:3])
    assert not verdicts[3].fired  # 5 is false: nothing to arm


def test_delay_after_the_last_point() -> None:
    action = spec(delay=60)
    resolved = dry_run(action, history("31"))
    assert resolved[0].fired and resolved[0].fired_at == T0 + 60
    open_ended = dry_run(action, history("31"), end=T0 + 30)
    assert not open_ended[0].fired
    assert open_ended[0].reason.endswith("still pending at the end of the range")


def test_delay_fire_blocked_by_cooldown_says_so() -> None:
    action = spec(operator="any", value=None, delay=10, mode="keep", cooldown=100)
    verdicts = dry_run(action, history("a", "b", "c", step=20))
    assert [v.fired for v in verdicts] == [True, False, False]
    assert verdicts[1].reason.startswith("any new data; delay: fires at")
    assert "cooldown" in verdicts[1].reason


def test_bounds_and_schedules() -> None:
    with pytest.raises(Invalid, match="at most"):
        dry_run(spec(), history(*["1"] * (MAX_POINTS + 1), step=1))
    with pytest.raises(Invalid, match="at most"):
        dry_run(spec(), [], [(T0, "1")] * (MAX_POINTS + 1))
    schedule = ActionSpec("s", ScheduleTrigger("* * * * *"), [LogOutput("x")])
    with pytest.raises(Invalid, match=r"^trigger\.type"):
        dry_run(schedule, history("1"))


@given(
    st.sampled_from(["matches", "starts", "stops", "keeps", "avoids"]),
    st.sampled_from(["reset", "keep"]),
    st.integers(0, 40),
    st.lists(st.tuples(st.integers(0, 500), st.sampled_from(["10", "50", "x", "30"]))),
)
def test_one_verdict_per_point(
    when: str, mode: str, delay: int, raw: list[tuple[int, str]]
) -> None:
    points = [(T0 + t, v) for t, v in raw]
    verdicts = dry_run(spec(when, delay=delay, mode=mode, cooldown=7), points)
    assert len(verdicts) == len(points)
    assert sorted(v.at for v in verdicts) == [v.at for v in verdicts]
    fires = sorted(v.fired_at for v in verdicts if v.fired_at is not None)
    assert all(later - earlier >= 7 for earlier, later in pairwise(fires))
    assert all(v.fired == (v.fired_at is not None) for v in verdicts)
