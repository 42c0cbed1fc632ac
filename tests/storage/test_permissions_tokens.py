"""Access lists, scoped tokens and ids that are never reused, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Integer, text

from stonechat.domain.records import TokenScope
from stonechat.storage.database import Database, alembic_config
from stonechat.storage.permissions import PermissionStore
from stonechat.storage.schema import metadata
from stonechat.storage.tokens import TokenStore

USER = (
    "INSERT INTO users (id, username, username_lower, password_hash, key_hash, key_enc, "
    "is_admin, created_at, updated_at) VALUES (:id, :name, :name, 'x', :name, 'x', false, 0, 0)"
)
GROUP = (
    "INSERT INTO groups (id, user_id, key, name, visibility, is_default, created_at, updated_at) "
    "VALUES (:id, :user, 'default', 'Default', 'private', true, 0, 0)"
)
FEED = (
    "INSERT INTO feeds (user_id, group_id, key, name, history, visibility, status_notify, "
    "status_timeout, data_count, created_at, updated_at) "
    "VALUES (:user, :group, :key, :key, true, 'private', false, 60, 0, 0, 0)"
)


def run(url: str, test: Callable[[Database], Awaitable[None]], *, upgrade: bool = True) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            if upgrade:
                await db.upgrade()
            await test(db)
        finally:
            await db.close()

    asyncio.run(go())


def _migrate(connection: Any, revision: str, down: bool = False) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def add_users(db: Database, *ids: int) -> None:
    async with db.begin() as conn:
        for user in ids:
            await conn.execute(text(USER), {"id": user, "name": f"u{user}"})
            await conn.execute(text(GROUP), {"id": user, "user": user})


async def add_feed(db: Database, user: int, key: str, group: int | None = None) -> int:
    async with db.begin() as conn:
        params = {"user": user, "group": group or user, "key": key}
        return int((await conn.execute(text(FEED + " RETURNING id"), params)).scalar())


async def count(db: Database, table: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar())


# -- ids ----------------------------------------------------------------------------------


def test_deleted_feed_id_is_not_given_to_the_next_feed(url: str) -> None:
    """Alice deletes her newest feed; Bob's next feed must not take its id."""

    async def test(db: Database) -> None:
        await add_users(db, 1, 2)
        await add_feed(db, 1, "old")
        newest = await add_feed(db, 1, "newest")
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM feeds WHERE id = :id"), {"id": newest})
        assert await add_feed(db, 2, "bobs") > newest

    run(url, test)


def test_every_integer_id_table_autoincrements() -> None:
    for table in metadata.tables.values():
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer) and key[0].autoincrement:
            assert table.dialect_options["sqlite"]["autoincrement"], table.name


def test_migrated_sqlite_tables_have_autoincrement(tmp_path: Path) -> None:
    expected = {
        table.name
        for table in metadata.tables.values()
        if table.dialect_options["sqlite"]["autoincrement"]
    }

    async def test(db: Database) -> None:
        async with db.connect() as conn:
            rows = await conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type='table'")
            )
            found = {name for name, sql in rows if "AUTOINCREMENT" in sql}
        assert found == expected

    run(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", test)


ROWS = [
    (USER, {"id": 7, "name": "u7"}),
    (GROUP, {"id": 3, "user": 7}),
    (
        "INSERT INTO feeds (id, user_id, group_id, key, name, history, visibility, "
        "status_notify, status_timeout, data_count, created_at, updated_at) "
        "VALUES (11, 7, 3, 'f', 'f', true, 'private', false, 60, 0, 0, 0)",
        {},
    ),
    ("INSERT INTO feed_groups (feed_id, group_id) VALUES (11, 3)", {}),
    (
        "INSERT INTO dashboards (id, user_id, key, name, visibility, show_header, color_mode, "
        "block_borders, allow_overlap, layouts, created_at, updated_at) "
        "VALUES (5, 7, 'd', 'd', 'private', true, 'dark', true, false, '{}', 0, 0)",
        {},
    ),
    (
        "INSERT INTO blocks (id, dashboard_id, visual_type, properties, size_x, size_y, "
        "block_feeds, created_at, updated_at) VALUES (9, 5, 'gauge', '{}', 4, 4, '[]', 0, 0)",
        {},
    ),
    (
        "INSERT INTO activities (id, user_id, action, model, data, created_at) "
        "VALUES (4, 7, 'create', 'feed', '{}', 0)",
        {},
    ),
    ("INSERT INTO webhook_receivers (id, feed_id, token, created_at) VALUES (2, 11, 't', 0)", {}),
    (  # a session as 0002..0006 saved it (0007 turns it into columns)
        "INSERT INTO mqtt_sessions (user_id, client_id, state, saved_at) VALUES (7, 'c', :s, 0)",
        {
            "s": '{"protocol_level": 4, "expiry": 60, "subscriptions": [], "inflight": [], '
            '"queue": [], "incoming_qos2": []}'
        },
    ),
    (
        "INSERT INTO ui_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) "
        "VALUES ('h', 7, 'c', 0, 0)",
        {},
    ),
]
TABLES = [
    "users",
    "groups",
    "feeds",
    "feed_groups",
    "dashboards",
    "blocks",
    "activities",
    "webhook_receivers",
    "mqtt_sessions",
    "ui_sessions",
]


@pytest.mark.parametrize("start", ["0005", "0004"])
def test_migration_keeps_every_row_and_foreign_key(url: str, start: str) -> None:
    """Rebuilding the tables on SQLite must not cascade away rows (from 0005, and from 0004
    where earlier revisions run in the same upgrade), and foreign keys still act after."""

    async def test(db: Database) -> None:
        async with db.engine.begin() as conn:
            await conn.run_sync(_migrate, start)
            for statement, params in ROWS:
                await conn.execute(text(statement), params)
        await db.upgrade()
        for table in TABLES:
            assert await count(db, table) == 1, table
        added = await add_feed(db, 7, "next", group=3)
        if db.dialect == "sqlite":  # (PostgreSQL's sequence knows nothing of the id given)
            assert added == 12
            for _ in range(3):  # every pooled connection enforces foreign keys again
                async with db.connect() as conn:
                    assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE id = 7"))
        for table in TABLES:
            assert await count(db, table) == 0, table
        # And back down to 0005 and up again.
        async with db.engine.begin() as conn:
            await conn.run_sync(_migrate, "0005", True)
        async with db.engine.begin() as conn:
            await conn.run_sync(_migrate, "head")
        assert await count(db, "permissions") == 0 and await count(db, "tokens") == 0

    run(url, test, upgrade=False)


# -- permissions --------------------------------------------------------------------------


def perm(
    owner: int, object_id: int, scope: str, grantee: int | None, mode: str = "r"
) -> dict[str, Any]:
    return {
        "user_id": owner,
        "model": "feed",
        "object_id": object_id,
        "scope": scope,
        "grantee_id": grantee,
        "mode": mode,
        "created_at": 100,
        "updated_at": 100,
    }


def test_permission_store_crud(url: str) -> None:
    async def test(db: Database) -> None:
        await add_users(db, 1, 2, 3)
        f1 = await add_feed(db, 1, "a")
        f2 = await add_feed(db, 1, "b")
        store = PermissionStore(db)
        async with db.begin() as conn:
            shared = await store.insert(conn, **perm(1, f1, "user", 2))
            public = await store.insert(conn, **perm(1, f1, "public", None))
            other = await store.insert(conn, **perm(1, f2, "user", 3, "rw"))
        assert (shared.model, shared.object_id, shared.scope, shared.grantee_id) == (
            "feed",
            f1,
            "user",
            2,
        )
        assert await store.get(shared.id) == shared
        assert await store.get(10_000) is None
        assert await store.for_object("feed", f1) == [shared, public]
        assert await store.for_object("group", f1) == []
        assert await store.for_objects("feed", [f1, f2, 999]) == {
            f1: [shared, public],
            f2: [other],
        }
        assert await store.for_objects("feed", []) == {}
        assert await store.for_grantee(2) == [shared]

        async with db.begin() as conn:
            changed = await store.update(conn, shared.id, mode="rw", updated_at=200)
            assert await store.update(conn, 10_000, mode="rw") is None
        assert changed is not None and (changed.mode, changed.updated_at) == ("rw", 200)
        assert await store.get(shared.id) == changed

        # A write that fails with the rest of its transaction leaves nothing behind.
        with pytest.raises(RuntimeError):
            async with db.begin() as conn:
                await store.insert(conn, **perm(1, f2, "public", None))
                raise RuntimeError
        assert await store.for_object("feed", f2) == [other]

        async with db.begin() as conn:
            gone = await store.delete_for_object(conn, "feed", f1, ("public", "secret"))
        assert gone == [public]
        assert await store.for_object("feed", f1) == [changed]
        async with db.begin() as conn:
            assert await store.delete(conn, changed.id)
            assert not await store.delete(conn, changed.id)
            assert await store.delete_for_object(conn, "feed", f1) == []
            assert await store.delete_for_object(conn, "feed", f2) == [other]
        assert await count(db, "permissions") == 0

    run(url, test)


def test_permissions_go_with_their_owner_and_their_grantee(url: str) -> None:
    async def test(db: Database) -> None:
        await add_users(db, 1, 2, 3)
        store = PermissionStore(db)
        async with db.begin() as conn:
            by_one = await store.insert(conn, **perm(1, 5, "user", 2))
            to_three = await store.insert(conn, **perm(2, 6, "user", 3))
            kept = await store.insert(conn, **perm(2, 6, "public", None))
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE id = 1"))
        assert await store.get(by_one.id) is None
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE id = 3"))
        assert await store.get(to_three.id) is None
        assert await store.for_object("feed", 6) == [kept]

    run(url, test)


# -- tokens -------------------------------------------------------------------------------


def token(user: int, name: str, *, expiration: int | None = None) -> dict[str, Any]:
    return {
        "user_id": user,
        "name": name,
        "token_hash": f"hash-{user}-{name}",
        "hint": name[:4],
        "expiration": expiration,
        "created_at": 100,
        "updated_at": 100,
    }


def test_token_store_crud(url: str) -> None:
    async def test(db: Database) -> None:
        await add_users(db, 1, 2)
        store = TokenStore(db)
        scopes = (TokenScope("feed", 5, "r"), TokenScope("group", 8, "rw"))
        one = await store.insert(scopes=scopes, **token(1, "sensor"))
        two = await store.insert(scopes=[], **token(1, "lamp", expiration=5_000))
        bobs = await store.insert(scopes=[TokenScope("feed", 9, "w")], **token(2, "bob"))
        assert one.scopes == scopes and one.last_used_at is None and one.expiration is None
        assert two.scopes == () and two.expiration == 5_000
        assert await store.by_hash("hash-1-sensor") == one
        assert await store.by_hash("nothing") is None
        assert await store.for_user(1) == [one, two]
        assert await store.get(1, one.id) == one
        assert await store.get(2, one.id) is None  # someone else's

        renamed = await store.update(1, one.id, name="sensor 2", updated_at=200)
        assert renamed is not None and renamed.name == "sensor 2" and renamed.scopes == scopes
        narrowed = await store.update(1, one.id, scopes=[TokenScope("feed", 5, "r")])
        assert narrowed is not None and narrowed.scopes == (TokenScope("feed", 5, "r"),)
        assert await store.update(2, one.id, name="stolen") is None
        assert (await store.get(1, one.id)) == narrowed

        await store.touch(one.id, 1_000)
        await store.touch(one.id, 900)  # an older use arriving late does not move it back
        touched = await store.get(1, one.id)
        assert touched is not None and touched.last_used_at == 1_000

        assert not await store.delete(2, one.id)
        assert await store.delete(1, one.id)
        assert not await store.delete(1, one.id)
        assert await store.get(1, one.id) is None
        assert await store.for_user(2) == [bobs]

    run(url, test)


def test_existing_leaves_out_deleted_and_expired_tokens(url: str) -> None:
    async def test(db: Database) -> None:
        await add_users(db, 1)
        store = TokenStore(db)
        forever = await store.insert(scopes=[], **token(1, "forever"))
        later = await store.insert(scopes=[], **token(1, "later", expiration=2_000))
        deleted = await store.insert(scopes=[], **token(1, "deleted"))
        await store.delete(1, deleted.id)
        ids = [forever.id, later.id, deleted.id, 10_000]
        assert await store.existing(ids, now=1_999) == {forever.id, later.id}
        assert await store.existing(ids, now=2_000) == {forever.id}
        assert await store.existing([], now=0) == set()

    run(url, test)


def test_remove_scopes_for_a_deleted_object(url: str) -> None:
    async def test(db: Database) -> None:
        await add_users(db, 1, 2)
        store = TokenStore(db)
        both = await store.insert(
            scopes=[TokenScope("feed", 5, "r"), TokenScope("feed", 55, "rw")], **token(1, "both")
        )
        group_five = await store.insert(scopes=[TokenScope("group", 5, "r")], **token(1, "g"))
        only = await store.insert(scopes=[TokenScope("feed", 5, "w")], **token(2, "only"))
        assert await store.remove_scopes_for("feed", 5) == [both.id, only.id]
        after = await store.get(1, both.id)
        assert after is not None and after.scopes == (TokenScope("feed", 55, "rw"),)
        assert await store.get(1, group_five.id) == group_five
        emptied = await store.get(2, only.id)
        assert emptied is not None and emptied.scopes == ()
        assert await store.remove_scopes_for("feed", 5) == []

    run(url, test)


def test_tokens_go_with_their_user(url: str) -> None:
    async def test(db: Database) -> None:
        await add_users(db, 1, 2)
        store = TokenStore(db)
        await store.insert(scopes=[], **token(1, "a"))
        kept = await store.insert(scopes=[], **token(2, "b"))
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE id = 1"))
        assert await store.for_user(1) == []
        assert await store.existing([kept.id], now=0) == {kept.id}

    run(url, test)
