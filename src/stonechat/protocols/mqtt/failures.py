"""A subscriber whose delivery raises is cut off; delivery to the others goes on."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.session import Session

log = logging.getLogger(__name__)


def delivery_failed(session: Session, error: Exception) -> None:
    """Delivering to ``session`` raised: its connection ends (MQTT 5: DISCONNECT 0x83).

    Called from the fan-out loops, which then go on with the next subscriber. An offline
    session has no connection to end: the failure is logged.
    """
    conn = session.conn
    if conn is not None and not conn.closed:
        conn.fail(error, "delivering a message")
        return
    log.error("MQTT delivery to offline session %s failed", session.client_id, exc_info=error)
    error.__traceback__ = None
