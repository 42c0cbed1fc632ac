"""JSON responses and the one place errors become HTTP statuses."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from stonechat.domain.errors import StonechatError, Throttled, Unavailable
from stonechat.protocols.http.ratelimit import rate_limit_headers

log = logging.getLogger(__name__)

DOCS_HINT = "API documentation can be found at /api/docs"
DOCS_URL = "API documentation at /api/docs"


class JSON(Response):
    """orjson-encoded JSON, the media type every client expects."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSON:
    return JSON({"error": message}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StonechatError)
    async def domain_error(_request: Request, exc: StonechatError) -> Response:
        headers = None
        if isinstance(exc, Throttled):
            retry_after = max(1, round(exc.retry_after))
            headers = {"Retry-After": str(retry_after)}
            if exc.limit is not None:
                headers.update(rate_limit_headers(exc.limit, 0, retry_after))
        elif isinstance(exc, Unavailable):  # the database away, shutting down: try again
            headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
        return error(exc.status, exc.message, headers)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return error(404, "not found - that is an invalid URL, please check the " + DOCS_URL)
        if exc.status_code == 405:
            return error(405, f"method not allowed on this URL - {DOCS_HINT}")
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
            for e in exc.errors()
        )
        return error(400, f"bad request - {problems}")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return error(500, "internal server error")
