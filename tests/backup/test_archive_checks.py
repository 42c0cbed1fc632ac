"""What is in an archive, and files that are not (or no longer) a Stonechat backup."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

from backup_files import manifest_of, member_of

from stonechat import __version__
from stonechat.services.installation import fingerprint
from stonechat.storage.backup import head_revision
from support import Server, backend_url, free_port


def restore(server: Server, archive: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    args = ["--data-dir", str(data_dir)]
    if server.database_url:
        args += ["--database-url", server.database_url]  # not empty: never reached
    return subprocess.run(
        [sys.executable, "-m", "stonechat", "restore", str(archive), *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
        check=False,
    )


def test_the_archive_holds_a_manifest_the_secret_and_the_database(
    server: Server, session_backup: Path
) -> None:
    assert stat.S_IMODE(session_backup.stat().st_mode) == 0o600
    with tarfile.open(session_backup) as tar:
        names = tar.getnames()
        modes = {m.name: stat.S_IMODE(m.mode) for m in tar.getmembers()}
    database = "database.sqlite" if server.backend == "sqlite" else "database.pgdump"
    assert names == ["manifest.json", "secret.key", database]
    assert set(modes.values()) == {0o600}
    manifest = manifest_of(session_backup)
    secret = member_of(session_backup, "secret.key")
    assert secret == (server.data_dir / "secret.key").read_bytes()
    assert manifest["format"] == "stonechat-backup"
    assert manifest["format_version"] == 1
    assert manifest["stonechat_version"] == __version__
    assert manifest["dialect"] == server.backend
    assert manifest["schema_revision"] == head_revision()
    assert manifest["secret_source"] == "file"
    assert manifest["secret_fingerprint"] == fingerprint(secret)
    assert secret.decode() not in json.dumps(manifest)
    assert manifest["created_at"].endswith("+00:00")
    assert set(manifest["counts"]) >= {
        "users",
        "feeds",
        "data_points",
        "dashboards",
        "retained_mqtt_messages",
    }
    assert manifest["counts"]["users"] >= 1
    assert set(manifest["files"]) == {"secret.key", database}
    if server.backend == "postgresql":
        assert member_of(session_backup, database).startswith(b"PGDMP")  # pg_dump -Fc
    else:
        assert member_of(session_backup, database).startswith(b"SQLite format 3\0")


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return path


def test_files_that_are_not_a_whole_backup_are_refused(
    server: Server, session_backup: Path, tmp_path: Path
) -> None:
    whole = session_backup.read_bytes()
    manifest = manifest_of(session_backup)
    secret = member_of(session_backup, "secret.key")
    database = next(name for name in manifest["files"] if name.startswith("database."))
    body = member_of(session_backup, database)
    newer = dict(manifest, schema_revision="9999", stonechat_version="9.0.0")
    tampered = dict(manifest)
    tampered["files"] = dict(manifest["files"])
    tampered["files"][database] = {"size": len(body), "sha256": "0" * 64}
    (tmp_path / "garbage.tar").write_bytes(b"this is not an archive at all" * 100)
    (tmp_path / "truncated.tar.gz").write_bytes(whole[: len(whole) // 2])
    cases = {
        tmp_path / "missing.tar": "does not exist",
        tmp_path / "garbage.tar": "is not a Stonechat backup (not a tar archive",
        _tar(tmp_path / "no-manifest.tar", {"notes.txt": b"hello"}): "no manifest.json in it",
        _tar(tmp_path / "bad-json.tar", {"manifest.json": b"{nope"}): "is not JSON",
        _tar(
            tmp_path / "other.tar", {"manifest.json": json.dumps({"format": "other"}).encode()}
        ): "is not a Stonechat manifest",
        tmp_path / "truncated.tar.gz": "is damaged",
        _tar(
            tmp_path / "newer.tar",
            {"manifest.json": json.dumps(newer).encode(), "secret.key": secret, database: body},
        ): "newer than this Stonechat knows",
        _tar(
            tmp_path / "tampered.tar",
            {"manifest.json": json.dumps(tampered).encode(), "secret.key": secret, database: body},
        ): f"{database} does not match its manifest",
        _tar(
            tmp_path / "no-database.tar",
            {"manifest.json": json.dumps(manifest).encode(), "secret.key": secret},
        ): f"no {database} in it",
    }
    for archive, message in cases.items():
        target = tmp_path / f"target-{archive.name}"
        result = restore(server, archive, target)
        assert result.returncode != 0, archive
        assert result.stderr.startswith("error: "), (archive, result.stderr)
        assert message in result.stderr, (archive, result.stderr)
        assert "Traceback" not in result.stderr
        # Nothing half-restored: no database file and no secret key.
        assert not (target / "stonechat.db").exists(), archive
        assert not (target / "secret.key").exists(), archive


def test_backup_to_a_bad_place_fails_with_a_message(server: Server, tmp_path: Path) -> None:
    missing_dir = server.cli("backup", str(tmp_path / "nowhere" / "b.tar"), check=False)
    assert missing_dir.returncode != 0
    assert "is not a directory" in missing_dir.stderr
    into_dir = server.cli("backup", str(tmp_path), check=False)
    assert into_dir.returncode != 0
    assert "it is a directory" in into_dir.stderr
    assert list(tmp_path.iterdir()) == []


def _backup_with_path(
    install: Server, archive: Path, tools: Path
) -> subprocess.CompletedProcess[str]:
    """``stonechat backup`` with only ``tools`` on PATH."""
    return subprocess.run(
        [sys.executable, "-m", "stonechat", "backup", str(archive), *install.cli_args()],
        capture_output=True,
        text=True,
        env={**install.env(), "PATH": str(tools)},
        timeout=60,
        check=False,
    )


def test_a_missing_or_failing_pg_dump_is_reported(tmp_path: Path) -> None:
    for url in backend_url("postgresql"):
        assert url is not None
        install = Server("postgresql", tmp_path / "data", url, free_port(), free_port())
        install.cli("user", "create", "first", "--password", "password123")
        tools = tmp_path / "bin"
        tools.mkdir()
        archive = tmp_path / "b.tar"
        missing = _backup_with_path(install, archive, tools)
        assert missing.returncode != 0
        assert "pg_dump is not installed (not found on PATH)" in missing.stderr
        fake = tools / "pg_dump"
        fake.write_text("#!/bin/sh\necho 'pg_dump: error: server version mismatch' >&2\nexit 1\n")
        fake.chmod(0o755)
        failing = _backup_with_path(install, archive, tools)
        assert failing.returncode != 0
        assert "pg_dump failed (exit status 1): pg_dump: error: server version mismatch" in (
            failing.stderr
        )
        assert "Traceback" not in failing.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "data"]  # no archive
