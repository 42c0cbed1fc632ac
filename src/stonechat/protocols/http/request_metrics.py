"""ASGI middleware: count and time every HTTP request by its route template.

Labelled by the route that matched (``/api/v2/{username}/feeds/{feed_key}/data``), never by
the raw path, so the number of series stays bounded whatever clients send; a request no
route matched is ``unmatched``. Sits inside ``NormalizePath``, whose scope the router
writes the matched route into. WebSocket connections pass through uncounted (MQTT over
WebSocket is counted by the broker).
"""

from __future__ import annotations

import time
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"


class RequestObserver(Protocol):
    def request_done(self, method: str, route: str, status: int, seconds: float) -> None:
        """One request answered with ``status`` after ``seconds``."""


class RequestMetrics:
    def __init__(self, app: ASGIApp, observer: RequestObserver) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an error no handler answered

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.observer.request_done(
                scope["method"], template(scope), status, time.perf_counter() - started
            )


def template(scope: Scope) -> str:
    """The path template of the route that answered, with its routers' prefixes.

    FastAPI (0.16x) keeps included routers whole: ``scope["route"]`` is then the inner
    route, without the ``/api/v2`` prefix, and the route as served (prefix included) is in
    FastAPI's own part of the scope. A test checks the prefix is there.
    """
    served = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(served, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    return path if isinstance(path, str) and path else UNMATCHED
