"""The MQTT broker's store of record: persistent sessions, their messages, retained messages.

Implements the broker's ``StateStore`` interface (``protocols/mqtt/persistence.py``) for
SQLite and PostgreSQL. A batch is a handful of statements in one transaction, each over all
rows of its kind (executemany); a changed row is deleted and inserted again, which reads the
same on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update

from stonechat.domain.mqtt_state import (
    Changes,
    MessageRow,
    RetainedRow,
    SessionKey,
    SessionRow,
    StoredSession,
)
from stonechat.storage.database import Database
from stonechat.storage.schema import mqtt_messages, mqtt_retained, mqtt_sessions, users

_S = mqtt_sessions.c
_M = mqtt_messages.c
_R = mqtt_retained.c
_SESSION_KEY = and_(_S.user_id == bindparam("k_user"), _S.client_id == bindparam("k_client"))
_MESSAGES_OF = and_(_M.user_id == bindparam("k_user"), _M.client_id == bindparam("k_client"))
_MESSAGE_KEY = and_(_MESSAGES_OF, _M.seq == bindparam("k_seq"))
_RETAINED_KEY = and_(_R.owner == bindparam("k_owner"), _R.topic == bindparam("k_topic"))


class MqttStateStore:
    """One per process; ``node`` names the process in the sessions it holds."""

    def __init__(self, db: Database, node: str) -> None:
        self.db = db
        self.node = node

    async def commit(self, changes: Changes) -> None:
        async with self.db.begin() as conn:
            keys = [{"k_user": u, "k_client": c} for u, c in changes.purged]
            if keys:
                await conn.execute(delete(mqtt_messages).where(_MESSAGES_OF), keys)
                await conn.execute(delete(mqtt_sessions).where(_SESSION_KEY), keys)
            sessions, messages = await _of_present_users(conn, changes)
            if sessions:
                keys = [{"k_user": s.user_id, "k_client": s.client_id} for s in sessions]
                await conn.execute(delete(mqtt_sessions).where(_SESSION_KEY), keys)
                await conn.execute(insert(mqtt_sessions), [self._session(s) for s in sessions])
            if changes.removed:
                removed = [{"k_user": u, "k_client": c, "k_seq": s} for u, c, s in changes.removed]
                await conn.execute(delete(mqtt_messages).where(_MESSAGE_KEY), removed)
            if messages:
                await conn.execute(insert(mqtt_messages), [_message(m) for m in messages])
            touched = changes.cleared + [(r.owner, r.topic) for r in changes.retained]
            if touched:
                keys = [{"k_owner": owner, "k_topic": topic} for owner, topic in touched]
                await conn.execute(delete(mqtt_retained).where(_RETAINED_KEY), keys)
            if changes.retained:
                await conn.execute(insert(mqtt_retained), [_retained(r) for r in changes.retained])

    def _session(self, s: SessionRow) -> dict[str, Any]:
        return {
            "user_id": s.user_id,
            "client_id": s.client_id,
            "node": self.node,
            "protocol_level": s.protocol_level,
            "expiry": s.expiry,
            "expires_at": s.expires_at,
            "token_id": s.token_id,
            "subscriptions": s.subscriptions,
            "incoming_qos2": s.incoming_qos2,
        }

    async def sessions(self, *, free_only: bool) -> list[StoredSession]:
        held = update(mqtt_sessions).values(node=self.node)
        if free_only:
            held = held.where(_S.node.is_(None))
        async with self.db.begin() as conn:
            await conn.execute(held)
            rows = (await conn.execute(select(mqtt_sessions).where(_S.node == self.node))).all()
            counts = {
                (r.user_id, r.client_id): r
                for r in (
                    await conn.execute(
                        select(
                            _M.user_id,
                            _M.client_id,
                            func.count().label("n"),
                            func.coalesce(func.sum(func.length(_M.payload)), 0).label("size"),
                            func.max(_M.seq).label("last"),
                        )
                        .select_from(mqtt_messages.join(mqtt_sessions, _joined()))
                        .where(_S.node == self.node)
                        .group_by(_M.user_id, _M.client_id)
                    )
                ).all()
            }
        return [_stored(r, counts.get((r.user_id, r.client_id))) for r in rows]

    async def session(self, key: SessionKey) -> StoredSession | None:
        where = and_(_S.user_id == key[0], _S.client_id == key[1])
        async with self.db.begin() as conn:
            await conn.execute(update(mqtt_sessions).where(where).values(node=self.node))
            row = (await conn.execute(select(mqtt_sessions).where(where))).first()
            if row is None:
                return None
            count = (
                await conn.execute(
                    select(
                        func.count().label("n"),
                        func.coalesce(func.sum(func.length(_M.payload)), 0).label("size"),
                        func.max(_M.seq).label("last"),
                    ).where(_M.user_id == key[0], _M.client_id == key[1])
                )
            ).first()
        return _stored(row, count)

    async def adopt(self, key: SessionKey) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(
                update(mqtt_sessions)
                .where(_S.user_id == key[0], _S.client_id == key[1], _S.node.is_(None))
                .values(node=self.node)
            )
        return bool(result.rowcount)

    async def release(self) -> None:
        async with self.db.begin() as conn:
            await conn.execute(update(mqtt_sessions).where(_S.node == self.node).values(node=None))

    async def messages(self, key: SessionKey, below: int) -> list[MessageRow]:
        query = (
            select(mqtt_messages)
            .where(_M.user_id == key[0], _M.client_id == key[1], _M.seq < below)
            .order_by(_M.seq)
        )
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            MessageRow(
                r.user_id,
                r.client_id,
                r.seq,
                r.topic,
                bytes(r.payload),
                r.qos,
                bool(r.retain),
                bytes(r.properties),
                r.expires_at,
                r.packet_id,
                bool(r.released),
            )
            for r in rows
        ]

    async def retained(self) -> list[RetainedRow]:
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(mqtt_retained))).all()
        return [
            RetainedRow(
                r.owner, r.topic, bytes(r.payload), r.qos, bytes(r.properties), r.expires_at
            )
            for r in rows
        ]


def _joined() -> Any:
    return and_(_M.user_id == _S.user_id, _M.client_id == _S.client_id)


async def _of_present_users(
    conn: Any, changes: Changes
) -> tuple[list[SessionRow], list[MessageRow]]:
    """The session and message rows whose user still exists: a user deleted meanwhile took
    their rows along (ON DELETE CASCADE), and must not make the whole batch fail."""
    ids = {s.user_id for s in changes.sessions} | {m.user_id for m in changes.messages}
    if not ids:
        return [], []
    present = set((await conn.execute(select(users.c.id).where(users.c.id.in_(ids)))).scalars())
    if present == ids:
        return changes.sessions, changes.messages
    return (
        [s for s in changes.sessions if s.user_id in present],
        [m for m in changes.messages if m.user_id in present],
    )


def _stored(row: Any, count: Any) -> StoredSession:
    session = SessionRow(
        row.user_id,
        row.client_id,
        row.protocol_level,
        row.expiry,
        row.expires_at,
        row.token_id,
        bytes(row.subscriptions),
        bytes(row.incoming_qos2),
    )
    if count is None or not count.n:
        return StoredSession(session, 0, 0, 1)
    return StoredSession(session, int(count.n), int(count.size), int(count.last) + 1)


def _message(m: MessageRow) -> dict[str, Any]:
    return {
        "user_id": m.user_id,
        "client_id": m.client_id,
        "seq": m.seq,
        "packet_id": m.packet_id,
        "released": m.released,
        "topic": m.topic,
        "payload": m.payload,
        "qos": m.qos,
        "retain": m.retain,
        "properties": m.properties,
        "expires_at": m.expires_at,
    }


def _retained(r: RetainedRow) -> dict[str, Any]:
    return {
        "owner": r.owner,
        "topic": r.topic,
        "payload": r.payload,
        "qos": r.qos,
        "properties": r.properties,
        "expires_at": r.expires_at,
    }
