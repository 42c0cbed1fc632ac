"""Actions: define, list, change and delete them, and read what their runs did.

Only the owner of the account, with the master key or a web UI session, manages its actions
(``access.require_owner``): a scoped token may not, since an action acts with all of its
owner's rights. A body is read by ``domain.actions.parse_action``; then the feeds it names
must be ones the owner may read (``trigger.feed``, ``trigger.compare_feed``) or write to
(a publish output's ``feed``), as the access policy says, and a schedule must name a valid
cron expression and time zone. Each problem is a 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stonechat.actions.templates import check_template
from stonechat.domain.access import READ, WRITE, Principal
from stonechat.domain.action_dry_run import MAX_POINTS, Verdict, dry_run
from stonechat.domain.action_schedule import check_schedule, due_between
from stonechat.domain.actions import (
    MAX_NAME,
    MAX_TEMPLATE,
    ActionSpec,
    DataTrigger,
    PublishOutput,
    ScheduleTrigger,
    parse_action,
    templates_of,
)
from stonechat.domain.errors import Invalid, NotFound
from stonechat.domain.fields import to_text
from stonechat.domain.records import ActionRun, Feed, StoredAction, User
from stonechat.domain.timestamps import iso_ms, now_ms, parse_time
from stonechat.services.access import AccessService
from stonechat.services.action_runner import ActionRunner, Trigger
from stonechat.services.data import DataService
from stonechat.services.feeds import FeedService
from stonechat.storage.actions import KEEP_RUNS, ActionStore
from stonechat.storage.database import Database


@dataclass(slots=True)
class DryRun:
    """A replay: the range (ms), a verdict per point (data trigger) or the due times
    (schedule, epoch seconds)."""

    start: int
    end: int
    verdicts: list[Verdict]
    due: list[float]


class ActionService:
    """``max_per_user``: the most actions one user may have; 0 = no limit."""

    def __init__(
        self,
        db: Database,
        access: AccessService,
        feeds: FeedService,
        data: DataService,
        runner: ActionRunner,
        max_per_user: int = 0,
    ) -> None:
        self.store = ActionStore(db)  # the engine reads enabled actions and writes runs here
        self.access = access
        self.feeds = feeds
        self.data = data
        self.runner = runner
        self.max_per_user = max_per_user
        # Told the owner's id after every change (the actions engine reloads them).
        self.on_change: Callable[[int], None] | None = None

    async def for_user(self, principal: Principal, owner: User) -> list[StoredAction]:
        self.access.require_owner(principal, owner)
        return await self.store.for_user(owner.id)

    async def get(self, principal: Principal, owner: User, action_id: str) -> StoredAction:
        self.access.require_owner(principal, owner)
        return await self._action(owner, action_id)

    async def create(self, principal: Principal, owner: User, body: Any) -> StoredAction:
        self.access.require_owner(principal, owner)
        spec = await self._checked(principal, parse_action(body))
        action = await self.store.insert(owner.id, spec, now_ms())
        # Counted after the insert, so that concurrent requests cannot pass the bound together.
        if self.max_per_user and await self.store.count(owner.id) > self.max_per_user:
            await self.store.delete(owner.id, action.id)
            raise Invalid(
                f"a user may have at most {self.max_per_user} actions: delete unused ones first"
            )
        self._changed(owner)
        return action

    async def replace(
        self, principal: Principal, owner: User, action_id: str, body: Any
    ) -> StoredAction:
        """PUT: the body is a whole action (``trigger`` and ``outputs`` required)."""
        self.access.require_owner(principal, owner)
        action = await self._action(owner, action_id)
        return await self._save(owner, action, await self._checked(principal, parse_action(body)))

    async def update(
        self, principal: Principal, owner: User, action_id: str, body: Any
    ) -> StoredAction:
        """PATCH: fields absent from the body keep their value."""
        self.access.require_owner(principal, owner)
        action = await self._action(owner, action_id)
        spec = parse_action(body, partial=action.spec)
        return await self._save(owner, action, await self._checked(principal, spec))

    async def delete(self, principal: Principal, owner: User, action_id: str) -> StoredAction:
        self.access.require_owner(principal, owner)
        action = await self._action(owner, action_id)
        if not await self.store.delete(owner.id, action.id):
            raise _missing(action_id)
        self._changed(owner)
        return action

    async def runs(self, principal: Principal, owner: User, action_id: str) -> list[ActionRun]:
        """The last runs of the action, newest first."""
        self.access.require_owner(principal, owner)
        action = await self._action(owner, action_id)
        return await self.store.runs(action.id, KEEP_RUNS)

    async def run_now(self, principal: Principal, owner: User, action_id: str) -> ActionRun:
        """Run the action's outputs now, with its feed's last value (a schedule: none),
        whether or not it is enabled; the run is recorded like the others."""
        self.access.require_owner(principal, owner)
        action = await self._action(owner, action_id)
        trigger = Trigger("run")
        if isinstance(action.spec.trigger, DataTrigger):
            feed = await self.feed_of(owner.id, action.spec.trigger.feed)
            if feed is not None:
                trigger = Trigger("run", feed.last_value, feed, feed.last_value_at)
        return await self.runner.run(action.id, owner, action.spec, trigger)

    async def dry_run(self, principal: Principal, owner: User, body: Any) -> DryRun:
        """Replay the stored points of ``start_time`` .. ``end_time`` (default: the last
        day) through an action body, saved or not: when it would have fired, and why not
        at the other points. At most ``MAX_POINTS`` points of each feed."""
        self.access.require_owner(principal, owner)
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object")
        spec = await self._checked(principal, parse_action(body.get("action", body)))
        end = parse_time(body["end_time"], "end_time") if body.get("end_time") else now_ms()
        start = (
            parse_time(body["start_time"], "start_time")
            if body.get("start_time")
            else end - 86_400_000
        )
        if start >= end:
            raise Invalid("start_time must be before end_time")
        trigger = spec.trigger
        if not isinstance(trigger, DataTrigger):
            return DryRun(
                start,
                end,
                [],
                due_between(trigger.cron, trigger.time_zone, start / 1000, end / 1000),
            )
        feed = await self.feed_of(owner.id, trigger.feed)
        assert feed is not None  # checked above
        points = await self._history(feed, start, end)
        compare = None
        if trigger.compare_feed is not None:
            other = await self.feed_of(owner.id, trigger.compare_feed)
            assert other is not None
            compare = await self._history(other, start, end)
        return DryRun(start, end, dry_run(spec, points, compare, end=end / 1000), [])

    async def _history(self, feed: Feed, start: int, end: int) -> list[tuple[float, str]]:
        points: list[tuple[float, str]] = []
        cursor: str | None = None
        while len(points) <= MAX_POINTS:
            page = await self.data.page(
                [feed], start_time=iso_ms(start), end_time=iso_ms(end), limit=None, before=cursor
            )
            points += [(d.created_at / 1000, d.value) for d in page.data]
            cursor = page.next_cursor
            if cursor is None:
                break
        if len(points) > MAX_POINTS:
            raise Invalid(
                f"more than {MAX_POINTS} points of {feed.full_key} in this range: choose a "
                "shorter one"
            )
        return points

    async def preview(
        self, principal: Principal, owner: User, body: Any
    ) -> tuple[str, Feed | None]:
        """A template rendered with the last value of ``feed`` (a key of a feed the owner
        may read, or null): what a run would send. Returns the text and the feed."""
        self.access.require_owner(principal, owner)
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object")
        text = to_text(body.get("template", ""), "template", MAX_TEMPLATE)
        check_template(text, "template")
        feed = None
        if body.get("feed") is not None:
            ref = to_text(body["feed"], "feed", MAX_NAME)
            await self._feed(principal, ref, "feed", READ)
            feed = await self.feed_of(owner.id, ref)
        return await self.runner.preview(owner, text, feed), feed

    # -- for the engine -----------------------------------------------------------------

    async def enabled(self, user_id: int | None = None) -> list[tuple[int, int, ActionSpec]]:
        """Enabled actions (of one user, or all): (action id, owner id, spec)."""
        if user_id is None:
            return await self.store.all_enabled()
        return await self.store.enabled_actions(user_id)

    async def feed_of(self, owner_id: int, ref: str) -> Feed | None:
        """The feed an action names: the owner's by key, ``group.key``, id or name, or
        another user's as ``username/key`` (whether it may be used is the access policy's
        question, asked when the action is saved)."""
        key = ref.strip()
        if "/" in key:
            username, _, key = key.partition("/")
            other = await self.access.accounts.users.by_username(username)
            if other is None:
                return None
            owner_id = other.id
        return await self.feeds.find(owner_id, key) if key else None

    async def owner(self, user_id: int) -> User | None:
        return await self.access.accounts.users.by_id(user_id)

    def _changed(self, owner: User) -> None:
        if self.on_change is not None:
            self.on_change(owner.id)

    # -- helpers -------------------------------------------------------------------------

    async def _action(self, owner: User, action_id: str) -> StoredAction:
        action = (
            await self.store.get(owner.id, int(action_id))
            if action_id.isascii()
            and action_id.isdigit()
            and len(action_id) < 11
            and int(action_id) < 2**31
            else None
        )
        if action is None:
            raise _missing(action_id)
        return action

    async def _save(self, owner: User, action: StoredAction, spec: ActionSpec) -> StoredAction:
        saved = await self.store.update(owner.id, action.id, spec, now_ms())
        if saved is None:  # deleted meanwhile
            raise _missing(str(action.id))
        self._changed(owner)
        return saved

    async def _checked(self, principal: Principal, spec: ActionSpec) -> ActionSpec:
        """The spec, once the feeds it names and its schedule are checked."""
        trigger = spec.trigger
        if isinstance(trigger, DataTrigger):
            await self._feed(principal, trigger.feed, "trigger.feed", READ)
            if trigger.compare_feed is not None:
                await self._feed(principal, trigger.compare_feed, "trigger.compare_feed", READ)
        elif isinstance(trigger, ScheduleTrigger):
            check_schedule(trigger.cron, trigger.time_zone)
        for index, output in enumerate(spec.outputs):
            for name, text in templates_of(output):
                check_template(text, f"outputs[{index}].{name}")
            if isinstance(output, PublishOutput):
                await self._feed(principal, output.feed, f"outputs[{index}].feed", WRITE)
        return spec

    async def _feed(self, principal: Principal, ref: str, where: str, right: str) -> None:
        """``ref`` names a feed the principal may ``right``: one of the owner's (key,
        ``group.key``, id or name) or another user's as ``username/key``."""
        assert principal.user is not None
        feed = await self.feed_of(principal.user.id, ref)
        if feed is None or not await self.access.can(principal, feed, right):
            verb = "read" if right == READ else "write to"
            raise Invalid(f"{where}: there is no feed '{ref}' you may {verb}")


def _missing(action_id: str) -> NotFound:
    return NotFound(f"not found - no action '{action_id}'")
