"""Email over SMTP (aiosmtplib), with retries and backoff.

``smtp://user:pass@host:587`` speaks plain SMTP and upgrades with STARTTLS when the server
offers it (``starttls="auto"``; ``"required"`` refuses a server without it, ``"off"`` never
upgrades); ``smtps://host:465`` is TLS from the first byte. The password is never logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from stonechat.actions.errors import DeliveryFailed
from stonechat.domain.errors import Invalid

log = logging.getLogger(__name__)

STARTTLS_MODES = ("auto", "required", "off")
MAX_SUBJECT = 255
MAX_BODY = 100_000


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to connect, read from ``smtp_url`` (and the separate credentials)."""

    host: str
    port: int
    tls: bool  # smtps://: TLS from the start
    username: str | None
    password: str | None

    def __repr__(self) -> str:  # never show the password
        return f"SmtpServer(host={self.host!r}, port={self.port}, tls={self.tls})"


def parse_smtp_url(
    url: str, username: str | None = None, password: str | None = None
) -> SmtpServer:
    """Read ``smtp[s]://[user[:password]@]host[:port]``; ``username`` / ``password`` given
    separately win over those in the URL. Raises ``Invalid`` naming the problem."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise Invalid("smtp_url must start with smtp:// or smtps://")
    if not parts.hostname:
        raise Invalid("smtp_url has no host")
    try:
        port = parts.port
    except ValueError:
        raise Invalid("smtp_url has a bad port") from None
    tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if tls else 587),
        tls=tls,
        username=username or (unquote(parts.username) if parts.username else None),
        password=password or (unquote(parts.password) if parts.password else None),
    )


class Mailer:
    """Sends one email at a time through the configured SMTP server.

    Without ``smtp_url`` the mailer is not ``configured`` and ``send`` raises
    ``DeliveryFailed``; the server runs without email.
    """

    def __init__(
        self,
        smtp_url: str | None,
        *,
        mail_from: str = "stonechat@localhost",
        username: str | None = None,
        password: str | None = None,
        starttls: str = "auto",
        timeout: float = 30.0,
        attempts: int = 3,
        base_delay: float = 2.0,
    ) -> None:
        if starttls not in STARTTLS_MODES:
            raise Invalid(f"smtp_starttls must be one of {', '.join(STARTTLS_MODES)}")
        self.server = parse_smtp_url(smtp_url, username, password) if smtp_url else None
        self.mail_from = _address(mail_from, "mail_from")
        self.starttls = starttls
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.base_delay = base_delay

    @property
    def configured(self) -> bool:
        return self.server is not None

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        """The message ``send`` delivers. Line breaks in the subject become spaces, so a
        rendered value cannot add headers; the recipient must be one address."""
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = _address(to, "to")
        message["Subject"] = " ".join(subject.split())[:MAX_SUBJECT]
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain=self.mail_from.domain or "localhost")
        message.set_content(body[:MAX_BODY])
        return message

    async def send(self, to: str, subject: str, body: str) -> int:
        """Deliver, retrying connection failures, timeouts and temporary (4xx) refusals
        with exponential backoff; returns the attempts it took. Raises ``DeliveryFailed``
        with the last reason; a permanent (5xx) refusal is not retried."""
        if self.server is None:
            raise DeliveryFailed("email is not set up on this server (no smtp_url)")
        try:
            message = self.message(to, subject, body)
        except Invalid as error:
            raise DeliveryFailed(error.message) from None
        reason = "not sent"
        for attempt in range(1, self.attempts + 1):
            try:
                await self._send_once(self.server, message)
                return attempt
            except aiosmtplib.SMTPException as error:
                reason, temporary = _explain(error)
            except OSError as error:
                problem = str(error) or type(error).__name__  # a TimeoutError says nothing
                reason, temporary = f"cannot reach {self.server.host}: {problem}", True
            log.warning(
                "email to %s via %s, attempt %d of %d: %s",
                to, self.server.host, attempt, self.attempts, reason,
            )  # fmt: skip
            if not temporary:
                break
            if attempt < self.attempts:
                await asyncio.sleep(self.base_delay * 2 ** (attempt - 1))
        raise DeliveryFailed(f"email not delivered: {reason}")

    async def _send_once(self, server: SmtpServer, message: EmailMessage) -> None:
        start_tls: bool | None = {"auto": None, "required": True, "off": False}[self.starttls]
        # aiosmtplib's timeout is per command; this bounds a server that answers slowly.
        async with asyncio.timeout(self.timeout * 4):
            await aiosmtplib.send(
                message,
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.tls,
                start_tls=False if server.tls else start_tls,
                timeout=self.timeout,
            )


def _address(text: str, field: str) -> Address:
    """One plain address ``local@domain``; anything else (names, lists, line breaks) is
    refused so that no header can be smuggled in."""
    text = text.strip()
    if any(c in text for c in '\r\n,;<>"()') or text.count("@") != 1:
        raise Invalid(f"{field} must be one email address")
    local, domain = text.split("@")
    if not local or not domain:
        raise Invalid(f"{field} must be one email address")
    try:
        return Address(username=local, domain=domain)
    except (ValueError, IndexError):
        raise Invalid(f"{field} must be one email address") from None


def _explain(error: aiosmtplib.SMTPException) -> tuple[str, bool]:
    """The reason to record, and whether trying again may help."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        first = error.recipients[0]
        return f"recipient refused: {first.code} {first.message}", 400 <= first.code < 500
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return f"sign-in to the SMTP server refused: {error.code} {error.message}", False
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"SMTP server answered {error.code} {error.message}", not 500 <= error.code < 600
    # Connection failures and timeouts are OSErrors: worth another try. The others (no
    # STARTTLS where required, an extension not supported) will not change.
    return f"{type(error).__name__}: {error}", isinstance(error, OSError)
