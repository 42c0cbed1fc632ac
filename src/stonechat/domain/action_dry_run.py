"""Dry run: when an action would have fired over stored history, and why not elsewhere.

The points of the trigger feed are replayed through the engine's own state machine
(``action_rules``) with their times as the clock, so delay (reset and keep), cooldown and
``when`` behave exactly as they would have live. The compare feed's value at a point is
its last point at or before that time. Pure and bounded: at most ``MAX_POINTS`` points
of each feed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from stonechat.domain.action_rules import (
    ActionState,
    on_deadline,
    on_point,
)
from stonechat.domain.actions import ActionSpec, DataTrigger
from stonechat.domain.errors import Invalid
from stonechat.domain.timestamps import iso_ms

MAX_POINTS = 10_000

Point = tuple[float, str]  # (seconds since the epoch, value)


@dataclass(slots=True)
class Verdict:
    """One replayed point: ``fired`` when it made the action fire, at ``fired_at`` (its
    own time, or the end of the delay it armed); ``reason`` says why or why not."""

    at: float
    value: str
    fired: bool
    fired_at: float | None
    reason: str


def dry_run(
    spec: ActionSpec,
    points: list[Point],
    compare_points: list[Point] | None = None,
    *,
    end: float | None = None,
) -> list[Verdict]:
    """One ``Verdict`` per point of ``points``, in time order (stable for equal times).

    The action is evaluated as if enabled (a user may try a disabled one) and every
    point as a client's (chain depth 0). A delay still pending after the last point is
    resolved at its deadline, unless ``end`` (the end of the replayed range) comes first:
    then later points, unknown here, could have cancelled it, and the verdict says
    "pending". ``Invalid`` for a schedule trigger (see ``action_schedule.due_between``)
    or more than ``MAX_POINTS`` points.
    """
    if not isinstance(spec.trigger, DataTrigger):
        raise Invalid("trigger.type: a dry run replays data triggers; schedules have due times")
    if len(points) > MAX_POINTS or len(compare_points or ()) > MAX_POINTS:
        raise Invalid(f"a dry run replays at most {MAX_POINTS} points of each feed")
    spec = replace(spec, enabled=True)
    state = ActionState()
    others = sorted(compare_points or (), key=_time)
    verdicts: list[Verdict] = []
    armed: Verdict | None = None  # the verdict of the point whose delay is pending
    other: str | None = None
    next_other = 0

    def settle(deadline: float) -> None:
        nonlocal armed
        decision = on_deadline(spec, state, deadline)
        if armed is not None:
            if decision.fires:
                armed.fired, armed.fired_at = True, deadline
                armed.reason += f"; fired at {_iso(deadline)} ({decision.reason})"
            else:
                armed.reason += f"; at {_iso(deadline)}: {decision.reason}"
        armed = None

    for at, value in sorted(points, key=_time):
        while next_other < len(others) and others[next_other][0] <= at:
            other = others[next_other][1]
            next_other += 1
        if state.deadline is not None and state.deadline <= at:
            settle(state.deadline)
        decision = on_point(spec, state, value, other, at)
        verdict = Verdict(
            at, value, decision.fires, at if decision.fires else None, decision.reason
        )
        if decision.kind == "schedule":
            armed = verdict
        elif decision.kind == "cancel" and armed is not None:
            armed.reason += f"; cancelled at {_iso(at)}"
            armed = None
        verdicts.append(verdict)
    if state.deadline is not None:
        if end is None or state.deadline <= end:
            settle(state.deadline)
        elif armed is not None:
            armed.reason += "; still pending at the end of the range"
    return verdicts


def _time(point: Point) -> float:
    return point[0]


def _iso(seconds: float) -> str:
    return iso_ms(round(seconds * 1000))
