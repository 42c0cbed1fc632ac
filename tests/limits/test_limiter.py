"""The limiter on its own, over memory and Redis storage: exact counts, bans and their
growing length (a fake clock), sign-in throttling, and Redis failing open."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from stonechat.domain.errors import Throttled, TooManyRequests, Unauthorized
from stonechat.domain.records import User
from stonechat.limits import constants as c
from stonechat.limits.bans import ban_seconds
from stonechat.limits.limiter import Limiter, LimiterConfig, ban_message, throttle_message
from support import require_redis

from .conftest import wipe_redis


def user(uid: int = 1, name: str = "Ann", own: int | None = None) -> User:
    return User(uid, name, None, False, None, own, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def make(redis: tuple[str | None, str], clock: Clock | None = None, **config: object) -> Limiter:
    url, prefix = redis
    return Limiter(
        LimiterConfig(redis_url=url, key_prefix=prefix, **config),  # type: ignore[arg-type]
        clock=clock or time.time,
    )


async def test_data_rate_exact_and_all_or_nothing(redis_prefix: tuple[str | None, str]) -> None:
    limiter = make(redis_prefix, data_rate_limit=5)
    ann = user()
    assert limiter.data_limit(ann) == 5
    quotas = [await limiter.take_data(ann, 1, 5) for _ in range(3)]
    assert [q.remaining for q in quotas] == [4, 3, 2]
    assert all(q.limit == 5 and 55 <= q.reset <= 60 for q in quotas)
    with pytest.raises(Throttled) as caught:
        await limiter.take_data(ann, 3, 5)  # a batch of 3 does not fit in 2: nothing counted
    assert caught.value.limit == 5
    assert await limiter.data_used(ann) == 3
    assert (await limiter.take_data(ann, 2, 5)).remaining == 0
    with pytest.raises(Throttled) as caught:
        await limiter.take_data(ann, 1, 5)
    wait = round(caught.value.retry_after)
    assert 55 <= wait <= 60
    assert caught.value.message == throttle_message("Ann", wait)
    assert (
        caught.value.message
        == f"Ann data rate limit reached, {wait} seconds until throttle released"
    )
    # Another user has a window of its own.
    assert (await limiter.take_data(user(2, "bob"), 1, 5)).remaining == 4
    await limiter.stop()


async def test_per_user_limit_and_overrides_reload(redis_prefix: tuple[str | None, str]) -> None:
    overrides: dict[int, int] = {}

    async def load() -> dict[int, int]:
        return dict(overrides)

    url, prefix = redis_prefix
    limiter = Limiter(
        LimiterConfig(redis_url=url, key_prefix=prefix, data_rate_limit=30, refresh_seconds=0.05),
        load,
    )
    # Before the first load, the user record decides.
    assert limiter.data_limit(user(own=7)) == 7
    assert limiter.data_limit(user()) == 30
    await limiter.start()
    assert limiter.data_limit(user(own=7)) == 30  # the database (overrides) decides now
    overrides[1] = 0
    await asyncio.sleep(0.2)
    assert limiter.data_limit(user()) == 0  # unlimited
    assert await limiter.data_used(user()) is None
    overrides[1] = 2
    await asyncio.sleep(0.2)
    assert limiter.data_limit(user()) == 2
    await limiter.stop()


async def test_ban_thresholds_are_exact(redis_prefix: tuple[str | None, str]) -> None:
    clock = Clock()
    limiter = make(redis_prefix, clock)
    for event, allowed in [
        (c.FAILED_PUBLISHES, 10),
        (c.FAILED_SUBSCRIBES, 10),
        (c.CONNECTS, 20),
        (c.SUBSCRIBES, 100),
        (c.THROTTLED_PUBLISHES, 30),
    ]:
        name = f"user-{event}"
        for _ in range(allowed):
            assert await limiter.record(event, name) is None
        assert limiter.banned_for(name) == 0
        ban = await limiter.record(event, name)
        assert ban is not None
        assert (ban.username, ban.reason, ban.seconds) == (name, event, 30)
        assert limiter.banned_for(name.upper()) == pytest.approx(30, abs=0.01)
        assert await limiter.record(event, name) is None  # banned: not counted again
    await limiter.stop()


async def test_ban_grows_30s_per_ban_in_the_last_hour_up_to_an_hour(
    redis_prefix: tuple[str | None, str],
) -> None:
    assert [ban_seconds(n, 30, 3600) for n in (0, 1, 2, 119, 500)] == [30, 60, 90, 3600, 3600]
    clock = Clock()
    limiter = make(redis_prefix, clock, ban_max_seconds=100)
    lengths = []
    for _ in range(5):
        ban = await limiter.ban("ann", c.FAILED_PUBLISHES)
        assert ban is not None
        lengths.append(ban.seconds)
        assert await limiter.ban("ann", c.FAILED_PUBLISHES) is None  # already banned
        clock.now += ban.seconds + 1
        assert limiter.banned_for("ann") == 0
    assert lengths == [30, 60, 90, 100, 100]
    usage = await limiter.usage(user(name="ann"))
    assert usage["hourly_ban_rate"] == 5
    assert usage["mqtt_ban_error_message"] is None
    # An hour after the last ban, the next one is short again.
    clock.now += 3601
    ban = await limiter.ban("ann", c.FAILED_PUBLISHES)
    assert ban is not None and ban.seconds == 30
    assert (await limiter.usage(user(name="ann")))["mqtt_ban_error_message"] == ban_message(30)
    await limiter.stop()


async def test_bans_reach_other_limiters_on_refresh() -> None:
    """Two processes' limiters on one Redis: a ban made by one holds in the other."""
    url = require_redis()
    prefix = f"test-limits-{uuid.uuid4().hex[:10]}"
    one, two = make((url, prefix)), make((url, prefix))
    await one.ban("ann", c.CONNECTS)
    assert two.banned_for("ann") == 0
    await two.refresh()
    assert 29 <= two.banned_for("ann") <= 30
    assert await two.ban("ann", c.CONNECTS) is None  # one ban, not two
    await one.lift("ann")
    await two.refresh()
    assert two.banned_for("ann") == 0
    await one.stop()
    await two.stop()
    wipe_redis(url, prefix)


async def test_bans_off(redis_prefix: tuple[str | None, str]) -> None:
    limiter = make(redis_prefix, bans=False)
    for _ in range(50):
        assert await limiter.record(c.FAILED_PUBLISHES, "ann") is None
    assert not limiter.watches(c.CONNECTS)
    await limiter.stop()


async def wrong_password(limiter: Limiter, account: str, address: str) -> None:
    with pytest.raises(Unauthorized):
        async with limiter.password_attempt(account, address):
            raise Unauthorized("wrong username or password")


async def test_login_throttle_per_account_and_address(
    redis_prefix: tuple[str | None, str],
) -> None:
    limiter = make(redis_prefix, login_failures_per_account=5, login_failures_per_address=8)
    for _ in range(5):
        await wrong_password(limiter, "Ann", "10.0.0.1")
    with pytest.raises(TooManyRequests) as caught:
        async with limiter.password_attempt("ann", "10.0.0.2"):  # per account, any address
            pytest.fail("a password was checked over the limit")
    assert caught.value.status == 429
    assert 890 <= caught.value.retry_after <= 900
    # Other accounts from the same address go on until the address's own limit.
    for i in range(3):
        await wrong_password(limiter, f"other{i}", "10.0.0.1")
    with pytest.raises(TooManyRequests):
        async with limiter.password_attempt("someone", "10.0.0.1"):
            pass
    async with limiter.password_attempt("someone", "10.0.0.3"):
        pass  # another address is not limited
    await limiter.stop()


async def test_unreachable_redis_fails_open_and_counts_here() -> None:
    limiter = Limiter(
        LimiterConfig(redis_url="redis://127.0.0.1:1/0", key_prefix="nowhere", data_rate_limit=3)
    )
    ann = user()
    started = time.monotonic()
    for _ in range(3):
        await limiter.take_data(ann, 1, 3)
    with pytest.raises(Throttled):
        await limiter.take_data(ann, 1, 3)  # still limited, by this process alone
    await limiter.refresh()
    assert await limiter.record(c.FAILED_PUBLISHES, "ann") is None
    assert time.monotonic() - started < 2  # never hangs on the dead Redis
    assert limiter.health.failures >= 1
    await limiter.stop()
