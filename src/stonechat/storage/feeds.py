"""Feed rows, always read together with their primary group's key."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from stonechat.domain.records import Feed
from stonechat.storage import rollups
from stonechat.storage.database import Database
from stonechat.storage.schema import (
    data,
    feed_groups,
    feed_status_changes,
    feeds,
    groups,
    webhook_receivers,
)

_COLUMNS = [
    *feeds.c,
    groups.c.key.label("group_key"),
    groups.c.is_default.label("group_is_default"),
]


def _select() -> Select[Any]:
    return select(*_COLUMNS).join(groups, groups.c.id == feeds.c.group_id)


def _feed(row: Any) -> Feed:
    return Feed(
        id=row.id,
        user_id=row.user_id,
        group_id=row.group_id,
        group_key=row.group_key,
        group_is_default=row.group_is_default,
        key=row.key,
        name=row.name,
        description=row.description,
        unit_type=row.unit_type,
        unit_symbol=row.unit_symbol,
        history=row.history,
        visibility=row.visibility,
        license=row.license,
        status_notify=row.status_notify,
        status_timeout=row.status_timeout,
        last_value=row.last_value,
        last_value_at=row.last_value_at,
        data_count=row.data_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        offline_at=row.offline_at,
        retention=json.loads(row.retention) if row.retention else {},
    )


class FeedStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, **values: Any) -> Feed:
        """Create a feed and make it a member of its primary group."""
        async with self.db.begin() as conn:
            feed_id = (
                await conn.execute(insert(feeds).values(**values).returning(feeds.c.id))
            ).scalar_one()
            await conn.execute(
                insert(feed_groups).values(feed_id=feed_id, group_id=values["group_id"])
            )
            row = (await conn.execute(_select().where(feeds.c.id == feed_id))).one()
        return _feed(row)

    async def for_user(self, user_id: int) -> list[Feed]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                _select().where(feeds.c.user_id == user_id).order_by(feeds.c.id)
            )
            return [_feed(r) for r in rows]

    async def in_group(self, group_id: int) -> list[Feed]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                _select()
                .join(feed_groups, feed_groups.c.feed_id == feeds.c.id)
                .where(feed_groups.c.group_id == group_id)
                .order_by(feeds.c.id)
            )
            return [_feed(r) for r in rows]

    async def in_groups(self, group_ids: list[int]) -> dict[int, list[Feed]]:
        """Feeds of several groups at once, keyed by group id."""
        if not group_ids:
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(*_COLUMNS, feed_groups.c.group_id.label("member_of"))
                .join(groups, groups.c.id == feeds.c.group_id)
                .join(feed_groups, feed_groups.c.feed_id == feeds.c.id)
                .where(feed_groups.c.group_id.in_(group_ids))
                .order_by(feeds.c.id)
            )
            result: dict[int, list[Feed]] = {g: [] for g in group_ids}
            for row in rows:
                result[row.member_of].append(_feed(row))
        return result

    async def by_id(self, feed_id: int) -> Feed | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(_select().where(feeds.c.id == feed_id))).first()
        return _feed(row) if row else None

    async def by_ids(self, feed_ids: list[int]) -> dict[int, Feed]:
        if not feed_ids:
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(_select().where(feeds.c.id.in_(feed_ids)))
            return {r.id: _feed(r) for r in rows}

    async def with_key(self, user_id: int, key: str) -> list[Feed]:
        """Every feed of the user with this plain key (one per group at most)."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                _select()
                .where(feeds.c.user_id == user_id, feeds.c.key == key)
                .order_by(groups.c.is_default.desc(), feeds.c.id)
            )
            return [_feed(r) for r in rows]

    async def with_name(self, user_id: int, name: str) -> Feed | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    _select()
                    .where(feeds.c.user_id == user_id, feeds.c.name == name)
                    .order_by(groups.c.is_default.desc(), feeds.c.id)
                )
            ).first()
        return _feed(row) if row else None

    async def in_group_with_key(self, group_id: int, key: str) -> Feed | None:
        """The member of a group with this key (primary or added)."""
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    _select()
                    .join(feed_groups, feed_groups.c.feed_id == feeds.c.id)
                    .where(feed_groups.c.group_id == group_id, feeds.c.key == key)
                    .order_by((feeds.c.group_id == group_id).desc(), feeds.c.id)
                )
            ).first()
        return _feed(row) if row else None

    async def update(self, feed_id: int, **values: Any) -> Feed:
        async with self.db.begin() as conn:
            await conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))
            row = (await conn.execute(_select().where(feeds.c.id == feed_id))).one()
        return _feed(row)

    async def delete(self, feed_id: int) -> None:
        """Delete a feed with its data, memberships and webhook receivers."""
        async with self.db.begin() as conn:
            await conn.execute(delete(data).where(data.c.feed_id == feed_id))
            await rollups.delete_feed(conn, feed_id)
            await conn.execute(delete(feed_groups).where(feed_groups.c.feed_id == feed_id))
            await conn.execute(
                delete(webhook_receivers).where(webhook_receivers.c.feed_id == feed_id)
            )
            await conn.execute(
                delete(feed_status_changes).where(feed_status_changes.c.feed_id == feed_id)
            )
            await conn.execute(delete(feeds).where(feeds.c.id == feed_id))

    async def queue_position(self, feed_id: int) -> str | None:
        async with self.db.connect() as conn:
            return (  # type: ignore[no-any-return]
                await conn.execute(select(feeds.c.queue_position).where(feeds.c.id == feed_id))
            ).scalar_one_or_none()

    async def set_queue_position(self, feed_id: int, datum_id: str | None) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                update(feeds).where(feeds.c.id == feed_id).values(queue_position=datum_id)
            )
