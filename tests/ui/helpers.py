"""Helpers of the web UI tests."""

from __future__ import annotations

import httpx

from support import Server

# short_server's sessions, short enough to test in seconds: idle 3 s, absolute 8 s.
IDLE_SECONDS = 3.0
MAX_SECONDS = 8.0


class Browser(httpx.Client):
    """An httpx client that keeps cookies like a browser and sends the CSRF token."""

    csrf: str = ""
    username: str = ""

    def sign_in(self, username: str, password: str = "password123") -> httpx.Response:
        response = self.post("/ui/api/signin", json={"username": username, "password": password})
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
            self.username = response.json()["user"]["username"]
        return response

    def unsafe(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """A state change carrying the session's CSRF token."""
        headers = {"X-CSRF-Token": self.csrf}
        return self.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]

    @property
    def cookie(self) -> str:
        return self.cookies.get("stonechat_session") or ""


def browser(server: Server) -> Browser:
    return Browser(base_url=server.base_url, timeout=30)
