"""The activity log: the last create/update/delete actions of each user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from stonechat.domain.records import Activity
from stonechat.storage.database import Database
from stonechat.storage.schema import activities

KEEP_PER_USER = 1000


def _activity(row: Any) -> Activity:
    return Activity(
        id=row.id,
        user_id=row.user_id,
        action=row.action,
        model=row.model,
        data=row.data,
        created_at=row.created_at,
    )


class ActivityStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, user_id: int, action: str, model: str, data: str, at: int) -> None:
        async with self.db.begin() as conn:
            new_id = (
                await conn.execute(
                    insert(activities)
                    .values(user_id=user_id, action=action, model=model, data=data, created_at=at)
                    .returning(activities.c.id)
                )
            ).scalar_one()
            if new_id % 100 == 0:  # trim now and then, not on every write
                cutoff = (
                    await conn.execute(
                        select(activities.c.id)
                        .where(activities.c.user_id == user_id)
                        .order_by(activities.c.id.desc())
                        .offset(KEEP_PER_USER)
                        .limit(1)
                    )
                ).scalar_one_or_none()
                if cutoff is not None:
                    await conn.execute(
                        delete(activities).where(
                            activities.c.user_id == user_id, activities.c.id <= cutoff
                        )
                    )

    async def for_user(
        self,
        user_id: int,
        *,
        model: str | None,
        start: int | None,
        end: int | None,
        limit: int,
    ) -> list[Activity]:
        query = select(activities).where(activities.c.user_id == user_id)
        if model is not None:
            query = query.where(activities.c.model == model)
        if start is not None:
            query = query.where(activities.c.created_at >= start)
        if end is not None:
            query = query.where(activities.c.created_at <= end)
        query = query.order_by(activities.c.id.desc()).limit(limit)
        async with self.db.connect() as conn:
            return [_activity(r) for r in await conn.execute(query)]

    async def clear(self, user_id: int) -> None:
        async with self.db.begin() as conn:
            await conn.execute(delete(activities).where(activities.c.user_id == user_id))
