"""``stonechat export USERNAME FILE``: one account as a zip (``services/account_export.py``)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stonechat.cli.options import (
    DatabaseUrl,
    DataDir,
    SecretKey,
    fail,
    on_database,
    settings_from,
)

if TYPE_CHECKING:
    from stonechat.storage.database import Database


def export(
    username: Annotated[str, typer.Argument(help="The account to export.", show_default=False)],
    file: Annotated[Path, typer.Argument(help="The zip file to write.", show_default=False)],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Export one account as a zip: its groups, feeds and dashboards (with blocks and
    layouts) as the REST API shows them, and every point of every feed as CSV.

    Runs beside a running server. The file replaces FILE whole once complete, readable by
    its owner only. The web UI's Settings page downloads the same zip.
    """
    from stonechat.runtime import build_services
    from stonechat.services.account_export import AccountExport
    from stonechat.storage.private_files import private_replacement

    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    if not file.parent.is_dir():
        fail(f"{file.parent} is not a directory")

    async def work(db: Database) -> dict[str, Any]:
        services = build_services(settings, db)
        user = await services.accounts.require(username)
        with private_replacement(file) as out:
            async for piece in AccountExport.of(services).stream(user):
                out.write(piece)
        with zipfile.ZipFile(file) as archive:
            manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
        return manifest

    counts = on_database(settings, work)["counts"]
    typer.echo(
        f"exported {username} to {file}: "
        + ", ".join(f"{value} {name}" for name, value in counts.items())
    )
