"""The one limiter shared by HTTP, MQTT, WebSocket MQTT, webhooks and the web UI sign-in.

- Data rate: points per user per minute (moving window), checked before a point is queued
  for storage. A limit of 0 means unlimited and costs one dict lookup: no await, no Redis.
- Bans (mqtt-api.md §7): too many failed MQTT sign-ins, SUBSCRIBEs, failed SUBSCRIBEs or
  PUBLISHes, or publishes after being throttled, within a minute, ban the user for 30 s,
  30 s more per ban in the last hour, at most an hour.
- Sign-in: failed password logins per account and per address, counted before the
  password is checked (``attempts.py``); sign-ups per address.

Counters and bans live in Redis when ``redis_url`` is set (every process counts together)
and in this process otherwise; see ``windows.py`` for what happens when Redis is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond

from stonechat.domain.errors import (
    Forbidden,
    Throttled,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from stonechat.domain.records import User
from stonechat.limits import constants as c
from stonechat.limits.attempts import (
    AttemptBook,
    MemoryAttemptBook,
    RedisAttemptBook,
    wait_seconds,
)
from stonechat.limits.bans import BanBook, MemoryBanBook, RedisBanBook
from stonechat.limits.windows import RedisHealth, Windows

log = logging.getLogger(__name__)

OverridesLoader = Callable[[], Awaitable[dict[int, int]]]


@dataclass(frozen=True, slots=True)
class LimiterConfig:
    """Limits, built from the settings. Every threshold of 0 turns its check off."""

    data_rate_limit: int = 0  # points per minute per user, unless the user has its own
    redis_url: str | None = None
    key_prefix: str = "stonechat"
    bans: bool = True
    ban_connects: int = 20  # failed sign-ins per minute; more: CONNACK 6 and a ban
    ban_subscribes: int = 100
    ban_failed_subscribes: int = 10
    ban_failed_publishes: int = 10
    ban_throttled_publishes: int = 30  # publishes dropped for the data rate per minute
    ban_seconds: int = 30
    ban_max_seconds: int = 3600
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_window_seconds: int = 900
    signups_per_address: int = 5
    signup_window_seconds: int = 3600
    password_resets_per_address: int = 10  # reset requests per hour from one address
    password_resets_per_account: int = 3  # reset emails per hour to one account
    refresh_seconds: float = c.REFRESH_SECONDS

    def threshold(self, event: str) -> int:
        return {
            c.CONNECTS: self.ban_connects,
            c.SUBSCRIBES: self.ban_subscribes,
            c.FAILED_SUBSCRIBES: self.ban_failed_subscribes,
            c.FAILED_PUBLISHES: self.ban_failed_publishes,
            c.THROTTLED_PUBLISHES: self.ban_throttled_publishes,
        }[event]


@dataclass(frozen=True, slots=True)
class Quota:
    """Where a user stands after a data write: for the RateLimit headers."""

    limit: int
    remaining: int
    reset: int  # seconds until the oldest counted point leaves the window


@dataclass(frozen=True, slots=True)
class Ban:
    username: str
    reason: str  # the event that crossed its threshold (constants)
    seconds: int
    until: float  # Unix time


def throttle_message(username: str, seconds: int) -> str:
    """Adafruit IO's wording on ``{username}/throttle`` (mqtt-api.md §3.5)."""
    return f"{username} data rate limit reached, {seconds} seconds until throttle released"


def ban_message(seconds: int) -> str:
    return f"enforcement limit reached, your account is banned for {seconds} seconds"


class Limiter:
    def __init__(
        self,
        config: LimiterConfig,
        load_overrides: OverridesLoader | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._load_overrides = load_overrides
        self._clock = clock
        self.health = RedisHealth()
        self.windows = Windows(config.redis_url, config.key_prefix, self.health)
        self.book: BanBook = (
            RedisBanBook(config.redis_url, config.key_prefix, self.health)
            if config.redis_url
            else MemoryBanBook()
        )
        self.attempts: AttemptBook = (
            RedisAttemptBook(config.redis_url, config.key_prefix, self.health)
            if config.redis_url
            else MemoryAttemptBook()
        )
        # Per-user data rates (users.data_rate_limit), reloaded every refresh_seconds.
        self._overrides: dict[int, int] | None = None
        self._reload_failing = False  # told once while the database is away
        # Running bans: lower-case username -> until. Read on every PUBLISH/SUBSCRIBE.
        self.banned: dict[str, float] = {}
        self._items: dict[tuple[int, int], RateLimitItem] = {}
        self._task: asyncio.Task[None] | None = None
        # Counted in this process for metrics: requests refused by a limit (by limit), and
        # bans this process started (by the event that crossed its threshold).
        self.refusals: Counter[str] = Counter()
        self.bans_started: Counter[str] = Counter()

    def now(self) -> float:
        """The limiter's clock (Unix seconds; a fake one in tests)."""
        return self._clock()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if isinstance(self.attempts, RedisAttemptBook):
            await self.attempts.warm()
        await self.refresh()
        self._task = asyncio.create_task(self._refresh_loop(), name="limits-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if isinstance(self.book, RedisBanBook):
            await self.book.close()
        if isinstance(self.attempts, RedisAttemptBook):
            await self.attempts.close()

    async def refresh(self) -> None:
        """Reload per-user limits and running bans (other processes' bans too)."""
        if self._load_overrides is not None:
            try:
                self._overrides = await self._load_overrides()
                self._reload_failing = False
            except Unavailable as error:  # the database away: keep the last known limits,
                if not self._reload_failing:  # and say so once, not every second
                    log.warning("could not reload per-user data rate limits: %s", error)
                self._reload_failing = True
            except Exception:
                log.warning("could not reload per-user data rate limits", exc_info=True)
        if self.config.bans:
            self.banned = await self.book.active(self._clock())

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.refresh_seconds)
            try:
                await self.refresh()
            except Exception:
                log.warning("could not refresh the limits", exc_info=True)

    def _item(self, amount: int, seconds: int) -> RateLimitItem:
        item = self._items.get((amount, seconds))
        if item is None:
            item = self._items[(amount, seconds)] = RateLimitItemPerSecond(amount, seconds)
        return item

    # -- data rate -------------------------------------------------------------------------

    def data_limit(self, user: User) -> int:
        """Points per minute allowed to ``user``; 0 is unlimited. No I/O."""
        if self._overrides is not None:
            return self._overrides.get(user.id, self.config.data_rate_limit)
        if user.data_rate_limit is not None:
            return user.data_rate_limit
        return self.config.data_rate_limit

    def reported_limit(self, user: User) -> int:
        """The data rate shown to ``user`` (``/throttle``): its limit, or a large number
        when it has none (``UNLIMITED_DATA_RATE``, never 0)."""
        return self.data_limit(user) or c.UNLIMITED_DATA_RATE

    async def take_data(self, user: User, cost: int, limit: int) -> Quota:
        """Count ``cost`` points (all or none) against ``limit``; Throttled when over."""
        item = self._item(limit, c.DATA_WINDOW_SECONDS)
        key = f"{c.DATA_KEY}/{user.id}"
        allowed = await self.windows.hit(item, key, cost)
        used, reset_at = await self.windows.used(item, key)
        reset = max(1, math.ceil(reset_at - self._clock())) if used else 0
        if not allowed:
            self.refusals["data_rate"] += 1
            raise Throttled(throttle_message(user.username, reset), reset, limit=limit)
        return Quota(limit, max(0, limit - used), reset)

    async def data_used(self, user: User) -> int | None:
        """Points counted in the last minute, or None when the user is unlimited."""
        limit = self.data_limit(user)
        if limit == 0:
            return None
        used, _ = await self.windows.used(
            self._item(limit, c.DATA_WINDOW_SECONDS), f"{c.DATA_KEY}/{user.id}"
        )
        return used

    # -- bans ------------------------------------------------------------------------------

    def banned_for(self, username: str) -> float:
        """Seconds left of ``username``'s ban (0: not banned). No I/O."""
        if not self.banned:
            return 0.0
        until = self.banned.get(username.lower())
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self.banned[username.lower()]
            return 0.0
        return left

    def watches(self, event: str) -> bool:
        """Whether ``event`` is counted at all (bans on and its threshold above 0)."""
        return self.config.bans and self.config.threshold(event) > 0

    async def record(self, event: str, username: str) -> Ban | None:
        """Count one ``event`` of ``username``; a Ban when that crossed the threshold.

        Exactly ``threshold`` events are allowed in any minute; the next one bans. Returns
        None for a user already banned (the running ban is not stretched).
        """
        if not self.watches(event):
            return None
        name = username.lower()
        if self.banned_for(name):
            return None
        item = self._item(self.config.threshold(event), c.EVENT_WINDOW_SECONDS)
        if await self.windows.hit(item, f"{c.EVENT_KEY}/{event}/{name}"):
            return None
        return await self.ban(username, event)

    async def ban(self, username: str, reason: str) -> Ban | None:
        """Ban ``username`` now (for the length its recent bans give); None if it already
        was. The Ban keeps the name as given, for notices on its own topics."""
        now = self._clock()
        name = username.lower()
        seconds, until = await self.book.ban(
            name, now, self.config.ban_seconds, self.config.ban_max_seconds
        )
        self.banned[name] = until
        if seconds == 0:
            return None  # another process banned the user a moment ago
        self.bans_started[reason] += 1
        log.info("banned %s for %d s (%s)", name, seconds, reason)
        return Ban(username, reason, seconds, until)

    async def lift(self, username: str) -> None:
        """End the user's ban and forget the events counted toward the next one (an
        administrator's decision: the next connection must not ban the user again)."""
        name = username.lower()
        await self.book.lift(name)
        self.banned.pop(name, None)
        for event in (
            c.CONNECTS,
            c.SUBSCRIBES,
            c.FAILED_SUBSCRIBES,
            c.FAILED_PUBLISHES,
            c.THROTTLED_PUBLISHES,
        ):
            if self.watches(event):
                item = self._item(self.config.threshold(event), c.EVENT_WINDOW_SECONDS)
                await self.windows.clear(item, f"{c.EVENT_KEY}/{event}/{name}")

    async def event_count(self, event: str, username: str) -> int:
        if not self.watches(event):
            return 0
        item = self._item(self.config.threshold(event), c.EVENT_WINDOW_SECONDS)
        used, _ = await self.windows.used(item, f"{c.EVENT_KEY}/{event}/{username.lower()}")
        return used

    # -- password sign-in and sign-up ----------------------------------------------------

    def _login_keys(self, account: str, address: str) -> list[tuple[str, int]]:
        cfg = self.config
        keys = []
        if cfg.login_failures_per_account > 0:
            account_key = f"{c.LOGIN_ACCOUNT_KEY}/{account.lower()}"
            keys.append((account_key, cfg.login_failures_per_account))
        if cfg.login_failures_per_address > 0 and address:
            keys.append((f"{c.LOGIN_ADDRESS_KEY}/{address}", cfg.login_failures_per_address))
        return keys

    @contextlib.asynccontextmanager
    async def password_attempt(self, account: str, address: str) -> AsyncIterator[None]:
        """Guard one password check of ``account`` (the lower-case username, however the
        user typed it) from ``address``.

        The attempt is counted before the body runs, atomically with the check of the
        limits, so concurrent guesses beyond the limit get TooManyRequests before any
        password work. A body that raises Unauthorized or Forbidden (a wrong password)
        leaves the attempt counted; any other error takes it back; a body that finishes
        clears the account's earlier failures and takes this attempt back from the address
        (one good account must not reset the count of an address trying others).
        """
        keys = self._login_keys(account, address)
        if not keys:
            yield
            return
        token = uuid.uuid4().hex
        at = self._clock()
        wait = await self.attempts.reserve(keys, token, at, self.config.login_window_seconds)
        if wait:
            self.refusals["sign_in"] += 1
            seconds = wait_seconds(wait)
            raise TooManyRequests(
                f"too many failed sign-ins, try again in {seconds} seconds", seconds
            )
        names = [key for key, _ in keys]
        try:
            yield
        except (Unauthorized, Forbidden):
            raise
        except BaseException:
            await self.attempts.release(names, token)
            raise
        await self.attempts.release(names, token)
        if self.config.login_failures_per_account > 0:
            await self.attempts.clear(names[0], at)

    async def signup_attempt(self, address: str) -> None:
        """Count one sign-up from ``address``; TooManyRequests when over the limit."""
        cfg = self.config
        if cfg.signups_per_address <= 0 or not address:
            return
        item = self._item(cfg.signups_per_address, cfg.signup_window_seconds)
        key = f"{c.SIGNUP_ADDRESS_KEY}/{address}"
        if await self.windows.hit(item, key):
            return
        self.refusals["sign_up"] += 1
        _, reset_at = await self.windows.used(item, key)
        seconds = wait_seconds(reset_at - self._clock())
        raise TooManyRequests(f"too many sign-ups, try again in {seconds} seconds", seconds)

    async def reset_request(self, address: str) -> None:
        """Count one password reset request from ``address``; TooManyRequests when over."""
        cfg = self.config
        if cfg.password_resets_per_address <= 0 or not address:
            return
        item = self._item(cfg.password_resets_per_address, c.RESET_WINDOW_SECONDS)
        key = f"{c.RESET_ADDRESS_KEY}/{address}"
        if await self.windows.hit(item, key):
            return
        self.refusals["password_reset"] += 1
        _, reset_at = await self.windows.used(item, key)
        seconds = wait_seconds(reset_at - self._clock())
        raise TooManyRequests(
            f"too many password reset requests, try again in {seconds} seconds", seconds
        )

    async def reset_email(self, user_id: int) -> bool:
        """Count one reset email to an account; False when it had its share this hour
        (the caller sends nothing and answers as usual: no one learns the account exists)."""
        cfg = self.config
        if cfg.password_resets_per_account <= 0:
            return True
        item = self._item(cfg.password_resets_per_account, c.RESET_WINDOW_SECONDS)
        return await self.windows.hit(item, f"{c.RESET_ACCOUNT_KEY}/{user_id}")

    # -- the throttle endpoint -------------------------------------------------------------

    async def usage(self, user: User) -> dict[str, Any]:
        """Counters for ``GET /{username}/throttle`` beyond the data rate."""
        name = user.username.lower()
        now = self._clock()
        left = self.banned_for(name)
        return {
            "authentication_rate": await self.event_count(c.CONNECTS, name),
            "subscribe_authorization_rate": await self.event_count(c.SUBSCRIBES, name),
            "publish_authorization_rate": await self.event_count(c.FAILED_PUBLISHES, name),
            "hourly_ban_rate": await self.book.recent(name, now) if self.config.bans else 0,
            "mqtt_ban_error_message": ban_message(max(1, round(left))) if left else None,
        }
