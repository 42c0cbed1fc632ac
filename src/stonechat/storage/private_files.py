"""File modes of what the server keeps on disk: only its own user may read it.

The data directory holds the SQLite database (every point, webhook tokens, session and key
hashes) and ``secret.key``. The rule:

- what Stonechat creates is private from the start: the data directory 0700, the database
  file and ``secret.key`` 0600 (SQLite gives its ``-wal`` and ``-shm`` files the database
  file's mode);
- Stonechat's own files in the data directory (``stonechat.db*``, ``secret.key``), made
  readable by others by an older version, are set to 0600 at start, with a warning;
- paths the operator chose and that already exist (the data directory itself, the file of
  a ``sqlite://`` database URL) are never changed: a warning says how to fix them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
OWN_FILES = ("stonechat.db", "stonechat.db-wal", "stonechat.db-shm", "secret.key")


def _loose(path: Path) -> int | None:
    """The permission bits of ``path`` if its group or others have any, else None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    return mode if mode & 0o077 else None


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) if missing; the directory itself 0700."""
    if not path.exists():
        path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)


def create_private_file(path: Path) -> bool:
    """Create an empty ``path`` with mode 0600 unless it exists; True if it was created."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        return False
    return True


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory private, or check an existing one; tighten own files."""
    if not data_dir.exists():
        make_private_dir(data_dir)
        return
    mode = _loose(data_dir)
    if mode is not None:
        log.warning(
            "the data directory %s can be entered by other users (mode %03o); "
            "it holds the database and the secret key: chmod 700 %s",
            data_dir,
            mode,
            data_dir,
        )
    for name in OWN_FILES:
        path = data_dir / name
        mode = _loose(path)
        if mode is not None:
            path.chmod(FILE_MODE)
            log.warning("%s could be read by other users (mode %03o): now 0600", path, mode)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def prepare_sqlite_file(url: str) -> None:
    """Create a missing SQLite database file 0600 before SQLite opens it (SQLite would
    create it with the umask's mode, 0644 usually); warn about an existing one others
    can read."""
    path = sqlite_file(url)
    if path is None or not path.parent.is_dir():
        return  # SQLite reports the missing directory itself
    if create_private_file(path):
        return
    mode = _loose(path)
    if mode is not None:
        log.warning(
            "the database %s can be read by other users (mode %03o): chmod 600 %s*",
            path,
            mode,
            path,
        )


@contextlib.contextmanager
def private_replacement(target: Path) -> Iterator[IO[bytes]]:
    """A file that replaces ``target`` whole or not at all: written to a 0600 temporary file
    beside it, synced, renamed over it (the rename made durable too); removed on failure."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
