"""Re-checks run after an access change, one at a time per owner, coalesced.

The adapters that hold subscriptions (the MQTT broker's guard, the live socket hub) re-check
an owner's subscriptions when ``access.on_change`` fires. Changes come in bursts (a share
dialog, a script); each owner gets at most one running re-check, and changes that arrive
while it runs make it run exactly once more, so the last change is always seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Rechecks:
    def __init__(self, job: Callable[[int], Awaitable[None]], what: str) -> None:
        self._job = job
        self._what = what
        self._running: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()

    def request(self, owner_id: int) -> None:
        """Re-check ``owner_id`` soon (now, or once more after the running pass)."""
        if owner_id in self._running:
            self._again.add(owner_id)
            return
        task = asyncio.get_running_loop().create_task(self._run(owner_id))
        self._running[owner_id] = task

    def cancel(self) -> None:
        for task in self._running.values():
            task.cancel()

    async def _run(self, owner_id: int) -> None:
        try:
            while True:
                self._again.discard(owner_id)
                await self._job(owner_id)
                if owner_id not in self._again:
                    return
        except Exception:
            log.exception("re-checking %s of user %d failed", self._what, owner_id)
        finally:
            self._running.pop(owner_id, None)
