"""Password reset links: the SHA-256 of each token, its user and when it expires."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from stonechat.storage.database import Database
from stonechat.storage.schema import password_resets


class PasswordResetStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def replace(self, user_id: int, token_hash: str, now: int, expires_at: int) -> None:
        """The user's one live link (an earlier one stops working).

        One upsert on the user's unique row: two requests at once (two workers, two clicks)
        each leave a working link in turn, where a delete then insert let the second fail
        on the unique user."""
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        values = {"token_hash": token_hash, "created_at": now, "expires_at": expires_at}
        statement = dialect.insert(password_resets).values(user_id=user_id, **values)
        async with self.db.begin() as conn:
            await conn.execute(
                statement.on_conflict_do_update(index_elements=["user_id"], set_=values)
            )

    async def take(self, token_hash: str, now: int) -> int | None:
        """Use a link once: delete it, and return its user when it had not expired."""
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    delete(password_resets)
                    .where(password_resets.c.token_hash == token_hash)
                    .returning(password_resets.c.user_id, password_resets.c.expires_at)
                )
            ).first()
        if row is None or row.expires_at <= now:
            return None
        return int(row.user_id)

    async def forget(self, user_id: int) -> None:
        """The password changed: the user's link stops working."""
        async with self.db.begin() as conn:
            await conn.execute(delete(password_resets).where(password_resets.c.user_id == user_id))
