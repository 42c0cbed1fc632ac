"""``stonechat backup`` and ``stonechat restore``: the whole installation in one archive.

A backup is taken while servers run: a consistent copy of the database (storage/backup.py),
the secret key the AIO keys were stored with (checked against the database first, so an
archive never carries the wrong one), and a manifest (services/backup_archive.py).

A restore goes only into an empty target (a data directory without a database or another
secret key, a PostgreSQL database without tables) unless ``force``; then the migrations bring
an older backup up to this code's schema. A backup from a newer schema is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hmac
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stonechat import __version__
from stonechat.domain.errors import BackupFailed
from stonechat.services.backup_archive import (
    DATABASE_FILES,
    FORMAT,
    FORMAT_VERSION,
    SECRET,
    Archive,
    bytes_digest,
    file_digest,
    write_archive,
)
from stonechat.services.installation import check_secret, fingerprint
from stonechat.services.secrets import SECRET_FILE
from stonechat.storage import backup as copies
from stonechat.storage.database import Database
from stonechat.storage.private_files import private_replacement


async def create_backup(
    database_url: str, secret_key: str | None, data_dir: Path, target: Path
) -> dict[str, Any]:
    """Write the backup archive ``target``; returns its manifest."""
    target = _check_target(target, database_url)
    db = Database(database_url, pool_size=2)
    try:
        secret = await check_secret(db, secret_key, data_dir, record=False)
        db_name = DATABASE_FILES[db.dialect]
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".stonechat-backup-") as tmp:
            copy = Path(tmp) / db_name
            if db.dialect == "sqlite":
                source = copies.sqlite_path(database_url)
                snapshot = await asyncio.to_thread(copies.snapshot_sqlite, source, copy)
            else:
                snapshot = await copies.dump_postgresql(db, copy)
            if snapshot.schema_revision is None:
                raise BackupFailed("this database has no Stonechat tables: nothing to back up")
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "stonechat_version": __version__,
                "schema_revision": snapshot.schema_revision,
                "dialect": db.dialect,
                "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "secret_source": secret.source,
                "secret_fingerprint": secret.fingerprint,
                "counts": snapshot.counts,
                "files": {
                    SECRET: bytes_digest(secret.value),
                    db_name: file_digest(copy),
                },
            }
            await asyncio.to_thread(write_archive, target, manifest, secret.value, copy, db_name)
    finally:
        await db.close()
    return manifest


@dataclass
class Restored:
    """What a restore did, for the command to report."""

    manifest: dict[str, Any]
    database: str  # the file or the database restored into
    secret_path: Path
    schema_revision: str  # after the migrations
    replaced: list[str] = field(default_factory=list)  # what --force replaced
    warnings: list[str] = field(default_factory=list)


async def restore_backup(
    archive_path: Path,
    data_dir: Path,
    database_url: str,
    *,
    force: bool = False,
    secret_key: str | None = None,
) -> Restored:
    """Restore ``archive_path`` into ``data_dir`` and ``database_url`` (async URL)."""
    with Archive(archive_path) as archive:
        manifest = archive.manifest
        revision = str(manifest.get("schema_revision"))
        head = copies.head_revision()
        if not copies.knows_revision(revision):
            raise BackupFailed(
                f"this backup has schema revision {revision}, newer than this Stonechat knows "
                f"(up to {head}); it was made by Stonechat {manifest.get('stonechat_version')}: "
                "restore it with that version or a newer one"
            )
        target = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        if archive.dialect != target:
            raise BackupFailed(_dialect_mismatch(archive.dialect))
        secret = archive.read_bytes(SECRET)
        secret_path = data_dir / SECRET_FILE
        found = _other_secret(secret_path, secret)
        sqlite = copies.sqlite_path(database_url) if target == "sqlite" else None
        staging_dir = sqlite.parent if sqlite else data_dir
        _make_dirs(data_dir, staging_dir)
        # Opened only once the target is judged: opening a SQLite URL creates its file.
        db: Database | None = None
        try:
            with tempfile.TemporaryDirectory(dir=staging_dir, prefix=".stonechat-restore-") as tmp:
                # The whole archive is read and checked before anything is replaced.
                copy = Path(tmp) / archive.database_member
                await asyncio.to_thread(archive.extract, archive.database_member, copy)
                if sqlite:
                    await asyncio.to_thread(copies.check_sqlite_file, copy)
                    where = str(sqlite)
                    if sqlite.exists():
                        found.append(f"{sqlite} (a database)")
                    _refuse_unless(force, found)
                    await asyncio.to_thread(_replace_sqlite, copy, sqlite)
                    db = Database(database_url, pool_size=2)
                else:
                    where = copies.libpq(database_url)[0]
                    db = Database(database_url, pool_size=2)
                    tables = await copies.public_tables(db)
                    if tables:
                        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
                        found.append(f"database {where} ({len(tables)} tables: {shown})")
                    _refuse_unless(force, found)
                    await copies.drop_public_tables(db, tables)
                    await copies.restore_postgresql(db, copy)
            _write_secret(secret_path, secret)
            await db.upgrade()
            # The restored secret is the database's: this records its fingerprint when the
            # backup predates fingerprints (and proves it against a stored key).
            await check_secret(db, None, data_dir)
        finally:
            if db is not None:
                await db.close()
    restored = Restored(manifest, where, secret_path, head, replaced=found if force else [])
    if secret_key and fingerprint(secret_key.encode()) != fingerprint(secret.strip()):
        restored.warnings.append(
            "STONECHAT_SECRET_KEY (or --secret-key) is set to another secret than the "
            f"backup's, which is now in {secret_path}: a server started with it will refuse "
            "to run. Unset it, or set it to the content of that file."
        )
    return restored


def _check_target(target: Path, database_url: str) -> Path:
    target = target.absolute()
    if not target.parent.is_dir():
        raise BackupFailed(f"cannot write {target}: {target.parent} is not a directory")
    if target.is_dir():
        raise BackupFailed(f"cannot write {target}: it is a directory; name a file")
    if database_url.startswith("sqlite") and not copies.sqlite_path(database_url).exists():
        raise BackupFailed(
            f"no database at {copies.sqlite_path(database_url)}: give the server's --data-dir "
            "(or --database-url)"
        )
    return target


def _make_dirs(*paths: Path) -> None:
    for path in paths:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _dialect_mismatch(dialect: str) -> str:
    if dialect == "sqlite":
        return (
            "this is a backup of a SQLite database; restore it into a data directory "
            "(leave out --database-url); moving to PostgreSQL is not supported by restore"
        )
    return (
        "this is a backup of a PostgreSQL database; give --database-url postgresql://... of "
        "an empty database (moving to SQLite is not supported by restore)"
    )


def _refuse_unless(force: bool, found: list[str]) -> None:
    if found and not force:
        raise BackupFailed(
            "the target is not empty: found "
            + "; ".join(found)
            + ". Restore into a new data directory (--data-dir) or an empty database "
            "(--database-url), or give --force to replace what is there (it is deleted)"
        )


def _other_secret(path: Path, secret: bytes) -> list[str]:
    if path.exists() and not hmac.compare_digest(path.read_bytes().strip(), secret.strip()):
        return [f"{path} (another secret key)"]
    return []


def _replace_sqlite(copy: Path, path: Path) -> None:
    # A write-ahead log left by the replaced database would be replayed into this one.
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    os.replace(copy, path)


def _write_secret(path: Path, secret: bytes) -> None:
    with private_replacement(path) as out:
        out.write(secret)
