"""Dashboard and block rows. Layouts, properties and block feeds are JSON text."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select, update

from stonechat.domain.records import Block, Dashboard
from stonechat.storage.database import Database
from stonechat.storage.schema import blocks, dashboards


def _dashboard(row: Any) -> Dashboard:
    return Dashboard(
        id=row.id,
        user_id=row.user_id,
        key=row.key,
        name=row.name,
        description=row.description,
        visibility=row.visibility,
        show_header=row.show_header,
        color_mode=row.color_mode,
        block_borders=row.block_borders,
        allow_overlap=row.allow_overlap,
        header_image_url=row.header_image_url,
        layouts=json.loads(row.layouts),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _block(row: Any) -> Block:
    return Block(
        id=row.id,
        dashboard_id=row.dashboard_id,
        name=row.name,
        description=row.description,
        visual_type=row.visual_type,
        properties=json.loads(row.properties),
        column=row.column,
        row=row.row,
        size_x=row.size_x,
        size_y=row.size_y,
        block_feeds=json.loads(row.block_feeds),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _encode(values: dict[str, Any]) -> dict[str, Any]:
    for name in ("layouts", "properties", "block_feeds"):
        if name in values and not isinstance(values[name], str):
            values[name] = json.dumps(values[name], separators=(",", ":"))
    return values


class DashboardStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, **values: Any) -> Dashboard:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    insert(dashboards).values(**_encode(values)).returning(*dashboards.c)
                )
            ).one()
        return _dashboard(row)

    async def for_user(self, user_id: int) -> list[Dashboard]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(dashboards).where(dashboards.c.user_id == user_id).order_by(dashboards.c.id)
            )
            return [_dashboard(r) for r in rows]

    async def by_key(self, user_id: int, key: str) -> Dashboard | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(dashboards).where(
                        dashboards.c.user_id == user_id, dashboards.c.key == key
                    )
                )
            ).first()
        return _dashboard(row) if row else None

    async def by_id(self, user_id: int, dashboard_id: int) -> Dashboard | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(dashboards).where(
                        dashboards.c.user_id == user_id, dashboards.c.id == dashboard_id
                    )
                )
            ).first()
        return _dashboard(row) if row else None

    async def update(self, dashboard_id: int, **values: Any) -> Dashboard:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    update(dashboards)
                    .where(dashboards.c.id == dashboard_id)
                    .values(**_encode(values))
                    .returning(*dashboards.c)
                )
            ).one()
        return _dashboard(row)

    async def delete(self, dashboard_id: int) -> None:
        async with self.db.begin() as conn:
            await conn.execute(delete(blocks).where(blocks.c.dashboard_id == dashboard_id))
            await conn.execute(delete(dashboards).where(dashboards.c.id == dashboard_id))

    async def blocks(self, dashboard_ids: list[int]) -> dict[int, list[Block]]:
        if not dashboard_ids:
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(blocks).where(blocks.c.dashboard_id.in_(dashboard_ids)).order_by(blocks.c.id)
            )
            result: dict[int, list[Block]] = {d: [] for d in dashboard_ids}
            for row in rows:
                result[row.dashboard_id].append(_block(row))
        return result

    async def block(self, dashboard_id: int, block_id: int) -> Block | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(blocks).where(
                        blocks.c.dashboard_id == dashboard_id, blocks.c.id == block_id
                    )
                )
            ).first()
        return _block(row) if row else None

    async def insert_block(self, **values: Any) -> Block:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(insert(blocks).values(**_encode(values)).returning(*blocks.c))
            ).one()
        return _block(row)

    async def update_block(self, block_id: int, **values: Any) -> Block:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    update(blocks)
                    .where(blocks.c.id == block_id)
                    .values(**_encode(values))
                    .returning(*blocks.c)
                )
            ).one()
        return _block(row)

    async def delete_block(self, block_id: int) -> None:
        async with self.db.begin() as conn:
            await conn.execute(delete(blocks).where(blocks.c.id == block_id))
