"""Fixtures of the backup tests: databases of their own, and a backup of the session server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server, backend_url

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture
def own_database(backend: str) -> Iterator[str | None]:
    """A database for a server of the test's own (None: SQLite in its data directory)."""
    yield from backend_url(backend)


@pytest.fixture
def restore_database(backend: str) -> Iterator[str | None]:
    """An empty database to restore into (None: SQLite in the target data directory)."""
    yield from backend_url(backend)


@pytest.fixture(scope="module")
def session_backup(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup archive of the session server's database."""
    path = Path(tmp_path_factory.mktemp(f"backup-{server.backend}")) / "stonechat.tar.gz"
    result = server.cli("backup", str(path), check=False)
    assert result.returncode == 0, result.stderr
    return path
