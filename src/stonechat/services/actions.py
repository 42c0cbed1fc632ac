"""Actions: define, list, change and delete them, and read what their runs did.

Only the owner of the account, with the master key or a web UI session, manages its actions
(``access.require_owner``): a scoped token may not, since an action acts with all of its
owner's rights. A body is read by ``domain.actions.parse_action``; then the feeds it names
must be ones the owner may read (``trigger.feed``, ``trigger.compare_feed``) or write to
(a publish output's ``feed``), as the access policy says, and a schedule must name a valid
cron expression and time zone. Each problem is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter  # type: ignore[import-untyped]

from stonechat.domain.access import READ, WRITE, Principal
from stonechat.domain.actions import (
    ActionSpec,
    DataTrigger,
    PublishOutput,
    ScheduleTrigger,
    parse_action,
)
from stonechat.domain.errors import Invalid, NotFound
from stonechat.domain.records import ActionRun, StoredAction, User
from stonechat.domain.timestamps import now_ms
from stonechat.services.access import AccessService
from stonechat.services.feeds import FeedService
from stonechat.storage.actions import KEEP_RUNS, ActionStore
from stonechat.storage.database import Database


class ActionService:
    """``max_per_user``: the most actions one user may have; 0 = no limit."""

    def __init__(
        self, db: Database, access: AccessService, feeds: FeedService, max_per_user: int = 0
    ) -> None:
        self.store = ActionStore(db)  # the engine reads enabled actions and writes runs here
        self.access = access
        self.feeds = feeds
        self.max_per_user = max_per_user

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
        return action

    async def runs(self, principal: Principal, owner: User, action_id: str) -> list[ActionRun]:
        """The last runs of the action, newest first."""
        self.access.require_owner(principal, owner)
        action = await self._action(owner, action_id)
        return await self.store.runs(action.id, KEEP_RUNS)

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
        return saved

    async def _checked(self, principal: Principal, spec: ActionSpec) -> ActionSpec:
        """The spec, once the feeds it names and its schedule are checked."""
        trigger = spec.trigger
        if isinstance(trigger, DataTrigger):
            await self._feed(principal, trigger.feed, "trigger.feed", READ)
            if trigger.compare_feed is not None:
                await self._feed(principal, trigger.compare_feed, "trigger.compare_feed", READ)
        elif isinstance(trigger, ScheduleTrigger):
            _check_schedule(trigger)
        for index, output in enumerate(spec.outputs):
            if isinstance(output, PublishOutput):
                await self._feed(principal, output.feed, f"outputs[{index}].feed", WRITE)
        return spec

    async def _feed(self, principal: Principal, ref: str, where: str, right: str) -> None:
        """``ref`` names a feed the principal may ``right``: one of the owner's (key,
        ``group.key``, id or name) or another user's as ``username/key``."""
        owner = principal.user
        key = ref.strip()
        if "/" in key:
            username, _, key = key.partition("/")
            owner = await self.access.accounts.users.by_username(username)
        feed = await self.feeds.find(owner.id, key) if owner is not None and key else None
        if feed is None or not await self.access.can(principal, feed, right):
            verb = "read" if right == READ else "write to"
            raise Invalid(f"{where}: there is no feed '{ref}' you may {verb}")


def _check_schedule(trigger: ScheduleTrigger) -> None:
    try:
        zone = ZoneInfo(trigger.time_zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory ("America")
        raise Invalid(f"trigger.time_zone: unknown time zone '{trigger.time_zone}'") from None
    if not croniter.is_valid(trigger.cron):
        raise Invalid(f"trigger.cron: '{trigger.cron}' is not a valid cron expression")
    try:
        croniter(trigger.cron, datetime.now(zone)).get_next(datetime)
    except CroniterBadDateError:  # "0 0 30 2 *": valid, but no such day
        raise Invalid(f"trigger.cron: '{trigger.cron}' never comes") from None


def _missing(action_id: str) -> NotFound:
    return NotFound(f"not found - no action '{action_id}'")
