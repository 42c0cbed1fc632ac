"""Server notices to a user (``{user}/errors``, ``{user}/throttle``) for listeners beyond
MQTT: the broker hands every notice it delivers in this process (made here or in another
process) to ``Notices.publish``; the web UI's live socket listens (``/ui/api/live``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

FORWARDED = frozenset({"errors", "throttle"})  # notice topics listeners hear
MAX_TEXT = 2_000  # characters of one notice kept


@dataclass(frozen=True, slots=True)
class Notice:
    username: str  # as the notice names its owner
    name: str  # "errors" or "throttle"
    text: str

    @property
    def topic(self) -> str:
        return f"{self.username}/{self.name}"


NoticeListener = Callable[[Notice], None]


class Notices:
    """Fan-out of notices to in-process listeners; listeners must not block."""

    def __init__(self) -> None:
        self.listeners: list[NoticeListener] = []

    def publish(self, username: str, name: str, payload: bytes) -> None:
        if name not in FORWARDED or not self.listeners:
            return
        notice = Notice(username, name, payload[: MAX_TEXT * 4].decode(errors="replace")[:MAX_TEXT])
        for listener in list(self.listeners):
            try:
                listener(notice)
            except Exception:
                log.exception("a notice listener failed")
