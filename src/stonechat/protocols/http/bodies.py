"""Request bodies as clients send them: JSON, form or multipart, wrapped or not."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from stonechat.domain.errors import BadRequest

MAX_BODY_BYTES = 4 * 1024 * 1024


async def read_body(request: Request) -> Any:
    """The decoded body: a dict (or list for JSON arrays); ``{}`` when empty."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except Exception as error:
            raise BadRequest(f"malformed form body: {error}") from None
        return {k: v if isinstance(v, str) else "" for k, v in form.multi_items()}
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"request body over {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise BadRequest(f"malformed JSON body: {error}") from None


async def read_object(request: Request, wrapper: str | None = None) -> dict[str, Any]:
    """A JSON object body; ``{"feed": {...}}`` and ``{...}`` are both accepted."""
    body = await read_body(request)
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    if wrapper and isinstance(body.get(wrapper), dict):
        inner: dict[str, Any] = body[wrapper]
        return inner
    return body
