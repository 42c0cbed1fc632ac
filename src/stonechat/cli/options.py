"""What the commands other than ``serve`` share: the database options, settings from them,
an error message and its exit, and a run on the checked database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from stonechat.config import Settings
from stonechat.domain.errors import StonechatError

if TYPE_CHECKING:
    from stonechat.storage.database import Database

T = TypeVar("T")


def about(name: str) -> str:
    """The help of the option of setting ``name``: its description and default."""
    field = Settings.model_fields[name]
    shown = f" [default: {field.default}]" if field.default is not None else ""
    return f"{field.description}{shown}"


DataDir = Annotated[Path | None, typer.Option(help=about("data_dir"), show_default=False)]
DatabaseUrl = Annotated[str | None, typer.Option(help=about("database_url"))]
SecretKey = Annotated[str | None, typer.Option(help=about("secret_key"))]


def settings_from(**options: Any) -> Settings:
    """CLI options override ``STONECHAT_*`` variables, which override the defaults."""
    return Settings(**{k: v for k, v in options.items() if v is not None})


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def on_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the migrated database, once its secret is checked; a refusal or
    error of ours ends the command with its message."""
    from stonechat.runtime import open_checked_database

    async def go() -> T:
        db = await open_checked_database(settings)
        try:
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(go())
    except StonechatError as error:
        fail(error.message)
