"""Database errors as domain errors: translated once, here, for every store.

- The database unreachable (refused, reset, restarting, shutting down, out of connections,
  a pool checkout that timed out) is ``Unavailable``: HTTP answers 503 with ``Retry-After``,
  and the next request finds the database again by itself (SQLAlchemy's pool drops the dead
  connections).
  A full disk or a failing one (SQLite: "database or disk is full", "disk I/O error", which
  is also what a file past the process's size limit gives; PostgreSQL: class 53, 58) counts
  as unreachable too: nothing can be written until someone makes room, and then everything
  can, without a restart.
- A transaction PostgreSQL rolled back to let another go on (class 40: a deadlock, a
  serialization failure) is ``Unavailable`` too, with a shorter wait: nothing was changed,
  and the same request again finds the other one done. (The batch writer tries again
  itself first.)
- A value the database cannot hold (an integer past its column, NUL in text on PostgreSQL,
  an aggregate that overflows) is ``Invalid``. The edge checks these first (domain.fields,
  domain.text, domain.timestamps); this is the net under them, so a check missed in one
  adapter is a 422, never a 500.
- Integrity errors pass through untouched: services catch them and say which key is taken.
  Anything else is a bug and stays a 500.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
from sqlalchemy import exc as sa

from stonechat.domain.errors import Invalid, StonechatError, Unavailable

UNAVAILABLE = "the database is not reachable right now; try again in a few seconds"
RETRY_AFTER = 5.0
OUT_OF_RANGE = "a value in the request is out of the range this server can store or compute"
ROLLED_BACK = "the database undid this change to let another one at the same data go on; try again"
ROLLED_BACK_RETRY_AFTER = 1.0

# SQLSTATE classes (PostgreSQL appendix A).
_UNREACHABLE_STATES = ("08", "53", "57P01", "57P02", "57P03", "57P05", "58")
_INVALID_STATES = ("22", "54")
_ROLLED_BACK_STATES = "40"  # transaction rollback: a deadlock, a serialization failure
_SQLITE_UNREACHABLE = (
    "database is locked",
    "disk i/o error",
    "unable to open",
    "disk is full",
    "database or disk is full",
    "attempt to write a readonly database",
)
# SQLite primary result codes (``sqlite_errorcode & 0xff``): BUSY, LOCKED, READONLY, IOERR,
# FULL, CANTOPEN. The message is the fallback for errors made without a code.
_SQLITE_UNREACHABLE_CODES = frozenset((5, 6, 8, 10, 13, 14))


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error``, the driver errors it wraps (SQLAlchemy's ``orig``, the adapter's
    ``__cause__``), each once. Not ``__context__``: an error raised while handling another
    is not that other error."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        item = todo.pop(0)
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        orig = getattr(item, "orig", None)
        todo.extend([orig if isinstance(orig, BaseException) else None, item.__cause__])


def translate(error: BaseException) -> StonechatError | None:
    """The domain error a database error means, or ``None`` when it is not one of those."""
    if isinstance(error, StonechatError | sa.IntegrityError):
        return None
    chain = list(_chain(error))
    for item in chain:
        if isinstance(item, asyncpg.InterfaceError) and isinstance(item, ValueError):
            # asyncpg's client-side DataError: a parameter its column type cannot hold.
            return Invalid(OUT_OF_RANGE)
        state = getattr(item, "sqlstate", None)
        if isinstance(state, str) and state:
            if state.startswith(_UNREACHABLE_STATES):
                return Unavailable(UNAVAILABLE, RETRY_AFTER)
            if state.startswith(_ROLLED_BACK_STATES):
                return Unavailable(ROLLED_BACK, ROLLED_BACK_RETRY_AFTER)
            if state.startswith(_INVALID_STATES):
                return Invalid(OUT_OF_RANGE)
            if state.startswith("23"):
                return None
    for item in chain:
        if isinstance(item, OverflowError | sqlite3.DataError):  # past 64 bits; too big
            return Invalid(OUT_OF_RANGE)
        if _unreachable(item):
            return Unavailable(UNAVAILABLE, RETRY_AFTER)
    return None


def _unreachable(item: BaseException) -> bool:
    if isinstance(item, sa.DBAPIError) and item.connection_invalidated:
        return True
    if isinstance(item, OSError | sa.TimeoutError | asyncpg.PostgresConnectionError):
        return True  # refused, reset, timed out (TimeoutError is an OSError); pool timeout
    if isinstance(item, asyncpg.InterfaceError) and "closed" in str(item).lower():
        return True  # "connection is closed", "connection was closed in the middle of ..."
    if isinstance(item, asyncpg.InternalClientError):
        return True  # "cannot switch to state 15; another operation is in progress": a
        # connection the server dropped mid-operation (seen when PostgreSQL shuts down)
    if isinstance(item, sqlite3.OperationalError):
        code = getattr(item, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_UNREACHABLE_CODES:
            return True
        return str(item).lower().startswith(_SQLITE_UNREACHABLE)
    return False


def describe(error: BaseException) -> str:
    """The driver error under ``error``, as one line for a log: ``OperationalError: disk
    I/O error``, ``ConnectionRefusedError: [Errno 111] Connect call failed ...``."""
    items = [item for item in _chain(error) if not isinstance(item, StonechatError)]
    item = items[-1] if items else error
    while isinstance(item.__context__, Exception) and item.__cause__ is None:
        item = item.__context__  # raised while cleaning up after the first (a rollback)
    text = str(item).strip().splitlines()
    return f"{type(item).__name__}: {text[0]}" if text else type(item).__name__


@contextmanager
def translating() -> Iterator[None]:
    """Database errors raised inside the block as domain errors (``translate``)."""
    try:
        yield
    except Exception as error:
        domain = translate(error)
        if domain is None:
            raise
        raise domain from error


@asynccontextmanager
async def translated(context: Any) -> AsyncIterator[Any]:
    """``async with context as conn``, with database errors raised as domain errors."""
    try:
        async with context as conn:
            yield conn
    except Exception as error:
        domain = translate(error)
        if domain is None:
            raise
        raise domain from error
