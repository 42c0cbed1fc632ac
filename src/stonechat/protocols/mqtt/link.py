"""``Link``: what a session needs of the connection its client is on.

``Session`` and the modules that move sessions between connections type against this, not
against ``Connection`` (any byte stream: TCP, TLS, WebSocket, a test's fake).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.codec import Packet


class Link(Protocol):
    """One client connection, as a session sees it."""

    @property
    def closed(self) -> bool:
        """Whether the connection has ended (nothing more is sent on it)."""
        ...

    @property
    def clean_exit(self) -> bool:
        """Whether it ended with a DISCONNECT that drops the will [MQTT-3.1.2-10]."""
        ...

    def send(self, data: bytes) -> None:
        """Queue encoded bytes; they are written at the end of this loop turn."""

    def send_droppable(self, data: bytes) -> None:
        """Queue a QoS 0 message, dropped when the client cannot keep up."""

    def send_packet(self, packet: Packet) -> None:
        """Encode a packet for the connection's protocol level and queue it."""

    def disconnect(self, reason_code: int) -> None:
        """End the connection (MQTT 5: with a DISCONNECT carrying ``reason_code``)."""

    def fail(self, error: BaseException, doing: str) -> None:
        """End the connection after an internal error while ``doing`` something (0x83)."""

    def let_go(self) -> None:
        """Forget the session: the connection's end no longer touches it (a takeover)."""
