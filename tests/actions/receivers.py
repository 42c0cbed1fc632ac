"""Receivers for the outputs of actions: an SMTP mailbox (aiosmtpd handler and
authenticator) and an HTTP receiver, each recording what it received."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


class MailBox:
    """An aiosmtpd handler: keeps each delivered envelope; ``refuse_rcpt`` answers every
    RCPT TO with that reply instead (e.g. ``"450 mailbox busy"``)."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.rcpt_attempts = 0
        self.refuse_rcpt: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        self.rcpt_attempts += 1
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


class Accounts:
    """An aiosmtpd authenticator with one account; records who signed in."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password
        self.signed_in: list[str] = []

    def __call__(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if (user, password) == (self.username, self.password):
                self.signed_in.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@dataclass
class SmtpServer:
    box: MailBox
    port: int
    accounts: Accounts

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    port: int
    requests: list[Received] = field(default_factory=list)
    # path -> (status, extra headers, body) answered; others get 200 "thanks"
    answers: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"
