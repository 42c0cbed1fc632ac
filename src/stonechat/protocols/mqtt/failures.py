"""A subscriber whose delivery raises is cut off; delivery to the others goes on."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def delivery_failed(receiver: Any, error: Exception) -> None:
    """Delivering to ``receiver`` (a session or a share group) raised: a session's
    connection ends (MQTT 5: DISCONNECT 0x83).

    Called from the fan-out loops, which then go on with the next subscriber. An offline
    session or a share group has no connection to end: the failure is logged.
    """
    conn = getattr(receiver, "conn", None)
    if conn is not None and not conn.closed:
        conn.fail(error, "delivering a message")
        return
    name = getattr(receiver, "client_id", None) or repr(getattr(receiver, "key", receiver))
    log.error("MQTT delivery to %s failed", name, exc_info=error)
    error.__traceback__ = None
