"""``stonechat user list|disable|enable|delete``: administration from the command line.

Thin: parse, call ``services.admin``, print. The command runs in a process of its own (no
bus): running servers notice from the database, within about a second for keys and tokens
(``--key-cache-seconds``) and web UI sessions (checked on every request), and within two
seconds for open MQTT connections (the broker's key watch ends those of a disabled user).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from stonechat.cli.options import DatabaseUrl, DataDir, SecretKey, on_database, settings_from
from stonechat.domain.timestamps import iso

if TYPE_CHECKING:
    from stonechat.services.admin import AdminService, UserView
    from stonechat.storage.database import Database

T = TypeVar("T")

Name = Annotated[str, typer.Argument(help="Username.")]


def _with_admin(
    work: Callable[[AdminService], Awaitable[T]],
    data_dir: Path | None,
    database_url: str | None,
    secret_key: str | None,
) -> T:
    # Imported when a command runs: the services take ~2 s to import, and `stonechat
    # --help` or `stonechat version` need none of them.
    from stonechat.bus.memory import MemoryBus
    from stonechat.runtime import build_accounts, build_limiter
    from stonechat.services.access import AccessService
    from stonechat.services.admin import AdminService

    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)

    def admin(db: Database) -> Awaitable[T]:
        accounts = build_accounts(settings, db)
        access = AccessService(db, accounts, MemoryBus())
        return work(AdminService(db, accounts, access, build_limiter(settings, db)))

    return on_database(settings, admin)


def _row(view: UserView) -> dict[str, Any]:
    last = view.stats.last_activity
    return {
        "username": view.user.username,
        "is_admin": view.user.is_admin,
        "disabled": view.user.disabled,
        "data_rate": view.data_rate,
        "own_data_rate": view.own_data_rate,
        "points": view.stats.points,
        "last_activity": iso(last) if last is not None else None,
    }


def _table(rows: list[dict[str, Any]]) -> str:
    header = ["NAME", "ADMIN", "DISABLED", "DATA RATE", "POINTS", "LAST ACTIVITY"]
    lines = [
        [
            r["username"],
            "yes" if r["is_admin"] else "no",
            "yes" if r["disabled"] else "no",
            "unlimited" if r["data_rate"] == 0 else f"{r['data_rate']}/min",
            str(r["points"]),
            r["last_activity"] or "-",
        ]
        for r in rows
    ]
    widths = [max(len(c) for c in column) for column in zip(header, *lines, strict=False)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *lines]
    )


def user_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """List users: admin, disabled, data rate, points stored, last activity."""

    async def work(admin: AdminService) -> list[dict[str, Any]]:
        return [_row(v) for v in await admin.users()]

    rows = _with_admin(work, data_dir, database_url, secret_key)
    typer.echo(json.dumps(rows, indent=2) if as_json else _table(rows))


def user_disable(
    name: Name,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Disable a user: its key, tokens and web UI sessions are refused, its connections end
    (running servers apply it within about a second)."""

    async def work(admin: AdminService) -> str:
        return (await admin.set_disabled(None, name, True)).username

    typer.echo(f"{_with_admin(work, data_dir, database_url, secret_key)}: disabled")


def user_enable(
    name: Name,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Enable a disabled user again."""

    async def work(admin: AdminService) -> str:
        return (await admin.set_disabled(None, name, False)).username

    typer.echo(f"{_with_admin(work, data_dir, database_url, secret_key)}: enabled")


def user_delete(
    name: Name,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Delete a user with all its feeds, data, groups, dashboards, actions, tokens and
    sessions. Asks first, unless --yes."""
    if not yes:
        typer.confirm(f"Delete user {name} and all its data? This cannot be undone", abort=True)

    async def work(admin: AdminService) -> None:
        await admin.delete(None, name)

    _with_admin(work, data_dir, database_url, secret_key)
    typer.echo(f"{name}: deleted")


def register(app: typer.Typer) -> None:
    """Add these commands to ``stonechat user``."""
    app.command("list")(user_list)
    app.command("disable")(user_disable)
    app.command("enable")(user_enable)
    app.command("delete")(user_delete)
