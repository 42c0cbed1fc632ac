"""The actions engine: runs users' actions when their data arrives or their time comes.

One process of an installation runs it: the holder of the "actions engine" role
(``storage.leader``: a PostgreSQL advisory lock; on SQLite the only process). Every
process hands it committed points through the bus (the Redis bus carries the other
processes' points), so each point is evaluated once, after its commit, and each scheduled
time fires once. When the holder stops, another process takes the role within
``HOLD_EVERY`` seconds; points committed in between are not evaluated.

One worker task takes what happens, in order, from a bounded queue: points, expired delays,
due schedules. The decisions are ``domain.action_rules`` (when, delay, cooldown, loop
depth); running the outputs is ``services.action_runner``, one task per run, bounded by
``MAX_RUNNING``. A publish output's points carry the chain depth of the run that wrote
them (``FeedEvent.chain``), so an action that triggers itself stops after
``MAX_CHAIN_DEPTH`` runs, recorded as a skipped run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stonechat.bus.base import ClusterBus, FanOutBus, Signal
from stonechat.bus.events import FeedEvent
from stonechat.bus.signals import ACTIONS_CHANGED
from stonechat.domain.action_rules import (
    ActionState,
    Decision,
    condition,
    on_deadline,
    on_point,
    on_schedule,
)
from stonechat.domain.action_schedule import next_due
from stonechat.domain.actions import ActionSpec, DataTrigger, ScheduleTrigger
from stonechat.domain.records import Feed
from stonechat.services.action_runner import ActionRunner, Trigger
from stonechat.services.actions import ActionService
from stonechat.storage.leader import LeaderLock

log = logging.getLogger(__name__)

ROLE = "actions engine"
HOLD_EVERY = 5.0  # seconds between tries to take the role (and checks that it is held)
QUEUE_POINTS = 100_000  # points waiting for the engine; past it they are dropped and counted
MAX_RUNNING = 100  # runs at the same time (emails and webhooks wait on the network)


@dataclass(slots=True)
class Live:
    """An enabled action as the engine holds it."""

    action_id: int
    user_id: int
    spec: ActionSpec
    feed_id: int | None = None  # a data trigger's feed
    compare_feed: Feed | None = None
    state: ActionState = field(default_factory=ActionState)
    timer: asyncio.TimerHandle | None = None
    pending: Trigger | None = None  # the point that started a delay


class ActionEngine:
    def __init__(
        self,
        actions: ActionService,
        runner: ActionRunner,
        bus: FanOutBus,
        cluster: ClusterBus,
        lock: LeaderLock,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.actions = actions
        self.runner = runner
        self.bus = bus
        self.cluster = cluster
        self.lock = lock
        self.clock = clock
        self.leading = False
        self.by_feed: dict[int, list[Live]] = {}  # trigger feed id -> its actions
        self.by_compare: dict[int, list[Live]] = {}  # compare feed id -> the actions reading it
        self.live: dict[int, Live] = {}
        self.stats: dict[str, int] = {"points": 0, "runs": 0, "dropped": 0, "loops": 0}
        self._queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._waiting = 0  # points in the queue (what bounds it)
        self._last_drop_log = -math.inf
        self._running: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_RUNNING)
        self._tasks: list[asyncio.Task[None]] = []
        self._schedule: asyncio.TimerHandle | None = None

    # -- life ----------------------------------------------------------------------------

    async def start(self) -> None:
        self.bus.subscribe(self._on_points)
        self.cluster.on(ACTIONS_CHANGED, self._on_changed)
        self.actions.on_change = self.changed
        self._tasks = [
            asyncio.create_task(self._lead(), name="actions-leader"),
            asyncio.create_task(self._work(), name="actions-worker"),
        ]

    async def close(self) -> None:
        self.bus.unsubscribe(self._on_points)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._stop_leading()
        if self._running:
            await asyncio.wait(self._running, timeout=10)
        await self.lock.release()

    async def _lead(self) -> None:
        while True:
            held = await self.lock.try_hold()
            if held and not self.leading:
                try:
                    await self._load()
                except Exception:
                    log.exception("the actions engine could not load the actions")
                    await asyncio.sleep(HOLD_EVERY)
                    continue
                self.leading = True
            elif not held and self.leading:
                self._stop_leading()
            await asyncio.sleep(HOLD_EVERY)

    def _stop_leading(self) -> None:
        self.leading = False
        for live in self.live.values():
            if live.timer is not None:
                live.timer.cancel()
        if self._schedule is not None:
            self._schedule.cancel()
        self.live, self.by_feed, self.by_compare = {}, {}, {}

    # -- what the engine holds -----------------------------------------------------------

    def changed(self, user_id: int) -> None:
        """A user's actions changed (created, edited, deleted): reload them, here and in
        the process running the engine."""
        self.cluster.broadcast(ACTIONS_CHANGED, {"user": user_id})
        self._enqueue(("reload", user_id))

    def _on_changed(self, body: Signal) -> None:
        user_id = body.get("user")
        if isinstance(user_id, int):
            self._enqueue(("reload", user_id))

    async def _load(self, user_id: int | None = None) -> None:
        """Every enabled action (or one user's), with the state its feeds' last values
        imply, so that ``starts`` / ``stops`` know where they stand after a restart."""
        found = await self.actions.enabled(user_id)
        for action_id in [a for a, live in self.live.items() if user_id in (None, live.user_id)]:
            self._forget(action_id)
        for action_id, owner_id, spec in found:
            live = Live(action_id, owner_id, spec)
            trigger = spec.trigger
            if isinstance(trigger, DataTrigger):
                feed = await self.actions.feed_of(owner_id, trigger.feed)
                if feed is None:
                    continue  # the feed is gone: nothing can trigger it
                live.feed_id = feed.id
                if trigger.compare_feed is not None:
                    live.compare_feed = await self.actions.feed_of(owner_id, trigger.compare_feed)
                if feed.last_value is not None:
                    compare = live.compare_feed.last_value if live.compare_feed else None
                    live.state.truth = condition(spec, feed.last_value, compare)
                self.by_feed.setdefault(feed.id, []).append(live)
                if live.compare_feed is not None:
                    self.by_compare.setdefault(live.compare_feed.id, []).append(live)
            self.live[action_id] = live
        self._plan_schedules()

    def _forget(self, action_id: int) -> None:
        live = self.live.pop(action_id, None)
        if live is None:
            return
        if live.timer is not None:
            live.timer.cancel()
        if live.feed_id is not None:
            _drop(self.by_feed, live.feed_id, live)
        if live.compare_feed is not None:
            _drop(self.by_compare, live.compare_feed.id, live)

    # -- events --------------------------------------------------------------------------

    def _on_points(self, events: list[FeedEvent]) -> None:
        """Bus listener (must not block): hand points that may trigger something over."""
        if not self.leading:
            return
        mine = [e for e in events if e.feed.id in self.by_feed or e.feed.id in self.by_compare]
        if not mine:
            return
        if self._waiting + len(mine) > QUEUE_POINTS:
            self.stats["dropped"] += len(mine)
            if time.monotonic() - self._last_drop_log > 60:  # one line a minute, not one a point
                self._last_drop_log = time.monotonic()
                log.warning(
                    "actions engine behind: %d points not evaluated so far", self.stats["dropped"]
                )
            return
        self._waiting += len(mine)
        self._enqueue(("points", mine))

    def _enqueue(self, item: tuple[Any, ...]) -> None:
        self._queue.put_nowait(item)  # unbounded queue: points are bounded in _on_points

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._handle(item)
            except Exception:
                log.exception("actions engine: %s failed", item[0])

    async def _handle(self, item: tuple[Any, ...]) -> None:
        kind = item[0]
        if kind == "reload":
            if self.leading:
                await self._load(item[1])
        elif kind == "points":
            self._waiting -= len(item[1])
            for event in item[1]:
                self._point(event)
        elif kind == "deadline":
            live = self.live.get(item[1])
            if live is not None:
                live.timer = None
                self._apply(live, on_deadline(live.spec, live.state, self.clock()), None)
        elif kind == "due":
            self._due()

    def _point(self, event: FeedEvent) -> None:
        self.stats["points"] += 1
        depth = event.chain
        now = self.clock()
        for live in self.by_compare.get(event.feed.id, ()):  # compare feeds' last values
            assert live.compare_feed is not None
            live.compare_feed.last_value = event.datum.value
        value = event.datum.value
        for live in list(self.by_feed.get(event.feed.id, ())):
            state = live.state
            if state.deadline is not None and state.deadline <= now:  # a late timer first
                self._apply(live, on_deadline(live.spec, state, now), None)
            compare = live.compare_feed.last_value if live.compare_feed else None
            decision = on_point(live.spec, state, value, compare, now, depth, explain=False)
            if decision.kind != "none" or decision.reason.startswith("loop"):
                trigger = Trigger("data", value, event.feed, event.datum.created_at)
                self._apply(live, decision, trigger)

    def _apply(self, live: Live, decision: Decision, trigger: Trigger | None) -> None:
        if decision.kind == "schedule" and decision.at is not None:
            if live.timer is not None:
                live.timer.cancel()
            loop = asyncio.get_running_loop()
            delay = max(0.0, decision.at - self.clock())
            live.timer = loop.call_later(delay, self._enqueue, ("deadline", live.action_id))
            if trigger is not None:
                live.pending = trigger
        elif decision.kind == "cancel":
            if live.timer is not None:
                live.timer.cancel()
                live.timer = None
        elif decision.fires:
            if trigger is None:  # a delay that ran out: the point that started it
                trigger = live.pending or Trigger("data")
            live.pending = None
            self._run(live, trigger, decision.depth)
        elif decision.reason.startswith("loop"):
            self.stats["loops"] += 1
            log.warning("action %d: %s", live.action_id, decision.reason)
            if trigger is not None:
                self._spawn(self._skip(live, trigger, decision.reason))

    # -- schedules -----------------------------------------------------------------------

    def _plan_schedules(self) -> None:
        """One timer for the earliest due time of every schedule action."""
        if self._schedule is not None:
            self._schedule.cancel()
            self._schedule = None
        now = self.clock()
        soonest: float | None = None
        for live in self.live.values():
            trigger = live.spec.trigger
            if isinstance(trigger, ScheduleTrigger):
                if live.state.deadline is None or live.state.deadline <= now:
                    live.state.deadline = next_due(trigger.cron, trigger.time_zone, now)
                if soonest is None or live.state.deadline < soonest:
                    soonest = live.state.deadline
        if soonest is not None:
            loop = asyncio.get_running_loop()
            self._schedule = loop.call_later(
                max(0.0, soonest - now), self._enqueue, ("due", soonest)
            )

    def _due(self) -> None:
        now = self.clock()
        for live in list(self.live.values()):
            trigger = live.spec.trigger
            if not isinstance(trigger, ScheduleTrigger):
                continue
            if live.state.deadline is not None and live.state.deadline <= now:
                live.state.deadline = None
                decision = on_schedule(live.spec, live.state, now)
                if decision.fires:
                    self._run(live, Trigger("schedule"), 0)
        self._plan_schedules()

    # -- runs ----------------------------------------------------------------------------

    def _run(self, live: Live, trigger: Trigger, depth: int) -> None:
        self.stats["runs"] += 1
        self._spawn(self._execute(live, trigger, depth))

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _execute(self, live: Live, trigger: Trigger, depth: int) -> None:
        async with self._slots:
            owner = await self.actions.owner(live.user_id)
            if owner is None:
                return
            try:
                await self.runner.run(live.action_id, owner, live.spec, trigger, depth)
            except Exception:
                log.exception("action %d: the run could not be recorded", live.action_id)

    async def _skip(self, live: Live, trigger: Trigger, why: str) -> None:
        try:
            await self.runner.skipped(live.action_id, live.user_id, trigger, why)
        except Exception:
            log.exception("action %d: the skipped run could not be recorded", live.action_id)


def _drop(index: dict[int, list[Live]], feed_id: int, live: Live) -> None:
    """Take ``live`` out of ``index[feed_id]`` (and the key, once empty)."""
    kept = [x for x in index.get(feed_id, []) if x is not live]
    if kept:
        index[feed_id] = kept
    else:
        index.pop(feed_id, None)
