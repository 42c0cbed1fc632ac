"""Feed webhook receiver tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from stonechat.domain.records import WebhookReceiver
from stonechat.storage.database import Database
from stonechat.storage.schema import webhook_receivers


def _receiver(row: Any) -> WebhookReceiver:
    return WebhookReceiver(
        id=row.id, feed_id=row.feed_id, token=row.token, created_at=row.created_at
    )


class WebhookStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, feed_id: int, token: str, at: int) -> WebhookReceiver:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    insert(webhook_receivers)
                    .values(feed_id=feed_id, token=token, created_at=at)
                    .returning(*webhook_receivers.c)
                )
            ).one()
        return _receiver(row)

    async def for_feeds(self, feed_ids: list[int]) -> dict[int, list[WebhookReceiver]]:
        if not feed_ids:
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(webhook_receivers)
                .where(webhook_receivers.c.feed_id.in_(feed_ids))
                .order_by(webhook_receivers.c.id)
            )
            result: dict[int, list[WebhookReceiver]] = {}
            for row in rows:
                result.setdefault(row.feed_id, []).append(_receiver(row))
        return result

    async def by_token(self, token: str) -> WebhookReceiver | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(webhook_receivers).where(webhook_receivers.c.token == token)
                )
            ).first()
        return _receiver(row) if row else None

    async def delete(self, feed_id: int, receiver_id: int) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(
                delete(webhook_receivers).where(
                    webhook_receivers.c.feed_id == feed_id, webhook_receivers.c.id == receiver_id
                )
            )
            return bool(result.rowcount)
