"""Request bodies as clients send them: JSON, form or multipart, wrapped or not.

A body is read only up to ``MAX_BODY_BYTES``: a larger ``Content-Length`` is refused before
a byte is read, and a body that grows past the bound while streaming (chunked, or a
``Content-Length`` that lies low) is refused as soon as it does. Either way the answer is
413 and the server holds at most the bound in memory, whatever the client sends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import IO, Any

import orjson
from fastapi import Request

from stonechat.domain.errors import BadRequest, Invalid, PayloadTooLarge
from stonechat.domain.nesting import MAX_DEPTH, check_nesting

MAX_BODY_BYTES = 4 * 1024 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body is over the limit of {limit} bytes")


async def _bounded(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks; 413 as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.strip().isdigit()) or len(declared) > 20:
            raise BadRequest("Content-Length must be a number of bytes")
        if int(declared) > limit:
            raise too_large(limit)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        yield chunk


async def read_bytes(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, at most ``limit`` bytes; 413 as soon as it is known to be larger."""
    body = b"".join([chunk async for chunk in _bounded(request, limit)])
    # Starlette serves request.body(), .json() and .form() from here from now on.
    request._body = body
    return body


async def receive_into(request: Request, out: IO[bytes], limit: int) -> None:
    """Stream the body into ``out`` (a file: an upload larger than memory should hold), at
    most ``limit`` bytes; 413 as soon as it is known to be larger."""
    async for chunk in _bounded(request, limit):
        out.write(chunk)


async def read_body(request: Request) -> Any:
    """The decoded body: a dict (or list for JSON arrays); ``{}`` when empty.

    JSON nested deeper than ``nesting.MAX_DEPTH`` levels is refused with 422.
    """
    raw = await read_bytes(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        try:
            form = await request.form()
        except Exception as error:
            raise BadRequest(f"malformed form body: {error}") from None
        return {k: v if isinstance(v, str) else "" for k, v in form.multi_items()}
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if "depth" in str(error):  # orjson's own limit (1024), far past ours
            raise Invalid(f"request body is nested deeper than {MAX_DEPTH} levels") from None
        raise BadRequest(f"malformed JSON body: {error}") from None
    check_nesting(body, "request body")
    return body


async def read_object(request: Request, wrapper: str | None = None) -> dict[str, Any]:
    """A JSON object body; ``{"feed": {...}}`` and ``{...}`` are both accepted."""
    body = await read_body(request)
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    if wrapper and isinstance(body.get(wrapper), dict):
        inner: dict[str, Any] = body[wrapper]
        return inner
    return body
