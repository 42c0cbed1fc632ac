"""The backup archive: a tar (gzip when the name ends in .gz or .tgz) holding

- ``manifest.json``: what the backup is (format, Stonechat version, schema revision,
  dialect, time, row counts, and the size and SHA-256 of each other member);
- ``secret.key``: the secret the AIO keys were stored with;
- ``database.sqlite`` (a SQLite file) or ``database.pgdump`` (``pg_dump -Fc``).

It is written to a temporary file (mode 0600: it holds the secret and all data) beside the
target and renamed over it once complete, so the target is never half an archive.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from stonechat.domain.errors import BackupFailed
from stonechat.storage.private_files import private_replacement

FORMAT = "stonechat-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET = "secret.key"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
_READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


def file_digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def bytes_digest(body: bytes) -> dict[str, Any]:
    return {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    return info


def write_archive(
    target: Path, manifest: dict[str, Any], secret: bytes, database: Path, db_name: str
) -> None:
    """Write the archive to ``target`` whole or not at all, 0600."""
    compressed = target.name.endswith((".gz", ".tgz"))
    with (
        private_replacement(target) as raw,
        tarfile.open(fileobj=raw, mode="w:gz" if compressed else "w") as tar,
    ):
        body = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
        tar.addfile(_info(MANIFEST, len(body)), io.BytesIO(body))
        tar.addfile(_info(SECRET, len(secret)), io.BytesIO(secret))
        with database.open("rb") as f:
            tar.addfile(_info(db_name, database.stat().st_size), f)


class Archive:
    """An opened backup archive whose manifest has been read and checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by __exit__
        except FileNotFoundError:
            raise BackupFailed(f"{path} does not exist") from None
        except _READ_ERRORS as error:
            raise BackupFailed(
                f"{path} is not a Stonechat backup (not a tar archive: {error})"
            ) from None
        try:
            self.manifest = self._read_manifest()
        except BaseException:
            self._tar.close()
            raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self._tar.close()

    def _not_a_backup(self, why: str) -> BackupFailed:
        return BackupFailed(f"{self.path} is not a Stonechat backup ({why})")

    def _read_manifest(self) -> dict[str, Any]:
        try:
            member = self._tar.getmember(MANIFEST)
            reader = self._tar.extractfile(member)
            if reader is None:
                raise self._not_a_backup(f"{MANIFEST} is not a file")
            manifest = json.loads(reader.read(CHUNK))
        except KeyError:
            raise self._not_a_backup(f"no {MANIFEST} in it") from None
        except ValueError as error:
            raise self._not_a_backup(f"{MANIFEST} is not JSON: {error}") from None
        except _READ_ERRORS as error:
            raise BackupFailed(f"{self.path} is damaged: {error}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise self._not_a_backup(f"{MANIFEST} is not a Stonechat manifest")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupFailed(
                f"{self.path} is a backup of format {version}, newer than this Stonechat "
                f"reads ({FORMAT_VERSION}): restore it with the Stonechat that made it "
                f"({manifest.get('stonechat_version')}) or a newer one"
            )
        if manifest.get("dialect") not in DATABASE_FILES:
            raise self._not_a_backup(f"unknown database {manifest.get('dialect')!r}")
        if not isinstance(manifest.get("files"), dict):
            raise self._not_a_backup("the manifest lists no files")
        return manifest

    @property
    def dialect(self) -> str:
        return str(self.manifest["dialect"])

    @property
    def database_member(self) -> str:
        return DATABASE_FILES[self.dialect]

    @contextlib.contextmanager
    def _member(self, name: str) -> Iterator[IO[bytes]]:
        try:
            reader = self._tar.extractfile(self._tar.getmember(name))
        except KeyError:
            raise BackupFailed(f"{self.path} is incomplete: no {name} in it") from None
        except _READ_ERRORS as error:
            raise BackupFailed(f"{self.path} is damaged: {error}") from None
        if reader is None:
            raise BackupFailed(f"{self.path} is damaged: {name} is not a file")
        yield reader

    def read_bytes(self, name: str) -> bytes:
        """A small member, checked against the manifest."""
        with self._member(name) as reader:
            try:
                body = reader.read()
            except _READ_ERRORS as error:
                raise BackupFailed(f"{self.path} is damaged: {error}") from None
        self._check(name, len(body), hashlib.sha256(body).hexdigest())
        return body

    def extract(self, name: str, target: Path) -> None:
        """Copy a member to the new file ``target`` (mode 0600), checked against the manifest."""
        digest = hashlib.sha256()
        size = 0
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, self._member(name) as reader:
            try:
                while chunk := reader.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            except _READ_ERRORS as error:
                raise BackupFailed(f"{self.path} is damaged: {error}") from None
            out.flush()
            os.fsync(out.fileno())
        self._check(name, size, digest.hexdigest())

    def _check(self, name: str, size: int, sha256: str) -> None:
        listed = self.manifest["files"].get(name)
        if not isinstance(listed, dict):
            raise BackupFailed(f"{self.path} is damaged: {name} is not in its manifest")
        if listed.get("size") != size or listed.get("sha256") != sha256:
            raise BackupFailed(
                f"{self.path} is damaged: {name} does not match its manifest "
                f"({size} bytes, expected {listed.get('size')})"
            )
