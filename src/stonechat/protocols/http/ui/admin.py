"""``/ui/api/admin/...``: the administration page's API (docs/ui-api.md, "Administration").

Administrators only, signed in through the web UI (the session cookie, with the CSRF token
on every state change); an AIO key or token is not a way in here (401 without a session),
another user gets 403. Each route parses, calls ``services.admin``, shapes the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from stonechat.domain.access import check_administrator
from stonechat.domain.errors import BadRequest, Unavailable
from stonechat.domain.records import User
from stonechat.domain.timestamps import iso
from stonechat.protocols.http.deps import ServicesDep
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.ui.accounts import SessionDep, json_object, text_field
from stonechat.services.admin import AdminService, UserView

router = APIRouter(prefix="/admin", tags=["web UI administration"])


def admin_service(session: SessionDep, services: ServicesDep) -> AdminService:
    check_administrator(session.user)  # the access policy (domain/access.py)
    if services.admin is None:
        raise Unavailable("administration is not available in this process")
    return services.admin


async def admin_user(
    session: SessionDep, _admin: Annotated[AdminService, Depends(admin_service)]
) -> User:
    return session.user


Admin = Annotated[AdminService, Depends(admin_service)]
Actor = Annotated[User, Depends(admin_user)]


def view_body(view: UserView) -> dict[str, Any]:
    user, last = view.user, view.stats.last_activity
    return {
        "username": user.username,
        "email": user.email,
        "is_admin": user.is_admin,
        "disabled": user.disabled,
        "data_rate": view.data_rate,
        "own_data_rate": view.own_data_rate,
        "data_used": view.data_used,
        "points": view.stats.points,
        "last_activity": iso(last) if last is not None else None,
        "created_at": iso(user.created_at),
    }


@router.get("/users", summary="Every user with their data rate, points and last activity")
async def users(admin: Admin) -> Response:
    return JSON({"users": [view_body(v) for v in await admin.users()]})


@router.post("/users", summary="Create a user; the answer holds its AIO key", status_code=201)
async def create_user(request: Request, admin: Admin) -> Response:
    body = await json_object(request)
    username, password = text_field(body, "username"), text_field(body, "password")
    assert username is not None and password is not None
    email = text_field(body, "email", required=False)
    is_admin = body.get("is_admin", False)
    if not isinstance(is_admin, bool):
        raise BadRequest("is_admin must be true or false")
    user, key = await admin.create(username, password, email, is_admin)
    return JSON({"user": view_body(await admin.view(user.username)), "key": key}, 201)


@router.get("/users/{username}", summary="One user")
async def user(username: str, admin: Admin) -> Response:
    return JSON(view_body(await admin.view(username)))


@router.post("/users/{username}/disable", summary="Disable a user: refused everywhere at once")
async def disable(username: str, admin: Admin, actor: Actor) -> Response:
    await admin.set_disabled(actor, username, True)
    return JSON(view_body(await admin.view(username)))


@router.post("/users/{username}/enable", summary="Enable a disabled user again")
async def enable(username: str, admin: Admin, actor: Actor) -> Response:
    await admin.set_disabled(actor, username, False)
    return JSON(view_body(await admin.view(username)))


@router.delete("/users/{username}", summary="Delete a user and everything it owns")
async def delete_user(username: str, admin: Admin, actor: Actor) -> Response:
    await admin.delete(actor, username)
    return JSON({"deleted": username})


@router.put("/users/{username}/data-rate", summary="Set the user's data rate (points/minute)")
async def data_rate(username: str, request: Request, admin: Admin) -> Response:
    body = await json_object(request)
    if "data_rate" not in body:
        raise BadRequest(
            "data_rate is required: a number of points per minute (0 unlimited) "
            "or null for the server default"
        )
    limit = body["data_rate"]
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise BadRequest("data_rate must be a whole number of points per minute >= 0, or null")
    await admin.set_data_rate(username, limit)
    return JSON(view_body(await admin.view(username)))


@router.post("/users/{username}/key", summary="Replace the user's AIO key; shown once")
async def regenerate_key(username: str, admin: Admin) -> Response:
    return JSON({"username": username, "key": await admin.regenerate_key(username)})


@router.get("/connections", summary="Live MQTT connections of every process")
async def connections(admin: Admin) -> Response:
    live = await admin.live()
    rows = [
        {
            "username": c["username"],
            "client_id": c["client_id"],
            "address": c["address"],
            "protocol_version": c["protocol_version"],
            "connected_at": iso(int(float(c["connected_at"]) * 1000)),
            "token": bool(c.get("token")),
            "node": c.get("node"),
        }
        for c in live.connections
    ]
    rows.sort(key=lambda r: (r["username"].lower(), r["client_id"]))
    return JSON({"connections": rows, "nodes": live.nodes})


@router.post("/connections/disconnect", summary="End one MQTT connection (any process)")
async def disconnect(request: Request, admin: Admin) -> Response:
    body = await json_object(request)
    username = text_field(body, "username")
    client_id = body.get("client_id")
    if not isinstance(client_id, str):
        raise BadRequest("client_id must be a string")
    assert username is not None
    await admin.disconnect(username, client_id)
    return JSON({"disconnected": True})


@router.get("/bans", summary="Running MQTT bans")
async def bans(admin: Admin) -> Response:
    return JSON(
        {
            "bans": [
                {
                    "username": b.username,
                    "until": iso(int(b.until * 1000)),
                    "seconds_left": b.seconds_left,
                }
                for b in await admin.bans()
            ]
        }
    )


@router.delete("/bans/{username}", summary="Lift a user's MQTT ban")
async def lift_ban(username: str, admin: Admin) -> Response:
    await admin.lift_ban(username)
    return JSON({"lifted": username.lower()})


@router.get("/health", summary="Database, bus and worker processes")
async def health(admin: Admin) -> Response:
    return JSON(await admin.health())
