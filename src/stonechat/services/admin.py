"""Administration: users (list with their use, create, disable, delete, limits, keys), live
MQTT connections of every process, MQTT bans and the server's health.

The web UI's admin routes and ``stonechat user ...`` call this. Disabling goes through the
access policy (``domain.access.check_enabled`` refuses the user's key, tokens and sessions;
``access.user_disabled`` ends its live connections in every process at once). A process
without a bus (the CLI) relies on the servers noticing: key and token caches expire within
``key_cache_seconds`` and the broker's key watch ends connections of disabled users.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stonechat.domain.errors import Forbidden, NotFound
from stonechat.domain.records import User
from stonechat.limits.limiter import Limiter
from stonechat.services.access import AccessService
from stonechat.services.accounts import AccountService
from stonechat.services.live_connections import ConnectionDirectory, Gathered
from stonechat.storage.database import Database
from stonechat.storage.ui_sessions import UiSessionStore
from stonechat.storage.user_stats import UserStats, UserStatsStore

log = logging.getLogger(__name__)

LAST_ADMIN = "this is the last enabled administrator: make another one first"
SELF = "administrators cannot disable or delete their own account"


@dataclass(slots=True, frozen=True)
class UserView:
    """A user as administrators see it. ``data_rate``: the limit in effect (0 unlimited),
    ``own_data_rate``: the user's own setting (None: the server default), ``data_used``:
    points counted in the current minute (None when unlimited or unknown)."""

    user: User
    data_rate: int
    own_data_rate: int | None
    data_used: int | None
    stats: UserStats


@dataclass(slots=True, frozen=True)
class Ban:
    username: str
    until: float  # Unix seconds
    seconds_left: int


class AdminService:
    def __init__(
        self,
        db: Database,
        accounts: AccountService,
        access: AccessService,
        limiter: Limiter,
        connections: ConnectionDirectory | None = None,
        bus_health: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.accounts = accounts
        self.access = access
        self.limiter = limiter
        self.connections = connections
        self._bus_health = bus_health
        self._stats = UserStatsStore(db)
        self._sessions = UiSessionStore(db)

    # -- users -----------------------------------------------------------------------------

    async def users(self) -> list[UserView]:
        stats = await self._stats.stats()
        views = []
        for user in await self.accounts.users.all():
            used = None
            try:
                used = await self.limiter.data_used(user)
            except Exception:  # the shared counter away: the rest of the page still shows
                log.debug("could not read the data rate use of %s", user.username, exc_info=True)
            views.append(
                UserView(
                    user,
                    self.limiter.data_limit(user),
                    user.data_rate_limit,
                    used,
                    stats.get(user.id, UserStats(0, None)),
                )
            )
        return views

    async def view(self, username: str) -> UserView:
        user = await self.accounts.require(username)
        for view in await self.users():
            if view.user.id == user.id:
                return view
        raise NotFound(f"no user named '{username}'")

    async def create(
        self, username: str, password: str, email: str | None, is_admin: bool
    ) -> tuple[User, str]:
        return await self.accounts.create_user(username, password, email, is_admin)

    async def set_disabled(self, actor: User | None, username: str, disabled: bool) -> User:
        """Disable (refused everywhere at once, sessions ended) or enable a user."""
        user = await self.accounts.require(username)
        if disabled:
            await self._may_remove(actor, user)
        await self.accounts.users.update(user.id, disabled=disabled)
        if disabled:
            await self._sessions.delete_for_user(user.id)
            self.access.user_disabled(user.id)
        else:
            self.accounts.forget_user(user.id)
        log.info("user %s %s", user.username, "disabled" if disabled else "enabled")
        return await self.accounts.require(username)

    async def delete(self, actor: User | None, username: str) -> None:
        """Delete the user and everything it owns; its connections end everywhere."""
        user = await self.accounts.require(username)
        await self._may_remove(actor, user)
        await self._stats.delete_user(user.id, user.username)
        self.access.user_disabled(user.id, deleted=True)
        log.info("user %s deleted", user.username)

    async def set_data_rate(self, username: str, limit: int | None) -> User:
        user = await self.accounts.set_data_rate(username, limit)
        await self.limiter.refresh()  # this process at once; the others within a second
        return user

    async def regenerate_key(self, username: str) -> str:
        return await self.accounts.regenerate_key(username)

    async def _may_remove(self, actor: User | None, user: User) -> None:
        if actor is not None and actor.id == user.id:
            raise Forbidden(SELF)
        if (
            user.is_admin
            and not user.disabled
            and (await self.accounts.users.admins()) == [user.id]
        ):
            raise Forbidden(LAST_ADMIN)

    # -- connections, bans, health -------------------------------------------------------

    async def live(self) -> Gathered:
        if self.connections is None:
            return Gathered([], [])
        return await self.connections.gather()

    async def disconnect(self, username: str, client_id: str) -> None:
        user = await self.accounts.require(username)
        if self.connections is not None:
            self.connections.disconnect(user.id, client_id)

    async def bans(self) -> list[Ban]:
        now = self.limiter.now()
        active = await self.limiter.book.active(now) if self.limiter.config.bans else {}
        return [
            Ban(name, until, max(1, round(until - now)))
            for name, until in sorted(active.items())
            if until > now
        ]

    async def lift_ban(self, username: str) -> None:
        name = username.lower()
        if name not in {b.username for b in await self.bans()}:
            raise NotFound(f"'{username}' is not banned")
        await self.limiter.lift(name)

    async def health(self) -> dict[str, Any]:
        database: dict[str, Any] = {"reachable": True}
        try:
            await self.accounts.count()
        except Exception as error:
            database = {"reachable": False, "error": str(error) or type(error).__name__}
        live = await self.live()
        return {
            "database": {**database, "dialect": self.accounts.db.dialect},
            "bus": self._bus_health() if self._bus_health is not None else {"kind": "none"},
            "workers": sorted(live.nodes),
            "connections": len(live.connections),
        }
