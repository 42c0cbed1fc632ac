"""A server or command started with another secret key than the database's refuses to run,
and says how to fix it (the database keeps a fingerprint of its secret, migration 0013)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text

from stonechat.config import to_async_url
from stonechat.services.installation import fingerprint
from stonechat.storage.database import Database
from support import Server, backend_url, free_port, require_redis

MISMATCH = "this database was created with a different secret key"
FIX = "copy secret.key from the first server into"


def stonechat(
    server: Server, *args: str, env: dict[str, str], data_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``stonechat ARGS`` on the server's database, with ``env`` on top of its environment."""
    options = ["--data-dir", str(data_dir or server.data_dir)]
    options += ["--database-url", server.database_url or sqlite_url(server)]
    return subprocess.run(
        [sys.executable, "-m", "stonechat", *args, *options],
        capture_output=True,
        text=True,
        env={**server.env(), **env},
        timeout=60,
        check=False,
    )


def sqlite_url(server: Server) -> str:
    return f"sqlite:///{server.data_dir / 'stonechat.db'}"


def assert_refused(result: subprocess.CompletedProcess[str], *messages: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr


def test_a_server_with_another_secret_refuses_to_start(server: Server) -> None:
    ports = ["--http-port", str(free_port()), "--mqtt-port", str(free_port())]
    result = stonechat(server, "serve", *ports, env={"STONECHAT_SECRET_KEY": "another secret"})
    assert_refused(result, MISMATCH, FIX, "STONECHAT_SECRET_KEY", "fingerprint")
    expected = fingerprint((server.data_dir / "secret.key").read_bytes())
    assert expected[:12] in result.stderr  # which secret the database expects
    assert "another secret" not in result.stderr


def test_workers_with_another_secret_refuse_to_start(tmp_path: Path) -> None:
    """``--workers``: the supervisor's preparation refuses before any worker starts."""
    for url in backend_url("postgresql"):
        assert url is not None
        install = Server("postgresql", tmp_path / "data", url, free_port(), free_port())
        install.cli("user", "create", "first", "--password", "password123")
        env = {
            "STONECHAT_SECRET_KEY": "another secret",
            "STONECHAT_REDIS_URL": require_redis(),
            "STONECHAT_REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        }
        ports = ["--http-port", str(free_port()), "--mqtt-port", str(free_port())]
        result = stonechat(install, "serve", "--workers", "2", *ports, env=env)
        assert_refused(result, MISMATCH, FIX)
        assert "worker 1 started" not in result.stderr


def test_commands_with_another_secret_refuse_to_run(server: Server, tmp_path: Path) -> None:
    name = f"sc{uuid.uuid4().hex[:10]}"
    wrong = {"STONECHAT_SECRET_KEY": "another secret"}
    created = stonechat(server, "user", "create", name, "--password", "password123", env=wrong)
    assert_refused(created, MISMATCH, FIX)
    assert created.stdout == ""
    assert_refused(stonechat(server, "user", "key", "admin", env=wrong), MISMATCH)
    archive = tmp_path / "b.tar"
    assert_refused(stonechat(server, "backup", str(archive), env=wrong), MISMATCH)
    assert not archive.exists()
    # Nothing was made with the wrong secret.
    missing = stonechat(server, "user", "key", name, env={})
    assert missing.returncode != 0 and "no user named" in missing.stderr


def test_a_second_host_without_the_secret_key_is_told_to_copy_it(
    server: Server, tmp_path: Path
) -> None:
    host = tmp_path / "second-host"
    host.mkdir()
    result = stonechat(server, "user", "key", "admin", env={}, data_dir=host)
    assert_refused(result, f"{host / 'secret.key'} does not exist", FIX)
    assert not (host / "secret.key").exists()  # no new secret was made up
    shutil.copy(server.data_dir / "secret.key", host / "secret.key")
    copied = stonechat(server, "user", "key", "admin", env={}, data_dir=host)
    assert copied.returncode == 0, copied.stderr
    assert copied.stdout.strip() == stonechat(server, "user", "key", "admin", env={}).stdout.strip()


def _fingerprint_rows(url: str, delete: bool = False) -> dict[str, str]:
    async def go() -> dict[str, str]:
        db = Database(to_async_url(url))
        try:
            async with db.engine.begin() as conn:
                if delete:
                    await conn.execute(text("DELETE FROM installation"))
                rows = await conn.execute(text("SELECT name, value FROM installation"))
                return {row.name: row.value for row in rows}
        finally:
            await db.close()

    return asyncio.run(go())


def test_an_installation_from_before_fingerprints_is_checked_against_its_keys(
    backend: str, own_database: str | None, tmp_path: Path
) -> None:
    """A database without a fingerprint: a wrong secret is still refused (a stored AIO key
    does not open with it); the right one is recorded."""
    install = Server(backend, tmp_path / "data", own_database, free_port(), free_port())
    made = install.cli("user", "create", "old", "--password", "password123")
    key = made.stdout.split()[-1]
    url = own_database or sqlite_url(install)
    secret = (install.data_dir / "secret.key").read_bytes()
    assert _fingerprint_rows(url) == {
        "secret_fingerprint": fingerprint(secret),
        "secret_source": "file",
    }
    assert _fingerprint_rows(url, delete=True) == {}  # as before migration 0013

    wrong = stonechat(install, "user", "key", "old", env={"STONECHAT_SECRET_KEY": "wrong"})
    assert_refused(wrong, MISMATCH, FIX)
    assert _fingerprint_rows(url) == {}  # the wrong one is not recorded

    right = stonechat(install, "user", "key", "old", env={})
    assert right.returncode == 0, right.stderr
    assert right.stdout.strip() == key
    assert _fingerprint_rows(url)["secret_fingerprint"] == fingerprint(secret)
