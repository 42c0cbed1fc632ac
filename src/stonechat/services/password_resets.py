"""Password reset by email: a link with a single-use token, valid for an hour.

``request`` answers the same whether or not the account exists, has an email address, or
had its share of emails this hour: the email goes out in the background, so neither the
answer nor its timing tells. Requests are throttled per client address (429, which says
nothing of the account) and emails per account (silently). The token is 32 random bytes;
only its SHA-256 is stored, one live link per user (a new request replaces the old one).
``reset`` uses the link once (it is deleted first, whatever follows), sets the password,
and ends every browser session of the account; any password change deletes a pending link.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from urllib.parse import quote

from stonechat.actions.errors import DeliveryFailed
from stonechat.actions.mail import Mailer
from stonechat.domain.errors import BadRequest, Unavailable
from stonechat.domain.records import User
from stonechat.limits.limiter import Limiter
from stonechat.services.accounts import AccountService, check_password
from stonechat.storage.ui_sessions import UiSessionStore

log = logging.getLogger(__name__)

VALID_MS = 3_600_000  # a link works for an hour
MAX_TOKEN = 128  # characters of a token accepted back (ours are 43)
MAX_SENDING = 20  # reset emails on their way at the same time; more are dropped
NOT_SET_UP = "email is not set up on this server: ask its administrator to reset your password"
BAD_LINK = "this reset link is not valid: it was used, replaced or has expired"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PasswordResets:
    def __init__(
        self,
        accounts: AccountService,
        sessions: UiSessionStore,
        limiter: Limiter,
        mailer: Mailer | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.limiter = limiter
        self.mailer = mailer
        self.clock = clock
        self._sending: set[asyncio.Task[None]] = set()

    @property
    def available(self) -> bool:
        """Whether reset links can be sent (email is set up)."""
        return self.mailer is not None and self.mailer.configured

    def _now(self) -> int:
        return int(self.clock() * 1000)

    async def request(self, login: str, address: str, base_url: str) -> None:
        """Send a reset link to the account named ``login`` (username or email address),
        if it has an email address. Unavailable without email; TooManyRequests when this
        address asked too often."""
        if not self.available:
            raise Unavailable(NOT_SET_UP)
        await self.limiter.reset_request(address)
        user = await self.accounts.find_login(login.strip()[:255])
        if user is None or not user.email:
            return
        if not await self.limiter.reset_email(user.id):
            log.info("password reset for %s: this hour's emails were sent", user.username)
            return
        if len(self._sending) >= MAX_SENDING:
            log.warning("password reset for %s: too many emails on their way", user.username)
            return
        task = asyncio.create_task(self._send(user, base_url))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, user: User, base_url: str) -> None:
        assert self.mailer is not None and user.email is not None
        token = secrets.token_urlsafe(32)
        now = self._now()
        try:
            await self.accounts.resets.replace(user.id, token_hash(token), now, now + VALID_MS)
            link = f"{base_url.rstrip('/')}/reset-password?token={quote(token)}"
            body = "\n".join(
                [
                    f"Hello {user.username},",
                    "",
                    "Someone (we hope you) asked to reset the password of your Stonechat "
                    "account. Open this link within an hour to choose a new one:",
                    "",
                    link,
                    "",
                    "The link works once. If you did not ask, ignore this email: your password "
                    "stays as it is.",
                ]
            )
            await self.mailer.send(user.email, "Reset your Stonechat password", body)
        except DeliveryFailed as error:
            log.warning("password reset email to %s: %s", user.username, error)
        except Exception:
            log.exception("password reset for %s failed", user.username)

    async def reset(self, token: str, new_password: str) -> User:
        """Use the link: set ``new_password`` and sign every browser out. BadRequest when
        the token is unknown, used or expired; Invalid for a too short password (the link
        then still works)."""
        check_password(new_password)
        if not token or len(token) > MAX_TOKEN:
            raise BadRequest(BAD_LINK)
        user_id = await self.accounts.resets.take(token_hash(token), self._now())
        user = await self.accounts.users.by_id(user_id) if user_id is not None else None
        if user is None:
            raise BadRequest(BAD_LINK)
        await self.accounts.set_password(user, new_password)
        await self.sessions.delete_for_user(user.id)
        return user

    async def close(self) -> None:
        if self._sending:
            await asyncio.wait(self._sending, timeout=10)
