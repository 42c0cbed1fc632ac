"""Scoped device tokens. Only the secret's SHA-256 is stored; scopes are JSON text."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from stonechat.domain.records import Token, TokenScope
from stonechat.storage.database import Database
from stonechat.storage.schema import tokens, users


def encode_scopes(scopes: Iterable[TokenScope]) -> str:
    return json.dumps(
        [{"model": s.model, "object_id": s.object_id, "mode": s.mode} for s in scopes],
        separators=(",", ":"),
    )


def decode_scopes(text: str) -> tuple[TokenScope, ...]:
    return tuple(
        TokenScope(model=s["model"], object_id=int(s["object_id"]), mode=s["mode"])
        for s in json.loads(text)
    )


def _token(row: Any) -> Token:
    return Token(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        hint=row.hint,
        scopes=decode_scopes(row.scopes),
        expiration=row.expiration,
        last_used_at=row.last_used_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class TokenStore:
    """Token rows. ``scopes`` goes in and comes out as TokenScope records.

    A token has expired once ``expiration <= now`` (milliseconds); ``None`` never expires.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, *, scopes: Iterable[TokenScope], **values: Any) -> Token:
        """``values``: user_id, name, token_hash, hint, created_at, updated_at and optionally
        expiration and last_used_at."""
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    insert(tokens)
                    .values(scopes=encode_scopes(scopes), **values)
                    .returning(*tokens.c)
                )
            ).one()
        return _token(row)

    async def by_hash(self, token_hash: str) -> Token | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(select(tokens).where(tokens.c.token_hash == token_hash))
            ).first()
        return _token(row) if row else None

    async def for_user(self, user_id: int) -> list[Token]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(tokens).where(tokens.c.user_id == user_id).order_by(tokens.c.id)
            )
            return [_token(r) for r in rows]

    async def get(self, user_id: int, token_id: int) -> Token | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(tokens).where(tokens.c.user_id == user_id, tokens.c.id == token_id)
                )
            ).first()
        return _token(row) if row else None

    async def update(
        self,
        user_id: int,
        token_id: int,
        *,
        scopes: Iterable[TokenScope] | None = None,
        **values: Any,
    ) -> Token | None:
        """Set ``values`` (and ``scopes`` when given) on the user's token; None if absent."""
        if scopes is not None:
            values["scopes"] = encode_scopes(scopes)
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    update(tokens)
                    .where(tokens.c.user_id == user_id, tokens.c.id == token_id)
                    .values(**values)
                    .returning(*tokens.c)
                )
            ).first()
        return _token(row) if row else None

    async def delete(self, user_id: int, token_id: int) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(
                delete(tokens).where(tokens.c.user_id == user_id, tokens.c.id == token_id)
            )
            return bool(result.rowcount)

    async def touch(self, token_id: int, at: int) -> None:
        """Record a use: one update by primary key, never moving ``last_used_at`` back."""
        async with self.db.begin() as conn:
            await conn.execute(
                update(tokens)
                .where(
                    tokens.c.id == token_id,
                    or_(tokens.c.last_used_at.is_(None), tokens.c.last_used_at < at),
                )
                .values(last_used_at=at)
            )

    async def existing(self, ids: Collection[int], now: int) -> set[int]:
        """Which of ``ids`` still exist and have not expired at ``now``."""
        if not ids:
            return set()
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(tokens.c.id)
                .join(users, users.c.id == tokens.c.user_id)
                .where(
                    tokens.c.id.in_(ids),
                    or_(tokens.c.expiration.is_(None), tokens.c.expiration > now),
                    users.c.disabled.is_(False),  # a disabled user's tokens end too
                )
            )
            return {row.id for row in rows}

    async def remove_scopes_for(self, model: str, object_id: int) -> list[int]:
        """Drop every scope naming this feed or group from every token (the object is gone).

        Returns the ids of the tokens changed. A token can be left with no scopes at all.
        """
        changed: list[int] = []
        async with self.db.begin() as conn:
            # The LIKE only narrows the rows read; the decoded scopes decide.
            rows = await conn.execute(
                select(tokens.c.id, tokens.c.scopes)
                .where(tokens.c.scopes.like(f"%{int(object_id)}%"))
                .order_by(tokens.c.id)
                .with_for_update()
            )
            for row in rows.all():
                scopes = decode_scopes(row.scopes)
                kept = [s for s in scopes if (s.model, s.object_id) != (model, object_id)]
                if len(kept) != len(scopes):
                    await conn.execute(
                        update(tokens)
                        .where(tokens.c.id == row.id)
                        .values(scopes=encode_scopes(kept))
                    )
                    changed.append(row.id)
        return changed
