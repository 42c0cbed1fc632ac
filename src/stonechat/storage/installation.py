"""Rows of the ``installation`` table: facts about the installation as a whole."""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stonechat.storage.database import Database
from stonechat.storage.schema import installation, users


class InstallationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def has_table(self) -> bool:
        """Whether the database has the table yet (a database not migrated to 0013)."""
        async with self.db.connect() as conn:
            return bool(
                await conn.run_sync(lambda sync: inspect(sync).has_table(installation.name))
            )

    async def get(self, name: str) -> str | None:
        async with self.db.connect() as conn:
            value = (
                await conn.execute(select(installation.c.value).where(installation.c.name == name))
            ).scalar_one_or_none()
        return None if value is None else str(value)

    async def put_first(self, values: dict[str, str]) -> dict[str, str]:
        """Store each value unless the name has one already (the first writer wins when
        several processes start at once); returns what is stored now."""
        insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        async with self.db.begin() as conn:
            for name, value in values.items():
                await conn.execute(
                    insert(installation)
                    .values(name=name, value=value)
                    .on_conflict_do_nothing(index_elements=["name"])
                )
            rows = await conn.execute(
                select(installation.c.name, installation.c.value).where(
                    installation.c.name.in_(list(values))
                )
            )
            return {row.name: row.value for row in rows}

    async def one_stored_key(self) -> tuple[str, str] | None:
        """(key_hash, key_enc) of one user, to check a secret against, or None."""
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(users.c.key_hash, users.c.key_enc).order_by(users.c.id).limit(1)
                )
            ).first()
        return None if row is None else (str(row.key_hash), str(row.key_enc))
