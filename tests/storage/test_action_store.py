"""The action store: what the engine reads (enabled actions with their specs) and the runs it
writes (the last 50 of each action kept), on both databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from stonechat.domain.actions import (
    ActionSpec,
    DataTrigger,
    LogOutput,
    ScheduleTrigger,
    parse_action,
)
from stonechat.domain.records import RunOutput
from stonechat.storage.actions import KEEP_RUNS, ActionStore
from stonechat.storage.database import Database

USER = (
    "INSERT INTO users (id, username, username_lower, password_hash, key_hash, key_enc, "
    "is_admin, created_at, updated_at) VALUES (:id, :name, :name, 'x', :name, 'x', false, 0, 0)"
)


def spec(name: str, enabled: bool = True, schedule: bool = False) -> ActionSpec:
    trigger = (
        {"type": "schedule", "cron": "*/5 * * * *", "time_zone": "Asia/Tokyo"}
        if schedule
        else {"feed": "temp", "operator": "gt", "value": "30", "when": "starts"}
    )
    return parse_action(
        {
            "name": name,
            "enabled": enabled,
            "trigger": trigger,
            "outputs": [{"type": "log", "message": "{{ value }}"}],
        }
    )


def test_enabled_actions_for_the_engine(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            await db.upgrade()
            async with db.begin() as conn:
                for user_id in (1, 2):
                    await conn.execute(text(USER), {"id": user_id, "name": f"u{user_id}"})
            store = ActionStore(db)
            hot = await store.insert(1, spec("hot"), 1000)
            await store.insert(1, spec("off", enabled=False), 1000)
            tick = await store.insert(2, spec("tick", schedule=True), 1000)

            mine = await store.enabled_actions(1)
            assert [(i, u) for i, u, _ in mine] == [(hot.id, 1)]
            trigger = mine[0][2].trigger
            assert isinstance(trigger, DataTrigger)
            assert (trigger.feed, trigger.operator, trigger.when) == ("temp", "gt", "starts")
            assert mine[0][2].outputs == [LogOutput("{{ value }}")]
            every = await store.all_enabled()
            assert [(i, u) for i, u, _ in every] == [(hot.id, 1), (tick.id, 2)]
            assert every[1][2].trigger == ScheduleTrigger("*/5 * * * *", "Asia/Tokyo")

            await store.update(1, hot.id, spec("hot", enabled=False), 2000)
            assert await store.enabled_actions(1) == []
            changed = await store.get(1, hot.id)
            assert changed is not None and changed.updated_at == 2000
            assert await store.get(2, hot.id) is None  # another user's id
            assert await store.count(1) == 2
        finally:
            await db.close()

    asyncio.run(go())


def test_runs_are_kept_to_the_last_50(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            await db.upgrade()
            async with db.begin() as conn:
                await conn.execute(text(USER), {"id": 1, "name": "u1"})
            store = ActionStore(db)
            first = await store.insert(1, spec("a"), 0)
            second = await store.insert(1, spec("b"), 0)
            for n in range(KEEP_RUNS + 7):
                run = await store.insert_run(
                    first.id,
                    1,
                    started_at=n,
                    reason="schedule",
                    status="skipped",
                    outputs=[RunOutput("log", True, f"#{n}")],
                )
                assert run.outputs == (RunOutput("log", True, f"#{n}"),)
            await store.insert_run(second.id, 1, started_at=5, reason="run", status="ok")
            runs = await store.runs(first.id)
            assert [r.started_at for r in runs] == list(range(KEEP_RUNS + 6, 6, -1))
            assert [r.started_at for r in await store.runs(first.id, 3)] == [56, 55, 54]
            assert len(await store.runs(second.id)) == 1
            with pytest.raises(ValueError):
                await store.insert_run(first.id, 1, started_at=0, reason="why", status="ok")
            assert await store.delete(1, first.id)
            assert await store.runs(first.id) == []
            assert not await store.delete(1, first.id)
        finally:
            await db.close()

    asyncio.run(go())
