"""``stonechat``: serve, manage users, migrate the database.

Thin: parse options, build the settings, call the runtime or a service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from stonechat import __version__
from stonechat.cli import rollups, users
from stonechat.cli.backup import backup, restore
from stonechat.cli.export import export, import_, import_aio
from stonechat.cli.options import (
    DatabaseUrl,
    DataDir,
    SecretKey,
    about,
    fail,
    on_database,
    settings_from,
)
from stonechat.cli.settings_options import add_settings_command
from stonechat.config import Settings

T = TypeVar("T")

app = typer.Typer(
    help="Stonechat: a self-hosted IoT data server that speaks the Adafruit IO API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(user_app, name="user")
users.register(user_app)
app.add_typer(db_app, name="db")
rollups_app = typer.Typer(
    help="Feeds' per-minute, hour and day summaries (rollups).", no_args_is_help=True
)
app.add_typer(rollups_app, name="rollups")
rollups.register(rollups_app)


def serve(settings: Settings) -> None:
    """Run the server. Every option is also an environment variable STONECHAT_<OPTION>."""
    from stonechat.runtime import run_server
    from stonechat.supervisor import supervise

    if settings.workers > 1:
        supervise(settings)
    run_server(settings)


add_settings_command(app, "serve", serve)  # an option for every setting


def _with_accounts(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    from stonechat.runtime import build_accounts

    return on_database(settings, lambda db: work(build_accounts(settings, db)))


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="Username (letters, digits, '_' and '-').")],
    password: Annotated[str, typer.Option(help="Password, at least 8 characters.")],
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    admin: Annotated[bool, typer.Option(help="Make the user an administrator.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Create a user. The new AIO key is the last line printed."""
    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)

    async def work(accounts: Any) -> str:
        user, key = await accounts.create_user(name, password, email, admin)
        typer.echo(f"created user {user.username}")
        return str(key)

    typer.echo(_with_accounts(settings, work))


@user_app.command("key")
def user_key(
    name: Annotated[str, typer.Argument(help="Username.")],
    regenerate: Annotated[
        bool, typer.Option(help="Replace the key; the old one stops working.")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Print a user's AIO key (or a new one with --regenerate)."""
    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)

    async def work(accounts: Any) -> str:
        if regenerate:
            return str(await accounts.regenerate_key(name))
        return str(await accounts.get_key(name))

    try:
        typer.echo(_with_accounts(settings, work))
    except ValueError as error:
        fail(str(error))


@user_app.command("update")
def user_update(
    name: Annotated[str, typer.Argument(help="Username.")],
    data_rate: Annotated[
        str | None,
        typer.Option(
            help="Data points per minute for this user: a number (0 = unlimited), or "
            "'default' for the server's (--limits, --data-rate-limit). Running servers apply "
            "it within about a second."
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Change a user's settings."""
    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    if data_rate is None:
        fail("nothing to change: give --data-rate N (or --data-rate default)")
        return
    limit: int | None = None
    if data_rate.strip().lower() != "default":
        try:
            limit = int(data_rate)
        except ValueError:
            limit = -1
        if limit < 0:
            fail(f"--data-rate wants a number of points per minute or 'default', not {data_rate!r}")

    async def work(accounts: Any) -> str:
        user = await accounts.set_data_rate(name, limit)
        if limit is None:
            return f"{user.username}: data rate is the server default"
        if limit == 0:
            return f"{user.username}: data rate unlimited"
        return f"{user.username}: data rate {limit} points per minute"

    typer.echo(_with_accounts(settings, work))


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply pending database migrations (the server also does this at start)."""
    from stonechat.runtime import open_database

    settings = settings_from(data_dir=data_dir, database_url=database_url)

    async def go() -> str:
        db = open_database(settings)
        try:
            await db.upgrade()
            return db.dialect
        finally:
            await db.close()

    typer.echo(f"database ({asyncio.run(go())}) is up to date")


@db_app.command("prune")
def db_prune(
    retention_days: Annotated[int | None, typer.Option(help=about("retention_days"))] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove the data points past their expiration now (the server does it every 5 minutes)."""
    from stonechat.runtime import open_database
    from stonechat.services.retention import RetentionService

    settings = settings_from(
        data_dir=data_dir, database_url=database_url, retention_days=retention_days
    )

    async def go() -> Any:
        db = open_database(settings)
        try:
            await db.upgrade()
            return await RetentionService(db, settings.retention()).run_once()
        finally:
            await db.close()

    result = asyncio.run(go())
    if result.skipped:
        fail("another process is pruning this database right now; try again later")
    typer.echo(
        f"removed {result.removed} points older than {settings.retention_days} days "
        f"({result.dropped} of them in {len(result.dropped_partitions)} dropped partitions; "
        "feeds with retention of their own by theirs) "
        f"and {result.rollups} summaries past their tier"
    )


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


app.command()(backup)
app.command()(restore)
app.command()(export)
app.command("import")(import_)
app.command("import-aio")(import_aio)


def run() -> None:
    app()
