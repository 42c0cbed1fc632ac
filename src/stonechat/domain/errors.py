"""The one exception tree. Each boundary (HTTP, MQTT) translates it in one place."""

from __future__ import annotations


class StonechatError(Exception):
    """Base of every error a client can be told about."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(StonechatError):
    """The request could not be read: malformed JSON, wrong types, missing parameters."""

    status = 400


class Unauthorized(StonechatError):
    """No key, or a key that belongs to nobody."""

    status = 401


class Forbidden(StonechatError):
    """A valid key, but not allowed to do this."""

    status = 403


class AccountDisabled(Forbidden):
    """The key, token or session is right, but an administrator disabled its account."""


class NotFound(StonechatError):
    """No such resource, or not one this user may see."""

    status = 404


class Invalid(StonechatError):
    """Well-formed, but breaks a rule: bad name, value too large, future timestamp."""

    status = 422


class Conflict(Invalid):
    """Clashes with an existing record, such as a username that is taken."""

    status = 409


class TooLarge(Invalid):
    """A value over the size limit of its feed."""


class Throttled(StonechatError):
    """Over a rate limit; ``retry_after`` is in seconds.

    ``limit`` is set for the data rate (points per minute): HTTP then adds RateLimit headers.
    """

    status = 429

    def __init__(self, message: str, retry_after: float = 60.0, limit: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.limit = limit


class TooManyRequests(Throttled):
    """Too many attempts of something guarded (password sign-in): wait ``retry_after`` s."""


class PayloadTooLarge(StonechatError):
    """A request body over the size the server reads."""

    status = 413


class Unavailable(StonechatError):
    """The server cannot take the request now (shutting down, overloaded, the database
    unreachable); ``retry_after`` is in seconds."""

    status = 503

    def __init__(self, message: str, retry_after: float = 5.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WrongSecret(StonechatError):
    """The secret key in use is not the one the database was created with: AIO keys stored
    with the other one would all fail, so the server or command refuses to run."""


class BackupFailed(StonechatError):
    """A backup or restore cannot be done: a missing or failing pg_dump/pg_restore, a file
    that is not a Stonechat backup, a target that is not empty."""
