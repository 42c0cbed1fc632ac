"""Restore goes into an empty target only, unless --force; and only into the same kind of
database; the secret key comes along, readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from backup_files import member_of, restore_into

from support import Server, free_port


def target_of(server: Server, tmp_path: Path, database_url: str | None) -> Server:
    return Server(server.backend, tmp_path / "target", database_url, free_port(), free_port())


def test_restore_refuses_a_target_that_is_not_empty_unless_forced(
    server: Server, session_backup: Path, restore_database: str | None, tmp_path: Path
) -> None:
    target = target_of(server, tmp_path, restore_database)
    first = restore_into(target, str(session_backup))
    assert first.returncode == 0, first.stderr
    assert "restored the backup" in first.stdout

    username, key = server.create_user("restore")  # after the backup: not in it
    again = restore_into(target, str(session_backup))
    assert again.returncode != 0
    assert again.stderr.startswith("error: the target is not empty")
    assert "--force" in again.stderr
    expected = "stonechat.db" if server.backend == "sqlite" else "tables: "
    assert expected in again.stderr
    assert "Traceback" not in again.stderr

    # Something written into the target is replaced by --force.
    target.create_user("extra")
    forced = restore_into(target, str(session_backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith("replaced ")
    assert stat.S_IMODE((target.data_dir / "secret.key").stat().st_mode) == 0o600
    # The target is the session server's installation as backed up: the same keys.
    admin_key = server.cli("user", "key", "admin").stdout.strip()
    assert target.cli("user", "key", "admin").stdout.strip() == admin_key
    missing = target.cli("user", "key", username, check=False)
    assert missing.returncode != 0 and "no user named" in missing.stderr
    assert key


def test_restore_refuses_a_data_directory_with_another_secret(
    server: Server, session_backup: Path, restore_database: str | None, tmp_path: Path
) -> None:
    target = target_of(server, tmp_path, restore_database)
    target.data_dir.mkdir()
    (target.data_dir / "secret.key").write_bytes(b"not the backup's secret")
    refused = restore_into(target, str(session_backup))
    assert refused.returncode != 0
    assert "secret.key (another secret key)" in refused.stderr
    assert (target.data_dir / "secret.key").read_bytes() == b"not the backup's secret"

    forced = restore_into(target, str(session_backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (target.data_dir / "secret.key").read_bytes() == member_of(session_backup, "secret.key")


def test_restore_refuses_the_other_kind_of_database(
    server: Server, session_backup: Path, tmp_path: Path
) -> None:
    if server.backend == "sqlite":
        url = "postgresql://postgres@127.0.0.1:5432/never_created"
        args = ["--data-dir", str(tmp_path / "d"), "--database-url", url]
        message = "this is a backup of a SQLite database"
    else:
        args = ["--data-dir", str(tmp_path / "d")]
        message = "this is a backup of a PostgreSQL database"
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "stonechat", "restore", str(session_backup), *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "d").exists()  # nothing was written
