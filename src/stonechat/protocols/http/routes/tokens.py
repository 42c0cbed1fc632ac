"""Scoped device tokens: ``/api/v2/{username}/tokens[/{token_id}]``.

Only the owner, with the master key or a web UI session, lists or changes tokens: a token
cannot make or see tokens. The secret is in the answer to the POST that made it, never again.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from stonechat.domain.timestamps import iso
from stonechat.protocols.http.bodies import read_object
from stonechat.protocols.http.deps import OwnerDep
from stonechat.protocols.http.openapi import request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.schemas import owner_only_errors
from stonechat.services.tokens import TokenView

router = APIRouter(tags=["tokens"], dependencies=CHECKED)

TokenModel = Literal["feed", "group"]
Mode = Literal["r", "w", "rw"]


class TokenScope(BaseModel):
    model: TokenModel = Field(description="feed, or group: every feed of the group")
    key: str = Field(description="Feed key (also group.key, id or name) or group key")
    object_id: int
    mode: Mode = Field(description="r: read; w: write data; rw: both")


class Token(BaseModel):
    id: int
    name: str
    hint: str = Field(description="The secret's first characters, to tell tokens apart")
    permissions: list[TokenScope]
    expiration: str | None = Field(description="ISO-8601; null: never expires")
    last_used_at: str | None = Field(description="Last use, to the minute")
    created_at: str
    updated_at: str


class NewToken(Token):
    token: str = Field(
        description="The secret: send it as X-AIO-Key, x-aio-key or the MQTT password. "
        "Shown in this answer only."
    )


class ScopeBody(BaseModel):
    model: TokenModel | None = Field(None, description="Default feed")
    key: str = Field(description="One of your feeds (key, group.key, id or name) or groups")
    mode: Mode | None = Field(None, description="Default r")


class TokenBody(BaseModel):
    """Sent bare or wrapped as ``{"token": {...}}``. PATCH changes the fields it names;
    ``permissions`` replaces the whole list."""

    name: str | None = Field(
        None, min_length=1, max_length=128, description="Required when creating"
    )
    permissions: list[ScopeBody] = Field(default_factory=list, max_length=100)
    expiration: str | None = Field(None, description="ISO-8601 in the future; null: never")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return owner_only_errors(*codes, not_found="No such user or token")


def token(view: TokenView) -> dict[str, Any]:
    t = view.token
    shaped: dict[str, Any] = {
        "id": t.id,
        "name": t.name,
        "hint": t.hint,
        "permissions": [
            {"model": s.model, "key": s.key, "object_id": s.object_id, "mode": s.mode}
            for s in view.scopes
        ],
        "expiration": iso(t.expiration) if t.expiration is not None else None,
        "last_used_at": iso(t.last_used_at) if t.last_used_at is not None else None,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
    }
    if view.secret is not None:
        shaped["token"] = view.secret
    return shaped


@router.get(
    "/{username}/tokens",
    summary="Your device tokens (never their secrets)",
    response_model=list[Token],
    responses=_errors(401, 403, 404),
)
async def list_tokens(acc: OwnerDep) -> Response:
    return JSON([token(v) for v in await acc.services.tokens.for_user(acc.owner)])


@router.post(
    "/{username}/tokens",
    summary="Create a device token limited to some feeds and groups",
    description="The answer holds the secret (`token`), this once only. At most 1,000 tokens "
    "a user and 100 permissions a token.",
    status_code=201,
    response_model=NewToken,
    responses=_errors(401, 403, 404, 422),
    openapi_extra=request_body(TokenBody, "token", form=False),
)
async def create_token(acc: OwnerDep, request: Request) -> Response:
    view = await acc.services.tokens.create(acc.owner, await read_object(request, "token"))
    return JSON(token(view), status_code=201)


@router.get(
    "/{username}/tokens/{token_id}",
    summary="One device token (without its secret)",
    response_model=Token,
    responses=_errors(401, 403, 404),
)
async def get_token(acc: OwnerDep, token_id: str) -> Response:
    return JSON(token(await acc.services.tokens.get(acc.owner, token_id)))


@router.patch(
    "/{username}/tokens/{token_id}",
    summary="Rename a token, replace its permissions or change its expiration",
    description="Connections signed in with the token check it again at once.",
    response_model=Token,
    responses=_errors(401, 403, 404, 422),
    openapi_extra=request_body(TokenBody, "token", form=False),
)
async def update_token(acc: OwnerDep, token_id: str, request: Request) -> Response:
    body = await read_object(request, "token")
    return JSON(token(await acc.services.tokens.update(acc.owner, token_id, body)))


@router.delete(
    "/{username}/tokens/{token_id}",
    summary="Revoke a token: refused at once, its MQTT connections end",
    response_model=Token,
    responses=_errors(401, 403, 404),
)
async def delete_token(acc: OwnerDep, token_id: str) -> Response:
    return JSON(token(await acc.services.tokens.delete(acc.owner, token_id)))
