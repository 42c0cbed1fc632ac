"""Browser sessions of the web UI: random tokens, idle and absolute timeouts, CSRF tokens.

The cookie holds a random token; the database holds only its SHA-256, so a copy of the
database cannot be replayed as a cookie. Each session has its own CSRF token, which the
browser sends back in a header on every state change.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from stonechat.domain.access import check_enabled
from stonechat.domain.errors import Unauthorized
from stonechat.domain.records import User
from stonechat.domain.timestamps import now_ms
from stonechat.storage.database import Database
from stonechat.storage.ui_sessions import UiSessionStore
from stonechat.storage.users import UserStore

log = logging.getLogger(__name__)

EXPIRED = "session expired, sign in again"
# last_seen_at is written at most this often (ms), or a tenth of the idle timeout if shorter:
# a page that polls must not turn every read into a write.
TOUCH_EVERY_MS = 60_000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(slots=True, frozen=True)
class Session:
    """A live session: whose it is and the CSRF token its state changes must carry."""

    token_hash: str
    user: User
    csrf_token: str
    created_at: int

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(
            self.csrf_token.encode(), (presented or "").encode()
        )


class SessionService:
    def __init__(self, db: Database, idle_ms: int, max_ms: int) -> None:
        self.store = UiSessionStore(db)
        self.users = UserStore(db)
        self.idle_ms = idle_ms
        self.max_ms = max_ms
        self._touch_ms = min(TOUCH_EVERY_MS, max(1, idle_ms // 10))

    async def start(
        self, user: User, address: str | None = None, user_agent: str | None = None
    ) -> tuple[str, Session]:
        """A new session for ``user``: returns the cookie token and the session."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        at = now_ms()
        hashed = token_hash(token)
        await self.store.insert(
            token_hash=hashed,
            user_id=user.id,
            csrf_token=csrf,
            at=at,
            address=address,
            user_agent=user_agent,
        )
        return token, Session(hashed, user, csrf, at)

    async def resolve(self, token: str) -> Session:
        """The live session of a cookie token; raises Unauthorized when unknown or expired.

        Each use moves the idle deadline forward; the absolute one never moves.
        """
        if not token:
            raise Unauthorized(EXPIRED)
        hashed = token_hash(token)
        row = await self.store.get(hashed)
        if row is None:
            raise Unauthorized(EXPIRED)
        now = now_ms()
        if now - row.last_seen_at > self.idle_ms or now - row.created_at > self.max_ms:
            await self.store.delete(hashed)
            raise Unauthorized(EXPIRED)
        user = await self.users.by_id(row.user_id)
        if user is None:
            raise Unauthorized(EXPIRED)
        check_enabled(user)  # AccountDisabled (403): an administrator disabled the account
        if now - row.last_seen_at >= self._touch_ms:
            await self.store.touch(hashed, now)
        return Session(hashed, user, row.csrf_token, row.created_at)

    async def end(self, session: Session) -> None:
        await self.store.delete(session.token_hash)

    async def end_others(self, session: Session) -> None:
        """Sign out every other browser of this user (after a password change)."""
        await self.store.delete_for_user(session.user.id, keep=session.token_hash)

    async def purge(self) -> int:
        """Delete expired sessions; returns how many."""
        now = now_ms()
        count = await self.store.delete_expired(now - self.idle_ms, now - self.max_ms)
        if count:
            log.debug("removed %d expired UI sessions", count)
        return count
