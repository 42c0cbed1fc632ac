"""The FastAPI application: REST API v2 under ``/api/v2``, docs at ``/api/docs``."""

from __future__ import annotations

import os
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from stonechat import __version__
from stonechat.protocols.http import openapi, scrape, ui
from stonechat.protocols.http.paths import NormalizePath
from stonechat.protocols.http.request_metrics import RequestMetrics
from stonechat.protocols.http.responses import JSON, install_error_handlers
from stonechat.protocols.http.routes import (
    account,
    acl,
    actions,
    dashboards,
    data,
    feeds,
    groups,
    integrations,
    tokens,
    webhooks,
)
from stonechat.protocols.http.security_headers import SecurityHeaders, policy_for
from stonechat.services.registry import Services

# Swagger UI 5 (OpenAPI 3.1) assets shipped inside a PyPI package: docs work offline.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"

DESCRIPTION = """
Stonechat speaks the [Adafruit IO REST API v2](https://io.adafruit.com/api/docs/).
Authenticate with the `X-AIO-Key` header (or the `x-aio-key` query parameter).
Errors are always JSON: `{"error": "..."}`.
"""


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's error middleware too, so a 500 carries the headers as well.
        services: Services = self.state.services
        return SecurityHeaders(super().build_middleware_stack(), services.map_tiles)


def create_app(services: Services, metrics: scrape.Exporter | None = None) -> FastAPI:
    app = _App(
        title="Stonechat REST API v2",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v2/openapi.json",
        docs_url=None,
        redoc_url=None,
        # NormalizePath drops trailing slashes, so a slash redirect (``/assets`` ->
        # ``/assets/`` for a mount) would come back to itself for ever: 404 instead.
        redirect_slashes=False,
    )
    app.state.services = services
    install_error_handlers(app)

    api = APIRouter(prefix="/api/v2")
    # Order matters: literal sub-paths before the ones with parameters.
    for module in (account, webhooks, integrations, groups, dashboards):
        api.include_router(module.router)
    for router in (
        acl.feeds,
        acl.groups,
        acl.dashboards,
        acl.shared,
        tokens.router,
        actions.router,
    ):
        api.include_router(router)
    api.include_router(data.feed_data)
    api.include_router(data.group_feed_data)
    api.include_router(feeds.router)
    app.include_router(api)

    app.mount("/api/docs/assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/api/v2/openapi.json",
            title="Stonechat API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon.png",
        )
        page.headers["Content-Security-Policy"] = policy_for(bytes(page.body).decode())
        return page

    @app.get("/health", include_in_schema=False)
    async def health() -> Response:
        """200 while the server accepts data; "degraded" when Redis (fan-out to other
        processes) is away: data is still stored and answered."""
        bus = services.ingest.bus.health()
        status = "ok" if bus["connected"] else "degraded"
        return JSON({"status": status, "version": __version__, "pid": os.getpid(), "bus": bus})

    ui.install(app)
    openapi.install(app)
    if metrics is not None:
        scrape.install(app, metrics)
        # Inside NormalizePath: it sees the scope the router writes the matched route in.
        app.add_middleware(RequestMetrics, observer=metrics)
    app.add_middleware(NormalizePath)
    return app
