"""Bytes kept for sessions: a bound per session and one per user.

Every QoS 1/2 message a session keeps (queued, in flight, or stored for an offline session)
counts its payload bytes against both bounds until it is acknowledged, expires or the
session ends. A message that would pass either bound is dropped for that session (MQTT 5 has
no way to tell a subscriber; the broker reports it on ``{user}/errors``).

The check runs for every QoS 1/2 delivery, so ``Session`` makes it against the bounds held
here, with its user's counter (``UserBytes``) in hand rather than looked up per message.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.session import Session

UNBOUNDED = sys.maxsize


class UserBytes:
    """Payload bytes kept by all the sessions of one user."""

    __slots__ = ("used",)

    def __init__(self) -> None:
        self.used = 0


class QueueBudget:
    def __init__(
        self,
        per_session: int,
        per_user: int,
        on_drop: Callable[[Session, int], None] | None = None,
    ) -> None:
        self.per_session = per_session or UNBOUNDED  # 0 in the settings: no bound
        self.per_user = per_user or UNBOUNDED
        self.on_drop = on_drop
        self._users: dict[int, UserBytes] = {}
        self.dropped = 0
        # Messages dropped for sessions, by why: over these bounds ("queue_bytes"), over the
        # session's count of queued messages ("queue_full"), over the client's packet size
        # ("too_large"). Counted for metrics; sessions keep their own count too.
        self.drops: Counter[str] = Counter()

    def of_user(self, user_id: int) -> UserBytes:
        """The counter shared by every session of the user (a session keeps it)."""
        cell = self._users.get(user_id)
        if cell is None:
            cell = self._users[user_id] = UserBytes()
        return cell

    def used(self, user_id: int) -> int:
        cell = self._users.get(user_id)
        return cell.used if cell is not None else 0

    def refused(self, session: Session, size: int) -> None:
        """A message of ``size`` bytes passed a bound (``Session`` checks them, once per
        delivery) and is dropped for the session."""
        self.dropped += 1
        self.drops["queue_bytes"] += 1
        if self.on_drop is not None:
            self.on_drop(session, size)

    @staticmethod
    def give(session: Session, size: int) -> None:
        """Bytes the session no longer keeps."""
        session.queued_bytes -= size
        session.user_bytes.used -= size

    @staticmethod
    def count(session: Session, size: int) -> None:
        """Bytes a session already keeps (loaded from the store), counted without a check."""
        session.queued_bytes += size
        session.user_bytes.used += size
