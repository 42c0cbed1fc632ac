"""Sign-in and sign-up limits of the web UI on a real server, on both databases and with
the memory and the Redis limiter (issue 12, reproductions 4 and 5).

Every test is its own client address (``X-Forwarded-For``, trusted from 127.0.0.1 with
``STONECHAT_FORWARDED_ALLOW_IPS``, as from a proxy on the same host), so tests sharing a
server do not count against each other.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Server, free_port, require_redis

STORAGES = ["memory", "redis"]
ACCOUNT_LIMIT = 5  # the product's defaults
ADDRESS_LIMIT = 20
SIGNUP_LIMIT = 5
PASSWORD = "password123"

_addresses = itertools.count(1)


def new_address() -> str:
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def wipe_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module", params=STORAGES)
def guarded(
    request: pytest.FixtureRequest,
    backend: str,
    database_url: str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """A server with the product's sign-in and sign-up limits, per database and limiter."""
    env = {
        "STONECHAT_LOGIN_FAILURES_PER_ACCOUNT": str(ACCOUNT_LIMIT),
        "STONECHAT_LOGIN_FAILURES_PER_ADDRESS": str(ADDRESS_LIMIT),
        "STONECHAT_SIGNUPS_PER_ADDRESS": str(SIGNUP_LIMIT),
        "STONECHAT_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    redis_url = require_redis() if request.param == "redis" else None
    prefix = f"test-signin-{uuid.uuid4().hex[:10]}"
    if redis_url:
        env |= {"STONECHAT_REDIS_URL": redis_url, "STONECHAT_REDIS_PREFIX": prefix}
    server = Server(
        backend=backend,
        data_dir=Path(tmp_path_factory.mktemp(f"signin-{backend}-{request.param}")),
        database_url=database_url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=env,
    )
    server.start()
    yield server
    server.stop()
    if redis_url:
        wipe_redis(redis_url, prefix)


def sign_in(server: Server, login: str, password: str, address: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/ui/api/signin",
        json={"username": login, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=60,
    )


def sign_up(server: Server, body: dict[str, str], address: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/ui/api/signup",
        json=body,
        headers={"X-Forwarded-For": address},
        timeout=60,
    )


def assert_limited(response: httpx.Response, longest: int = 900) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["Retry-After"]) <= longest
    assert "too many" in response.json()["error"]


async def concurrent_sign_ins(
    server: Server, login: str, count: int, address: str
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post(
                    "/ui/api/signin",
                    json={"username": login, "password": f"wrong-{i:04d}"},
                    headers={"X-Forwarded-For": address},
                )
                for i in range(count)
            )
        )


def test_60_concurrent_wrong_passwords_check_at_most_the_limit(guarded: Server) -> None:
    """Reproduction 4: all 60 were checked before the first 429. A 401 is a checked
    password, so the count of 401s is the count of passwords checked."""
    username, _key = guarded.create_user("c")
    answers = asyncio.run(concurrent_sign_ins(guarded, username, 60, new_address()))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [401] * ACCOUNT_LIMIT + [429] * (60 - ACCOUNT_LIMIT)
    for response in answers:
        if response.status_code == 429:
            assert_limited(response)
    # The account is closed to guesses from anywhere, even with the right password.
    assert_limited(sign_in(guarded, username, PASSWORD, new_address()))


def test_concurrent_guesses_spread_over_accounts_stop_at_the_address_limit(
    guarded: Server,
) -> None:
    where = new_address()
    names = [name for name, _key in guarded.create_users(30, "a")]

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=guarded.base_url, timeout=60) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/ui/api/signin",
                        json={"username": name, "password": "wrong password"},
                        headers={"X-Forwarded-For": where},
                    )
                    for name in names
                )
            )
        return [a.status_code for a in answers]

    statuses = asyncio.run(burst())
    assert statuses.count(401) == ADDRESS_LIMIT
    assert statuses.count(429) == 30 - ADDRESS_LIMIT
    # The address is closed, even to a right password; other addresses are not.
    fresh, _key = guarded.create_user("b")
    assert_limited(sign_in(guarded, fresh, PASSWORD, where))
    assert sign_in(guarded, fresh, PASSWORD, new_address()).status_code == 200


def test_username_and_email_count_against_one_account(guarded: Server) -> None:
    username = f"e{uuid.uuid4().hex[:10]}"
    email = f"{username}@example.com"
    body = {"username": username, "password": PASSWORD, "email": email}
    assert sign_up(guarded, body, new_address()).status_code == 201
    logins = [username, email, username.upper(), email.upper(), email]
    for login in logins:
        assert sign_in(guarded, login, "wrong password", new_address()).status_code == 401
    for login in (username, email, email.upper()):
        assert_limited(sign_in(guarded, login, PASSWORD, new_address()))


def test_a_success_clears_the_account(guarded: Server) -> None:
    username, _key = guarded.create_user("s")
    where = new_address()
    for _ in range(ACCOUNT_LIMIT - 1):
        assert sign_in(guarded, username, "wrong password", where).status_code == 401
    assert sign_in(guarded, username, PASSWORD, where).status_code == 200
    for _ in range(ACCOUNT_LIMIT):
        assert sign_in(guarded, username, "wrong password", new_address()).status_code == 401
    assert_limited(sign_in(guarded, username, PASSWORD, new_address()))


def test_unknown_accounts_are_limited_too(guarded: Server) -> None:
    ghost = f"nobody{uuid.uuid4().hex[:8]}"
    for _ in range(ACCOUNT_LIMIT):
        assert sign_in(guarded, ghost, "wrong password", new_address()).status_code == 401
    assert_limited(sign_in(guarded, ghost, "wrong password", new_address()))


def test_wrong_current_password_counts_when_changing_it(guarded: Server) -> None:
    username, _key = guarded.create_user("p")
    with httpx.Client(base_url=guarded.base_url, timeout=60) as client:
        where = {"X-Forwarded-For": new_address()}
        response = client.post(
            "/ui/api/signin", json={"username": username, "password": PASSWORD}, headers=where
        )
        assert response.status_code == 200
        csrf = {"X-CSRF-Token": response.json()["csrf_token"], **where}
        short = {"current_password": PASSWORD, "new_password": "short"}
        for _ in range(ACCOUNT_LIMIT + 2):  # refused before any password check: not counted
            assert client.post("/ui/api/password", json=short, headers=csrf).status_code == 422
        wrong = {"current_password": "not it at all", "new_password": "new password 1"}
        for _ in range(ACCOUNT_LIMIT):
            assert client.post("/ui/api/password", json=wrong, headers=csrf).status_code == 403
        assert_limited(client.post("/ui/api/password", json=wrong, headers=csrf))


def test_sign_ups_per_address(guarded: Server) -> None:
    """Reproduction 5: 100 sign-ups from one address in 8.5 s, each a 64 MiB hash."""
    where = new_address()
    # Refused forms cost nothing: no hash was made.
    for _ in range(SIGNUP_LIMIT + 1):
        response = sign_up(guarded, {"username": "bad name!", "password": PASSWORD}, where)
        assert response.status_code == 422
        short = {"username": f"n{uuid.uuid4().hex[:10]}", "password": "short"}
        assert sign_up(guarded, short, where).status_code == 422
    for _ in range(SIGNUP_LIMIT):
        body = {"username": f"n{uuid.uuid4().hex[:10]}", "password": PASSWORD}
        assert sign_up(guarded, body, where).status_code == 201
    started = time.time()
    refused = sign_up(
        guarded, {"username": f"n{uuid.uuid4().hex[:10]}", "password": PASSWORD}, where
    )
    assert_limited(refused, 3600)
    assert int(refused.headers["Retry-After"]) >= 3600 - 60 - (time.time() - started)
    body = {"username": f"n{uuid.uuid4().hex[:10]}", "password": PASSWORD}
    assert sign_up(guarded, body, new_address()).status_code == 201


def memory_kib(pid: int, field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (the peak so far) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_a_burst_of_sign_ups_hashes_two_at_a_time(tmp_path: Path) -> None:
    """Each argon2 hash takes 64 MiB for its duration. 24 sign-ups at once (from 24
    addresses) may hold at most ``password_hash_concurrency`` (2) of them at any moment."""
    server = Server(
        backend="sqlite",
        data_dir=tmp_path,
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={"STONECHAT_FORWARDED_ALLOW_IPS": "127.0.0.1"},
    )
    server.start()
    try:
        assert server.process is not None
        pid = server.process.pid
        before = memory_kib(pid, "VmRSS")

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(
                            "/ui/api/signup",
                            json={"username": f"h{uuid.uuid4().hex[:10]}", "password": PASSWORD},
                            headers={"X-Forwarded-For": new_address()},
                        )
                        for _ in range(24)
                    )
                )
            return [a.status_code for a in answers]

        assert asyncio.run(burst()) == [201] * 24
        peak = memory_kib(pid, "VmHWM")
        grown_mib = (peak - before) / 1024
        print(f"peak RSS growth during 24 concurrent sign-ups: {grown_mib:.0f} MiB")
        # Two hashes at 64 MiB, plus the requests themselves; 3 hashes at once would pass
        # 192 MiB, the unbounded thread pool (5+ threads) far more.
        assert grown_mib < 3 * 64 - 8
    finally:
        server.stop()
