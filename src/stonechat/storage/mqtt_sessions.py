"""Saved MQTT state: persistent sessions (per user and client id) and retained messages."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select

from stonechat.storage.database import Database
from stonechat.storage.schema import mqtt_retained, mqtt_sessions


class MqttSessionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, states: list[dict[str, Any]], at: int) -> None:
        """Keep these sessions, replacing earlier copies of the same ones.

        Sessions saved by other processes of the same installation stay.
        """
        async with self.db.begin() as conn:
            for s in states:
                await conn.execute(
                    delete(mqtt_sessions).where(
                        mqtt_sessions.c.user_id == s["user_id"],
                        mqtt_sessions.c.client_id == s["client_id"],
                    )
                )
            if states:
                await conn.execute(
                    insert(mqtt_sessions),
                    [
                        {
                            "user_id": s["user_id"],
                            "client_id": s["client_id"],
                            "state": json.dumps(s),
                            "saved_at": at,
                        }
                        for s in states
                    ],
                )

    async def take_all(self) -> list[tuple[dict[str, Any], int]]:
        """Read every saved session and remove it: it lives in the broker from now on."""
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(mqtt_sessions))).all()
            await conn.execute(delete(mqtt_sessions))
        return [(json.loads(r.state), r.saved_at) for r in rows]

    async def take(self, user_id: int, client_id: str) -> tuple[dict[str, Any], int] | None:
        """One saved session and when it was saved, removed from the table; or None."""
        where = (mqtt_sessions.c.user_id == user_id, mqtt_sessions.c.client_id == client_id)
        async with self.db.begin() as conn:
            row = (await conn.execute(select(mqtt_sessions).where(*where))).first()
            if row is None:
                return None
            await conn.execute(delete(mqtt_sessions).where(*where))
        return json.loads(row.state), row.saved_at

    async def replace_retained(self, messages: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Keep exactly these ``(owner, topic, state)`` retained messages."""
        async with self.db.begin() as conn:
            await conn.execute(delete(mqtt_retained))
            if messages:
                await conn.execute(
                    insert(mqtt_retained),
                    [
                        {"owner": owner, "topic": topic, "state": json.dumps(state)}
                        for owner, topic, state in messages
                    ],
                )

    async def retained(self) -> list[tuple[str, dict[str, Any]]]:
        """Every saved retained message: ``(owner, state)``."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(mqtt_retained))).all()
        return [(r.owner, json.loads(r.state)) for r in rows]
