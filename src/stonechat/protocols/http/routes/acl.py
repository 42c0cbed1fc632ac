"""Access lists (swagger-v2.json ``Permission``):
``/api/v2/{username}/{feeds|groups|dashboards}/{key}/acl[/{permission_id}]`` and the
caller's "Shared with me" list, ``/api/v2/{username}/shared``.

Only the owner, with the master key or a web UI session, reads or changes an access list.
"""

# No ``from __future__ import annotations``: FastAPI reads the handlers' annotations, and the
# ``Record`` alias of build_router lives in its closure.
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from stonechat.domain.timestamps import iso
from stonechat.protocols.http.bodies import read_object
from stonechat.protocols.http.deps import OwnerDep
from stonechat.protocols.http.openapi import request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.schemas import owner_only_errors
from stonechat.services.sharing import Entry, Received, Shareable

Scope = Literal["user", "public", "secret"]
Mode = Literal["r", "w", "rw"]
Model = Literal["feed", "group", "dashboard"]


# -- shapes, for the OpenAPI document ---------------------------------------------------


class Permission(BaseModel):
    """A row of an access list (swagger-v2.json ``Permission`` plus ``mode``)."""

    id: int
    user_id: int = Field(description="The owner of the object")
    scope: Scope = Field(
        description="user: shared with one user; public: anyone may read; secret: private"
    )
    scope_value: str | None = Field(description="The grantee's username for scope user")
    model: Model
    object_id: int
    mode: Mode = Field(description="r: read; w: write data; rw: both (public is always r)")
    created_at: str
    updated_at: str


class PermissionBody(BaseModel):
    """Sent bare or wrapped as ``{"permission": {...}}``; JSON or a form."""

    scope: Scope | None = Field(
        None, description="Required, except that a scope_value alone means user"
    )
    scope_value: str | None = Field(None, description="For scope user: an existing username")
    mode: Mode | None = Field(None, description="Default r; only r for public and secret")
    model: Model | None = Field(None, description="If sent, must match the URL")
    object_id: int | None = Field(None, description="If sent, must match the URL")


class Shared(BaseModel):
    """Something another user shared with the caller."""

    id: int = Field(description="The permission's id")
    model: Model
    owner: str = Field(description="The owner's username")
    key: str = Field(description="Key of the feed (group.key form), group or dashboard")
    name: str
    mode: Mode
    object_id: int


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return owner_only_errors(*codes, not_found="No such user, object or permission")


def permission(entry: Entry) -> dict[str, Any]:
    p = entry.permission
    return {
        "id": p.id,
        "user_id": p.user_id,
        "scope": p.scope,
        "scope_value": entry.grantee if p.scope == "user" else None,
        "model": p.model,
        "object_id": p.object_id,
        "mode": p.mode,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
    }


def _shared(item: Received) -> dict[str, Any]:
    p = item.permission
    return {
        "id": p.id,
        "model": p.model,
        "owner": item.owner,
        "key": item.key,
        "name": item.name,
        "mode": p.mode,
        "object_id": p.object_id,
    }


# -- the object named in the path, owner only --------------------------------------------


async def _feed(acc: OwnerDep, feed_key: str) -> Shareable:
    return await acc.services.sharing.find(acc.owner, "feed", feed_key)


async def _group(acc: OwnerDep, group_key: str) -> Shareable:
    return await acc.services.sharing.find(acc.owner, "group", group_key)


async def _dashboard(acc: OwnerDep, dashboard_key: str) -> Shareable:
    return await acc.services.sharing.find(acc.owner, "dashboard", dashboard_key)


def build_router(plural: str, param: str, find: Any) -> APIRouter:
    """The access-list endpoints of one kind of object."""
    router = APIRouter(tags=["permissions"], dependencies=CHECKED)
    base = f"/{{username}}/{plural}/{{{param}}}/acl"
    kind = plural.removesuffix("s")
    Record = Annotated[Shareable, Depends(find)]

    @router.get(
        base,
        summary=f"The access list of a {kind}",
        response_model=list[Permission],
        responses=_errors(401, 403, 404),
    )
    async def list_permissions(acc: OwnerDep, record: Record) -> Response:
        return JSON([permission(e) for e in await acc.services.sharing.entries(record)])

    @router.post(
        base,
        summary=f"Share a {kind} with a user, or make it public or secret",
        description=(
            "201 with the new row; 200 with the row when it was there already (sharing with "
            "a user again sets that share's mode; public and secret are kept once). public "
            "makes the object's visibility public, secret makes it private."
        ),
        status_code=201,
        response_model=Permission,
        responses={
            200: {"model": Permission, "description": "Already there (mode updated)"},
            **_errors(401, 403, 404, 422),
        },
        openapi_extra=request_body(PermissionBody, "permission"),
    )
    async def create_permission(acc: OwnerDep, record: Record, request: Request) -> Response:
        body = await read_object(request, "permission")
        entry, created = await acc.services.sharing.create(acc.owner, record, body)
        return JSON(permission(entry), status_code=201 if created else 200)

    @router.get(
        f"{base}/{{permission_id}}",
        summary=f"One row of a {kind}'s access list",
        response_model=Permission,
        responses=_errors(401, 403, 404),
    )
    async def get_permission(acc: OwnerDep, record: Record, permission_id: str) -> Response:
        return JSON(permission(await acc.services.sharing.entry(record, permission_id)))

    async def update_permission(
        acc: OwnerDep, record: Record, permission_id: str, request: Request
    ) -> Response:
        body = await read_object(request, "permission")
        entry = await acc.services.sharing.update(acc.owner, record, permission_id, body)
        return JSON(permission(entry))

    for method, verb in (("PUT", "Replace"), ("PATCH", "Update")):
        router.add_api_route(
            f"{base}/{{permission_id}}",
            update_permission,
            methods=[method],
            name=f"{method.lower()}_permission",
            operation_id=f"{method.lower()}_{kind}_permission",
            summary=f"{verb} a row of a {kind}'s access list (mode, or a share's user)",
            description="The scope of a row never changes: delete it and create another.",
            response_model=Permission,
            responses=_errors(401, 403, 404, 422),
            openapi_extra=request_body(PermissionBody, "permission"),
        )

    @router.delete(
        f"{base}/{{permission_id}}",
        summary=f"Remove a row of a {kind}'s access list",
        description="Removing the public row makes the object private; answers the row.",
        response_model=Permission,
        responses=_errors(401, 403, 404),
    )
    async def delete_permission(acc: OwnerDep, record: Record, permission_id: str) -> Response:
        entry = await acc.services.sharing.delete(acc.owner, record, permission_id)
        return JSON(permission(entry))

    return router


feeds = build_router("feeds", "feed_key", _feed)
groups = build_router("groups", "group_key", _group)
dashboards = build_router("dashboards", "dashboard_key", _dashboard)

shared = APIRouter(tags=["permissions"], dependencies=CHECKED)


@shared.get(
    "/{username}/shared",
    summary="Feeds, groups and dashboards other users shared with you",
    response_model=list[Shared],
    responses=_errors(401, 403, 404),
)
async def shared_with_me(acc: OwnerDep) -> Response:
    return JSON([_shared(i) for i in await acc.services.sharing.shared_with(acc.owner)])
