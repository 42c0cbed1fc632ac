"""Groups: each user has a default group; a feed can be in several."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from stonechat.domain.errors import BadRequest, Forbidden, Invalid, NotFound
from stonechat.domain.fields import present, to_choice, to_id, to_text
from stonechat.domain.names import check_key, check_title, key_from_name
from stonechat.domain.records import Feed, Group, User
from stonechat.domain.timestamps import now_ms
from stonechat.services.activity import ActivityLog
from stonechat.services.feeds import VISIBILITIES, FeedService
from stonechat.services.sharing import forget_object, sync_visibility
from stonechat.storage.database import Database
from stonechat.storage.feeds import FeedStore
from stonechat.storage.groups import GroupStore


def group_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if present(body, "name"):
        values["name"] = check_title(to_text(body["name"], "name"), "Group")
    if present(body, "key"):
        values["key"] = check_key(to_text(body["key"], "key").strip().lower())
    if "description" in body:
        values["description"] = (
            None if body["description"] is None else to_text(body["description"], "description")
        )
    if present(body, "visibility"):
        values["visibility"] = to_choice(body["visibility"], "visibility", VISIBILITIES)
    if creating:
        if "name" not in values and "key" in values:
            values["name"] = values["key"]
        if "name" not in values:
            raise Invalid("Validation failed: Group name can't be blank")
        values.setdefault("key", check_key(key_from_name(values["name"])))
        values.setdefault("visibility", "private")
    return values


class GroupService:
    def __init__(self, db: Database, feeds: FeedService, activity: ActivityLog) -> None:
        self.store = GroupStore(db)
        self.feed_store = FeedStore(db)
        self.feeds = feeds
        self.activity = activity

    async def for_user(self, user_id: int) -> list[Group]:
        return await self.store.for_user(user_id)

    async def find(self, owner: User, key: str) -> Group | None:
        """``owner``'s group by key, or by numeric id."""
        group = await self.store.by_key(owner.id, key)
        group_id = to_id(key)
        if group is None and group_id is not None:
            group = await self.store.by_id(group_id)
            if group is not None and group.user_id != owner.id:
                group = None  # an id names a group of this account only
        return group

    async def get(self, user: User, key: str) -> Group:
        group = await self.find(user, key)
        if group is None:
            raise NotFound(f"not found - group '{key}' does not exist for {user.username}")
        return group

    async def create(self, user: User, body: dict[str, Any]) -> Group:
        values = group_fields(body, creating=True)
        at = now_ms()
        try:
            async with self.store.db.begin() as conn:
                group = await self.store.insert(
                    conn, user_id=user.id, is_default=False, created_at=at, updated_at=at, **values
                )
        except IntegrityError:
            raise Invalid(
                f"Validation failed: Key '{values['key']}' has already been taken"
            ) from None
        self.feeds.forget(user.id)
        await self.activity.record(user.id, "create", "Group", {"id": group.id, "key": group.key})
        return group

    async def update(self, user: User, group: Group, body: dict[str, Any]) -> Group:
        values = group_fields(body, creating=False)
        if group.is_default and "key" in values and values["key"] != group.key:
            raise Forbidden("the default group's key cannot change")
        try:
            updated = await self.store.update(group.id, updated_at=now_ms(), **values)
        except IntegrityError:
            raise Invalid("Validation failed: Key has already been taken") from None
        await sync_visibility(
            self.store.db, group.user_id, "group", group.id, values.get("visibility")
        )
        self.feeds.forget(user.id)
        if "visibility" in values:
            self.feeds.access.changed(group.user_id, "group", group.id)
        await self.activity.record(user.id, "update", "Group", {"id": group.id, **values})
        return updated

    async def delete(self, user: User, group: Group) -> None:
        """Delete a group and the feeds whose home it is; other members just leave it."""
        if group.is_default:
            raise Forbidden("the default group cannot be deleted")
        for feed in await self.feed_store.in_group(group.id):
            if feed.group_id == group.id:
                await self.feeds.delete(user, feed)
        await self.store.delete(group.id)
        await forget_object(self.store.db, "group", group.id)
        self.feeds.forget(user.id)
        self.feeds.access.changed(group.user_id, "group", group.id)
        await self.activity.record(user.id, "delete", "Group", {"id": group.id, "key": group.key})

    async def add_feed(self, user: User, group: Group, feed_key: str | None) -> None:
        feed = await self._member(user, feed_key)
        await self.store.add_feed(group.id, feed.id)
        self.feeds.forget(user.id)
        self.feeds.access.changed(group.user_id, "group", group.id)  # shares of the group

    async def remove_feed(self, user: User, group: Group, feed_key: str | None) -> None:
        feed = await self._member(user, feed_key)
        if feed.group_id == group.id:
            raise Forbidden(
                f"feed '{feed.full_key}' was created in group '{group.key}' and cannot leave it; "
                "delete the feed instead"
            )
        await self.store.remove_feed(group.id, feed.id)
        self.feeds.forget(user.id)
        self.feeds.access.changed(group.user_id, "group", group.id)

    async def _member(self, user: User, feed_key: str | None) -> Feed:
        if not feed_key:
            raise BadRequest("feed_key is required")
        return await self.feeds.get(user, feed_key)

    async def feeds_of(self, group: Group) -> list[Feed]:
        return await self.feed_store.in_group(group.id)
