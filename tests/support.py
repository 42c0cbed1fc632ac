"""Test helpers: free ports, a real server process, users made straight in its database."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

PG_ADMIN_URL = os.environ.get("STONECHAT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _pg(sql: str, url: str = PG_ADMIN_URL) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


REDIS_URL = os.environ.get("STONECHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available(url: str = REDIS_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def require_redis(url: str = REDIS_URL) -> str:
    """The Redis URL for tests; a missing Redis fails in CI and skips elsewhere."""
    if not redis_available(url):
        if IN_CI:
            pytest.fail(f"Redis is not running at {url} (required in CI)")
        pytest.skip(f"Redis is not running at {url}")
    return url


def postgres_available() -> bool:
    try:
        asyncio.run(_pg("SELECT 1"))
        return True
    except Exception:
        return False


def create_pg_database() -> str:
    """A fresh, empty database on the local PostgreSQL; returns its URL."""
    name = f"stonechat_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# The product has no data rate by default (--limits none) but bans MQTT clients that fail
# too often, and limits sign-ins and sign-ups per address; the suite fails on purpose all
# the time from one address. So test servers run without those unless a test sets them in
# ``extra_env`` (tests/limits does); the data rate is the product's default.
UNLIMITED = {
    "STONECHAT_BANS": "false",
    "STONECHAT_LOGIN_FAILURES_PER_ADDRESS": "0",
    "STONECHAT_SIGNUPS_PER_ADDRESS": "0",
}


def backend_url(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    if not postgres_available():
        if IN_CI:
            pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


# One secret per PostgreSQL test database, as the hosts of one installation share one: the
# database records the fingerprint of the first and refuses a server or command with another.
_DATABASE_SECRETS: dict[str, str] = {}


def database_secret(database_url: str) -> str:
    """The secret key of the servers on this test database."""
    return _DATABASE_SECRETS.setdefault(database_url, secrets.token_hex(16))


@dataclass
class Server:
    """A Stonechat server process started for tests."""

    backend: str
    data_dir: Path
    database_url: str | None
    http_port: int
    mqtt_port: int
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # The product's own defaults (bans and sign-in limits on) instead of UNLIMITED.
    product_defaults: bool = False

    @property
    def base_url(self) -> str:
        tls = self.extra_env.get("STONECHAT_HTTP_TLS", "").lower() in ("1", "true")
        return f"{'https' if tls else 'http'}://127.0.0.1:{self.http_port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if not self.product_defaults:
            env.update(UNLIMITED)
        env.update(self.extra_env)
        return env

    def cli_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def share_secret(self) -> None:
        """On a database other servers use too, use their secret (put in secret.key unless
        the test gives STONECHAT_SECRET_KEY)."""
        if not self.database_url:
            return
        given = self.extra_env.get("STONECHAT_SECRET_KEY")
        path = self.data_dir / "secret.key"
        if given:
            _DATABASE_SECRETS.setdefault(self.database_url, given)
        elif path.exists():
            _DATABASE_SECRETS.setdefault(self.database_url, path.read_text().strip())
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(database_secret(self.database_url))
            path.chmod(0o600)

    def start(self, timeout: float = 30.0) -> None:
        self.share_secret()
        self.log_path = self.data_dir / "server.log"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stonechat",
                "serve",
                "--host",
                "127.0.0.1",
                "--http-port",
                str(self.http_port),
                "--mqtt-port",
                str(self.mqtt_port),
                *self.cli_args(),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env(),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                # Only to see it is up: an https test server has a certificate of a test CA.
                health = httpx.get(f"{self.base_url}/health", timeout=1, verify=False)
                if health.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``stonechat ARGS --data-dir ... [--database-url ...]`` against this server."""
        self.share_secret()
        return subprocess.run(
            [sys.executable, "-m", "stonechat", *args, *self.cli_args()],
            capture_output=True,
            text=True,
            env=self.env(),
            check=check,
            timeout=60,
        )

    def create_users(
        self, count: int, prefix: str = "u", password: str = "password123"
    ) -> list[tuple[str, str]]:
        """New users made directly in the server's database: [(username, key)].

        Passwords are hashed with a minimal argon2 cost: the server's real cost takes about
        half a second a user, and tests sign in with the AIO key (a password still verifies,
        since an argon2 hash carries its own parameters).
        """
        from stonechat.config import Settings
        from stonechat.runtime import build_accounts, open_database

        self.share_secret()
        settings = Settings(
            data_dir=self.data_dir,
            database_url=self.database_url,
            secret_key=self.extra_env.get("STONECHAT_SECRET_KEY"),
        )

        async def go() -> list[tuple[str, str]]:
            db = open_database(settings)
            try:
                accounts = build_accounts(settings, db, CHEAP_HASHER)
                made = []
                for _ in range(count):
                    username = f"{prefix}{uuid.uuid4().hex[:10]}"
                    _user, key = await accounts.create_user(username, password)
                    made.append((username, key))
                return made
            finally:
                await db.close()

        return asyncio.run(go())

    def create_user(self, prefix: str = "u", password: str = "password123") -> tuple[str, str]:
        """A new user made directly in the server's database; returns (username, key)."""
        return self.create_users(1, prefix, password)[0]


def cluster_env(redis_url: str, prefix: str, secret: str) -> dict[str, str]:
    return {
        "STONECHAT_REDIS_URL": redis_url,
        "STONECHAT_REDIS_PREFIX": prefix,
        "STONECHAT_SECRET_KEY": secret,
    }


def start_cluster(
    root: Path, count: int, database_url: str | None, redis_url: str, prefix: str | None = None
) -> list[Server]:
    """``count`` independent server processes of one installation."""
    secret = database_secret(database_url) if database_url else secrets.token_hex(16)
    env = cluster_env(redis_url, prefix or f"test-{uuid.uuid4().hex[:8]}", secret)
    servers = []
    for i in range(count):
        server = Server(
            backend="postgresql",
            data_dir=root / f"node{i}",
            database_url=database_url,
            http_port=free_port(),
            mqtt_port=free_port(),
            extra_env=dict(env),
        )
        server.start()
        servers.append(server)
    return servers


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of an answer that must have ``status``."""
    assert response.status_code == status, (response.request.url, response.text)
    return response.json()


def refused(response: httpx.Response, status: int) -> str:
    """The error text of an answer that must be ``{"error": "..."}`` with ``status``."""
    assert response.status_code == status, (response.request.url, response.text)
    body = response.json()
    assert set(body) == {"error"} and body["error"].strip(), body
    return str(body["error"])
