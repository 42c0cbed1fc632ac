"""Browser sessions of the web UI (table ``ui_sessions``), looked up by a hash of the token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from stonechat.storage.database import Database
from stonechat.storage.schema import ui_sessions


@dataclass(slots=True, frozen=True)
class SessionRow:
    token_hash: str
    user_id: int
    csrf_token: str
    created_at: int
    last_seen_at: int


def _row(row: Any) -> SessionRow:
    return SessionRow(
        token_hash=row.token_hash,
        user_id=row.user_id,
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
    )


class UiSessionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(
        self,
        *,
        token_hash: str,
        user_id: int,
        csrf_token: str,
        at: int,
        address: str | None,
        user_agent: str | None,
    ) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                insert(ui_sessions).values(
                    token_hash=token_hash,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_at=at,
                    last_seen_at=at,
                    address=address[:64] if address else None,
                    user_agent=user_agent[:512] if user_agent else None,
                )
            )

    async def get(self, token_hash: str) -> SessionRow | None:
        async with self.db.connect() as conn:
            query = select(ui_sessions).where(ui_sessions.c.token_hash == token_hash)
            row = (await conn.execute(query)).first()
        return _row(row) if row else None

    async def touch(self, token_hash: str, at: int) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                update(ui_sessions)
                .where(ui_sessions.c.token_hash == token_hash)
                .values(last_seen_at=at)
            )

    async def delete(self, token_hash: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(delete(ui_sessions).where(ui_sessions.c.token_hash == token_hash))

    async def delete_for_user(self, user_id: int, keep: str | None = None) -> None:
        """End every session of a user, except ``keep`` (the one changing the password)."""
        query = delete(ui_sessions).where(ui_sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(ui_sessions.c.token_hash != keep)
        async with self.db.begin() as conn:
            await conn.execute(query)

    async def delete_expired(self, idle_before: int, created_before: int) -> int:
        """Remove sessions idle since ``idle_before`` or created before ``created_before``."""
        async with self.db.begin() as conn:
            result = await conn.execute(
                delete(ui_sessions).where(
                    or_(
                        ui_sessions.c.last_seen_at < idle_before,
                        ui_sessions.c.created_at < created_before,
                    )
                )
            )
        return int(result.rowcount or 0)
