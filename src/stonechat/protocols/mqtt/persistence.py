"""What the broker keeps in a store of record, and the interface of that store.

The broker core writes through ``journal.Journal``, which batches these rows and hands them
to a ``StateStore`` (implemented in ``stonechat.storage.mqtt_state``, wired in the
composition root): the core never imports storage. Rows are plain values; payloads and
MQTT 5 properties travel as bytes, never as hex in JSON.
"""

from __future__ import annotations

from typing import Protocol

from stonechat.domain.mqtt_state import (
    Changes,
    MessageRow,
    RetainedRow,
    SessionKey,
    SessionRow,
    StoredSession,
)

__all__ = [
    "Changes",
    "MessageRow",
    "RetainedRow",
    "SessionKey",
    "SessionRow",
    "StateStore",
    "StoredSession",
]


class StateStore(Protocol):
    """The broker's durable state: persistent sessions, their messages, retained messages.

    One store per process: the sessions it writes and reads are marked as held by that
    process (``node``), so that several processes sharing a database each load their own.
    """

    async def commit(self, changes: Changes) -> None:
        """Apply one batch in one transaction (all or nothing)."""

    async def sessions(self, *, free_only: bool) -> list[StoredSession]:
        """Every stored session, now held by this process; with ``free_only`` only those no
        process holds (let go at a graceful stop)."""

    async def session(self, key: SessionKey) -> StoredSession | None:
        """One session, now held by this process; None when there is none."""

    async def adopt(self, key: SessionKey) -> bool:
        """Hold a session no process holds; False when another process took it first."""

    async def release(self) -> None:
        """Let go of every session this process holds (graceful stop)."""

    async def messages(self, key: SessionKey, below: int) -> list[MessageRow]:
        """The session's messages with ``seq < below``, in order."""

    async def retained(self) -> list[RetainedRow]:
        """Every retained message."""
