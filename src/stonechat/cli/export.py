"""``stonechat export USERNAME FILE`` and ``stonechat import FILE [--as USERNAME]``: one
account as a zip and back (``services/account_export.py``, ``services/account_import.py``)."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
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
from stonechat.domain.errors import StonechatError

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


def import_(
    file: Annotated[Path, typer.Argument(help="A zip from stonechat export.", show_default=False)],
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="The account to import into (it must exist). Default: the exported one's name.",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Import an account export into an existing account: groups, feeds, dashboards with
    their blocks and layouts, and every point.

    Idempotent: what the account has already (a group, feed or dashboard of the same key, a
    point already stored) is kept and skipped, so running it twice adds nothing. Runs beside
    a running server; imported points reach no subscriber or action, and points older than
    the retention are left out.
    """
    from stonechat.runtime import build_services
    from stonechat.services.account_import import describe, import_archive
    from stonechat.services.import_zip import ZipSource

    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    try:
        archive = zipfile.ZipFile(file)
    except (OSError, zipfile.BadZipFile) as error:
        fail(f"cannot read {file}: {error}")

    async def work(db: Database) -> tuple[str, Counter[str]]:
        services = build_services(settings, db)
        user = await services.accounts.require(as_user or ZipSource(archive).username())
        return user.username, await import_archive(services, user, archive)

    with archive:
        username, report = on_database(settings, work)
    typer.echo(f"imported {file} into {username}: {describe(report)}")


def import_aio(
    username: Annotated[
        str, typer.Option(help="The account on Adafruit IO (or the other server).")
    ],
    key: Annotated[
        str,
        typer.Option(
            help="Its AIO key (or set ADAFRUIT_IO_KEY: a key on the command line is visible "
            "to other users of the machine).",
            envvar="ADAFRUIT_IO_KEY",
            show_default=False,
        ),
    ],
    source: Annotated[
        str,
        typer.Option("--from", help="The server to read from: anything that speaks the API v2."),
    ] = "https://io.adafruit.com",
    into: Annotated[
        str | None,
        typer.Option(help="The account here to import into (it must exist). Default: USERNAME."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Only points from this time on (ISO 8601, or epoch seconds)."),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Move an Adafruit IO account in: its groups, feeds, dashboards with their blocks and
    layouts, and every point of every feed, read through the Adafruit IO REST API v2.

    Follows the data's pages (1,000 points each), waits out 429 (Retry-After) and 5xx
    answers, and prints its progress. Interrupted, run it again: what is here already is
    kept and skipped. Imported points reach no subscriber or action here.
    """
    import httpx

    from stonechat.domain.timestamps import parse_time
    from stonechat.runtime import build_services
    from stonechat.services.account_import import describe, import_into
    from stonechat.services.import_aio import AioSource

    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    try:
        start = parse_time(since, "--since") if since else None
    except StonechatError as error:
        fail(error.message)

    async def work(db: Database) -> tuple[str, Counter[str]]:
        services = build_services(settings, db)
        user = await services.accounts.require(into or username)
        headers = {"X-AIO-Key": key, "User-Agent": "stonechat import-aio"}
        async with httpx.AsyncClient(base_url=source, headers=headers, timeout=60) as client:
            reader = AioSource(client, username, start, progress=typer.echo)
            return user.username, await import_into(services, user, reader)

    local, report = on_database(settings, work)
    typer.echo(f"imported {username} from {source} into {local}: {describe(report)}")
