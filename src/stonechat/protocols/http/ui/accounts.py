"""The web UI's account endpoints: config, sign-up, sign-in/out, session, profile, key."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from stonechat import __version__
from stonechat.domain.access import check_enabled
from stonechat.domain.errors import (
    AccountDisabled,
    BadRequest,
    Conflict,
    Forbidden,
    Unauthorized,
    Unavailable,
)
from stonechat.domain.records import User
from stonechat.domain.timestamps import iso
from stonechat.protocols.http.bodies import read_body
from stonechat.protocols.http.deps import ServicesDep
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.session_auth import (
    clear_cookie,
    cookie_session,
    session_token,
    set_cookie,
)
from stonechat.services.accounts import check_email, check_new_user
from stonechat.services.password_resets import NOT_SET_UP
from stonechat.services.registry import Services
from stonechat.services.sessions import Session

router = APIRouter(tags=["web UI"])

MAX_LOGIN = 255  # a username or an email address
RESET_SENT = (
    "if this account has an email address, a link to reset its password is on its way "
    "(it works for an hour)"
)
SIGNUP_DISABLED = "sign-up is turned off on this server: ask its administrator for an account"


async def ui_session(request: Request, services: ServicesDep) -> Session:
    return await cookie_session(request, services, request.method)


SessionDep = Annotated[Session, Depends(ui_session)]


def user_body(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "time_zone": user.time_zone,
        "is_admin": user.is_admin,
        "created_at": iso(user.created_at),
    }


async def json_object(request: Request) -> dict[str, Any]:
    """A JSON object body. Only JSON: a cross-site HTML form cannot send it, which stops
    forged sign-ins (login CSRF) without a token."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest("send a JSON body with Content-Type: application/json")
    body = await read_body(request)
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    return value


def base_url(request: Request, services: Services) -> str:
    return (services.public_url or str(request.base_url)).rstrip("/")


def address(request: Request) -> str:
    return request.client.host if request.client else ""


async def signed_in(
    request: Request, services: Services, user: User, status: int = 200
) -> Response:
    """Start a session for ``user`` and answer with it and its cookie."""
    await services.sessions.purge()
    token, session = await services.sessions.start(
        user, address(request), request.headers.get("user-agent")
    )
    response = JSON({"user": user_body(user), "csrf_token": session.csrf_token}, status)
    set_cookie(response, request, token, services.sessions.max_ms // 1000)
    return response


@router.get("/config", summary="What the sign-in page needs to know")
async def config(request: Request, services: ServicesDep) -> Response:
    # Lets a signed-out page skip asking for /session: browsers log every 401 as an error.
    signed_in = False
    if session_token(request):
        with contextlib.suppress(Unauthorized, AccountDisabled):
            await services.sessions.resolve(session_token(request))
            signed_in = True
    return JSON(
        {
            "signed_in": signed_in,
            "signup_enabled": services.signup_enabled,
            "has_users": await services.accounts.count() > 0,
            "version": __version__,
            "mqtt_ws_path": "/mqtt",
            "mqtt_port": services.mqtt_port,
            "base_url": base_url(request, services),
            # False: email is not set up, so no password reset links (the page says so).
            "email_enabled": services.mailer is not None and services.mailer.configured,
            # Maps draw tiles from here when set; offline maps without.
            "map_tiles": services.map_tiles,
            "map_attribution": services.map_attribution if services.map_tiles else None,
        }
    )


@router.post("/signup", summary="Create an account and sign in", status_code=201)
async def signup(request: Request, services: ServicesDep) -> Response:
    if not services.signup_enabled:
        raise Forbidden(SIGNUP_DISABLED)
    body = await json_object(request)
    username = text_field(body, "username")
    password = text_field(body, "password")
    assert username is not None and password is not None
    email = text_field(body, "email", required=False)
    time_zone = text_field(body, "time_zone", required=False)
    check_new_user(username, password, time_zone)
    email = None if email is None else check_email(email)
    accounts = services.accounts
    if await accounts.users.by_username(username) is not None:
        raise Conflict(f"username '{username}' is already taken")
    # Counted once the form is valid, before the 64 MiB argon2 hash: 429 over the limit.
    await services.limiter.signup_attempt(address(request))
    # The first account of a server administers it (runtime.bootstrap_first_user usually
    # made one already; this covers a database prepared without it).
    first = await accounts.count() == 0
    user, _key = await accounts.create_user(
        username,
        password,
        email=email,
        is_admin=first,
        time_zone=time_zone,
    )
    return await signed_in(request, services, user, 201)


@router.post("/signin", summary="Sign in with a username (or email) and password")
async def signin(request: Request, services: ServicesDep) -> Response:
    body = await json_object(request)
    login = text_field(body, "username")
    password = text_field(body, "password")
    assert login is not None and password is not None
    found = await services.accounts.find_login(login)
    # A username and an email address of one user count against the same account.
    account = found.username if found is not None else login
    # 429 after repeated failures, before the password is checked.
    async with services.limiter.password_attempt(account, address(request)):
        user = await services.accounts.check_password(found, password)
    check_enabled(user)  # after the password: a disabled account says so only to its owner
    return await signed_in(request, services, user)


@router.post(
    "/password-reset",
    summary="Email a password reset link (same answer whether or not the account exists)",
    status_code=202,
)
async def password_reset(request: Request, services: ServicesDep) -> Response:
    resets = services.password_resets
    if resets is None or not resets.available:
        raise Unavailable(NOT_SET_UP)
    body = await json_object(request)
    login = text_field(body, "login")
    assert login is not None
    if len(login) > MAX_LOGIN:
        raise BadRequest(f"login must be at most {MAX_LOGIN} characters")
    await resets.request(login, address(request), base_url(request, services))
    return JSON({"message": RESET_SENT}, 202)


@router.post(
    "/password-reset/confirm",
    summary="Set a new password with the token of a reset link",
    status_code=204,
)
async def password_reset_confirm(request: Request, services: ServicesDep) -> Response:
    resets = services.password_resets
    if resets is None:
        raise Unavailable(NOT_SET_UP)
    body = await json_object(request)
    token = text_field(body, "token")
    new = text_field(body, "new_password")
    assert token is not None and new is not None
    await resets.reset(token, new)
    return Response(status_code=204)


@router.post("/signout", summary="End this session", status_code=204)
async def signout(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    await services.sessions.end(session)
    response = Response(status_code=204)
    clear_cookie(response, request)
    return response


@router.get("/session", summary="The signed-in user, CSRF token and AIO key")
async def current_session(session: SessionDep, services: ServicesDep) -> Response:
    return JSON(
        {
            "user": user_body(session.user),
            "csrf_token": session.csrf_token,
            "aio_key": await services.accounts.get_key(session.user.username),
        }
    )


@router.patch("/profile", summary="Change email address or time zone")
async def profile(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    body = await json_object(request)
    email = body.get("email")
    time_zone = body.get("time_zone")
    for name, value in (("email", email), ("time_zone", time_zone)):
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"{name} must be a string")
    user = await services.accounts.update_profile(session.user, email=email, time_zone=time_zone)
    return JSON({"user": user_body(user)})


@router.post("/password", summary="Change the password", status_code=204)
async def password(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    body = await json_object(request)
    current = text_field(body, "current_password")
    new = text_field(body, "new_password")
    assert current is not None and new is not None
    # A stolen session must not become a way to guess the password: same throttle.
    async with services.limiter.password_attempt(session.user.username, address(request)):
        await services.accounts.change_password(session.user, current, new)
    await services.sessions.end_others(session)
    return Response(status_code=204)


@router.post("/key/regenerate", summary="Replace the AIO key; the old one stops working")
async def regenerate_key(session: SessionDep, services: ServicesDep) -> Response:
    return JSON({"aio_key": await services.accounts.regenerate_key(session.user.username)})
