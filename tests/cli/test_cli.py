"""The ``stonechat`` command line against a running server's database, on every backend."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from support import Server

SERVE_OPTIONS = ["--host", "--http-port", "--mqtt-port", "--data-dir", "--database-url"]


def stonechat(*args: str) -> subprocess.CompletedProcess[str]:
    """``stonechat ARGS`` with no database options (for --help)."""
    return subprocess.run(
        [sys.executable, "-m", "stonechat", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        check=False,
        timeout=60,
    )


def user_status(server: Server, key: str) -> int:
    return httpx.get(f"{server.base_url}/api/v2/user", headers={"X-AIO-Key": key}).status_code


def username() -> str:
    return f"cli{uuid.uuid4().hex[:10]}"


def test_user_create_prints_a_working_key(server: Server) -> None:
    name = username()
    result = server.cli("user", "create", name, "--password", "correct horse")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    key = lines[-1].strip()
    assert key
    assert name in result.stdout
    assert key not in "\n".join(lines[:-1])  # the key is printed once, last
    response = httpx.get(f"{server.base_url}/api/v2/user", headers={"X-AIO-Key": key})
    assert response.status_code == 200
    assert response.json()["username"] == name
    # The key works for the user's own resources too.
    created = httpx.post(
        f"{server.base_url}/api/v2/{name}/feeds/cli-feed/data",
        headers={"X-AIO-Key": key},
        json={"value": "1"},
    )
    assert created.status_code == 200

    # `user key` prints the same key, alone.
    shown = server.cli("user", "key", name)
    assert shown.returncode == 0
    assert shown.stdout.strip() == key


def test_regenerated_key_replaces_the_old_one_quickly(server: Server) -> None:
    name = username()
    old = server.cli("user", "create", name, "--password", "password123").stdout.split()[-1]
    assert user_status(server, old) == 200  # now cached by the server

    result = server.cli("user", "key", name, "--regenerate")
    regenerated_at = time.monotonic()
    assert result.returncode == 0, result.stderr
    new = result.stdout.strip()
    assert new
    assert new != old
    assert len(new.splitlines()) == 1

    # The server caches checked keys for about a second: poll, do not sleep blindly.
    statuses = (user_status(server, old), user_status(server, new))
    while statuses != (401, 200) and time.monotonic() - regenerated_at < 2.5:
        time.sleep(0.05)
        statuses = (user_status(server, old), user_status(server, new))
    elapsed = time.monotonic() - regenerated_at
    assert statuses == (401, 200)
    assert elapsed < 2.5
    # Once refused, the old key stays refused.
    old_again = httpx.get(f"{server.base_url}/api/v2/user", headers={"X-AIO-Key": old})
    assert old_again.status_code == 401
    assert set(old_again.json()) == {"error"}
    assert server.cli("user", "key", name).stdout.strip() == new


def test_duplicate_user_fails_with_an_error(server: Server) -> None:
    name = username()
    first = server.cli("user", "create", name, "--password", "password123")
    assert first.returncode == 0
    key = first.stdout.split()[-1]
    again = server.cli("user", "create", name, "--password", "password456", check=False)
    assert again.returncode != 0
    assert "already taken" in again.stderr
    assert again.stdout.strip() == ""
    # Differently cased, it is still the same name.
    upper = server.cli("user", "create", name.upper(), "--password", "password456", check=False)
    assert upper.returncode != 0
    assert upper.stderr.strip()
    # The first account is untouched.
    assert server.cli("user", "key", name).stdout.strip() == key
    assert user_status(server, key) == 200


@pytest.mark.parametrize(
    "args,message",
    [
        (["user", "create", "cli-short", "--password", "short"], "at least 8"),
        (["user", "create", "bad/name", "--password", "password123"], "username"),
        (["user", "key", "nobody-at-all"], "no user named"),
        (["user", "key", "nobody-at-all", "--regenerate"], "no user named"),
    ],
)
def test_bad_user_commands_fail(server: Server, args: list[str], message: str) -> None:
    result = server.cli(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stdout.strip() == ""


def test_db_upgrade(server: Server) -> None:
    first = server.cli("db", "upgrade")
    assert first.returncode == 0
    assert first.stdout.strip() == f"database ({server.backend}) is up to date"
    # Running it again changes nothing and the server keeps working.
    assert server.cli("db", "upgrade").returncode == 0
    assert httpx.get(f"{server.base_url}/health").status_code == 200


def test_help_lists_commands() -> None:
    result = stonechat("--help")
    assert result.returncode == 0
    for command in ("serve", "user", "db", "version", "backup", "restore", "export", "import-aio"):
        assert command in result.stdout
    user_help = stonechat("user", "--help")
    assert "create" in user_help.stdout
    assert "key" in user_help.stdout


def test_serve_help_lists_the_documented_options() -> None:
    result = stonechat("serve", "--help")
    assert result.returncode == 0
    for option in SERVE_OPTIONS:
        assert option in result.stdout, option
    # The defaults are shown.
    for default in ("[default: 127.0.0.1]", "[default: 8080]", "[default: 1883]"):
        assert default in result.stdout, default
    create = stonechat("user", "create", "--help")
    assert "--password" in create.stdout
    regenerate = stonechat("user", "key", "--help")
    assert "--regenerate" in regenerate.stdout


def test_every_setting_is_a_serve_option() -> None:
    """Each ``STONECHAT_*`` setting can also be given as a ``stonechat serve`` option."""
    from stonechat.config import Settings, is_internal

    result = stonechat("serve", "--help")
    missing = [
        name
        for name in Settings.model_fields
        if not is_internal(name) and f"--{name.replace('_', '-')}" not in result.stdout
    ]
    assert not missing, missing
