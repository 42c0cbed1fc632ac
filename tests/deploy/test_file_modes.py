"""Only the server's own user may read its data: the data directory is made 0700, the
SQLite database (with its -wal and -shm files) and ``secret.key`` 0600."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from deploy_helpers import started


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stonechat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stonechat", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def test_a_fresh_data_directory_is_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    stonechat("user", "create", "owner", "--password", "password123", "--data-dir", str(data))
    assert mode(data) == 0o700
    assert mode(data / "stonechat.db") == 0o600
    assert mode(data / "secret.key") == 0o600


def test_a_running_server_s_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)  # made by someone else, left as it is, with a warning
    data.chmod(0o755)
    server = started(data, {})
    try:
        files = ["stonechat.db", "stonechat.db-wal", "stonechat.db-shm", "secret.key"]
        for name in files:  # WAL mode: SQLite made -wal and -shm with the database's mode
            assert mode(data / name) == 0o600, name
        assert mode(data) == 0o755
        assert "can be entered by other users (mode 755)" in server.log()
    finally:
        server.stop()


def test_an_older_installation_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    stonechat("user", "create", "owner", "--password", "password123", "--data-dir", str(data))
    for name in ("stonechat.db", "secret.key"):
        (data / name).chmod(0o644)  # as earlier versions left them
    result = stonechat("db", "upgrade", "--data-dir", str(data))
    assert mode(data / "stonechat.db") == 0o600
    assert mode(data / "secret.key") == 0o600
    assert "could be read by other users (mode 644): now 0600" in result.stderr


def test_a_database_file_the_operator_named_is_left_alone(tmp_path: Path) -> None:
    elsewhere = tmp_path / "shared" / "custom.db"
    elsewhere.parent.mkdir()
    url = f"sqlite:///{elsewhere}"
    data = str(tmp_path / "data")
    stonechat("db", "upgrade", "--data-dir", data, "--database-url", url)
    assert mode(elsewhere) == 0o600  # created by the server: private
    elsewhere.chmod(0o640)
    result = stonechat("db", "upgrade", "--data-dir", data, "--database-url", url)
    assert mode(elsewhere) == 0o640
    assert "can be read by other users (mode 640)" in result.stderr
