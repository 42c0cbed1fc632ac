"""``GET /metrics``: the Prometheus text format, for operators.

Who may scrape (``scrape_refusal``): without a ``metrics_token`` only loopback clients (a
Prometheus on the same host); with one, every client must send ``Authorization: Bearer
TOKEN``, loopback ones too, since a reverse proxy on the same host makes every client
look local. Not in the REST API's OpenAPI document, like ``/health``: that document is the
Adafruit IO client contract, and this is an operator endpoint in another format with its
own credentials.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Protocol

from fastapi import FastAPI, Request
from starlette.responses import Response

from stonechat.protocols.http.request_metrics import RequestObserver
from stonechat.protocols.http.responses import error

PATH = "/metrics"


class Exporter(RequestObserver, Protocol):
    """What the HTTP layer needs of the metrics (``stonechat.metrics.Metrics``)."""

    token: str | None

    def exposition(self) -> tuple[bytes, str]:
        """The exposition and its content type."""
        ...


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def scrape_refusal(
    client: str | None, authorization: str | None, token: str | None
) -> tuple[int, str] | None:
    """Why this scrape is refused (status, message), or None when it may go ahead."""
    if token is None:
        if is_loopback(client):
            return None
        return 403, (
            "/metrics is served to loopback clients only; set STONECHAT_METRICS_TOKEN "
            "to scrape from elsewhere"
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401, "/metrics needs Authorization: Bearer <STONECHAT_METRICS_TOKEN>"
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 403, "wrong metrics token"
    return None


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
