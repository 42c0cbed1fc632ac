"""Moving-window counters from the ``limits`` library, in Redis or in this process.

A moving window counts what happened in the last N seconds, exactly: a limit of 30 per
minute never lets a 31st point through within any 60 seconds, even across a clock minute
(a fixed window would allow 60 around the boundary). In Redis each check is one atomic Lua
script, so several processes sharing the Redis count together.

Redis is never allowed to stall or refuse a request: every call has a short socket timeout,
and when Redis fails the counters fall back to this process's memory for a while (fail
open, limited per process), with a warning at most once a minute.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from stonechat.limits.constants import (
    REDIS_CLIENT_NAME,
    REDIS_MAX_CONNECTIONS,
    REDIS_RETRY_SECONDS,
    REDIS_TIMEOUT_SECONDS,
    WARN_EVERY_SECONDS,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


def redis_pool(redis_url: str) -> aioredis.BlockingConnectionPool:
    """The connections of one of the limiter's Redis stores: fail fast, no retry loop, and
    at most ``REDIS_MAX_CONNECTIONS``, as many as its ``RedisTurns`` lets call at once (a
    connection per concurrent call meant, under a burst, dozens of connects at once, some
    timing out, and the limit counted in two places). The pool's own wait for a free
    connection is only a backstop: the turns do the waiting."""
    return aioredis.BlockingConnectionPool.from_url(
        redis_url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
        client_name=REDIS_CLIENT_NAME,
    )


def redis_client(redis_url: str) -> Any:
    """A Redis client on its own ``redis_pool``; closing it closes the pool."""
    return aioredis.Redis.from_pool(redis_pool(redis_url))


def limits_uri(redis_url: str) -> str:
    """``redis://...`` as the ``limits`` library's async storage URI."""
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url[len("unix://") :]
    return "async+" + redis_url


class RedisHealth:
    """Whether to try Redis now; after a failure, not again for a few seconds."""

    def __init__(self, retry_seconds: float = REDIS_RETRY_SECONDS) -> None:
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._warned_at = -math.inf
        self.failures = 0

    def usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        self.failures += 1
        self._down_until = now + self.retry_seconds
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning(
                "rate limits: Redis is not answering (%s); counting in this process meanwhile",
                error or type(error).__name__,
            )

    async def call(
        self, remote: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]
    ) -> T:
        """``remote()`` when Redis is usable and answers, else ``local()``."""
        if self.usable():
            try:
                return await remote()
            except Exception as error:  # any Redis or socket failure: fail open
                self.failed(error)
        return await local()


class RedisTurns:
    """The calls of one Redis store (one ``redis_pool``): at most ``REDIS_MAX_CONNECTIONS``
    at Redis at once, the rest wait their turn here, in order.

    Waiting is not Redis failing: however long a burst makes the wait, the call still goes
    to Redis. (The pool's wait used to time out after ``REDIS_TIMEOUT_SECONDS``: 1,000
    guesses at once counted 83 of them in this process, and 10 passwords were checked
    against a limit of 5.) A call whose turn comes after Redis failed goes to this
    process's store at once (``RedisHealth.call`` asks again), so a Redis that stalls holds
    a burst up about one timeout, not one per waiting call."""

    def __init__(self, health: RedisHealth) -> None:
        self.health = health
        self._turn = asyncio.Semaphore(REDIS_MAX_CONNECTIONS)

    async def call(
        self, remote: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]
    ) -> T:
        """``remote()`` in turn while Redis is usable and answers, else ``local()``."""
        if not self.health.usable():
            return await local()
        async with self._turn:
            return await self.health.call(remote, local)


class Windows:
    """Hit and read moving windows, keyed by a limit item and identifiers."""

    def __init__(self, redis_url: str | None, prefix: str, health: RedisHealth) -> None:
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._remote: MovingWindowRateLimiter | None = None
        self._turns = RedisTurns(health)
        if redis_url:
            # The library takes a pool among its options (typed as scalars only).
            pool: dict[str, Any] = {"connection_pool": redis_pool(redis_url)}
            storage = RedisStorage(
                limits_uri(redis_url),
                implementation="redispy",
                key_prefix=prefix,
                **pool,
            )
            self._remote = MovingWindowRateLimiter(storage)

    def _call(self, work: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> Awaitable[T]:
        remote = self._remote
        if remote is None:
            return work(self._local)
        return self._turns.call(lambda: work(remote), lambda: work(self._local))

    async def hit(self, item: RateLimitItem, key: str, cost: int = 1) -> bool:
        """Count ``cost`` events if they fit in the window; False (nothing counted) if not."""
        return await self._call(lambda s: s.hit(item, key, cost=cost))

    async def test(self, item: RateLimitItem, key: str) -> bool:
        """Whether one more event would fit."""
        return await self._call(lambda s: s.test(item, key))

    async def used(self, item: RateLimitItem, key: str) -> tuple[int, float]:
        """Events in the window now, and the Unix time the oldest of them leaves it."""
        stats = await self._call(lambda s: s.get_window_stats(item, key))
        return item.amount - stats.remaining, stats.reset_time

    async def clear(self, item: RateLimitItem, key: str) -> None:
        await self._call(lambda s: s.clear(item, key))
