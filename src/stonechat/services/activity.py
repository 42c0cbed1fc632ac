"""Records create/update/delete actions for the activities API."""

from __future__ import annotations

import json
from typing import Any

from stonechat.domain.timestamps import now_ms
from stonechat.storage.activities import ActivityStore


class ActivityLog:
    def __init__(self, store: ActivityStore) -> None:
        self.store = store

    async def record(self, user_id: int, action: str, model: str, data: dict[str, Any]) -> None:
        await self.store.add(
            user_id, action, model, json.dumps(data, separators=(",", ":"), default=str), now_ms()
        )
