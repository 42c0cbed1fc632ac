"""A database of one user with a default group and feeds 1..n, and points for it: for the
storage tests that write points straight through the batch writer."""

from __future__ import annotations

from sqlalchemy import text

from stonechat.domain.ids import UlidGenerator
from stonechat.domain.records import Datum
from stonechat.storage.data import NewDatum
from stonechat.storage.database import Database


async def open_db(url: str, feeds: int = 2) -> Database:
    db = Database(url)
    await db.upgrade()
    async with db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, username, username_lower, password_hash, key_hash, "
                "key_enc, is_admin, created_at, updated_at) "
                "VALUES (1, 'r', 'r', 'x', 'k', 'x', false, 0, 0)"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO groups (id, user_id, key, name, visibility, is_default, "
                "created_at, updated_at) VALUES (1, 1, 'default', 'Default', 'private', true, 0, 0)"
            )
        )
        for f in range(1, feeds + 1):
            await conn.execute(
                text(
                    "INSERT INTO feeds (id, user_id, group_id, key, name, history, visibility, "
                    "status_notify, status_timeout, data_count, created_at, updated_at) "
                    "VALUES (:f, 1, 1, :k, :k, true, 'private', false, 60, 0, 0, 0)"
                ),
                {"f": f, "k": f"f{f}"},
            )
    return db


_ids = UlidGenerator()


def point(feed: int, at: int, value: str = "1") -> NewDatum:
    return NewDatum(Datum(_ids.new(at), feed, value, None, None, None, at, at), 1.0)


async def counts(db: Database) -> dict[int, int]:
    async with db.connect() as conn:
        rows = await conn.execute(text("SELECT id, data_count FROM feeds ORDER BY id"))
        return {r[0]: r[1] for r in rows}


async def stored(db: Database) -> set[str]:
    async with db.connect() as conn:
        return {r[0] for r in await conn.execute(text("SELECT id FROM data"))}
