"""The web UI's session cookie and its CSRF rule, shared by ``/ui/api`` and ``/api/v2``.

A request that carries ``X-AIO-Key`` is authenticated by the key and never looks at the
cookie. A request authenticated by the cookie must send the session's CSRF token in the
``X-CSRF-Token`` header on every state change (POST, PUT, PATCH, DELETE): a cross-site form
or ``fetch`` can make the browser send the cookie, but cannot read the token.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from stonechat.domain.errors import Forbidden
from stonechat.services.registry import Services
from stonechat.services.sessions import Session

COOKIE = "stonechat_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REFUSED = "CSRF token missing or invalid"


def session_token(conn: HTTPConnection) -> str:
    return conn.cookies.get(COOKIE, "")


async def cookie_session(conn: HTTPConnection, services: Services, method: str) -> Session:
    """The session of the cookie, CSRF-checked for unsafe methods; raises 401 / 403."""
    session = await services.sessions.resolve(session_token(conn))
    if method not in SAFE_METHODS and not session.csrf_ok(conn.headers.get(CSRF_HEADER)):
        raise Forbidden(CSRF_REFUSED)
    return session


def is_https(conn: HTTPConnection) -> bool:
    """Whether the browser uses https here, which makes the session cookie Secure: the
    listener has TLS (``--http-tls``), a trusted proxy says so (``X-Forwarded-Proto``, only
    from ``--forwarded-allow-ips``), or the server's public URL is https, so a proxy that
    sends no such header, or is not trusted, still gets Secure cookies."""
    if conn.url.scheme in ("https", "wss"):
        return True
    services: Services = conn.app.state.services
    return (services.public_url or "").lower().startswith("https://")


def set_cookie(response: Response, conn: HTTPConnection, token: str, max_age: int) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure over https; it lives as long as
    the session may (the server enforces the idle and absolute timeouts itself)."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(conn),
    )


def clear_cookie(response: Response, conn: HTTPConnection) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(conn))
