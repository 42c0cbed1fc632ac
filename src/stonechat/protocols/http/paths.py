"""ASGI middleware: collapse doubled slashes and drop trailing ones before routing.

Clients send ``POST /api/v2/u/feeds/`` and ``POST /api/v2/u//groups/g/feeds`` (clients.md).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

_SLASHES = re.compile(r"/{2,}")


class NormalizePath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            if "//" in path or (len(path) > 1 and path.endswith("/")):
                clean = _SLASHES.sub("/", path)
                if len(clean) > 1:
                    clean = clean.rstrip("/") or "/"
                scope = dict(scope, path=clean, raw_path=clean.encode())
        await self.app(scope, receive, send)
