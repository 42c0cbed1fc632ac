"""Running one action: render its templates, send its outputs, record the run.

The engine (``services.action_engine``) decides *when* an action runs; "Run now" calls this
directly. Outputs run one after the other, so a publish output's point is committed before
the next output sees ``feeds[...]``. A failing output is recorded and the next one still
runs; the run is ``failed`` when any output failed. Publish outputs go through the one write
path (``services.writes``) as the action's owner: they count against the data rate and reach
subscribers like any other point.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from stonechat.actions.errors import DeliveryFailed
from stonechat.actions.mail import Mailer
from stonechat.actions.templates import referenced_feeds, render, template_context
from stonechat.actions.webhook import WebhookSender
from stonechat.domain.access import Principal
from stonechat.domain.actions import (
    ActionSpec,
    EmailOutput,
    LogOutput,
    Output,
    PublishOutput,
    WebhookOutput,
    templates_of,
)
from stonechat.domain.errors import NotFound, StonechatError
from stonechat.domain.points import PointInput
from stonechat.domain.records import ActionRun, Feed, RunOutput, User
from stonechat.domain.timestamps import iso_ms, now_ms
from stonechat.services.accounts import AccountService
from stonechat.services.feeds import FeedService
from stonechat.services.writes import WriteService
from stonechat.storage.actions import ActionStore

log = logging.getLogger(__name__)

MAX_DETAIL = 500  # characters of one output's detail kept with the run


@dataclass(slots=True)
class Trigger:
    """Why and with what an action runs: the point (value, feed, time) or none (schedule)."""

    reason: str  # data | schedule | run
    value: str | None = None
    feed: Feed | None = None
    created_at: int | None = None  # ms


class ActionRunner:
    def __init__(
        self,
        store: ActionStore,
        feeds: FeedService,
        writes: WriteService,
        accounts: AccountService,
        mailer: Mailer,
        webhooks: WebhookSender,
    ) -> None:
        self.accounts = accounts
        self.store = store
        self.feeds = feeds
        self.writes = writes
        self.mailer = mailer
        self.webhooks = webhooks
        self.outcomes: Counter[str] = Counter()  # runs recorded, by status (metrics)

    async def run(
        self, action_id: int, owner: User, spec: ActionSpec, trigger: Trigger, depth: int = 0
    ) -> ActionRun:
        """Run every output and record the run. ``depth``: how many runs led to this one
        (its publish outputs' points carry ``depth + 1``, see ``FeedEvent.chain``)."""
        current = await self.accounts.users.by_id(owner.id)
        if current is None or current.disabled:  # no email, webhook or write of a disabled user
            return await self.skipped(action_id, owner.id, trigger, "account disabled")
        started = now_ms()
        context = await self._context(owner, spec, trigger)
        results: list[RunOutput] = []
        for output in spec.outputs:
            try:
                detail = await self._send(owner, output, context, depth + 1)
                results.append(RunOutput(output.type, True, detail[:MAX_DETAIL]))
            except (StonechatError, DeliveryFailed) as error:
                results.append(RunOutput(output.type, False, _why(error)[:MAX_DETAIL]))
            except Exception as error:  # a bug in one output must not stop the others
                log.exception("action %d: output %s failed", action_id, output.type)
                results.append(RunOutput(output.type, False, f"internal error: {error!r}"))
        failed = [r for r in results if not r.ok]
        self.outcomes["failed" if failed else "ok"] += 1
        run = await self.store.insert_run(
            action_id,
            owner.id,
            started_at=started,
            finished_at=now_ms(),
            reason=trigger.reason,
            status="failed" if failed else "ok",
            outputs=results,
            trigger_value=trigger.value,
            error=f"{len(failed)} of {len(results)} outputs failed" if failed else None,
        )
        return run

    async def skipped(self, action_id: int, owner_id: int, trigger: Trigger, why: str) -> ActionRun:
        """Record a run that did not happen (a loop stopped, the engine behind, the owner
        disabled)."""
        self.outcomes["skipped"] += 1
        at = now_ms()
        return await self.store.insert_run(
            action_id,
            owner_id,
            started_at=at,
            finished_at=at,
            reason=trigger.reason,
            status="skipped",
            trigger_value=trigger.value,
            error=why[:MAX_DETAIL],
        )

    async def preview(self, owner: User, text: str, feed: Feed | None) -> str:
        """``text`` rendered as a run with ``feed``'s last value would render it."""
        trigger = Trigger(
            "run", feed.last_value if feed else None, feed, feed.last_value_at if feed else None
        )
        context = await self._context(owner, [text], trigger)
        return await _render(text, context)

    async def _context(
        self, owner: User, spec: ActionSpec | list[str], trigger: Trigger
    ) -> dict[str, Any]:
        texts = (
            spec
            if isinstance(spec, list)
            else [text for output in spec.outputs for _name, text in templates_of(output)]
        )
        keys: set[str] = set()
        for text in texts:
            keys |= referenced_feeds(text)
        others: dict[str, dict[str, Any]] = {}
        for key in sorted(keys)[:50]:  # bounded: a template naming 10,000 feeds loads 50
            found = await self.feeds.find(owner.id, key)
            if found is not None:
                others[key] = {
                    "value": found.last_value,
                    "created_at": iso_ms(found.last_value_at) if found.last_value_at else None,
                }
        feed = trigger.feed
        return template_context(
            trigger.value,
            {"name": feed.name, "key": feed.full_key, "id": feed.id} if feed else {},
            others,
            {"username": owner.username},
            iso_ms(trigger.created_at if trigger.created_at is not None else now_ms()),
        )

    async def _send(self, owner: User, output: Output, context: dict[str, Any], chain: int) -> str:
        if isinstance(output, EmailOutput):
            if not self.mailer.configured:
                raise DeliveryFailed("email is not set up on this server (STONECHAT_SMTP_URL)")
            subject, body = (
                await _render(output.subject, context),
                await _render(output.body, context),
            )
            attempts = await self.mailer.send(output.to, subject, body)
            return f"sent to {output.to}" + (f" after {attempts} attempts" if attempts > 1 else "")
        if isinstance(output, WebhookOutput):
            body = await _render(output.body, context) if output.body else ""
            point = {
                "value": context["value"],
                "feed": context["feed"].get("key"),
                "created_at": context["created_at"],
            }
            result = await self.webhooks.send(
                output.url, body, format=output.format, headers=output.headers, point=point
            )
            detail = f"HTTP {result.status} from {result.address}"
            if not result.ok:
                raise DeliveryFailed(f"{detail}: {result.body[:200]}")
            return detail
        if isinstance(output, PublishOutput):
            value = await _render(output.value, context)
            target, key = await self._target(owner, output.feed)
            await self.writes.write(
                Principal(owner), target, [(key, PointInput(value))], chain=chain
            )
            return f"published {value[:100]!r} to {output.feed}"
        assert isinstance(output, LogOutput)
        return await _render(output.message, context)

    async def _target(self, owner: User, ref: str) -> tuple[User, str]:
        """The owner of the feed ``ref`` names and its key there: ``key`` or
        ``group.key`` of the owner's, ``username/key`` of a feed shared with it (whether it
        may be written is the write path's question)."""
        if "/" not in ref:
            return owner, ref
        username, _, key = ref.partition("/")
        other = await self.accounts.users.by_username(username)
        if other is None:
            raise NotFound(f"no user '{username}'")
        return other, key


async def _render(text: str, context: dict[str, Any]) -> str:
    """Rendering is bounded (1 s) but synchronous: off the event loop."""
    return await asyncio.to_thread(render, text, context)


def _why(error: Exception) -> str:
    if isinstance(error, DeliveryFailed):
        return error.reason
    if isinstance(error, StonechatError):
        return error.message
    return str(error)
