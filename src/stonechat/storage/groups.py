"""Group rows and feed membership."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from stonechat.domain.records import Group
from stonechat.storage.database import Database
from stonechat.storage.schema import feed_groups, groups


def _group(row: Any) -> Group:
    return Group(
        id=row.id,
        user_id=row.user_id,
        key=row.key,
        name=row.name,
        description=row.description,
        visibility=row.visibility,
        is_default=row.is_default,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class GroupStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, conn: Any, **values: Any) -> Group:
        result = await conn.execute(insert(groups).values(**values).returning(*groups.c))
        return _group(result.one())

    async def for_user(self, user_id: int) -> list[Group]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(groups).where(groups.c.user_id == user_id).order_by(groups.c.id)
            )
            return [_group(r) for r in rows]

    async def by_key(self, user_id: int, key: str) -> Group | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(groups).where(groups.c.user_id == user_id, groups.c.key == key)
                )
            ).first()
        return _group(row) if row else None

    async def by_id(self, group_id: int) -> Group | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(select(groups).where(groups.c.id == group_id))).first()
        return _group(row) if row else None

    async def default(self, user_id: int) -> Group:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(groups).where(groups.c.user_id == user_id, groups.c.is_default)
                )
            ).one()
        return _group(row)

    async def update(self, group_id: int, **values: Any) -> Group:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    update(groups)
                    .where(groups.c.id == group_id)
                    .values(**values)
                    .returning(*groups.c)
                )
            ).one()
        return _group(row)

    async def delete(self, group_id: int) -> None:
        async with self.db.begin() as conn:
            await conn.execute(delete(feed_groups).where(feed_groups.c.group_id == group_id))
            await conn.execute(delete(groups).where(groups.c.id == group_id))

    async def add_feed(self, group_id: int, feed_id: int) -> None:
        async with self.db.begin() as conn:
            exists = (
                await conn.execute(
                    select(feed_groups.c.feed_id).where(
                        feed_groups.c.group_id == group_id, feed_groups.c.feed_id == feed_id
                    )
                )
            ).first()
            if not exists:
                await conn.execute(insert(feed_groups).values(group_id=group_id, feed_id=feed_id))

    async def remove_feed(self, group_id: int, feed_id: int) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                delete(feed_groups).where(
                    feed_groups.c.group_id == group_id, feed_groups.c.feed_id == feed_id
                )
            )

    async def groups_of_feeds(self, feed_ids: list[int]) -> dict[int, list[Group]]:
        """Every group each feed belongs to, keyed by feed id."""
        if not feed_ids:
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(feed_groups.c.feed_id, groups)
                .join(groups, groups.c.id == feed_groups.c.group_id)
                .where(feed_groups.c.feed_id.in_(feed_ids))
                .order_by(groups.c.id)
            )
            result: dict[int, list[Group]] = {}
            for row in rows:
                result.setdefault(row.feed_id, []).append(_group(row))
        return result
