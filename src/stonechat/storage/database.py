"""The database handle: one async engine, SQLite pragmas, migrations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from stonechat.storage.errors import translated
from stonechat.storage.private_files import prepare_sqlite_file

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key held while migrating ("stonechat" in a number).
MIGRATE_LOCK = 7_263_540_001


class Database:
    """Owns the engine. ``dialect`` is ``"sqlite"`` or ``"postgresql"``."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        if url.startswith("sqlite"):
            prepare_sqlite_file(url)
            self.engine: AsyncEngine = create_async_engine(url, pool_size=pool_size)
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            # No JIT: compiling a chart query's expressions cost more than running it
            # (measured over 1M points: 104 ms of 390, and 337 ms of 708 once the table is
            # partitioned, since every partition's quals are compiled).
            self.engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                connect_args={"server_settings": {"jit": "off"}},
            )
        self.dialect = self.engine.dialect.name

    def begin(self) -> Any:
        """``async with db.begin() as conn``: a transaction, committed on exit.

        Database errors come out as domain errors (storage/errors.py): an unreachable
        database is ``Unavailable``, a value it cannot hold ``Invalid``.
        """
        return translated(self.engine.begin())

    def connect(self) -> Any:
        """``async with db.connect() as conn``: a connection for reads (errors as ``begin``)."""
        return translated(self.engine.connect())

    async def upgrade(self) -> None:
        """Apply every pending migration (idempotent).

        On PostgreSQL a transaction-scoped advisory lock makes processes that start at the
        same time (several hosts, ``--workers``) migrate one after the other.
        """
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK}
                )
            await conn.run_sync(_upgrade)

    async def close(self) -> None:
        await self.engine.dispose()


def apply_sqlite_pragmas(dbapi_connection: Any) -> None:
    """WAL lets readers run beside the single writer; FULL makes every commit durable
    against power loss too, which the group-commit writer amortises."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    apply_sqlite_pragmas(dbapi_connection)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


__all__ = ["AsyncConnection", "Database"]
