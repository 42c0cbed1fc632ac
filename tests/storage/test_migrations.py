"""The migration history creates exactly the tables of ``storage/schema.py``, on both databases."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from stonechat.config import to_async_url
from stonechat.storage.database import Database, alembic_config
from stonechat.storage.partitions import include_name
from stonechat.storage.schema import metadata
from support import backend_url

# The one deliberate difference on PostgreSQL: the data table is partitioned, and a unique
# index there must hold the partition key, so ix_data_id is a plain index (schema.py says why).
PG_DIFFERENCES = [("remove_index", "ix_data_id", False), ("add_index", "ix_data_id", True)]


def _diff(url: str) -> list[Any]:
    async def go() -> list[Any]:
        db = Database(to_async_url(url))
        try:
            await db.upgrade()
            await db.upgrade()  # idempotent
            async with db.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"include_name": include_name}),
                        metadata,
                    )
                )
        finally:
            await db.close()

    return asyncio.run(go())


def test_migrations_match_schema(database_url: str | None, tmp_path: Any) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'm.db'}"
    diff = _diff(url)
    if database_url:
        assert [(kind, index.name, index.unique) for kind, index in diff] == PG_DIFFERENCES
    else:
        assert diff == []


def _migrate(connection: Any, revision: str, down: bool = False) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own: it migrates down and up."""
    for pg in backend_url(backend):
        yield to_async_url(pg or f"sqlite:///{tmp_path / 'p.db'}")


def test_partitioning_keeps_existing_rows(fresh_url: str) -> None:
    """0004 -> 0005 with rows in the table: every row survives, on PostgreSQL in partitions."""
    url = fresh_url
    now = int(time.time() * 1000)
    day = 86_400_000
    rows = [
        (1, now - 3 * 365 * day, "OLD"),  # older than the migration's window: default partition
        (1, now - 10 * day, "TENDAYS"),
        (2, now - day, "YESTERDAY"),
        (2, now, "NOW"),
    ]

    async def go() -> None:
        db = Database(url)
        try:
            async with db.engine.begin() as conn:
                await conn.run_sync(_migrate, "0004")
                for feed, at, ident in rows:
                    await conn.execute(
                        text(
                            "INSERT INTO data (feed_id, created_at, id, value, updated_at) "
                            "VALUES (:f, :at, :id, :v, :at)"
                        ),
                        {"f": feed, "at": at, "id": ident, "v": ident},
                    )
            async with db.engine.begin() as conn:
                await conn.run_sync(_migrate, "head")
            async with db.connect() as conn:
                stored = (
                    await conn.execute(text("SELECT feed_id, created_at, id FROM data ORDER BY 2"))
                ).all()
                assert [tuple(r) for r in stored] == rows
                if db.dialect == "postgresql":
                    located = "SELECT id, tableoid::regclass::text FROM data"
                    where = {i: table for i, table in await conn.execute(text(located))}
                    assert where["OLD"] == "data_default", where
                    assert all(where[i].startswith("data_w") for i in ("TENDAYS", "NOW")), where
            async with db.engine.begin() as conn:  # and back
                await conn.run_sync(_migrate, "0004", True)
            async with db.connect() as conn:
                assert (await conn.execute(text("SELECT count(*) FROM data"))).scalar() == 4
        finally:
            await db.close()

    asyncio.run(go())
