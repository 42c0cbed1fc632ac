"""Access-list rows of feeds, groups and dashboards.

Writes take an open connection, so that a service can change an object and its access list
in one transaction; reads open their own.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, insert, select, update

from stonechat.domain.records import Permission
from stonechat.storage.database import Database
from stonechat.storage.schema import permissions


def _permission(row: Any) -> Permission:
    return Permission(
        id=row.id,
        user_id=row.user_id,
        model=row.model,
        object_id=row.object_id,
        scope=row.scope,
        grantee_id=row.grantee_id,
        mode=row.mode,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class PermissionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, conn: Any, **values: Any) -> Permission:
        result = await conn.execute(insert(permissions).values(**values).returning(*permissions.c))
        return _permission(result.one())

    async def update(self, conn: Any, permission_id: int, **values: Any) -> Permission | None:
        row = (
            await conn.execute(
                update(permissions)
                .where(permissions.c.id == permission_id)
                .values(**values)
                .returning(*permissions.c)
            )
        ).first()
        return _permission(row) if row else None

    async def delete(self, conn: Any, permission_id: int) -> bool:
        result = await conn.execute(delete(permissions).where(permissions.c.id == permission_id))
        return bool(result.rowcount)

    async def delete_for_object(
        self, conn: Any, model: str, object_id: int, scopes: tuple[str, ...] | None = None
    ) -> list[Permission]:
        """Delete the object's rows (only those of ``scopes`` when given); returns them."""
        statement = delete(permissions).where(
            permissions.c.model == model, permissions.c.object_id == object_id
        )
        if scopes is not None:
            statement = statement.where(permissions.c.scope.in_(scopes))
        rows = await conn.execute(statement.returning(*permissions.c))
        return sorted((_permission(r) for r in rows), key=lambda p: p.id)

    async def get(self, permission_id: int) -> Permission | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(select(permissions).where(permissions.c.id == permission_id))
            ).first()
        return _permission(row) if row else None

    async def for_object(self, model: str, object_id: int) -> list[Permission]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(permissions)
                .where(permissions.c.model == model, permissions.c.object_id == object_id)
                .order_by(permissions.c.id)
            )
            return [_permission(r) for r in rows]

    async def for_objects(self, model: str, ids: Collection[int]) -> dict[int, list[Permission]]:
        """The rows of each object, keyed by object id; objects without rows are left out."""
        if not ids:
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(permissions)
                .where(permissions.c.model == model, permissions.c.object_id.in_(ids))
                .order_by(permissions.c.id)
            )
            result: dict[int, list[Permission]] = {}
            for row in rows:
                result.setdefault(row.object_id, []).append(_permission(row))
        return result

    async def for_grantee(self, grantee_id: int) -> list[Permission]:
        """Every row granted to this user (scope ``user``), of any owner, by id."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(permissions)
                .where(permissions.c.grantee_id == grantee_id)
                .order_by(permissions.c.id)
            )
            return [_permission(r) for r in rows]
