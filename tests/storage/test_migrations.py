"""The migration history creates exactly the tables of ``storage/schema.py``, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from stonechat.config import to_async_url
from stonechat.storage.database import Database
from stonechat.storage.schema import metadata


def _diff(url: str) -> list[Any]:
    async def go() -> list[Any]:
        db = Database(to_async_url(url))
        try:
            await db.upgrade()
            await db.upgrade()  # idempotent
            async with db.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
                )
        finally:
            await db.close()

    return asyncio.run(go())


def test_migrations_match_schema(database_url: str | None, tmp_path: Any) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'm.db'}"
    assert _diff(url) == []
