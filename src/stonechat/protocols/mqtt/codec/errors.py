"""The one exception type the MQTT codec raises for bad input.

Every problem the decoder finds in bytes received from the network is reported as a
:class:`ProtocolError` carrying the MQTT 5 reason code that best describes it. The broker
turns it into a CONNACK (before the session is established) or a DISCONNECT (MQTT 5) and
closes the connection; an MQTT 3.1.1 connection is simply closed, except for
``UNSUPPORTED_PROTOCOL_VERSION`` which is answered with CONNACK return code 0x01.
"""

from __future__ import annotations

from typing import Final

MALFORMED_PACKET: Final = 0x81
PROTOCOL_ERROR: Final = 0x82
UNSUPPORTED_PROTOCOL_VERSION: Final = 0x84
TOPIC_NAME_INVALID: Final = 0x90
PACKET_TOO_LARGE: Final = 0x95


class ProtocolError(Exception):
    """Input that violates the MQTT specification.

    ``reason_code`` is an MQTT 5 reason code, typically ``0x81`` (malformed packet),
    ``0x82`` (protocol error), ``0x84`` (unsupported protocol version), ``0x90`` (topic
    name invalid) or ``0x95`` (packet too large). ``message`` is a human readable
    explanation, usually quoting the normative statement id (``[MQTT-x.y.z-n]``).
    """

    __slots__ = ("message", "reason_code")

    def __init__(self, reason_code: int, message: str) -> None:
        super().__init__(reason_code, message)
        self.reason_code: int = reason_code
        self.message: str = message

    def __str__(self) -> str:
        return f"{self.message} (reason code 0x{self.reason_code:02X})"

    def __repr__(self) -> str:
        return f"ProtocolError(0x{self.reason_code:02X}, {self.message!r})"


def malformed(message: str) -> ProtocolError:
    """Return a :class:`ProtocolError` with reason code 0x81 (Malformed Packet)."""
    return ProtocolError(MALFORMED_PACKET, message)


def protocol_error(message: str) -> ProtocolError:
    """Return a :class:`ProtocolError` with reason code 0x82 (Protocol Error)."""
    return ProtocolError(PROTOCOL_ERROR, message)


__all__ = [
    "MALFORMED_PACKET",
    "PACKET_TOO_LARGE",
    "PROTOCOL_ERROR",
    "TOPIC_NAME_INVALID",
    "UNSUPPORTED_PROTOCOL_VERSION",
    "ProtocolError",
    "malformed",
    "protocol_error",
]
