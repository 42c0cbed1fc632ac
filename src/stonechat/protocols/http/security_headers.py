"""Security headers on every HTTP response, and the Content-Security-Policy of the UI.

The policy is strict: scripts and styles only from this server's own files, no inline
script anywhere (the built UI has none; a page that must carry one, such as the API docs,
sets its own policy with the hashes of exactly its inline blocks, see ``policy_for``).
Nobody may frame any page (clickjacking). HSTS is sent only on requests that came over
https (directly, or through a proxy that uvicorn trusts to say so), since a browser that
saw it over plain http would ignore it, and a server reached by IP over http must not
lock itself out of http.

A route may set any of these headers itself; the middleware adds only what is missing.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# react-draggable (dragging dashboard blocks) adds this <style> element when a drag starts;
# the policy allows exactly its text by hash. A new version that changes it shows up as a
# refused style in the browser tests (tests/ui).
REACT_DRAGGABLE_STYLE = (
    ".react-draggable-transparent-selection *::-moz-selection {all: inherit;}\n"
    ".react-draggable-transparent-selection *::selection {all: inherit;}\n"
)


def source_hash(text: str) -> str:
    """The CSP source allowing an inline block whose text is exactly ``text``."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


# The UI's live socket (/ui/api/live) and MQTT over WebSocket (/mqtt) are on this origin:
# 'self' matches ws: and wss: of the same host in CSP Level 3 browsers.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": f"'self' {source_hash(REACT_DRAGGABLE_STYLE)}",
    # Image blocks of dashboards show the URL or data: image a feed holds.
    "img-src": "'self' data: blob: https: http:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

HSTS = "max-age=31536000"

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def tile_source(template: str) -> str:
    """The CSP source of a map tile URL template's host: its scheme and host, ``{s}``
    (a, b, c) as the ``*`` wildcard, e.g. ``https://*.tile.example.org``."""
    scheme, _, rest = template.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{_PLACEHOLDER.sub('*', host)}"


_ALWAYS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]

_INLINE = {
    "script-src": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I),
    "style-src": re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I),
}


def content_security_policy(extra: dict[str, str] | None = None) -> str:
    """The UI's policy, with sources added to some directives."""
    directives = dict(CSP_DIRECTIVES)
    for name, sources in (extra or {}).items():
        directives[name] = f"{directives.get(name, '')} {sources}".strip()
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def policy_for(html: str) -> str:
    """The UI's policy, allowing exactly the inline ``<script>`` and ``<style>`` blocks of
    ``html`` (by their SHA-256), for pages written here rather than built."""
    extra = {}
    for directive, pattern in _INLINE.items():
        hashes = [source_hash(block) for block in pattern.findall(html)]
        if hashes:
            extra[directive] = " ".join(hashes)
    return content_security_policy(extra)


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response (not to WebSockets)."""

    def __init__(self, app: ASGIApp, map_tiles: str | None = None) -> None:
        self.app = app
        # Map tiles (--map-tiles) are images from the tile server, named in img-src only
        # when set. (img-src also allows any http(s) image, for the image blocks: the tile
        # host stays listed should that ever be narrowed.)
        extra = {"img-src": tile_source(map_tiles)} if map_tiles else None
        policy = content_security_policy(extra)
        self._always = [*_ALWAYS, (b"content-security-policy", policy.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self._always if h[0] not in present)
                if https and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
