"""``GET /metrics``: the Prometheus text format, for operators.

Who may scrape is a rule of the access policy (``scrape_refusal`` in domain/access.py):
without a ``metrics_token`` only loopback clients (a Prometheus on the same host); with one,
every client must send ``Authorization: Bearer TOKEN``, loopback ones too, since a reverse
proxy on the same host makes every client look local. Not in the REST API's OpenAPI
document, like ``/health``: that document is the Adafruit IO client contract, and this is an
operator endpoint in another format with its own credentials.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import FastAPI, Request
from starlette.responses import Response

from stonechat.domain.access import scrape_refusal
from stonechat.protocols.http.request_metrics import RequestObserver
from stonechat.protocols.http.responses import error

PATH = "/metrics"


class Exporter(RequestObserver, Protocol):
    """What the HTTP layer needs of the metrics (``stonechat.metrics.Metrics``)."""

    token: str | None

    def exposition(self) -> tuple[bytes, str]:
        """The exposition and its content type."""
        ...


def install(app: FastAPI, metrics: Exporter) -> None:
    @app.get(PATH, include_in_schema=False)
    async def scrape(request: Request) -> Response:
        client = request.client.host if request.client else None
        refusal = scrape_refusal(client, request.headers.get("authorization"), metrics.token)
        if refusal is not None:
            status, message = refusal
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return error(status, message, headers)
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)
