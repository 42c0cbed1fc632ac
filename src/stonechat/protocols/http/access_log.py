"""One log line per HTTP request and per WebSocket, on the ``stonechat.access`` logger.

Text: ``127.0.0.1 "GET /api/v2/user" 200 1.4 ms 312 B``. With ``--log-format json`` the
same record carries the fields ``method``, ``path``, ``status``, ``duration_ms``,
``client`` and ``bytes`` (response body bytes). The path is logged without its query
string, which may hold an ``x-aio-key``. A WebSocket (``/mqtt``, ``/ui/api/live``) is
logged when it ends, as method ``WS`` with status 101 (accepted; the duration is the
connection's) or the status it was refused with.

The client is the connection's address, or the one a trusted proxy names in
``X-Forwarded-For`` (uvicorn's proxy headers, ``--forwarded-allow-ips``).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("stonechat.access")


class AccessLog:
    """Pure ASGI middleware: it sees every response, including errors of the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        sent = 0

        async def watch(message: Message) -> None:
            nonlocal status, sent
            event = message["type"]
            if event in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
            elif event in ("http.response.body", "websocket.http.response.body"):
                sent += len(message.get("body", b""))
            elif event == "websocket.accept":
                status = 101
            elif event == "websocket.close" and not status:
                status = 403  # closed before accepting: uvicorn answers 403
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except BaseException:
            status = status or 500
            raise
        finally:
            _line(scope, status, sent, started)


def _line(scope: Scope, status: int, sent: int, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    method = scope.get("method", "WS")
    path = scope.get("path", "")
    client = scope.get("client")
    address = client[0] if client else "-"
    log.info(
        '%s "%s %s" %d %.1f ms %d B',
        address,
        method,
        path,
        status,
        duration_ms,
        sent,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "client": address,
            "bytes": sent,
        },
    )
