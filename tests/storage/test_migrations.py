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


def test_actions_cascade_and_go_down_and_up(fresh_url: str) -> None:
    """0008: an action's runs go with it, a user's actions with the user; down drops both."""
    now = int(time.time() * 1000)

    async def count(db: Database, table: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())

    async def go() -> None:
        db = Database(fresh_url)
        try:
            await db.upgrade()
            async with db.begin() as conn:
                for user_id in (1, 2):
                    await conn.execute(
                        text(
                            "INSERT INTO users (id, username, username_lower, password_hash, "
                            "key_hash, key_enc, is_admin, created_at, updated_at) VALUES "
                            "(:i, :n, :n, 'x', :n, 'x', false, :at, :at)"
                        ),
                        {"i": user_id, "n": f"user{user_id}", "at": now},
                    )
                    await conn.execute(
                        text(
                            "INSERT INTO actions (id, user_id, name, enabled, spec, created_at, "
                            "updated_at) VALUES (:i, :i, 'a', true, '{}', :at, :at)"
                        ),
                        {"i": user_id, "at": now},
                    )
                    await conn.execute(
                        text(
                            "INSERT INTO action_runs (action_id, user_id, started_at, reason, "
                            "status, outputs) VALUES (:i, :i, :at, 'run', 'ok', '[]')"
                        ),
                        {"i": user_id, "at": now},
                    )
            async with db.begin() as conn:
                await conn.execute(text("DELETE FROM actions WHERE id = 1"))
            assert (await count(db, "actions"), await count(db, "action_runs")) == (1, 1)
            async with db.begin() as conn:
                await conn.execute(text("DELETE FROM users WHERE id = 2"))
            assert (await count(db, "actions"), await count(db, "action_runs")) == (0, 0)
            async with db.engine.begin() as conn:
                await conn.run_sync(_migrate, "0007", True)
            async with db.connect() as conn:
                tables = await conn.run_sync(lambda sync: set(sync.dialect.get_table_names(sync)))
            assert not tables & {"actions", "action_runs"}
            await db.upgrade()
            assert (await count(db, "actions"), await count(db, "action_runs")) == (0, 0)
        finally:
            await db.close()

    asyncio.run(go())


def test_feed_status_goes_down_and_up_keeping_feeds(fresh_url: str) -> None:
    """0009: down drops feeds.offline_at and feed_status_changes, and keeps every feed."""
    now = int(time.time() * 1000)

    async def go() -> None:
        db = Database(fresh_url)
        try:
            await db.upgrade()
            async with db.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO users (id, username, username_lower, password_hash, "
                        "key_hash, key_enc, is_admin, created_at, updated_at) VALUES "
                        "(1, 'u', 'u', 'x', 'u', 'x', false, :at, :at)"
                    ),
                    {"at": now},
                )
                await conn.execute(
                    text(
                        "INSERT INTO groups (id, user_id, key, name, visibility, is_default, "
                        "created_at, updated_at) VALUES (1, 1, 'default', 'D', 'private', true, "
                        ":at, :at)"
                    ),
                    {"at": now},
                )
                await conn.execute(
                    text(
                        "INSERT INTO feeds (id, user_id, group_id, key, name, history, "
                        "visibility, status_notify, status_timeout, data_count, offline_at, "
                        "created_at, updated_at) VALUES (1, 1, 1, 'f', 'f', true, 'private', "
                        "true, 5, 0, :at, :at, :at)"
                    ),
                    {"at": now},
                )
                await conn.execute(
                    text(
                        "INSERT INTO feed_status_changes (feed_id, user_id, status, created_at) "
                        "VALUES (1, 1, 'offline', :at)"
                    ),
                    {"at": now},
                )
            async with db.engine.begin() as conn:
                await conn.run_sync(_migrate, "0008", True)
            async with db.connect() as conn:
                tables = await conn.run_sync(lambda sync: set(sync.dialect.get_table_names(sync)))
                columns = await conn.run_sync(
                    lambda sync: {c["name"] for c in sync.dialect.get_columns(sync, "feeds")}
                )
                kept = (await conn.execute(text("SELECT count(*) FROM feeds"))).scalar_one()
            assert "feed_status_changes" not in tables and "offline_at" not in columns
            assert kept == 1
            await db.upgrade()
            async with db.connect() as conn:
                row = (await conn.execute(text("SELECT offline_at FROM feeds"))).one()
            assert row.offline_at is None  # online after the way back up
        finally:
            await db.close()

    asyncio.run(go())
