"""Servers of their own for the deployment tests."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from support import Server, free_port


def started(data_dir: Path, env: dict[str, str]) -> Server:
    """A SQLite server of its own with ``env``, started (ports picked again if taken)."""
    for attempt in range(3):
        server = Server(
            backend="sqlite",
            data_dir=data_dir,
            database_url=None,
            http_port=free_port(),
            mqtt_port=free_port(),
            extra_env=dict(env),
        )
        try:
            server.start()
            return server
        except RuntimeError:
            server.stop()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def cookie_attributes(response: httpx.Response) -> set[str]:
    """The attribute names of the session cookie a response sets (lower case)."""
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("stonechat_session=")
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")}


def logged(server: Server, text: str, timeout: float = 10.0) -> str:
    """The server's log once it holds ``text`` (a request's line is written just after
    its response is sent, so it may trail the answer the client already has)."""
    deadline = time.monotonic() + timeout
    while True:
        log = server.log()
        if text in log or time.monotonic() > deadline:
            assert text in log, log[-3000:]
            return log
        time.sleep(0.05)
