"""Real receivers for the outputs of actions: an SMTP server (aiosmtpd) and an HTTP server,
each started by the test on a free port of 127.0.0.1 (see receivers.py)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from support import backend_url, free_port

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from receivers import Accounts, HttpReceiver, MailBox, Received, SmtpServer  # noqa: E402


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    box = MailBox()
    accounts = Accounts("sensor-mail", "p@ss:w/rd")
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=accounts,
        auth_require_tls=False,  # the test server has no certificate
    )
    controller.start()
    try:
        yield SmtpServer(box, port, accounts)
    finally:
        controller.stop()


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(
                Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status, headers, answer = receiver.answers.get(self.path, (200, {}, b"thanks"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def own_database(backend: str) -> Iterator[str | None]:
    """A database of the test's own (None: SQLite in the server's data directory). The
    session's shared server must not hold the roles one process holds per database (the
    actions engine, the feed status watcher: PostgreSQL advisory locks)."""
    yield from backend_url(backend)
