"""Database errors become domain errors in one place (storage/errors.py)."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
import asyncpg.exceptions as pg
import pytest
from sqlalchemy import exc as sa

from stonechat.domain.errors import Invalid, NotFound, Unavailable
from stonechat.storage.errors import describe, translate, translated, translating


def wrapped(error: BaseException, *, invalidated: bool = False) -> sa.DBAPIError:
    """As SQLAlchemy raises it: the driver's error as ``orig``."""
    outer = sa.DBAPIError("SELECT 1", {}, error, connection_invalidated=invalidated)
    outer.__cause__ = error
    return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        pg.CannotConnectNowError("the database system is starting up"),
        pg.AdminShutdownError("terminating connection due to administrator command"),
        pg.TooManyConnectionsError("sorry, too many clients already"),
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.InternalClientError("cannot switch to state 15; another operation is in progress"),
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("database or disk is full"),  # ENOSPC
        sqlite3.OperationalError("disk I/O error"),  # EIO, or EFBIG past the size limit
        sa.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    ],
)
def test_an_unreachable_database_is_unavailable(error: BaseException) -> None:
    for raised in (error, wrapped(error)):
        domain = translate(raised)
        assert isinstance(domain, Unavailable), raised
        assert domain.retry_after >= 1
    assert isinstance(translate(wrapped(ValueError("x"), invalidated=True)), Unavailable)


@pytest.mark.parametrize(
    "error",
    [
        pg.DeadlockDetectedError("deadlock detected"),
        pg.SerializationError("could not serialize access due to concurrent update"),
    ],
)
def test_a_transaction_rolled_back_for_another_is_unavailable_briefly(error: BaseException) -> None:
    """PostgreSQL undid it to let another transaction go on: nothing changed, and the same
    request again succeeds (a 503 with a short Retry-After, not a 500)."""
    for raised in (error, wrapped(error)):
        domain = translate(raised)
        assert isinstance(domain, Unavailable), raised
        assert domain.retry_after == 1
        assert "try again" in domain.message


@pytest.mark.parametrize(
    "error",
    [
        pg.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
        pg.NumericValueOutOfRangeError("value out of range: overflow"),
        pg.ProgramLimitExceededError("index row size exceeds maximum"),
        asyncpg.exceptions._base.DataError("invalid input for query argument $1"),
        OverflowError("Python int too large to convert to SQLite INTEGER"),
    ],
)
def test_a_value_the_database_cannot_hold_is_invalid(error: BaseException) -> None:
    for raised in (error, wrapped(error)):
        assert isinstance(translate(raised), Invalid), raised


@pytest.mark.parametrize(
    "error",
    [
        sa.IntegrityError("INSERT", {}, pg.UniqueViolationError("duplicate key")),
        NotFound("not found"),
        KeyError("bug"),
        sqlite3.OperationalError("no such column: x"),
        pg.UndefinedColumnError("column x does not exist"),
    ],
)
def test_other_errors_pass_through(error: BaseException) -> None:
    assert translate(error) is None


def test_an_error_raised_while_handling_another_is_its_own() -> None:
    try:
        try:
            raise ConnectionResetError()
        except ConnectionResetError:
            raise KeyError("a bug in the handler") from None
    except KeyError as error:
        assert translate(error) is None


class Context:
    def __init__(self, fail_on_enter: BaseException | None = None) -> None:
        self.fail_on_enter = fail_on_enter

    async def __aenter__(self) -> str:
        if self.fail_on_enter is not None:
            raise self.fail_on_enter
        return "conn"

    async def __aexit__(self, *exc: object) -> None:
        return None


def test_translated_context_raises_domain_errors() -> None:
    async def go() -> None:
        with pytest.raises(Unavailable):
            async with translated(Context(ConnectionRefusedError())):
                pass
        with pytest.raises(Invalid):
            async with translated(Context()) as conn:
                assert conn == "conn"
                raise OverflowError("too large")
        with pytest.raises(NotFound):
            async with translated(Context()):
                raise NotFound("no such feed")
        with pytest.raises(sa.IntegrityError):
            async with translated(Context()):
                raise sa.IntegrityError("INSERT", {}, Exception("duplicate"))

    asyncio.run(go())


@pytest.mark.parametrize(("code", "unavailable"), [(13, True), (10 | (3 << 8), True), (1, False)])
def test_sqlite_errors_are_told_by_their_code(code: int, unavailable: bool) -> None:
    """FULL, IOERR (and its extended codes) whatever the message says; not a plain ERROR."""
    error = sqlite3.OperationalError("some message")
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    assert isinstance(translate(error), Unavailable) is unavailable


def test_translating_block_and_describe() -> None:
    """The batch writer's errors come out as domain errors; the log line names the first
    driver error, also when closing the transaction failed again on top of it."""
    with pytest.raises(Unavailable) as caught, translating():
        try:
            raise pg.AdminShutdownError("terminating connection due to administrator command")
        except pg.AdminShutdownError:
            raise asyncpg.InterfaceError("cannot call Transaction.__aexit__(): closed")  # noqa: B904
    assert describe(caught.value) == (
        "AdminShutdownError: terminating connection due to administrator command"
    )
    with pytest.raises(KeyError), translating():
        raise KeyError("a bug")
    with pytest.raises(Invalid), translating():
        raise OverflowError("too large")
