"""User rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from stonechat.domain.records import User
from stonechat.storage.database import Database
from stonechat.storage.schema import users


def _user(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        is_admin=row.is_admin,
        time_zone=row.time_zone,
        data_rate_limit=row.data_rate_limit,
        created_at=row.created_at,
        updated_at=row.updated_at,
        disabled=bool(row.disabled),
    )


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def count(self) -> int:
        async with self.db.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(users))).scalar_one())

    async def insert(self, conn: Any, **values: Any) -> User:
        result = await conn.execute(insert(users).values(**values).returning(*users.c))
        return _user(result.one())

    async def by_username(self, username: str) -> User | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(select(users).where(users.c.username_lower == username.lower()))
            ).first()
        return _user(row) if row else None

    async def by_email(self, email: str) -> list[User]:
        """Users with this email address (not unique: callers decide what several mean)."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(users).where(func.lower(users.c.email) == email.lower()).limit(2)
            )
            return [_user(r) for r in rows]

    async def by_id(self, user_id: int) -> User | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(select(users).where(users.c.id == user_id))).first()
        return _user(row) if row else None

    async def by_key_hash(self, key_hash: str) -> tuple[User, str] | None:
        """The user whose key hashes to ``key_hash``, and the stored hash to compare."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(users).where(users.c.key_hash == key_hash))).first()
        return (_user(row), row.key_hash) if row else None

    async def key_hashes(self, user_ids: list[int]) -> dict[int, str]:
        """The current key hash of each of these users (missing ones were deleted)."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(users.c.id, users.c.key_hash).where(
                    users.c.id.in_(user_ids), users.c.disabled.is_(False)
                )
            )
            # A disabled user is missing too: the key watch ends its connections even when
            # the CLI disabled it in a process without a bus.
            return {r.id: r.key_hash for r in rows}

    async def data_rate_overrides(self) -> dict[int, int]:
        """User id -> own data rate, for the users that have one (NULL: the default)."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(users.c.id, users.c.data_rate_limit).where(
                    users.c.data_rate_limit.is_not(None)
                )
            )
            return {r.id: int(r.data_rate_limit) for r in rows}

    async def secrets(self, user_id: int) -> tuple[str, str] | None:
        """``(password_hash, key_enc)`` of a user."""
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(users.c.password_hash, users.c.key_enc).where(users.c.id == user_id)
                )
            ).first()
        return (row.password_hash, row.key_enc) if row else None

    async def all(self) -> list[User]:
        """Every user, by name (the administration page and ``stonechat user list``)."""
        async with self.db.connect() as conn:
            rows = await conn.execute(select(users).order_by(users.c.username_lower))
            return [_user(r) for r in rows]

    async def admins(self) -> list[int]:
        """Ids of the enabled administrators."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(users.c.id).where(users.c.is_admin.is_(True), users.c.disabled.is_(False))
            )
            return [r.id for r in rows]

    async def update(self, user_id: int, **values: Any) -> None:
        async with self.db.begin() as conn:
            await conn.execute(update(users).where(users.c.id == user_id).values(**values))
