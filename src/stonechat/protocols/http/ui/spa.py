"""Serves the built web UI (``src/stonechat/web/dist``, made by ``make setup``).

The UI routes in the browser (``/feeds/KEY`` ...), so each of those paths answers with
``index.html``; ``/assets/*`` are the hashed bundle files. When the UI was not built the
same paths answer with a page saying how to build it; the API works either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles

import stonechat
from stonechat.protocols.http.responses import error
from stonechat.protocols.http.security_headers import policy_for

DIST = Path(stonechat.__file__).parent / "web" / "dist"

# Client-side routes of the UI (docs/ui-api.md); anything else keeps its JSON 404.
ROUTES = (
    "/",
    "/signin",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/feeds",
    "/feeds/{key}",
    "/groups",
    "/groups/{key}",
    "/dashboards",
    "/dashboards/{key}",
    "/actions",
    "/actions/new",
    "/actions/{action_id}",
    "/actions/{action_id}/edit",
    "/monitor",
    "/admin",
    "/settings",
    "/public/{username}/dashboards/{key}",
)

# Files Vite copies from ui/public next to index.html.
ROOT_FILES = ("favicon.ico", "favicon.svg", "manifest.webmanifest", "robots.txt")

# Content-Security-Policy and the other security headers come from the app's middleware.
HEADERS = {"Cache-Control": "no-cache"}

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stonechat</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}
code{background:#eee;padding:.1rem .3rem;border-radius:3px}
</style></head>
<body>
<h1>Stonechat is running</h1>
<p>The web UI was not built, so there is nothing to show here yet. The REST API, MQTT and
everything else work: see the <a href="/api/docs">API documentation</a>.</p>
<p>To build the UI, install Node.js 20 (with npm) and run <code>make setup</code> in the
source checkout (it runs <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>),
then reload this page.</p>
</body></html>
"""


# That page carries its own inline <style>: the policy allows exactly that block.
NOT_BUILT_HEADERS = HEADERS | {"Content-Security-Policy": policy_for(NOT_BUILT)}


def install(app: FastAPI, dist: Path = DIST) -> None:
    """Add the UI routes and ``/assets`` to ``app``; looks for the bundle per request, so a
    build made while the server runs is picked up."""
    router = APIRouter(include_in_schema=False)

    def page() -> Response:  # sync: FastAPI runs it in a thread (file checks)
        index = dist / "index.html"
        if index.is_file():
            return FileResponse(index, media_type="text/html", headers=HEADERS)
        return HTMLResponse(NOT_BUILT, headers=NOT_BUILT_HEADERS)

    for path in ROUTES:
        router.add_api_route(path, page, methods=["GET"])

    for name in ROOT_FILES:
        router.add_api_route(f"/{name}", _root_file(dist / name), methods=["GET"])

    app.include_router(router)
    app.mount("/assets", StaticFiles(directory=dist / "assets", check_dir=False), name="ui-assets")


def _root_file(path: Path) -> Callable[[], Response]:
    def serve() -> Response:
        if path.is_file():
            return FileResponse(path)
        return error(404, "not found")

    return serve
