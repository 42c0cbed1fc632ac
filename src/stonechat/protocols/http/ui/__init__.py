"""The web UI's server side: ``/ui/api`` (accounts, public views, CSV, live WebSocket) and
the single-page app itself. The contract with the front end is docs/ui-api.md."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from stonechat.protocols.http.ui import accounts, admin, export, import_aio, live, public, spa


def install(app: FastAPI) -> None:
    api = APIRouter(prefix="/ui/api")
    for module in (accounts, admin, export, import_aio, public, live):
        api.include_router(module.router)
    # Not in the REST API v2 document: this is the UI's own API (docs/ui-api.md).
    app.include_router(api, include_in_schema=False)
    spa.install(app)
