"""The access service: who is asking, and may they? Every adapter asks here.

It resolves a key (the master AIO key or a scoped token) to a ``Principal``, gathers what
the pure rule in ``domain/access.py`` needs (shares received, a feed's groups) from small
caches, and answers. Changes to visibility, shares, group membership and tokens go through
``changed``/``token_revoked``: the caches of every process are dropped, and the adapters'
listeners (MQTT broker, live socket) re-check the subscriptions they hold, within a second
everywhere (the bus carries the signal to the other processes).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from stonechat.bus.base import ClusterBus, Signal
from stonechat.bus.signals import ACCESS_CHANGED, TOKEN_REVOKED, USER_DISABLED
from stonechat.domain.access import (
    READ,
    WRITE,
    Principal,
    Target,
    allows,
    check_enabled,
    may_create_in,
    owns,
)
from stonechat.domain.errors import Forbidden, StonechatError, Unauthorized
from stonechat.domain.records import (
    Dashboard,
    Feed,
    Group,
    Permission,
    Token,
    TokenScope,
    User,
)
from stonechat.domain.timestamps import now_ms
from stonechat.services.accounts import AccountService
from stonechat.storage.database import Database
from stonechat.storage.groups import GroupStore
from stonechat.storage.permissions import PermissionStore
from stonechat.storage.tokens import TokenStore

log = logging.getLogger(__name__)

TOKEN_PREFIX = "aiotok_"
_CACHE_LIMIT = 10_000
_TOUCH_EVERY_MS = 60_000

Record = Feed | Group | Dashboard
R = TypeVar("R", Feed, Group, Dashboard)


@dataclass(slots=True, frozen=True)
class Change:
    """Something that may change who reads or writes the owner's resources."""

    owner_id: int
    model: str
    object_id: int


def model_of(record: Record) -> str:
    if isinstance(record, Feed):
        return "feed"
    return "group" if isinstance(record, Group) else "dashboard"


class AccessService:
    def __init__(
        self, db: Database, accounts: AccountService, bus: ClusterBus, cache_seconds: float = 1.0
    ) -> None:
        self.accounts = accounts
        self.permissions = PermissionStore(db)
        self.tokens = TokenStore(db)
        self._groups = GroupStore(db)
        self._bus = bus
        self._cache_seconds = cache_seconds
        # token hash -> (token, its user, cached until); a deleted token leaves at once.
        self._token_cache: dict[str, tuple[Token, User, float]] = {}
        self._touched: dict[int, int] = {}
        # grantee id -> the user-scope permissions granted to them
        self._received: dict[int, tuple[Permission, ...]] = {}
        # feed id -> ids of the groups it is in
        self._feed_groups: dict[int, tuple[int, ...]] = {}
        # Adapters that hold subscriptions re-check them on a change (and on revocation).
        self.on_change: list[Callable[[Change], None]] = []
        self.on_token_revoked: list[Callable[[int], None]] = []
        # Called with the user id when a user is disabled or deleted (every process):
        # the broker and the live socket end that user's connections.
        self.on_user_disabled: list[Callable[[int, bool], None]] = []
        bus.on(ACCESS_CHANGED, self._remote_change)
        bus.on(TOKEN_REVOKED, self._remote_token_revoked)
        bus.on(USER_DISABLED, self._remote_user_disabled)

    # -- who is asking -------------------------------------------------------------------

    async def authenticate(self, key: str) -> Principal:
        """The principal of a master AIO key or a scoped token; Unauthorized otherwise,
        AccountDisabled (403) when an administrator disabled its user."""
        if key.startswith(TOKEN_PREFIX):
            token, user = await self._token(key)
            return Principal(check_enabled(user), token)
        return Principal(check_enabled(await self.accounts.authenticate_key(key)))

    @staticmethod
    def new_token_secret() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(30)

    def token_hash(self, secret: str) -> str:
        return self.accounts.vault.hash(secret)

    async def _token(self, secret: str) -> tuple[Token, User]:
        digest = self.token_hash(secret)
        now = now_ms()
        cached = self._token_cache.get(digest)
        if cached is not None and cached[2] > time.monotonic():
            token, user, _ = cached
        else:
            loaded = await self.tokens.by_hash(digest)
            if loaded is None:
                self._token_cache.pop(digest, None)
                raise Unauthorized("invalid AIO key")
            token = loaded
            found = await self.accounts.users.by_id(token.user_id)
            if found is None:
                raise Unauthorized("invalid AIO key")
            user = found
            if len(self._token_cache) > _CACHE_LIMIT:
                self._token_cache.clear()
            self._token_cache[digest] = (token, user, time.monotonic() + self._cache_seconds)
        if token.expiration is not None and token.expiration <= now:
            raise Unauthorized("this token has expired")
        if now - self._touched.get(token.id, 0) > _TOUCH_EVERY_MS:
            self._touched[token.id] = now
            await self.tokens.touch(token.id, now)
        return token, user

    @staticmethod
    def webhook(owner: User, feed: Feed) -> Principal:
        """A feed webhook's token is a write-only grant on that one feed, nothing more
        (AccountDisabled when the owner is disabled)."""
        scope = TokenScope("feed", feed.id, WRITE)
        token = Token(0, owner.id, "webhook", "", (scope,), None, None, 0, 0)
        return Principal(check_enabled(owner), token)

    async def valid_tokens(self, ids: list[int]) -> set[int]:
        """Which of these tokens are still there and unexpired (one query)."""
        return await self.tokens.existing(ids, now_ms())

    async def current_token(self, user: User, token_id: int) -> Token | None:
        """The user's token with this id as it is now, if it is still there and unexpired."""
        token = await self.tokens.get(user.id, token_id)
        if token is None or (token.expiration is not None and token.expiration <= now_ms()):
            return None
        return token

    # -- decisions -----------------------------------------------------------------------

    async def can(self, principal: Principal, record: Record, action: str) -> bool:
        target = await self._target(principal, record)
        grants = await self._grants_for(principal, target)
        return allows(principal, target, action, grants)

    async def readable(self, principal: Principal, records: Sequence[R]) -> list[R]:
        """The records the principal may read, in order."""
        return [r for r in records if await self.can(principal, r, READ)]

    async def require(
        self, principal: Principal, record: Record, action: str, missing: StonechatError
    ) -> None:
        """Raise ``missing`` (a NotFound) when the principal may not even read the record,
        Forbidden when it may read but not do ``action``."""
        if await self.can(principal, record, action):
            return
        if action != READ and await self.can(principal, record, READ):
            raise Forbidden(
                f"forbidden - {_who(principal)} may not "
                f"{'write to' if action == WRITE else 'change'} this {model_of(record)}"
            )
        raise missing

    def owns(self, principal: Principal, owner: User) -> bool:
        """The principal has every right over ``owner``'s account (not a token)."""
        return owns(principal, owner.id)

    def require_owner(self, principal: Principal, owner: User) -> None:
        """Only the owner with every right (master key or session) manages the account's
        tokens, access lists and actions: never a token, never another user."""
        if not owns(principal, owner.id):
            raise Forbidden(
                f"forbidden - {_who(principal)} may not change resources of {owner.username}"
            )

    async def may_create_feed_in(self, principal: Principal, group: Group) -> bool:
        return may_create_in(principal, await self._target(principal, group))

    def require_signed_in(self, principal: Principal) -> User:
        if principal.user is None:
            raise Unauthorized("missing AIO key: send the X-AIO-Key header")
        return principal.user

    async def _target(self, principal: Principal, record: Record) -> Target:
        model = model_of(record)
        groups: tuple[int, ...] = ()
        if isinstance(record, Feed) and await self._needs_groups(principal, record):
            groups = await self._groups_of(record)
        return Target(model, record.id, record.user_id, record.visibility, groups)

    async def _needs_groups(self, principal: Principal, feed: Feed) -> bool:
        if principal.user_id is None or owns(principal, feed.user_id):
            return False
        if principal.token is not None:
            return any(s.model == "group" for s in principal.token.scopes)
        received = await self.received(principal.user_id)
        return any(g.model == "group" and g.user_id == feed.user_id for g in received)

    async def _groups_of(self, feed: Feed) -> tuple[int, ...]:
        cached = self._feed_groups.get(feed.id)
        if cached is None:
            found = (await self._groups.groups_of_feeds([feed.id])).get(feed.id, [])
            cached = tuple(g.id for g in found) or (feed.group_id,)
            if len(self._feed_groups) > _CACHE_LIMIT:
                self._feed_groups.clear()
            self._feed_groups[feed.id] = cached
        return cached

    async def _grants_for(self, principal: Principal, target: Target) -> tuple[Permission, ...]:
        user_id = principal.user_id
        if user_id is None or principal.token is not None or user_id == target.owner_id:
            return ()
        return tuple(g for g in await self.received(user_id) if g.user_id == target.owner_id)

    async def received(self, grantee_id: int) -> tuple[Permission, ...]:
        """Every user-scope permission granted to ``grantee_id`` (cached)."""
        cached = self._received.get(grantee_id)
        if cached is None:
            cached = tuple(await self.permissions.for_grantee(grantee_id))
            if len(self._received) > _CACHE_LIMIT:
                self._received.clear()
            self._received[grantee_id] = cached
        return cached

    # -- changes -------------------------------------------------------------------------

    def changed(self, owner_id: int, model: str, object_id: int) -> None:
        """Visibility, shares or group membership of an object changed: forget what was
        cached here and in every other process, and let the adapters re-check."""
        change = Change(owner_id, model, object_id)
        self._apply(change)
        self._bus.broadcast(
            ACCESS_CHANGED, {"owner_id": owner_id, "model": model, "object_id": object_id}
        )

    def token_revoked(self, token: Token) -> None:
        """A token was deleted or changed: refuse it at once everywhere, end its sessions."""
        self._forget_token(token.id)
        self._bus.broadcast(TOKEN_REVOKED, {"token_id": token.id})
        self._notify_revoked(token.id)

    def user_disabled(self, user_id: int, deleted: bool = False) -> None:
        """A user was disabled (or deleted): refuse its key, tokens and sessions at once,
        and end its MQTT connections and live sockets, here and in every other process."""
        self._forget_user(user_id)
        self._bus.broadcast(USER_DISABLED, {"user_id": user_id, "deleted": deleted})
        self._notify_disabled(user_id, deleted)

    def _remote_user_disabled(self, body: Signal) -> None:
        try:
            user_id = int(body["user_id"])
        except (KeyError, TypeError, ValueError):
            log.warning("ignored a malformed user signal: %r", body)
            return
        self._forget_user(user_id)
        self._notify_disabled(user_id, bool(body.get("deleted")))

    def _forget_user(self, user_id: int) -> None:
        self.accounts.forget_user(user_id)
        self._token_cache = {h: v for h, v in self._token_cache.items() if v[1].id != user_id}
        self._received.clear()

    def _notify_disabled(self, user_id: int, deleted: bool) -> None:
        for listener in list(self.on_user_disabled):
            try:
                listener(user_id, deleted)
            except Exception:
                log.exception("user disabled listener %r failed", listener)

    def _apply(self, change: Change) -> None:
        self._received.clear()
        self._feed_groups.clear()
        for listener in list(self.on_change):
            try:
                listener(change)
            except Exception:  # one broken listener must not stop the others
                log.exception("access change listener %r failed", listener)

    def _remote_change(self, body: Signal) -> None:
        try:
            change = Change(int(body["owner_id"]), str(body["model"]), int(body["object_id"]))
        except (KeyError, TypeError, ValueError):
            log.warning("ignored a malformed access signal: %r", body)
            return
        self._apply(change)

    def _remote_token_revoked(self, body: Signal) -> None:
        try:
            token_id = int(body["token_id"])
        except (KeyError, TypeError, ValueError):
            return
        self._forget_token(token_id)
        self._notify_revoked(token_id)

    def _forget_token(self, token_id: int) -> None:
        self._token_cache = {h: v for h, v in self._token_cache.items() if v[0].id != token_id}

    def _notify_revoked(self, token_id: int) -> None:
        for listener in list(self.on_token_revoked):
            try:
                listener(token_id)
            except Exception:
                log.exception("token revocation listener %r failed", listener)


def _who(principal: Principal) -> str:
    if principal.user is None:
        return "a signed-out visitor"
    if principal.token is not None:
        return f"token '{principal.token.name}' of {principal.user.username}"
    return principal.user.username
