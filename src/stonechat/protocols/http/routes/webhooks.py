"""Feed webhook receivers: unauthenticated, the token is the secret (rest-api.md §6.10)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from stonechat.domain import shapes
from stonechat.domain.errors import Invalid
from stonechat.domain.points import PointInput
from stonechat.domain.values import MAX_VALUE_BYTES_HISTORY, MAX_VALUE_BYTES_NO_HISTORY
from stonechat.protocols.http import schemas
from stonechat.protocols.http.bodies import read_body, read_bytes
from stonechat.protocols.http.deps import ServicesDep
from stonechat.protocols.http.openapi import request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.ratelimit import quota_headers
from stonechat.protocols.http.responses import JSON
from stonechat.services.registry import Services

router = APIRouter(tags=["webhooks"], dependencies=CHECKED)

# The feed's owner was disabled by an administrator (domain.access.check_enabled).
DISABLED_OWNER: dict[int | str, dict[str, Any]] = {
    403: {"model": schemas.Error, "description": "The feed's owner is disabled"}
}

RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "Any bytes; stored as text up to the feed's value size",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


async def _store(services: Services, token: str, point: PointInput) -> Response:
    owner, feed = await services.webhooks.resolve(token)
    principal = services.access.webhook(owner, feed)
    [datum], [stored], quota = await services.writes.write(
        principal, owner, [(feed.full_key, point)]
    )
    return JSON(shapes.datum(datum, stored, services.retention), headers=quota_headers(quota))


@router.post(
    "/webhooks/feed/{token}",
    summary="Store `value` (or `payload`) from any sender",
    responses=DISABLED_OWNER,
    response_model=schemas.Datum,
    openapi_extra=request_body(schemas.WebhookBody),
)
async def receive(token: str, request: Request, services: ServicesDep) -> Response:
    await services.webhooks.resolve(token)  # unknown token: 404 before reading the body
    body: Any = await read_body(request)
    if not isinstance(body, dict):
        raise Invalid("webhook body must be an object with value or payload")
    value = body.get("value", body.get("payload"))
    if value is None:
        raise Invalid("webhook body needs a value or payload field")
    point = PointInput(value=value, lat=body.get("lat"), lon=body.get("lon"), ele=body.get("ele"))
    return await _store(services, token, point)


@router.post(
    "/webhooks/feed/{token}/raw",
    summary="Store the raw request body as the value",
    responses=DISABLED_OWNER,
    response_model=schemas.Datum,
    openapi_extra=RAW_BODY,
)
async def receive_raw(token: str, request: Request, services: ServicesDep) -> Response:
    _user, feed = await services.webhooks.resolve(token)
    limit = MAX_VALUE_BYTES_HISTORY if feed.history else MAX_VALUE_BYTES_NO_HISTORY
    raw = (await read_bytes(request))[:limit]
    text = raw.decode("utf-8", errors="ignore")  # a cut may split a character
    if not text:
        raise Invalid("webhook raw body is empty")
    return await _store(services, token, PointInput(value=text))


@router.post(
    "/webhooks/feed/{token}/notify",
    summary="Store the value `ping`",
    responses=DISABLED_OWNER,
    response_model=schemas.Datum,
)
async def receive_notify(token: str, services: ServicesDep) -> Response:
    return await _store(services, token, PointInput(value="ping"))
