"""When an action fires: the per-action state machine, driven by points and a clock.

Pure: no I/O and no clock of its own. The engine passes every time in (seconds since the
epoch, as floats), keeps one ``ActionState`` per action and acts on the ``Decision``
each call returns; ``action_dry_run`` replays stored history through the same calls.

A data trigger first **compares** the point (``action_compare.compares``) against
``trigger.value``, or against ``compare_value`` (the compare feed's last value) when
``trigger.compare_feed`` is set. ``when`` then turns the previous result (``None`` when
unknown, e.g. after a start) and this one into a trigger:

- ``matches``: every point that compares true;
- ``starts``: true after false **or unknown** (Adafruit IO fires on false -> true; the
  first true point an action sees is taken as a start, so a new action reacts at once);
- ``stops``: false after true (not after unknown: nothing was seen to stop);
- ``keeps``: true after true; ``avoids``: false after false.

The **condition** a delay waits on is "compares true" for matches/starts/keeps and
"compares false" for stops/avoids. With ``delay_seconds``:

- ``reset``: a trigger arms a deadline; a point where the condition fails cancels it
  (``cancel``); a point where it holds leaves the deadline unchanged; at the deadline the
  action fires (it held for the whole delay);
- ``keep``: a trigger arms a deadline; later points are ignored (a failing condition
  does not cancel) until it fires.

The engine must call ``on_deadline`` for a deadline that is due before it passes a later
point to ``on_point`` (a deadline and a point at the same instant: the deadline first).

**Cooldown**: after a fire, nothing fires until ``now >= last_fired + cooldown_seconds``
(a trigger may still arm a delay meanwhile; the cooldown is checked when it would fire).

**Loop protection**: a point written by a publish output carries ``depth`` (the fire
behind it had depth d, its points have d + 1; a client's point has 0). A trigger at
``depth >= MAX_CHAIN_DEPTH`` neither fires nor arms a delay; the reason starts with
``"loop:"`` and the engine reports it.

The functions mutate the ``ActionState`` they are given and return what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stonechat.domain.action_compare import compares
from stonechat.domain.actions import ActionSpec, DataTrigger
from stonechat.domain.timestamps import iso_ms

MAX_CHAIN_DEPTH = 5
MAX_SHOWN = 40  # characters of a value quoted in a reason

# The result of the comparison that the delay waits on, per ``when``.
HOLDS = {"matches": True, "starts": True, "keeps": True, "stops": False, "avoids": False}

DecisionKind = Literal["fire", "schedule", "cancel", "none"]


@dataclass(slots=True)
class ActionState:
    """What one action remembers between points (plain data: the engine may store it)."""

    truth: bool | None = None  # the last comparison result; None: none seen yet
    deadline: float | None = None  # a pending delay fires at this time
    deadline_depth: int = 0  # the chain depth of the point that armed it
    cooldown_until: float | None = None
    last_fired: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine does now.

    - ``fire``: run the outputs now (``at`` is ``now``); points they publish carry
      ``depth + 1``;
    - ``schedule``: call ``on_deadline`` at ``at`` (a delay was armed, or is not over);
    - ``cancel``: drop the timer of the pending delay (the condition stopped holding);
    - ``none``: nothing to do.

    ``reason`` says why, for the run log and for the dry run's "why not".
    """

    kind: DecisionKind
    reason: str
    at: float | None = None
    depth: int = 0

    @property
    def fires(self) -> bool:
        return self.kind == "fire"


def condition(spec: ActionSpec, value: str, compare_value: str | None) -> bool:
    """Whether ``value`` compares true for the action's data trigger (the engine may use
    it to seed ``ActionState.truth`` from a feed's last value after a restart)."""
    trigger = _data_trigger(spec)
    return compares(trigger.operator, value, _other(trigger, compare_value))


def on_point(
    spec: ActionSpec,
    state: ActionState,
    value: str,
    compare_value: str | None,
    now: float,
    depth: int = 0,
    *,
    explain: bool = True,
) -> Decision:
    """A new point of the trigger feed, committed at ``now``. ``depth``: how many publish
    outputs led to it (0 for a client's point). ``compare_value``: the compare feed's last
    value (ignored unless ``trigger.compare_feed`` is set). ``explain=False`` (the engine,
    on every point of every action) leaves the reason empty unless the action fires."""
    trigger = _data_trigger(spec)
    other = _other(trigger, compare_value)
    truth = compares(trigger.operator, value, other)
    before, state.truth = state.truth, truth
    if not spec.enabled:
        state.deadline = None
        return Decision("none", "disabled", depth=depth)
    hit = _hit(trigger.when, before, truth)
    why = _when(trigger, before, truth, value, other, hit) if explain or hit else ""
    if spec.delay_seconds > 0:
        return _delayed(spec, state, hit, truth == HOLDS[trigger.when], why, now, depth)
    if not hit:
        return Decision("none", why, depth=depth)
    return _fire(spec, state, now, depth, why)


def on_deadline(spec: ActionSpec, state: ActionState, now: float) -> Decision:
    """The timer of a delay ran out: fire if a delay is pending and due (idempotent: a
    stale or repeated timer answers ``none``, an early one ``schedule`` again)."""
    pending = state.deadline
    if pending is None:
        return Decision("none", "no delay pending")
    depth = state.deadline_depth
    if now < pending:
        return Decision("schedule", f"delay not over: fires at {_time(pending)}", pending, depth)
    state.deadline = None
    if not spec.enabled:
        return Decision("none", "disabled", depth=depth)
    trigger = _data_trigger(spec)
    if spec.delay_mode == "reset" and state.truth is not HOLDS[trigger.when]:
        return Decision("none", "delay over, but the condition no longer holds", depth=depth)
    held = "held for" if spec.delay_mode == "reset" else "after"
    return _fire(spec, state, now, depth, f"delay: {held} {spec.delay_seconds} s")


def on_schedule(spec: ActionSpec, state: ActionState, now: float) -> Decision:
    """A schedule trigger's due time ``now`` came (``action_schedule.next_due``)."""
    if not spec.enabled:
        return Decision("none", "disabled")
    return _fire(spec, state, now, 0, f"schedule: due at {_time(now)}")


def _delayed(
    spec: ActionSpec,
    state: ActionState,
    hit: bool,
    holding: bool,
    why: str,
    now: float,
    depth: int,
) -> Decision:
    pending = state.deadline
    if pending is not None:
        if spec.delay_mode == "keep":
            return Decision("none", f"delay (keep) pending: fires at {_time(pending)}", None, depth)
        if not holding:
            state.deadline = None
            return Decision("cancel", f"delay cancelled: {why}", None, depth)
        return Decision(
            "none", f"delay pending: fires at {_time(pending)} if it holds", None, depth
        )
    if not hit:
        return Decision("none", why, depth=depth)
    if depth >= MAX_CHAIN_DEPTH:
        return Decision("none", _loop(depth), depth=depth)
    state.deadline = now + spec.delay_seconds
    state.deadline_depth = depth
    when = _time(state.deadline)
    return Decision("schedule", f"{why}; delay: fires at {when}", state.deadline, depth)


def _fire(spec: ActionSpec, state: ActionState, now: float, depth: int, why: str) -> Decision:
    if depth >= MAX_CHAIN_DEPTH:
        return Decision("none", _loop(depth), depth=depth)
    if state.cooldown_until is not None and now < state.cooldown_until:
        left = state.cooldown_until - now
        return Decision("none", f"cooldown: {left:.3g} s left ({why})", depth=depth)
    state.last_fired = now
    state.cooldown_until = now + spec.cooldown_seconds
    return Decision("fire", why, now, depth)


def _hit(kind: str, before: bool | None, truth: bool) -> bool:
    """Whether this point is a trigger under ``when`` = ``kind``."""
    if kind == "matches":
        return truth
    if kind == "starts":
        return truth and before is not True
    if kind == "stops":
        return not truth and before is True
    if kind == "keeps":
        return truth and before is True
    return not truth and before is False  # avoids


_SAID = {
    "starts": ("starts", "not a start"),
    "stops": ("stops", "not a stop"),
    "keeps": ("keeps", "does not keep"),
    "avoids": ("avoids", "does not avoid"),
}


def _when(
    trigger: DataTrigger,
    before: bool | None,
    truth: bool,
    value: str,
    other: str | None,
    hit: bool,
) -> str:
    """The reason this point is (``hit``) or is not a trigger under ``trigger.when``."""
    compared = _compared(trigger, value, other, truth)
    if trigger.when == "matches":
        return compared
    was = "unknown" if before is None else str(before).lower()
    yes, no = _SAID[trigger.when]
    return f"{compared}; {yes if hit else no} (was {was})"


def _compared(trigger: DataTrigger, value: str, other: str | None, truth: bool) -> str:
    if trigger.operator == "any":
        return "any new data"
    if other is None:
        return f"{_shown(value)} {trigger.operator} (no value to compare with): false"
    return f"{_shown(value)} {trigger.operator} {_shown(other)}: {str(truth).lower()}"


def _other(trigger: DataTrigger, compare_value: str | None) -> str | None:
    return compare_value if trigger.compare_feed is not None else trigger.value


def _data_trigger(spec: ActionSpec) -> DataTrigger:
    if not isinstance(spec.trigger, DataTrigger):
        raise ValueError("points drive data triggers only; schedules use on_schedule")
    return spec.trigger


def _loop(depth: int) -> str:
    return f"loop: chain depth {depth} reached"


def _shown(text: str) -> str:
    return repr(text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "...")


def _time(seconds: float) -> str:
    return iso_ms(round(seconds * 1000))
