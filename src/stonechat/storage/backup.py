"""Consistent copies of the database and their way back in.

SQLite: the online backup API copies every page inside one read transaction, so the copy is
the database as of one commit even while the server writes (WAL mode lets it go on writing).
PostgreSQL: ``pg_dump -Fc`` inside a snapshot exported by a repeatable-read transaction in
which the row counts of the manifest are taken too, so they describe exactly what was dumped;
``pg_restore`` brings it back into an empty database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import exc, make_url, text

from stonechat.domain.errors import BackupFailed
from stonechat.storage.database import Database, alembic_config
from stonechat.storage.schema import (
    actions,
    blocks,
    dashboards,
    data,
    feeds,
    groups,
    mqtt_retained,
    mqtt_sessions,
    tokens,
    users,
)

# What a manifest counts, by name: each the rows of one table.
COUNTED = {
    "users": users.name,
    "groups": groups.name,
    "feeds": feeds.name,
    "data_points": data.name,
    "dashboards": dashboards.name,
    "dashboard_blocks": blocks.name,
    "actions": actions.name,
    "tokens": tokens.name,
    "mqtt_sessions": mqtt_sessions.name,
    "retained_mqtt_messages": mqtt_retained.name,
}
STDERR_SHOWN = 2000  # characters of a failing tool's stderr in the error message


@dataclass
class Snapshot:
    """What a copy holds: its schema revision (None: not a Stonechat database) and counts."""

    schema_revision: str | None
    counts: dict[str, int] = field(default_factory=dict)


def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def knows_revision(revision: str) -> bool:
    """Whether ``revision`` is in this code's migration history (else it is from a newer one)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite+aiosqlite:///...`` URL."""
    return Path(make_url(url).database or "")


def _counts(tables: Iterable[str], count: Any) -> dict[str, int]:
    present = set(tables)
    return {name: int(count(table)) for name, table in COUNTED.items() if table in present}


def snapshot_sqlite(source: Path, target: Path) -> Snapshot:
    """Copy the database file ``source`` to ``target`` as of one moment (blocking: run it in
    a thread). The copy is a self-contained file (rollback journal, not WAL)."""
    if not source.exists():
        raise BackupFailed(f"no database at {source}: give the server's --data-dir")
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # all pages in one step: one read transaction
                dst.execute("PRAGMA journal_mode=DELETE")
                return read_sqlite(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as error:
        raise BackupFailed(f"cannot copy the SQLite database {source}: {error}") from None


def read_sqlite(conn: sqlite3.Connection) -> Snapshot:
    """The schema revision and counts of a SQLite database."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    revision = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return Snapshot(
        revision,
        _counts(tables, lambda t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]),
    )


def check_sqlite_file(path: Path) -> Snapshot:
    """Open a restored SQLite file and check it is whole; its revision and counts."""
    try:
        conn = sqlite3.connect(path)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()
            if not result or result[0] != "ok":
                raise BackupFailed(f"the database in the backup is damaged: {result}")
            return read_sqlite(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupFailed(f"the database in the backup is damaged: {error}") from None


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A URL that pg_dump/pg_restore accept, and their environment (the password goes in
    PGPASSWORD, not on the command line where every user sees it)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    query = dict(parsed.query)
    if "ssl" in query:  # asyncpg's name of libpq's sslmode
        query["sslmode"] = query.pop("ssl")
    plain = parsed.set(drivername="postgresql", password=None, query=query)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupFailed(
            f"{name} is not installed (not found on PATH); install the PostgreSQL client "
            "tools of your server's version (Debian: apt install postgresql-client)"
        )
    return path


async def _run(name: str, args: list[str], env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        _tool(name),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        message = stderr.decode(errors="replace").strip()[-STDERR_SHOWN:]
        raise BackupFailed(f"{name} failed (exit status {process.returncode}): {message}")


def _unreachable(db: Database, error: Exception) -> BackupFailed:
    cause = getattr(error, "orig", None) or error
    return BackupFailed(f"cannot use the database ({db.dialect}): {cause}")


async def public_tables(db: Database) -> list[str]:
    """The tables of the ``public`` schema of a PostgreSQL database."""
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            )
            return [str(r[0]) for r in rows]
    except (exc.SQLAlchemyError, OSError) as error:
        raise _unreachable(db, error) from None


async def dump_postgresql(db: Database, target: Path) -> Snapshot:
    """``pg_dump -Fc`` of the database into ``target``, and its revision and counts."""
    url, env = libpq(db.url)
    _tool("pg_dump")
    try:
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with conn.begin():
                snapshot_id = (await conn.execute(text("SELECT pg_export_snapshot()"))).scalar()
                tables = [
                    str(r[0])
                    for r in await conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    )
                ]
                revision = None
                if "alembic_version" in tables:
                    revision = (
                        await conn.execute(text("SELECT version_num FROM alembic_version"))
                    ).scalar()
                counts = {}
                for name, table in COUNTED.items():
                    if table in tables:
                        query = text(f'SELECT count(*) FROM "{table}"')
                        counts[name] = int((await conn.execute(query)).scalar_one())
                # The snapshot lives as long as this transaction: pg_dump reads exactly it.
                await _run(
                    "pg_dump",
                    ["-Fc", f"--snapshot={snapshot_id}", "--no-owner", "-f", str(target), url],
                    env,
                )
    except (exc.SQLAlchemyError, OSError) as error:
        raise _unreachable(db, error) from None
    return Snapshot(revision, counts)


async def drop_public_tables(db: Database, tables: list[str]) -> None:
    """Drop ``tables`` (restore --force into a database that is not empty)."""
    if not tables:
        return
    names = ", ".join(f'"{t}"' for t in tables)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE IF EXISTS {names} CASCADE"))
    except (exc.SQLAlchemyError, OSError) as error:
        raise _unreachable(db, error) from None


async def restore_postgresql(db: Database, dump: Path) -> None:
    """``pg_restore`` a custom-format dump into the (empty) database, in one transaction."""
    url, env = libpq(db.url)
    await _run(
        "pg_restore",
        ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", "-d", url, str(dump)],
        env,
    )
