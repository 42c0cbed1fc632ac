"""Bytes kept for sessions: a bound per session and one per user.

Every QoS 1/2 message a session keeps (queued, in flight, or stored for an offline session)
counts its payload bytes against both bounds until it is acknowledged, expires or the
session ends. A message that would pass either bound is dropped for that session (MQTT 5 has
no way to tell a subscriber; the broker reports it on ``{user}/errors``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.session import Session


class QueueBudget:
    def __init__(
        self,
        per_session: int,
        per_user: int,
        on_drop: Callable[[Session, int], None] | None = None,
    ) -> None:
        self.per_session = per_session  # 0: no bound
        self.per_user = per_user
        self.on_drop = on_drop
        self.by_user: dict[int, int] = {}
        self.dropped = 0

    def take(self, session: Session, size: int) -> bool:
        """Count ``size`` bytes for the session; False (nothing counted) past a bound."""
        user_id = session.user.id
        used = self.by_user.get(user_id, 0)
        if (self.per_session and session.queued_bytes + size > self.per_session) or (
            self.per_user and used + size > self.per_user
        ):
            self.dropped += 1
            if self.on_drop is not None:
                self.on_drop(session, size)
            return False
        session.queued_bytes += size
        self.by_user[user_id] = used + size
        return True

    def give(self, session: Session, size: int) -> None:
        """Bytes the session no longer keeps."""
        if size <= 0:
            return
        user_id = session.user.id
        session.queued_bytes -= size
        left = self.by_user.get(user_id, 0) - size
        if left > 0:
            self.by_user[user_id] = left
        else:
            self.by_user.pop(user_id, None)

    def count(self, session: Session, size: int) -> None:
        """Bytes a session already keeps (loaded from the store), counted without a check."""
        session.queued_bytes += size
        self.by_user[session.user.id] = self.by_user.get(session.user.id, 0) + size
