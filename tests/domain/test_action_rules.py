"""The per-action state machine, driven by points and a fake clock (seconds as numbers)."""

from __future__ import annotations

import pytest

from stonechat.domain.action_rules import (
    MAX_CHAIN_DEPTH,
    ActionState,
    Decision,
    condition,
    on_deadline,
    on_point,
    on_schedule,
)
from stonechat.domain.actions import ActionSpec, DataTrigger, LogOutput, ScheduleTrigger

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
    trigger = DataTrigger("temp", operator, value, compare_feed, when)
    return ActionSpec(
        "a",
        trigger,
        [LogOutput("{{ value }}")],
        delay_seconds=delay,
        delay_mode=mode,
        cooldown_seconds=cooldown,
    )


def feed(action: ActionSpec, values: list[str], step: float = 10.0) -> list[Decision]:
    """Points ``step`` seconds apart from T0, through one state."""
    state = ActionState()
    return [on_point(action, state, v, None, T0 + i * step) for i, v in enumerate(values)]


def fired(decisions: list[Decision]) -> list[bool]:
    return [d.fires for d in decisions]


VALUES = ["31", "32", "20", "10", "40", "5"]  # true true false false true false


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("matches", [True, True, False, False, True, False]),
        ("starts", [True, False, False, False, True, False]),  # unknown -> true is a start
        ("stops", [False, False, True, False, False, True]),
        ("keeps", [False, True, False, False, False, False]),
        ("avoids", [False, False, False, True, False, False]),
    ],
)
def test_when(when: str, expected: list[bool]) -> None:
    assert fired(feed(spec(when), VALUES)) == expected


def test_unknown_then_false_is_neither_a_stop_nor_avoids() -> None:
    for when in ("stops", "avoids"):
        decision = feed(spec(when), ["1"])[0]
        assert not decision.fires
        assert "was unknown" in decision.reason


def test_reasons_name_the_comparison() -> None:
    yes, no = feed(spec("matches"), ["31", "29"])
    assert yes.kind == "fire" and yes.at == T0 and yes.reason == "'31' gt '30': true"
    assert no.kind == "none" and no.reason == "'29' gt '30': false"
    start, again = feed(spec("starts"), ["31", "35"])
    assert "starts (was unknown)" in start.reason
    assert "not a start (was true)" in again.reason


def test_any_fires_on_every_point() -> None:
    decisions = feed(spec(operator="any", value=None), ["x", "", "1"])
    assert fired(decisions) == [True, True, True]
    assert decisions[0].reason == "any new data"


def test_text_comparison() -> None:
    action = spec(operator="eq", value="open")
    assert fired(feed(action, ["open", "closed", "Open"])) == [True, False, False]
    contains = spec(operator="contains", value="alarm")
    assert fired(feed(contains, ["fire alarm", "calm"])) == [True, False]


def test_compare_feed_value() -> None:
    action = spec(operator="gt", value=None, compare_feed="outside")
    state = ActionState()
    assert on_point(action, state, "21", "20", T0).fires
    assert not on_point(action, state, "21", "25", T0 + 1).fires
    missing = on_point(action, state, "21", None, T0 + 2)
    assert not missing.fires and "no value to compare with" in missing.reason
    # without a compare feed the constant counts, not the compare value passed in
    assert on_point(spec(), ActionState(), "31", "99", T0).fires


def test_condition_seeds_state() -> None:
    assert condition(spec(), "31", None) is True
    assert condition(spec(operator="lt", value=None, compare_feed="b"), "1", "2") is True


def test_disabled_never_fires() -> None:
    action = spec()
    action.enabled = False
    state = ActionState()
    decision = on_point(action, state, "99", None, T0)
    assert decision.kind == "none" and decision.reason == "disabled"
    assert state.truth is True  # the point was still seen


# cooldown


def test_default_cooldown_is_five_seconds() -> None:
    action = ActionSpec("a", DataTrigger("temp", "any"), [LogOutput("x")])
    assert action.cooldown_seconds == 5
    state = ActionState()
    assert on_point(action, state, "1", None, T0).fires
    blocked = on_point(action, state, "1", None, T0 + 4.9)
    assert blocked.kind == "none" and blocked.reason.startswith("cooldown")
    assert on_point(action, state, "1", None, T0 + 5).fires  # now >= last_fired + cooldown
    assert state.last_fired == T0 + 5 and state.cooldown_until == T0 + 10


def test_blocked_points_do_not_extend_the_cooldown() -> None:
    action = spec(operator="any", value=None, cooldown=60)
    decisions = feed(action, ["1"] * 8)  # every 10 s
    assert fired(decisions) == [True, False, False, False, False, False, True, False]


def test_cooldown_applies_to_schedules() -> None:
    action = ActionSpec("s", ScheduleTrigger("* * * * *"), [LogOutput("x")], cooldown_seconds=90)
    state = ActionState()
    assert on_schedule(action, state, T0).fires
    assert on_schedule(action, state, T0 + 60).reason.startswith("cooldown")
    assert on_schedule(action, state, T0 + 120).fires


def test_schedule_spec_is_not_driven_by_points() -> None:
    action = ActionSpec("s", ScheduleTrigger("* * * * *"), [LogOutput("x")])
    with pytest.raises(ValueError):
        on_point(action, ActionState(), "1", None, T0)


# delay, reset mode


def test_reset_fires_when_held_for_the_whole_delay() -> None:
    action = spec("matches", delay=60, mode="reset")
    state = ActionState()
    armed = on_point(action, state, "31", None, T0)
    assert armed.kind == "schedule" and armed.at == T0 + 60
    held = on_point(action, state, "35", None, T0 + 30)
    assert held.kind == "none" and "delay pending" in held.reason
    assert state.deadline == T0 + 60  # a true point leaves the deadline unchanged
    early = on_deadline(action, state, T0 + 59)
    assert early.kind == "schedule" and early.at == T0 + 60
    due = on_deadline(action, state, T0 + 60)
    assert due.fires and due.reason == "delay: held for 60 s"
    assert state.deadline is None
    assert on_deadline(action, state, T0 + 61).kind == "none"  # a repeated timer: nothing


def test_reset_is_cancelled_by_a_false_point() -> None:
    action = spec("matches", delay=60, mode="reset")
    state = ActionState()
    on_point(action, state, "31", None, T0)
    cancel = on_point(action, state, "20", None, T0 + 30)
    assert cancel.kind == "cancel" and cancel.reason.startswith("delay cancelled")
    assert state.deadline is None
    stale = on_deadline(action, state, T0 + 60)
    assert stale.kind == "none" and stale.reason == "no delay pending"
    rearmed = on_point(action, state, "31", None, T0 + 40)
    assert rearmed.kind == "schedule" and rearmed.at == T0 + 100
    assert not on_deadline(action, state, T0 + 60).fires  # the old timer: not due yet
    assert on_deadline(action, state, T0 + 100).fires


def test_reset_on_stops_waits_for_it_to_stay_off() -> None:
    action = spec("stops", delay=30, mode="reset")
    state = ActionState()
    on_point(action, state, "31", None, T0)
    assert on_point(action, state, "20", None, T0 + 1).kind == "schedule"
    assert on_point(action, state, "10", None, T0 + 2).kind == "none"  # still off
    assert on_point(action, state, "31", None, T0 + 3).kind == "cancel"  # back on
    assert on_deadline(action, state, T0 + 31).kind == "none"


def test_starts_with_delay_does_not_rearm_while_true() -> None:
    action = spec("starts", delay=60, mode="reset")
    state = ActionState()
    assert on_point(action, state, "31", None, T0).kind == "schedule"
    assert on_point(action, state, "32", None, T0 + 10).kind == "none"
    assert on_deadline(action, state, T0 + 60).fires
    assert on_point(action, state, "33", None, T0 + 70).kind == "none"  # not a start


# delay, keep mode


def test_keep_ignores_later_triggers_and_false_points() -> None:
    action = spec("matches", delay=60, mode="keep")
    state = ActionState()
    assert on_point(action, state, "31", None, T0).at == T0 + 60
    later = on_point(action, state, "40", None, T0 + 20)
    assert later.kind == "none" and "delay (keep) pending" in later.reason
    false = on_point(action, state, "10", None, T0 + 30)
    assert false.kind == "none"  # keep mode: a false point does not cancel
    assert state.deadline == T0 + 60
    due = on_deadline(action, state, T0 + 60)
    assert due.fires and due.reason == "delay: after 60 s"
    assert on_point(action, state, "31", None, T0 + 61).at == T0 + 121  # next trigger arms anew


def test_delay_fire_respects_cooldown() -> None:
    action = spec("matches", delay=10, mode="keep", cooldown=100)
    state = ActionState()
    on_point(action, state, "31", None, T0)
    assert on_deadline(action, state, T0 + 10).fires
    on_point(action, state, "31", None, T0 + 20)
    blocked = on_deadline(action, state, T0 + 30)
    assert blocked.kind == "none" and blocked.reason.startswith("cooldown")
    assert state.deadline is None


# loop protection


def test_chain_depth_is_bounded() -> None:
    action = spec(operator="any", value=None)
    state = ActionState()
    for depth in range(MAX_CHAIN_DEPTH):
        decision = on_point(action, state, "1", None, T0 + depth, depth)
        assert decision.fires and decision.depth == depth
    stopped = on_point(action, state, "1", None, T0 + 10, MAX_CHAIN_DEPTH)
    assert stopped.kind == "none"
    assert stopped.reason == f"loop: chain depth {MAX_CHAIN_DEPTH} reached"


def test_chain_depth_also_stops_a_delay() -> None:
    action = spec(operator="any", value=None, delay=5)
    state = ActionState()
    refused = on_point(action, state, "1", None, T0, MAX_CHAIN_DEPTH)
    assert refused.kind == "none" and refused.reason.startswith("loop:")
    assert state.deadline is None
    armed = on_point(action, state, "1", None, T0, 2)
    assert armed.kind == "schedule"
    due = on_deadline(action, state, T0 + 5)
    assert due.fires and due.depth == 2  # its outputs publish at depth 3
