"""``stonechat backup FILE`` and ``stonechat restore FILE``: thin, the work is in
services/backup.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from stonechat.cli.options import DatabaseUrl, DataDir, SecretKey, fail, settings_from
from stonechat.domain.errors import StonechatError

Archive = Annotated[
    Path,
    typer.Argument(
        help="The archive: a tar file, gzip-compressed when the name ends in .gz or .tgz.",
        show_default=False,
    ),
]


def _counts(manifest: dict[str, Any]) -> str:
    counts = manifest.get("counts") or {}
    return ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())


def backup(
    file: Archive,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Write a backup of the database and the secret key while the server runs.

    SQLite is copied through its online backup API, PostgreSQL with pg_dump (which must be
    on PATH). The archive holds all data and the secret key: it is made readable by its
    owner only; keep it safe.
    """
    from stonechat.services.backup import create_backup

    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    try:
        manifest = asyncio.run(
            create_backup(
                settings.resolved_database_url(), settings.secret_key, settings.data_dir, file
            )
        )
    except StonechatError as error:
        fail(error.message)
        return
    typer.echo(
        f"backup written to {file} ({manifest['dialect']}, schema {manifest['schema_revision']}: "
        f"{_counts(manifest)})"
    )


def restore(
    file: Archive,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
    force: Annotated[
        bool,
        typer.Option(help="Replace an existing database and secret key (they are deleted)."),
    ] = False,
) -> None:
    """Restore a backup into an empty data directory (SQLite) or an empty PostgreSQL
    database (--database-url), with its secret key; then migrate it to this version.

    Stop the servers of the target first.
    """
    from stonechat.services.backup import restore_backup

    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    try:
        restored = asyncio.run(
            restore_backup(
                file,
                settings.data_dir,
                settings.resolved_database_url(),
                force=force,
                secret_key=settings.secret_key,
            )
        )
    except StonechatError as error:
        fail(error.message)
        return
    manifest = restored.manifest
    for replaced in restored.replaced:
        typer.echo(f"replaced {replaced}")
    typer.echo(
        f"restored the backup of {manifest.get('created_at')} ({_counts(manifest)}) into "
        f"{restored.database}, schema {manifest.get('schema_revision')} -> "
        f"{restored.schema_revision}; secret key in {restored.secret_path}"
    )
    for warning in restored.warnings:
        typer.echo(f"warning: {warning}", err=True)
