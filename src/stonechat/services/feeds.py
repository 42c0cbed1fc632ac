"""Feeds: lookup by key, ``group.key``, id or name; create, update, delete; auto-create."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError

from stonechat.domain.errors import Invalid, NotFound
from stonechat.domain.fields import INT32_MAX, present, to_bool, to_choice, to_id, to_int, to_text
from stonechat.domain.names import check_feed_name, check_key, is_key, key_from_name
from stonechat.domain.records import Feed, Group, User
from stonechat.domain.retention import Retention, parse_overrides
from stonechat.domain.timestamps import now_ms
from stonechat.services.access import AccessService
from stonechat.services.activity import ActivityLog
from stonechat.services.sharing import forget_object, sync_visibility
from stonechat.storage.data import DataStore
from stonechat.storage.database import Database
from stonechat.storage.feeds import FeedStore
from stonechat.storage.groups import GroupStore

VISIBILITIES = ("private", "public")


def not_found(username: str, ident: str) -> NotFound:
    return NotFound(
        f"not found - You are not permitted to access the feed with key '{ident}' belonging "
        f"to {username} or the feed does not exist."
    )


def feed_fields(
    body: dict[str, Any], *, creating: bool, retention: Retention | None = None
) -> dict[str, Any]:
    """Validated column values from a feed body; nulls and unknown fields are ignored, but
    ``retention: null`` resets the feed's tiers to the defaults (``retention``)."""
    values: dict[str, Any] = {}
    if "retention" in body:
        own = parse_overrides(body["retention"], retention or Retention())
        values["retention"] = json.dumps(own) if own else None
    if present(body, "name"):
        values["name"] = check_feed_name(to_text(body["name"], "name"))
    if present(body, "key"):
        values["key"] = check_key(to_text(body["key"], "key").strip().lower())
    for name, limit in (
        ("description", 10_000),
        ("unit_type", 64),
        ("unit_symbol", 32),
        ("license", 255),
    ):
        if name in body:
            values[name] = None if body[name] is None else to_text(body[name], name, limit)
    if present(body, "history"):
        values["history"] = to_bool(body["history"], "history")
    if present(body, "visibility"):
        values["visibility"] = to_choice(body["visibility"], "visibility", VISIBILITIES)
    if present(body, "status_notify"):
        values["status_notify"] = to_bool(body["status_notify"], "status_notify")
    if present(body, "status_timeout"):
        values["status_timeout"] = to_int(
            body["status_timeout"], "status_timeout", minimum=1, maximum=INT32_MAX
        )
    if creating:
        if "name" not in values and "key" in values:
            values["name"] = check_feed_name(values["key"])
        if "name" not in values:
            raise Invalid("Validation failed: Name can't be blank")
        if "key" not in values:
            key = key_from_name(values["name"])
            values["key"] = check_key(key)
    return values


class FeedService:
    def __init__(
        self,
        db: Database,
        activity: ActivityLog,
        access: AccessService,
        retention: Retention | None = None,
    ) -> None:
        self.store = FeedStore(db)
        self.retention = retention or Retention()  # the server's default tiers
        self.access = access  # told of every change to who may read or write
        self.groups = GroupStore(db)
        self.activity = activity
        self.data = DataStore(db)
        # (user id, group id or 0, identifier) -> feed, for the ingest hot path. Every change
        # to a feed is an access change (``update``, ``delete``), told to every process: each
        # forgets the owner's cached feeds (a renamed key, history turned off).
        self._write_cache: dict[int, dict[tuple[int, str], Feed]] = {}
        access.on_change.append(lambda change: self.forget(change.owner_id))

    def forget(self, user_id: int) -> None:
        """Drop cached lookups of a user after any change to feeds or groups."""
        self._write_cache.pop(user_id, None)

    async def for_user(self, user_id: int) -> list[Feed]:
        return await self.store.for_user(user_id)

    async def by_ids(self, ids: list[int]) -> dict[int, Feed]:
        return await self.store.by_ids(ids)

    async def find(self, user_id: int, ident: str) -> Feed | None:
        """Resolve by exact key, ``group.key``, numeric id, then name (rest-api.md §4)."""
        if not ident:
            return None
        # A bare key or name finds a feed of the default group only: in another group the
        # feed is "group.key", and MQTT fan-out matches it the same way (keys are unique
        # within a group, not across groups).
        if is_key(ident):
            matches = await self.store.with_key(user_id, ident)
            if matches and matches[0].group_is_default:
                return matches[0]
        if "." in ident:
            group_key, _, key = ident.partition(".")
            group = await self.groups.by_key(user_id, group_key)
            if group is not None:
                found = await self.store.in_group_with_key(group.id, key)
                if found is not None:
                    return found
        feed_id = to_id(ident)
        if feed_id is not None:
            found = await self.store.by_id(feed_id)
            if found is not None and found.user_id == user_id:
                return found
        named = await self.store.with_name(user_id, ident)
        return named if named is not None and named.group_is_default else None

    async def get(self, user: User, ident: str) -> Feed:
        found = await self.find(user.id, ident)
        if found is None:
            raise not_found(user.username, ident)
        return found

    async def create(self, user: User, body: dict[str, Any], group: Group | None = None) -> Feed:
        values = feed_fields(body, creating=True, retention=self.retention)
        if group is None:
            group = await self.groups.default(user.id)
        at = now_ms()
        values.setdefault("history", True)
        values.setdefault("visibility", "private")
        values.setdefault("status_notify", False)
        values.setdefault("status_timeout", 60)
        try:
            feed = await self.store.insert(
                user_id=user.id,
                group_id=group.id,
                data_count=0,
                created_at=at,
                updated_at=at,
                **values,
            )
        except IntegrityError:
            raise Invalid(
                f"Validation failed: Key '{values['key']}' has already been taken in group "
                f"'{group.key}'"
            ) from None
        self.forget(user.id)
        if feed.visibility == "public":  # readers of its public groups get it from now on
            self.access.changed(feed.user_id, "feed", feed.id)
        await self.activity.record(user.id, "create", "Feed", {"id": feed.id, "key": feed.key})
        return feed

    async def update(self, user: User, feed: Feed, body: dict[str, Any]) -> Feed:
        values = feed_fields(body, creating=False, retention=self.retention)
        try:
            updated = await self.store.update(feed.id, updated_at=now_ms(), **values)
        except IntegrityError:
            raise Invalid("Validation failed: Key has already been taken") from None
        if feed.history and values.get("history") is False:
            await self.data.keep_newest(feed.id)  # as a feed without history: its latest only
        await sync_visibility(
            self.store.db, feed.user_id, "feed", feed.id, values.get("visibility")
        )
        self.forget(user.id)
        # Visibility, and also key and name: subscriptions follow a feed by its names.
        self.access.changed(feed.user_id, "feed", feed.id)
        await self.activity.record(user.id, "update", "Feed", {"id": feed.id, **values})
        return updated

    async def delete(self, user: User, feed: Feed) -> None:
        await self.store.delete(feed.id)
        await forget_object(self.store.db, "feed", feed.id)
        self.forget(user.id)
        self.access.changed(feed.user_id, "feed", feed.id)
        await self.activity.record(user.id, "delete", "Feed", {"id": feed.id, "key": feed.key})

    def cached_for_write(self, user_id: int, ident: str) -> Feed | None:
        """The feed ``find_for_write`` found last time for this identifier, without waiting."""
        cache = self._write_cache.get(user_id)
        return cache.get((0, ident)) if cache is not None else None

    async def find_for_write(self, owner: User, ident: str, group: Group | None) -> Feed | None:
        """The existing feed a write to ``ident`` goes to (rest-api.md §7, mqtt-api.md §4).

        ``group`` scopes the lookup (group data); cached per owner, with the keys of every
        group the feed is in (their group topics get its points, mqtt-api.md §6).
        """
        cache = self._write_cache.setdefault(owner.id, {})
        cache_key = (group.id if group else 0, ident)
        feed = cache.get(cache_key)
        if feed is not None:
            return feed
        if group is not None:
            feed = await self.store.in_group_with_key(group.id, ident)
            if feed is None:
                feed = await self.store.in_group_with_key(group.id, key_from_name(ident))
        else:
            feed = await self.find(owner.id, ident)
            if feed is None and key_from_name(ident) != ident:
                feed = await self.find(owner.id, key_from_name(ident))
        if feed is None:
            return None
        memberships = (await self.groups.groups_of_feeds([feed.id])).get(feed.id, [])
        feed.member_groups = tuple(g.key for g in memberships if not g.is_default)
        if len(cache) > 10_000:
            cache.clear()
        cache[cache_key] = feed
        return feed

    async def home_for_new(self, owner: User, ident: str, group: Group | None) -> Group:
        """The group a feed created by a write to ``ident`` would live in; checks the name.

        ``group.key`` names a group that must exist; a bare name lands in ``group`` or the
        default group. Raises before anything is created.
        """
        if group is None and "." in ident:
            group_key, _, ident = ident.partition(".")
            group = await self.groups.by_key(owner.id, group_key)
            if group is None:
                raise NotFound(f"not found - group '{group_key}' does not exist")
        check_feed_name(ident)
        return group if group is not None else await self.groups.default(owner.id)

    async def create_for_write(
        self, owner: User, ident: str, group: Group | None, home: Group
    ) -> Feed:
        """Create, in ``home`` (from ``home_for_new``), the feed a write to ``ident`` names,
        once the access policy said yes and the points were checked."""
        name = check_feed_name(ident.partition(".")[2] if group is None and "." in ident else ident)
        with contextlib.suppress(Invalid):  # another writer may have created it a moment ago
            await self.create(owner, {"name": name}, home)
        found = await self.find_for_write(owner, ident, group)
        if found is None:
            raise Invalid(f"Validation failed: could not create feed '{name}'")
        return found
