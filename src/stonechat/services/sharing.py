"""Sharing: the access lists of feeds, groups and dashboards (the ACL API).

An object's access list holds rows of three scopes (swagger-v2.json ``Permission``):

- ``user``: shared with one other user (``grantee_id``) in mode ``r``, ``w`` or ``rw``; one
  row per grantee per object.
- ``public``: the object's visibility is public. Exactly one such row exists while the object
  is public, whichever way it became public (this API or a PATCH of its ``visibility``).
- ``secret``: the object is private. Creating one makes the object private; a private object
  may have one or none (a PATCH to private drops the public row without adding one).

The visibility column stays the fact the access rule reads; ``sync_visibility`` keeps the
public and secret rows in step with it. Every change ends with ``access.changed`` so caches
and live subscriptions of every process follow at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stonechat.domain.access import MODELS, SCOPES, check_mode
from stonechat.domain.errors import Invalid, NotFound
from stonechat.domain.fields import present, to_int, to_text
from stonechat.domain.records import Dashboard, Feed, Group, Permission, User
from stonechat.domain.timestamps import now_ms
from stonechat.services.access import AccessService, model_of
from stonechat.services.accounts import AccountService
from stonechat.storage.database import Database
from stonechat.storage.permissions import PermissionStore
from stonechat.storage.tokens import TokenStore

if TYPE_CHECKING:  # the services below import this module for sync_visibility/forget_object
    from stonechat.services.dashboards import DashboardService
    from stonechat.services.feeds import FeedService
    from stonechat.services.groups import GroupService

MAX_PERMISSIONS_PER_OBJECT = 1_000
VISIBILITY_SCOPES = ("public", "secret")

Shareable = Feed | Group | Dashboard


@dataclass(slots=True, frozen=True)
class Entry:
    """A row of an access list, with the grantee's username for the ``user`` scope."""

    permission: Permission
    grantee: str | None


@dataclass(slots=True, frozen=True)
class Received:
    """Something another user shared with the caller (the "Shared with me" list)."""

    permission: Permission
    owner: str
    key: str
    name: str


@dataclass(slots=True, frozen=True)
class _Wanted:
    scope: str
    grantee: User | None
    mode: str


async def sync_visibility(
    db: Database, owner_id: int, model: str, object_id: int, visibility: str | None
) -> None:
    """Keep the public/secret rows of an object in step with its new ``visibility``.

    Public: one public row (the oldest kept), no secret row. Private: no public row. ``None``
    (the update did not touch visibility) changes nothing.
    """
    if visibility is None:
        return
    store = PermissionStore(db)
    if visibility != "public":
        async with db.begin() as conn:
            await store.delete_for_object(conn, model, object_id, ("public",))
        return
    public = [r for r in await store.for_object(model, object_id) if r.scope == "public"]
    async with db.begin() as conn:
        await store.delete_for_object(conn, model, object_id, ("secret",))
        for extra in public[1:]:
            await store.delete(conn, extra.id)
        if not public:
            at = now_ms()
            await store.insert(
                conn,
                user_id=owner_id,
                model=model,
                object_id=object_id,
                scope="public",
                grantee_id=None,
                mode="r",
                created_at=at,
                updated_at=at,
            )


async def forget_object(db: Database, model: str, object_id: int) -> None:
    """A feed, group or dashboard was deleted: delete its access list and drop it from the
    scopes of every token (ids are never reused, so this is tidying, not a safety net)."""
    async with db.begin() as conn:
        await PermissionStore(db).delete_for_object(conn, model, object_id)
    if model != "dashboard":
        await TokenStore(db).remove_scopes_for(model, object_id)


class SharingService:
    def __init__(
        self,
        access: AccessService,
        accounts: AccountService,
        feeds: FeedService,
        groups: GroupService,
        dashboards: DashboardService,
    ) -> None:
        self.access = access
        self.accounts = accounts
        self.feeds = feeds
        self.groups = groups
        self.dashboards = dashboards

    @property
    def store(self) -> PermissionStore:
        return self.access.permissions

    async def find(self, owner: User, model: str, key: str) -> Shareable:
        """The owner's feed (key, ``group.key``, id or name), group or dashboard; 404."""
        if model == "feed":
            return await self.feeds.get(owner, key)
        if model == "group":
            return await self.groups.get(owner, key)
        return await self.dashboards.get(owner, key)

    async def entries(self, record: Shareable) -> list[Entry]:
        rows = await self.store.for_object(model_of(record), record.id)
        return await self._entries(rows)

    async def entry(self, record: Shareable, permission_id: str) -> Entry:
        permission = await self._row(record, permission_id)
        [found] = await self._entries([permission])
        return found

    async def create(
        self, owner: User, record: Shareable, body: dict[str, Any]
    ) -> tuple[Entry, bool]:
        """Add a row; ``True`` with it when it is new. A row that already says the same
        thing (the grantee's share, the public or secret row) is updated instead."""
        model = model_of(record)
        _check_target(body, model, record.id)
        wanted = await self._wanted(owner, body, None)
        rows = await self.store.for_object(model, record.id)
        if wanted.scope == "user":
            assert wanted.grantee is not None
            same = [r for r in rows if r.scope == "user" and r.grantee_id == wanted.grantee.id]
            if same:
                return await self._set_mode(owner, record, same[0], wanted.mode), False
            if len(rows) >= MAX_PERMISSIONS_PER_OBJECT:
                raise Invalid(f"this {model} already has {MAX_PERMISSIONS_PER_OBJECT} permissions")
            at = now_ms()
            async with self.store.db.begin() as conn:
                row = await self.store.insert(
                    conn,
                    user_id=owner.id,
                    model=model,
                    object_id=record.id,
                    scope="user",
                    grantee_id=wanted.grantee.id,
                    mode=wanted.mode,
                    created_at=at,
                    updated_at=at,
                )
            self.access.changed(owner.id, model, record.id)
            # Two requests at once may both have inserted: the first row stays.
            same = [
                r
                for r in await self.store.for_object(model, record.id)
                if r.scope == "user" and r.grantee_id == wanted.grantee.id
            ]
            if same and same[0].id != row.id:
                async with self.store.db.begin() as conn:
                    await self.store.delete(conn, row.id)
                return await self._set_mode(owner, record, same[0], wanted.mode), False
            return Entry(row, wanted.grantee.username), True
        existed = any(r.scope == wanted.scope for r in rows)
        if wanted.scope == "public":
            await self._set_visibility(owner, record, "public")
        else:
            await self._set_visibility(owner, record, "private")
            if not existed:
                at = now_ms()
                async with self.store.db.begin() as conn:
                    await self.store.insert(
                        conn,
                        user_id=owner.id,
                        model=model,
                        object_id=record.id,
                        scope="secret",
                        grantee_id=None,
                        mode="r",
                        created_at=at,
                        updated_at=at,
                    )
        self.access.changed(owner.id, model, record.id)
        rows = await self.store.for_object(model, record.id)
        return Entry(next(r for r in rows if r.scope == wanted.scope), None), not existed

    async def update(
        self, owner: User, record: Shareable, permission_id: str, body: dict[str, Any]
    ) -> Entry:
        """Change a row's mode, or the grantee of a ``user`` row; its scope stays."""
        model = model_of(record)
        row = await self._row(record, permission_id)
        _check_target(body, model, record.id)
        wanted = await self._wanted(owner, body, row)
        if wanted.scope != row.scope:
            raise Invalid(
                f"scope cannot change from {row.scope} to {wanted.scope}: delete this "
                "permission and create another"
            )
        if wanted.scope != "user":
            return Entry(row, None)  # nothing else to change: mode is always r
        assert wanted.grantee is not None
        if wanted.grantee.id != row.grantee_id:
            rows = await self.store.for_object(model, record.id)
            if any(r.scope == "user" and r.grantee_id == wanted.grantee.id for r in rows):
                raise Invalid(
                    f"this {model} is already shared with {wanted.grantee.username}: "
                    "change that permission instead"
                )
        async with self.store.db.begin() as conn:
            updated = await self.store.update(
                conn,
                row.id,
                grantee_id=wanted.grantee.id,
                mode=wanted.mode,
                updated_at=now_ms(),
            )
        if updated is None:
            raise _missing(model, permission_id)
        self.access.changed(owner.id, model, record.id)
        return Entry(updated, wanted.grantee.username)

    async def delete(self, owner: User, record: Shareable, permission_id: str) -> Entry:
        """Remove a row. Removing the public row makes the object private."""
        model = model_of(record)
        [entry] = await self._entries([await self._row(record, permission_id)])
        if entry.permission.scope == "public":
            await self._set_visibility(owner, record, "private")  # drops the public row
        else:
            async with self.store.db.begin() as conn:
                await self.store.delete(conn, entry.permission.id)
        self.access.changed(owner.id, model, record.id)
        return entry

    async def shared_with(self, user: User) -> list[Received]:
        """What other users shared with ``user``, oldest share first; objects that are
        gone are left out."""
        rows = await self.store.for_grantee(user.id)
        feed_ids = [r.object_id for r in rows if r.model == "feed"]
        feeds = await self.feeds.store.by_ids(feed_ids)
        owners: dict[int, User | None] = {}
        found: list[Received] = []
        for row in rows:
            if row.scope != "user" or row.user_id == user.id:
                continue
            record: Shareable | None
            if row.model == "feed":
                record = feeds.get(row.object_id)
            elif row.model == "group":
                record = await self.groups.store.by_id(row.object_id)
            else:
                record = await self.dashboards.store.by_id(row.user_id, row.object_id)
            if record is None or record.user_id != row.user_id:
                continue
            if row.user_id not in owners:
                owners[row.user_id] = await self.accounts.users.by_id(row.user_id)
            owner = owners[row.user_id]
            if owner is None:
                continue
            key = record.full_key if isinstance(record, Feed) else record.key
            found.append(Received(row, owner.username, key, record.name))
        return found

    # -- helpers -------------------------------------------------------------------------

    async def _row(self, record: Shareable, permission_id: str) -> Permission:
        model = model_of(record)
        row = await self.store.get(int(permission_id)) if _is_id(permission_id) else None
        if row is None or row.model != model or row.object_id != record.id:
            raise _missing(model, permission_id)
        return row

    async def _entries(self, rows: list[Permission]) -> list[Entry]:
        names: dict[int, str | None] = {}
        entries = []
        for row in rows:
            grantee = None
            if row.grantee_id is not None:
                if row.grantee_id not in names:
                    user = await self.accounts.users.by_id(row.grantee_id)
                    names[row.grantee_id] = user.username if user else None
                grantee = names[row.grantee_id]
            entries.append(Entry(row, grantee))
        return entries

    async def _wanted(self, owner: User, body: dict[str, Any], row: Permission | None) -> _Wanted:
        """The scope, grantee and mode a body asks for; ``row`` gives what is not said."""
        if present(body, "scope"):
            scope = to_text(body["scope"], "scope", 32).strip().lower()
        elif row is not None:
            scope = row.scope
        elif present(body, "scope_value"):
            scope = "user"
        else:
            raise Invalid("scope is required: one of user, public, secret")
        if scope == "organization":
            raise Invalid("scope organization is not supported: use user, public or secret")
        if scope not in SCOPES:
            raise Invalid(f"scope must be one of: {', '.join(SCOPES)}")
        if present(body, "mode"):
            try:
                mode = check_mode(body["mode"])
            except ValueError as error:
                raise Invalid(str(error)) from None
        else:
            mode = row.mode if row is not None and row.scope == scope else "r"
        if scope in VISIBILITY_SCOPES:
            value = body.get("scope_value")
            if value is not None and value != "":
                raise Invalid(f"scope_value must be empty for scope {scope}")
            if mode != "r":
                raise Invalid(f"mode must be r for scope {scope}: it never gives write access")
            return _Wanted(scope, None, "r")
        return _Wanted(scope, await self._grantee(owner, body, row), mode)

    async def _grantee(self, owner: User, body: dict[str, Any], row: Permission | None) -> User:
        if not present(body, "scope_value") or body["scope_value"] == "":
            if row is not None and row.grantee_id is not None:
                kept = await self.accounts.users.by_id(row.grantee_id)
                if kept is not None:
                    return kept
            raise Invalid("scope_value is required for scope user: the username to share with")
        name = to_text(body["scope_value"], "scope_value", 64).strip()
        grantee = await self.accounts.users.by_username(name) if name else None
        if grantee is None:
            raise Invalid(f"scope_value: no user named '{name}'")
        if grantee.id == owner.id:
            raise Invalid("scope_value: the owner always has every right; name another user")
        return grantee

    async def _set_mode(self, owner: User, record: Shareable, row: Permission, mode: str) -> Entry:
        model = model_of(record)
        if mode != row.mode:
            async with self.store.db.begin() as conn:
                changed = await self.store.update(conn, row.id, mode=mode, updated_at=now_ms())
            row = changed or row
            self.access.changed(owner.id, model, record.id)
        [entry] = await self._entries([row])
        return entry

    async def _set_visibility(self, owner: User, record: Shareable, visibility: str) -> None:
        """Through the object's own update: its activity entry, caches and rows follow."""
        body = {"visibility": visibility}
        if isinstance(record, Feed):
            await self.feeds.update(owner, record, body)
        elif isinstance(record, Group):
            await self.groups.update(owner, record, body)
        else:
            await self.dashboards.update(owner, record, body)


def _check_target(body: dict[str, Any], model: str, object_id: int) -> None:
    """``model`` and ``object_id`` may be sent back as they were read, never changed."""
    if present(body, "model"):
        given = to_text(body["model"], "model", 32).strip().lower()
        if given not in MODELS:
            raise Invalid(f"model must be one of: {', '.join(MODELS)}")
        if given != model:
            raise Invalid(f"model must be {model} for this URL")
    if present(body, "object_id") and to_int(body["object_id"], "object_id") != object_id:
        raise Invalid(f"object_id must be {object_id} for this URL")


def _is_id(text: str) -> bool:
    """A row id as the database holds it (a 32-bit integer on PostgreSQL)."""
    return text.isascii() and text.isdigit() and len(text) < 11 and int(text) < 2**31


def _missing(model: str, permission_id: str) -> NotFound:
    return NotFound(f"not found - no permission {permission_id} on this {model}")
