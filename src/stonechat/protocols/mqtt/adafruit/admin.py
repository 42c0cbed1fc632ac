"""What administrators see and do in this process's broker: its live connections, ending
one, and ending every connection of a disabled or deleted user (``access.on_user_disabled``,
which fires in every process)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from stonechat.protocols.mqtt import sessions
from stonechat.protocols.mqtt.codec import ReasonCode

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services

MAX_LISTED = 10_000  # connections one process reports (the answer stays a small message)


class AdminLink:
    """Plugs the broker into ``services.admin.connections`` and ``access``."""

    def __init__(self, broker: BrokerState, services: Services) -> None:
        self.broker = broker
        self.services = services

    def start(self) -> None:
        self.services.access.on_user_disabled.append(self.user_disabled)
        directory = self.services.connections
        if directory is not None:
            directory.list_local = self.connections
            directory.disconnect_local = self.disconnect

    def stop(self) -> None:
        if self.user_disabled in self.services.access.on_user_disabled:
            self.services.access.on_user_disabled.remove(self.user_disabled)

    def connections(self) -> list[dict[str, Any]]:
        """This process's signed-in connections."""
        listed: list[dict[str, Any]] = []
        for conn in self.broker.connections:
            session = conn.session
            if session is None or conn.closed:
                continue
            listed.append(
                {
                    "user_id": session.user.id,
                    "username": session.user.username,
                    "client_id": session.client_id,
                    "address": conn.peer,
                    "protocol_version": "5.0" if conn.protocol_level == 5 else "3.1.1",
                    "connected_at": conn.connected_at,
                    "token": conn.token_id is not None,
                }
            )
            if len(listed) >= MAX_LISTED:
                break
        return listed

    def disconnect(self, user_id: int, client_id: str) -> int:
        """End the user's connection with ``client_id`` here (MQTT 5: 0x98); how many."""
        ended = 0
        for conn in list(self.broker.connections):
            session = conn.session
            if session is not None and session.key == (user_id, client_id) and not conn.closed:
                conn.disconnect(ReasonCode.ADMINISTRATIVE_ACTION)
                ended += 1
        return ended

    def user_disabled(self, user_id: int, deleted: bool) -> None:
        """End every connection of the user (MQTT 5: DISCONNECT 0x98 administrative
        action); a deleted user's offline sessions and retained messages go too."""
        for conn in list(self.broker.connections):
            session = conn.session
            if session is not None and session.user.id == user_id and not conn.closed:
                self.broker.stats["revoked"] += 1
                conn.disconnect(ReasonCode.ADMINISTRATIVE_ACTION)
        if deleted:
            # After the connections' ends have detached their sessions (next loop turns).
            asyncio.get_running_loop().call_later(0.2, self._forget_user, user_id)

    def _forget_user(self, user_id: int) -> None:
        """A deleted user's offline sessions and retained messages (the database rows
        went with the user)."""
        for session in [s for s in self.broker.sessions.values() if s.user.id == user_id]:
            self.broker.retained.forget(session.user.username.lower())
            if session.conn is None:
                sessions.end(self.broker, session)
