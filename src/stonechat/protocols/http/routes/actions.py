"""Actions: ``/api/v2/{username}/actions[/{action_id}[/runs]]``, and the same under
``/triggers`` (Adafruit IO's name for them).

Only the owner, with the master key or a web UI session, sees or changes actions (the
access service decides, in ``services/actions.py``). See docs/actions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from starlette.responses import Response

from stonechat.domain.actions import action_json
from stonechat.domain.records import ActionRun, StoredAction
from stonechat.domain.timestamps import iso, iso_ms
from stonechat.protocols.http import action_schemas as shapes
from stonechat.protocols.http.bodies import read_object
from stonechat.protocols.http.deps import AccountDep
from stonechat.protocols.http.openapi import request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.schemas import owner_only_errors

router = APIRouter(tags=["actions"], dependencies=CHECKED)

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
BODY = request_body(shapes.ActionBody, "action", form=False)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return owner_only_errors(*codes, not_found="No such user or action")


def _route(method: str, tail: str, alias: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """The endpoint at ``/actions{tail}`` and, as operation ``alias``, at ``/triggers{tail}``."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(f"/{{username}}/actions{tail}", endpoint, methods=[method], **options)
        router.add_api_route(
            f"/{{username}}/triggers{tail}",
            endpoint,
            methods=[method],
            operation_id=alias,
            **{**options, "summary": f"{options['summary']} (alias of /actions{tail})"},
        )
        return endpoint

    return register


def action(a: StoredAction) -> dict[str, Any]:
    return {
        "id": a.id,
        **action_json(a.spec),
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
    }


def run(r: ActionRun) -> dict[str, Any]:
    return {
        "id": r.id,
        "action_id": r.action_id,
        "started_at": iso_ms(r.started_at),
        "finished_at": iso_ms(r.finished_at) if r.finished_at is not None else None,
        "reason": r.reason,
        "trigger_value": r.trigger_value,
        "status": r.status,
        "outputs": [{"type": o.type, "ok": o.ok, "detail": o.detail} for o in r.outputs],
        "error": r.error,
    }


@_route(
    "GET",
    "",
    "list_triggers",
    summary="Your actions",
    response_model=list[shapes.Action],
    responses=_errors(401, 403, 404),
)
async def list_actions(acc: AccountDep) -> Response:
    found = await acc.services.actions.for_user(acc.principal, acc.owner)
    return JSON([action(a) for a in found])


@_route(
    "POST",
    "",
    "create_trigger",
    summary="Create an action: a trigger, an optional delay and cooldown, and its outputs",
    description="Feeds named in the trigger must be ones you may read; a publish output's "
    "feed one you may write to. A bad body gets 422 naming the field.",
    status_code=201,
    response_model=shapes.Action,
    responses=_errors(401, 403, 404, 422),
    openapi_extra=BODY,
)
async def create_action(acc: AccountDep, request: Request) -> Response:
    body = await read_object(request, "action")
    made = await acc.services.actions.create(acc.principal, acc.owner, body)
    return JSON(action(made), status_code=201)


@_route(
    "GET",
    "/{action_id}",
    "get_trigger",
    summary="One action",
    response_model=shapes.Action,
    responses=_errors(401, 403, 404),
)
async def get_action(acc: AccountDep, action_id: str) -> Response:
    return JSON(action(await acc.services.actions.get(acc.principal, acc.owner, action_id)))


@_route(
    "PUT",
    "/{action_id}",
    "replace_trigger",
    summary="Replace an action with a whole new definition",
    response_model=shapes.Action,
    responses=_errors(401, 403, 404, 422),
    openapi_extra=BODY,
)
async def replace_action(acc: AccountDep, action_id: str, request: Request) -> Response:
    body = await read_object(request, "action")
    changed = await acc.services.actions.replace(acc.principal, acc.owner, action_id, body)
    return JSON(action(changed))


@_route(
    "PATCH",
    "/{action_id}",
    "update_trigger",
    summary="Change some fields of an action (e.g. enabled)",
    response_model=shapes.Action,
    responses=_errors(401, 403, 404, 422),
    openapi_extra=BODY,
)
async def update_action(acc: AccountDep, action_id: str, request: Request) -> Response:
    body = await read_object(request, "action")
    changed = await acc.services.actions.update(acc.principal, acc.owner, action_id, body)
    return JSON(action(changed))


@_route(
    "DELETE",
    "/{action_id}",
    "delete_trigger",
    summary="Delete an action and its runs",
    response_model=shapes.Action,
    responses=_errors(401, 403, 404),
)
async def delete_action(acc: AccountDep, action_id: str) -> Response:
    return JSON(action(await acc.services.actions.delete(acc.principal, acc.owner, action_id)))


@_route(
    "POST",
    "/{action_id}/run",
    "run_trigger",
    summary="Run an action's outputs now, with its feed's last value",
    description="Runs whether or not the action is enabled; the run is recorded with "
    "reason `run` and answered.",
    status_code=201,
    response_model=shapes.ActionRun,
    responses=_errors(401, 403, 404),
)
async def run_action(acc: AccountDep, action_id: str) -> Response:
    made = await acc.services.actions.run_now(acc.principal, acc.owner, action_id)
    return JSON(run(made), status_code=201)


@_route(
    "POST",
    "/dry-run",
    "dry_run_trigger",
    summary="Replay stored points through an action: when it would have fired, and why not",
    description="The action need not be saved. At most 10,000 points of each feed it reads; "
    "a longer range gets 422.",
    response_model=shapes.DryRun,
    responses=_errors(401, 403, 404, 422),
    openapi_extra=request_body(shapes.DryRunBody, "dry run", form=False),
)
async def dry_run_action(acc: AccountDep, request: Request) -> Response:
    body = await read_object(request)
    replay = await acc.services.actions.dry_run(acc.principal, acc.owner, body)
    return JSON(
        {
            "start_time": iso_ms(replay.start),
            "end_time": iso_ms(replay.end),
            "points": [
                {
                    "at": iso_ms(round(v.at * 1000)),
                    "value": v.value,
                    "fired": v.fired,
                    "fired_at": iso_ms(round(v.fired_at * 1000)) if v.fired_at else None,
                    "reason": v.reason,
                }
                for v in replay.verdicts
            ],
            "fired": sum(v.fired for v in replay.verdicts) + len(replay.due),
            "due": [iso_ms(round(t * 1000)) for t in replay.due],
        }
    )


@_route(
    "POST",
    "/preview",
    "preview_trigger_template",
    summary="Render an output's template with a feed's last value, as a run would",
    description="A template that does not compile or render, or a feed you may not read, "
    "gets 422 naming `template` or `feed`.",
    response_model=shapes.Preview,
    responses=_errors(401, 403, 404, 422),
    openapi_extra=request_body(shapes.PreviewBody, "preview", form=False),
)
async def preview_action_template(acc: AccountDep, request: Request) -> Response:
    body = await read_object(request)
    text, feed = await acc.services.actions.preview(acc.principal, acc.owner, body)
    return JSON({"text": text, "value": feed.last_value if feed is not None else None})


@_route(
    "GET",
    "/{action_id}/runs",
    "list_trigger_runs",
    summary="The last 50 runs of an action, newest first, with each output's result",
    response_model=list[shapes.ActionRun],
    responses=_errors(401, 403, 404),
)
async def list_action_runs(acc: AccountDep, action_id: str) -> Response:
    runs = await acc.services.actions.runs(acc.principal, acc.owner, action_id)
    return JSON([run(r) for r in runs])
