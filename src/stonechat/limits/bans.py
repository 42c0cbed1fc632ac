"""Temporary bans: who is banned until when, and how long the next ban lasts.

A ban lasts ``step`` seconds, plus ``step`` for every ban of the same user in the last hour,
at most ``cap`` (mqtt-api.md §7: 30 s, 60 s, 90 s ... up to an hour). The book lives in Redis
when configured, so a ban made by one process holds in all of them; every process keeps a
copy of the active bans (refreshed each second) so checking one costs a dict lookup.
Times are Unix seconds from the caller's clock (a fake one in tests).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from stonechat.limits.constants import BAN_HISTORY_KEY, BAN_HISTORY_SECONDS, BANS_KEY
from stonechat.limits.windows import RedisHealth, RedisTurns, redis_client


def ban_seconds(recent_bans: int, step: int, cap: int) -> int:
    """The length of a new ban after ``recent_bans`` bans in the last hour."""
    return min(step * (recent_bans + 1), cap)


class BanBook(Protocol):
    async def ban(self, username: str, now: float, step: int, cap: int) -> tuple[int, float]:
        """Ban ``username`` (lower case) unless already banned: (seconds, until).

        ``seconds`` is 0 when the user was banned already (``until`` is the running ban's end).
        """

    async def active(self, now: float) -> dict[str, float]:
        """Every running ban: username -> until."""

    async def recent(self, username: str, now: float) -> int:
        """Bans of ``username`` that started in the last hour."""

    async def lift(self, username: str) -> None:
        """End a ban now (an administrator's decision; also used by tests)."""


class MemoryBanBook:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._history: dict[str, list[float]] = {}

    async def ban(self, username: str, now: float, step: int, cap: int) -> tuple[int, float]:
        running = self._until.get(username, 0.0)
        if running > now:
            return 0, running
        history = [t for t in self._history.get(username, []) if t > now - BAN_HISTORY_SECONDS]
        seconds = ban_seconds(len(history), step, cap)
        history.append(now)
        self._history[username] = history
        self._until[username] = now + seconds
        return seconds, now + seconds

    async def active(self, now: float) -> dict[str, float]:
        self._until = {u: t for u, t in self._until.items() if t > now}
        return dict(self._until)

    async def recent(self, username: str, now: float) -> int:
        return sum(1 for t in self._history.get(username, []) if t > now - BAN_HISTORY_SECONDS)

    async def lift(self, username: str) -> None:
        self._until.pop(username, None)


# KEYS: ban history of the user, the active-bans set. ARGV: now, step, cap, username, id.
_BAN_SCRIPT = """
local now = tonumber(ARGV[1])
local running = tonumber(redis.call('zscore', KEYS[2], ARGV[4]) or '0')
if running > now then
    return {0, string.format('%.6f', running)}
end
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[6]))
local recent = redis.call('zcard', KEYS[1])
local seconds = math.min(tonumber(ARGV[2]) * (recent + 1), tonumber(ARGV[3]))
redis.call('zadd', KEYS[1], now, ARGV[5])
redis.call('expire', KEYS[1], tonumber(ARGV[6]))
redis.call('zadd', KEYS[2], now + seconds, ARGV[4])
redis.call('zremrangebyscore', KEYS[2], '-inf', now)
return {seconds, string.format('%.6f', now + seconds)}
"""


class RedisBanBook:
    """The book in Redis; the in-process book stands in while Redis does not answer."""

    def __init__(self, redis_url: str, prefix: str, health: RedisHealth) -> None:
        self._redis: Any = redis_client(redis_url)
        self._prefix = prefix
        self._turns = RedisTurns(health)  # every call to Redis waits its turn
        self._local = MemoryBanBook()
        self._script = self._redis.register_script(_BAN_SCRIPT)

    def _history_key(self, username: str) -> str:
        return f"{self._prefix}:{BAN_HISTORY_KEY}:{username}"

    @property
    def _bans_key(self) -> str:
        return f"{self._prefix}:{BANS_KEY}"

    async def ban(self, username: str, now: float, step: int, cap: int) -> tuple[int, float]:
        async def remote() -> tuple[int, float]:
            seconds, until = await self._script(
                keys=[self._history_key(username), self._bans_key],
                args=[now, step, cap, username, uuid.uuid4().hex, BAN_HISTORY_SECONDS],
            )
            return int(seconds), float(until)

        return await self._turns.call(remote, lambda: self._local.ban(username, now, step, cap))

    async def active(self, now: float) -> dict[str, float]:
        async def remote() -> dict[str, float]:
            rows = await self._redis.zrangebyscore(self._bans_key, now, "+inf", withscores=True)
            return {(u.decode() if isinstance(u, bytes) else u): float(t) for u, t in rows}

        return await self._turns.call(remote, lambda: self._local.active(now))

    async def recent(self, username: str, now: float) -> int:
        async def remote() -> int:
            key = self._history_key(username)
            return int(await self._redis.zcount(key, now - BAN_HISTORY_SECONDS, "+inf"))

        return await self._turns.call(remote, lambda: self._local.recent(username, now))

    async def lift(self, username: str) -> None:
        async def remote() -> None:
            await self._redis.zrem(self._bans_key, username)

        await self._local.lift(username)
        await self._turns.call(remote, lambda: self._local.lift(username))

    async def close(self) -> None:
        await self._redis.aclose()
