"""Accounts: users, passwords (argon2, off the event loop) and AIO keys (cached)."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from stonechat.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from stonechat.domain.names import check_username
from stonechat.domain.records import User
from stonechat.domain.text import check_text
from stonechat.domain.timestamps import now_ms
from stonechat.services.secrets import KeyVault
from stonechat.storage.database import Database
from stonechat.storage.groups import GroupStore
from stonechat.storage.password_resets import PasswordResetStore
from stonechat.storage.users import UserStore

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work per request

T = TypeVar("T")


class AccountService:
    def __init__(
        self,
        db: Database,
        vault: KeyVault,
        key_cache_seconds: float = 1.0,
        password_hasher: PasswordHasher | None = None,
        hash_concurrency: int = 2,
    ) -> None:
        self.db = db
        self.users = UserStore(db)
        self.groups = GroupStore(db)
        self.resets = PasswordResetStore(db)
        self.vault = vault
        self._hasher = password_hasher or PasswordHasher()
        # Each argon2 hash or check holds 64 MiB (argon2-cffi's default memory cost): a
        # burst of sign-ins or sign-ups waits here instead of taking 64 MiB per request.
        self._hash_slots = asyncio.Semaphore(hash_concurrency)
        self._cache_seconds = key_cache_seconds
        # key hash -> (user, stored hash, expires at); bounded by the number of users.
        self._key_cache: dict[str, tuple[User, str, float]] = {}
        # Called with the user id when a key is regenerated (the broker disconnects).
        self.on_key_change: list[Callable[[int], None]] = []

    async def create_user(
        self,
        username: str,
        password: str,
        email: str | None = None,
        is_admin: bool = False,
        time_zone: str | None = None,
    ) -> tuple[User, str]:
        """Create a user with a default group; returns the user and its new AIO key."""
        check_new_user(username, password, time_zone)
        password_hash = await self._argon2(self._hasher.hash, password)
        key = self.vault.new_key()
        at = now_ms()
        try:
            async with self.db.begin() as conn:
                user = await self.users.insert(
                    conn,
                    username=username,
                    username_lower=username.lower(),
                    email=email,
                    password_hash=password_hash,
                    key_hash=self.vault.hash(key),
                    key_enc=self.vault.encrypt(key),
                    is_admin=is_admin,
                    time_zone=time_zone,
                    created_at=at,
                    updated_at=at,
                )
                await self.groups.insert(
                    conn,
                    user_id=user.id,
                    key="default",
                    name="Default",
                    visibility="private",
                    is_default=True,
                    created_at=at,
                    updated_at=at,
                )
        except IntegrityError:
            raise Conflict(f"username '{username}' is already taken") from None
        return user, key

    async def authenticate_key(self, key: str) -> User:
        """The user owning ``key``; microseconds when cached, one query otherwise."""
        if not key:
            raise Unauthorized("missing AIO key: send the X-AIO-Key header")
        key_hash = self.vault.hash(key)
        cached = self._key_cache.get(key_hash)
        if (
            cached is not None
            and cached[2] > time.monotonic()
            and hmac.compare_digest(cached[1], key_hash)
        ):
            return cached[0]
        found = await self.users.by_key_hash(key_hash)
        if found is None or not hmac.compare_digest(found[1], key_hash):
            self._key_cache.pop(key_hash, None)
            raise Unauthorized("invalid AIO key")
        self._key_cache[key_hash] = (found[0], found[1], time.monotonic() + self._cache_seconds)
        return found[0]

    async def _argon2(self, work: Callable[..., T], *args: str) -> T:
        """Run one argon2 hash or check in a thread, at most ``hash_concurrency`` at once.

        The slot is held until the thread is done, even if the caller is cancelled
        meanwhile: a thread cannot be stopped, and its 64 MiB are in use until it ends.
        """
        await self._hash_slots.acquire()
        try:
            done = asyncio.get_running_loop().run_in_executor(None, work, *args)
        except BaseException:
            self._hash_slots.release()
            raise

        def finished(future: asyncio.Future[T]) -> None:
            self._hash_slots.release()
            if not future.cancelled():
                future.exception()  # retrieved, even when nobody waits for it any more

        done.add_done_callback(finished)
        return await asyncio.shield(done)

    async def find_login(self, login: str) -> User | None:
        """The user signing in as ``login``: a username, or an email address held by one
        user only. No password work: callers count the attempt against this account
        before checking the password."""
        user = await self.users.by_username(login)
        if user is None and "@" in login:
            found = await self.users.by_email(login)
            if len(found) == 1:
                user = found[0]
        return user

    async def check_password(self, user: User | None, password: str) -> User:
        """``user`` if ``password`` is theirs; Unauthorized otherwise, also for no user."""
        if user is None:
            # Spend the same time as a real check so names cannot be probed by timing.
            await self._argon2(self._hasher.hash, password)
            raise Unauthorized("wrong username or password")
        secrets = await self.users.secrets(user.id)
        if secrets is None:  # deleted since it was found
            await self._argon2(self._hasher.hash, password)
            raise Unauthorized("wrong username or password")
        try:
            await self._argon2(self._hasher.verify, secrets[0], password)
        except (VerificationError, InvalidHashError):
            raise Unauthorized("wrong username or password") from None
        return user

    async def verify_password(self, username: str, password: str) -> User:
        return await self.check_password(await self.users.by_username(username), password)

    async def change_password(self, user: User, current: str, new: str) -> None:
        check_password(new)
        try:
            await self.verify_password(user.username, current)
        except Unauthorized:
            # Not 401: the caller is signed in, only the password it typed is wrong.
            raise Forbidden("the current password is wrong") from None
        await self.set_password(user, new)

    async def set_password(self, user: User, new: str) -> None:
        """Store a new password (checked); a pending reset link stops working."""
        check_password(new)
        password_hash = await self._argon2(self._hasher.hash, new)
        await self.users.update(user.id, password_hash=password_hash, updated_at=now_ms())
        await self.resets.forget(user.id)

    async def update_profile(
        self, user: User, *, email: str | None = None, time_zone: str | None = None
    ) -> User:
        """Change the email address and/or time zone (an IANA name, validated)."""
        values: dict[str, object] = {}
        if email is not None:
            values["email"] = check_email(email)
        if time_zone is not None:
            values["time_zone"] = check_time_zone(time_zone)
        if values:
            await self.users.update(user.id, updated_at=now_ms(), **values)
            self._key_cache = {h: v for h, v in self._key_cache.items() if v[0].id != user.id}
        return await self.require(user.username)

    async def set_data_rate(self, username: str, limit: int | None) -> User:
        """The user's own data rate in points per minute (0 = unlimited), or None for the
        server's default. Servers pick it up within a second (the limiter reloads them)."""
        user = await self.require(username)
        await self.users.update(user.id, data_rate_limit=limit, updated_at=now_ms())
        self._key_cache = {h: v for h, v in self._key_cache.items() if v[0].id != user.id}
        return await self.require(username)

    def forget_user(self, user_id: int) -> None:
        """Drop what this process cached of the user (disabled, deleted, changed)."""
        self._key_cache = {h: v for h, v in self._key_cache.items() if v[0].id != user_id}

    async def get_key(self, username: str) -> str:
        user = await self.require(username)
        secrets = await self.users.secrets(user.id)
        assert secrets is not None
        return self.vault.decrypt(secrets[1])

    async def regenerate_key(self, username: str) -> str:
        """Replace the user's key; the old one stops working at once in this process."""
        user = await self.require(username)
        key = self.vault.new_key()
        await self.users.update(
            user.id,
            key_hash=self.vault.hash(key),
            key_enc=self.vault.encrypt(key),
            updated_at=now_ms(),
        )
        self._key_cache = {h: v for h, v in self._key_cache.items() if v[0].id != user.id}
        for listener in self.on_key_change:
            listener(user.id)
        return key

    async def current_key_hashes(self, user_ids: list[int]) -> dict[int, str]:
        """The key hash each of these users holds now (deleted users are missing).

        Long-lived sessions (MQTT) compare it now and then with the key they signed in with,
        so a key regenerated by another process (``stonechat user key --regenerate``) ends
        them too.
        """
        return await self.users.key_hashes(user_ids)

    async def require(self, username: str) -> User:
        user = await self.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named '{username}'")
        return user

    async def count(self) -> int:
        return await self.users.count()

    async def default_group_id(self, user_id: int) -> int:
        return (await self.groups.default(user_id)).id


def check_new_user(username: str, password: str, time_zone: str | None = None) -> None:
    """What ``create_user`` checks before any work: callers that count sign-ups call it
    first, so a mistyped form costs no sign-up."""
    check_username(username)
    check_password(password)
    if time_zone is not None:
        check_time_zone(time_zone)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    return password


def check_email(email: str) -> str | None:
    """A plausible address (one ``@``, no spaces), or None for an empty string."""
    email = email.strip()
    if not email:
        return None
    local, at, domain = email.partition("@")
    if not (at and local and "." in domain and "@" not in domain) or any(
        c.isspace() for c in email
    ):
        raise Invalid(f"'{email}' is not an email address")
    if len(email) > 255:
        raise Invalid("email address must be at most 255 characters")
    return email


def check_time_zone(name: str) -> str:
    check_text(name, "time_zone", 64)  # the column's size; longer names make ZoneInfo fail
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Invalid(
            f"unknown time zone '{name}': use an IANA name such as Europe/Paris"
        ) from None
    return name
