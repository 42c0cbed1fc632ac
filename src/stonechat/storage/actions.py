"""Action rows and their runs. The spec is the JSON text of ``domain.actions.action_json``.

Only the last ``KEEP_RUNS`` runs of an action are kept: each insert removes the older ones
in the same transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from stonechat.domain.actions import ActionSpec, action_json, parse_action
from stonechat.domain.errors import Invalid
from stonechat.domain.records import ActionRun, RunOutput, StoredAction
from stonechat.storage.database import Database
from stonechat.storage.schema import action_runs, actions

log = logging.getLogger(__name__)

KEEP_RUNS = 50
RUN_REASONS = ("data", "schedule", "run")
RUN_STATUSES = ("ok", "failed", "skipped")


def _spec_text(spec: ActionSpec) -> str:
    return json.dumps(action_json(spec), separators=(",", ":"))


def _action(row: Any) -> StoredAction:
    return StoredAction(
        id=row.id,
        user_id=row.user_id,
        spec=parse_action(json.loads(row.spec)),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _run(row: Any) -> ActionRun:
    return ActionRun(
        id=row.id,
        action_id=row.action_id,
        user_id=row.user_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        reason=row.reason,
        trigger_value=row.trigger_value,
        status=row.status,
        outputs=tuple(
            RunOutput(str(o["type"]), bool(o["ok"]), str(o.get("detail", "")))
            for o in json.loads(row.outputs)
        ),
        error=row.error,
    )


class ActionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- actions -------------------------------------------------------------------------

    async def insert(self, user_id: int, spec: ActionSpec, at: int) -> StoredAction:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    insert(actions)
                    .values(
                        user_id=user_id,
                        name=spec.name,
                        enabled=spec.enabled,
                        spec=_spec_text(spec),
                        created_at=at,
                        updated_at=at,
                    )
                    .returning(*actions.c)
                )
            ).one()
        return _action(row)

    async def get(self, user_id: int, action_id: int) -> StoredAction | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(actions).where(actions.c.user_id == user_id, actions.c.id == action_id)
                )
            ).first()
        return _action(row) if row else None

    async def for_user(self, user_id: int) -> list[StoredAction]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(actions).where(actions.c.user_id == user_id).order_by(actions.c.id)
            )
            return [_action(r) for r in rows]

    async def count(self, user_id: int) -> int:
        async with self.db.connect() as conn:
            counted = await conn.execute(
                select(func.count()).select_from(actions).where(actions.c.user_id == user_id)
            )
            return int(counted.scalar_one())

    async def update(
        self, user_id: int, action_id: int, spec: ActionSpec, at: int
    ) -> StoredAction | None:
        """Replace the user's action's spec; None if there is no such action."""
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    update(actions)
                    .where(actions.c.user_id == user_id, actions.c.id == action_id)
                    .values(
                        name=spec.name, enabled=spec.enabled, spec=_spec_text(spec), updated_at=at
                    )
                    .returning(*actions.c)
                )
            ).first()
        return _action(row) if row else None

    async def delete(self, user_id: int, action_id: int) -> bool:
        """Delete the user's action and its runs."""
        async with self.db.begin() as conn:
            # Runs go first: SQLite enforces the cascade only with foreign keys on.
            owned = select(actions.c.id).where(
                actions.c.user_id == user_id, actions.c.id == action_id
            )
            await conn.execute(delete(action_runs).where(action_runs.c.action_id.in_(owned)))
            result = await conn.execute(
                delete(actions).where(actions.c.user_id == user_id, actions.c.id == action_id)
            )
            return bool(result.rowcount)

    # -- for the engine ------------------------------------------------------------------

    async def enabled_actions(self, user_id: int) -> list[tuple[int, int, ActionSpec]]:
        """The user's enabled actions as (action id, user id, spec)."""
        return await self._enabled(actions.c.user_id == user_id)

    async def all_enabled(self) -> list[tuple[int, int, ActionSpec]]:
        """Every enabled action of every user as (action id, user id, spec)."""
        return await self._enabled(None)

    async def _enabled(self, where: Any) -> list[tuple[int, int, ActionSpec]]:
        query = select(actions.c.id, actions.c.user_id, actions.c.spec).where(
            actions.c.enabled.is_(True)
        )
        if where is not None:
            query = query.where(where)
        async with self.db.connect() as conn:
            rows = (await conn.execute(query.order_by(actions.c.id))).all()
        found = []
        for row in rows:
            try:
                found.append((row.id, row.user_id, parse_action(json.loads(row.spec))))
            except (Invalid, ValueError):  # a spec stored under older rules: not run
                log.warning("action %d has a spec that no longer reads; skipped", row.id)
        return found

    # -- runs ----------------------------------------------------------------------------

    async def insert_run(
        self,
        action_id: int,
        user_id: int,
        *,
        started_at: int,
        reason: str,
        status: str,
        outputs: Iterable[RunOutput] = (),
        finished_at: int | None = None,
        trigger_value: str | None = None,
        error: str | None = None,
    ) -> ActionRun:
        """Record a run and drop the action's runs older than the last ``KEEP_RUNS``."""
        if reason not in RUN_REASONS or status not in RUN_STATUSES:
            raise ValueError(f"bad run reason {reason!r} or status {status!r}")
        encoded = json.dumps(
            [{"type": o.type, "ok": o.ok, "detail": o.detail} for o in outputs],
            separators=(",", ":"),
        )
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    insert(action_runs)
                    .values(
                        action_id=action_id,
                        user_id=user_id,
                        started_at=started_at,
                        finished_at=finished_at,
                        reason=reason,
                        trigger_value=trigger_value,
                        status=status,
                        outputs=encoded,
                        error=error,
                    )
                    .returning(*action_runs.c)
                )
            ).one()
            oldest_kept = (
                select(action_runs.c.id)
                .where(action_runs.c.action_id == action_id)
                .order_by(action_runs.c.id.desc())
                .limit(1)
                .offset(KEEP_RUNS - 1)
                .scalar_subquery()
            )
            await conn.execute(
                delete(action_runs).where(
                    action_runs.c.action_id == action_id, action_runs.c.id < oldest_kept
                )
            )
        return _run(row)

    async def runs(self, action_id: int, limit: int = KEEP_RUNS) -> list[ActionRun]:
        """The action's last ``limit`` runs, newest first."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(action_runs)
                .where(action_runs.c.action_id == action_id)
                .order_by(action_runs.c.id.desc())
                .limit(limit)
            )
            return [_run(r) for r in rows]
