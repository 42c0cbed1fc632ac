"""Reserved attempts: count an attempt before the work it guards, take it back after.

Password sign-ins must be counted *before* the password is checked, or a burst of
concurrent guesses all pass the check "fewer than 5 failures so far" and all reach argon2
(issue 12: 60 concurrent guesses, 60 passwords checked). So an attempt reserves a place
under every key it counts against (the account, the client address), all or none, in one
atomic step; the guarded work runs only with the reservation held; a success gives the
place back, a failure keeps it. Concurrent attempts beyond the limit are refused before
any work.

The ``limits`` library's moving windows cannot take back one entry, so this book keeps its
own: a sorted set per key in Redis (one Lua script for the whole reservation), a dict in
this process otherwise. Times are Unix seconds from the caller's clock.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any, Protocol

from stonechat.limits.constants import REDIS_MAX_CONNECTIONS
from stonechat.limits.windows import RedisHealth, RedisTurns, redis_client

# How often the in-process book forgets keys whose attempts all left the window.
SWEEP_SECONDS = 60.0


class AttemptBook(Protocol):
    async def reserve(
        self, keys: Sequence[tuple[str, int]], token: str, now: float, window: int
    ) -> float:
        """Count attempt ``token`` under every (key, limit), or under none.

        Returns 0 when counted, else the seconds until the first full key has room.
        """

    async def release(self, keys: Sequence[str], token: str) -> None:
        """Take attempt ``token`` back from ``keys`` (nothing if it is not there)."""

    async def clear(self, key: str, until: float) -> None:
        """Forget the attempts under ``key`` made at ``until`` or earlier."""


class MemoryAttemptBook:
    def __init__(self) -> None:
        # key -> token -> when the attempt was made
        self._attempts: dict[str, dict[str, float]] = {}
        self._swept_at = 0.0

    def _live(self, key: str, since: float) -> dict[str, float]:
        found = self._attempts.get(key)
        if found is None:
            return {}
        live = {t: at for t, at in found.items() if at > since}
        if len(live) != len(found):
            self._attempts[key] = live
        return live

    def _sweep(self, now: float, window: int) -> None:
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        self._attempts = {
            key: live
            for key, attempts in self._attempts.items()
            if (live := {t: at for t, at in attempts.items() if at > now - window})
        }

    async def reserve(
        self, keys: Sequence[tuple[str, int]], token: str, now: float, window: int
    ) -> float:
        # No await in here: the check and the count are one step for this event loop.
        self._sweep(now, window)
        for key, limit in keys:
            live = self._live(key, now - window)
            if len(live) >= limit:
                return _within(min(live.values()) + window - now, window)
        for key, _limit in keys:
            self._attempts.setdefault(key, {})[token] = now
        return 0.0

    async def release(self, keys: Sequence[str], token: str) -> None:
        for key in keys:
            attempts = self._attempts.get(key)
            if attempts is not None:
                attempts.pop(token, None)
                if not attempts:
                    del self._attempts[key]

    async def clear(self, key: str, until: float) -> None:
        attempts = self._attempts.get(key)
        if attempts is not None:
            kept = {t: at for t, at in attempts.items() if at > until}
            if kept:
                self._attempts[key] = kept
            else:
                del self._attempts[key]


# KEYS: one sorted set per limit. ARGV: now, window, token, then the limit of each key.
_RESERVE_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
    redis.call('zremrangebyscore', key, '-inf', now - window)
    if redis.call('zcard', key) >= tonumber(ARGV[3 + i]) then
        local oldest = redis.call('zrange', key, 0, 0, 'WITHSCORES')
        return string.format('%.6f', tonumber(oldest[2]) + window - now)
    end
end
for _, key in ipairs(KEYS) do
    redis.call('zadd', key, now, ARGV[3])
    redis.call('expire', key, math.ceil(window))
end
return '0'
"""


class RedisAttemptBook:
    """The book in Redis, shared by every process; this process's book stands in while
    Redis does not answer (fail open, as every limit does)."""

    def __init__(self, redis_url: str, prefix: str, health: RedisHealth) -> None:
        self._redis: Any = redis_client(redis_url)
        self._prefix = prefix
        self._turns = RedisTurns(health)  # every call to Redis waits its turn
        self._local = MemoryAttemptBook()
        self._script = self._redis.register_script(_RESERVE_SCRIPT)

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    async def reserve(
        self, keys: Sequence[tuple[str, int]], token: str, now: float, window: int
    ) -> float:
        async def remote() -> float:
            wait = await self._script(
                keys=[self._key(k) for k, _ in keys],
                args=[now, window, token, *(limit for _, limit in keys)],
            )
            return _within(float(wait), window) if float(wait) > 0 else 0.0

        return await self._turns.call(remote, lambda: self._local.reserve(keys, token, now, window))

    async def release(self, keys: Sequence[str], token: str) -> None:
        async def remote() -> None:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zrem(self._key(key), token)
                await pipe.execute()

        await self._turns.call(remote, lambda: self._local.release(keys, token))

    async def clear(self, key: str, until: float) -> None:
        async def remote() -> None:
            await self._redis.zremrangebyscore(self._key(key), "-inf", until)

        await self._turns.call(remote, lambda: self._local.clear(key, until))

    async def warm(self) -> None:
        """Open the pool's connections and load the script before the first burst. A cold
        burst (60 guesses at once right after start) opened them all at once, and on a busy
        machine one could miss the connect timeout and be counted in this process instead
        (seen in CI: 6 password checks against a limit of 5). A Redis that does not answer
        now only makes the first calls connect, as before."""

        async def remote() -> None:
            await asyncio.gather(*(self._redis.ping() for _ in range(REDIS_MAX_CONNECTIONS)))
            await self._redis.script_load(_RESERVE_SCRIPT)

        async def local() -> None:
            return None

        await self._turns.call(remote, local)

    async def close(self) -> None:
        await self._redis.aclose()


def _within(wait: float, window: int) -> float:
    """A refused attempt's wait: at most the window. Concurrent attempts read the clock
    before they queue for the book, so the oldest attempt counted may carry a later time
    than this one's ``now`` (seen: Retry-After 901 for a 900-second window)."""
    return max(0.001, min(wait, float(window)))


def wait_seconds(wait: float) -> int:
    """Whole seconds for Retry-After (at least 1)."""
    return max(1, math.ceil(wait))
