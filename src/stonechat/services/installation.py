"""The secret key an installation was created with, and the check that every process uses it.

AIO keys are stored hashed and encrypted with the secret (services/secrets.py): a process
started with another secret would refuse every key, silently. So the database records a
fingerprint of the secret when it is first opened with one (an HMAC, which does not reveal
the secret), and every server, worker and command checks its secret against it before it
does anything else. A database from before the fingerprint is checked against a stored key
instead, then gets its fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path

from stonechat.domain.errors import WrongSecret
from stonechat.services.secrets import SECRET_FILE, KeyVault, load_or_create_secret
from stonechat.storage.database import Database
from stonechat.storage.installation import InstallationStore

log = logging.getLogger(__name__)

FINGERPRINT = "secret_fingerprint"
SOURCE = "secret_source"  # "variable" (STONECHAT_SECRET_KEY) or "file" (<data-dir>/secret.key)
SHORT = 12  # hex digits of a fingerprint shown in messages


@dataclass(frozen=True)
class Secret:
    """A secret key and where it came from."""

    value: bytes
    source: str  # "variable" or "file"
    path: Path

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.value)

    def describe(self) -> str:
        if self.source == "variable":
            return "STONECHAT_SECRET_KEY (or --secret-key)"
        return str(self.path)


def fingerprint(secret: bytes) -> str:
    """Names a secret without revealing it: HMAC-SHA256 keyed with the secret, in hex."""
    return hmac.new(secret, b"stonechat secret fingerprint", hashlib.sha256).hexdigest()


def find_secret(configured: str | None, data_dir: Path) -> Secret | None:
    """The configured secret, or the data directory's secret.key; None when neither exists
    (nothing is created here)."""
    path = data_dir / SECRET_FILE
    if not configured and not path.exists():
        return None
    return Secret(
        load_or_create_secret(configured, data_dir), "variable" if configured else "file", path
    )


async def check_secret(
    db: Database, configured: str | None, data_dir: Path, *, record: bool = True
) -> Secret:
    """The secret to use with ``db``; raises ``WrongSecret`` when it is not the database's.

    With ``record`` (servers, account commands) a new database gets the fingerprint of the
    secret in use, and a missing secret.key is created for a database without keys.
    Without it (backup) nothing is written.
    """
    store = InstallationStore(db)
    has_table = await store.has_table()
    expected = await store.get(FINGERPRINT) if has_table else None
    expected_source = await store.get(SOURCE) if has_table else None
    secret = find_secret(configured, data_dir)
    if secret is None:
        if expected is not None or await store.one_stored_key() is not None:
            raise WrongSecret(_missing(expected, expected_source, data_dir))
        if not record:
            raise WrongSecret(
                f"no secret key: {data_dir / SECRET_FILE} does not exist and "
                "STONECHAT_SECRET_KEY is not set; give the server's --data-dir or its secret"
            )
        load_or_create_secret(None, data_dir)
        secret = find_secret(None, data_dir)
        assert secret is not None
    if expected is None:
        # No fingerprint yet: a new database, or one from before fingerprints. Its keys
        # were stored with the secret it was made with: check one.
        stored = await store.one_stored_key()
        if stored is not None and not _opens(secret.value, *stored):
            raise WrongSecret(_mismatch(secret, None, None, data_dir))
        if not (record and has_table):
            return secret
        now = await store.put_first({FINGERPRINT: secret.fingerprint, SOURCE: secret.source})
        expected, expected_source = now[FINGERPRINT], now[SOURCE]
        if expected == secret.fingerprint:
            log.info(
                "recorded the fingerprint %s of the secret key from %s in the database%s",
                expected[:SHORT],
                secret.describe(),
                " (checked against a stored AIO key)" if stored else "",
            )
    if not hmac.compare_digest(expected, secret.fingerprint):
        raise WrongSecret(_mismatch(secret, expected, expected_source, data_dir))
    return secret


def _opens(secret: bytes, key_hash: str, key_enc: str) -> bool:
    vault = KeyVault(secret)
    try:
        key = vault.decrypt(key_enc)
    except ValueError:
        return False
    return hmac.compare_digest(vault.hash(key), key_hash)


def _origin(source: str | None) -> str:
    if source == "variable":
        return "it was given as STONECHAT_SECRET_KEY"
    if source == "file":
        return "it was kept in secret.key in the data directory of the server that created it"
    return "its AIO keys were stored with it"


def _how_to_fix(data_dir: Path) -> str:
    return (
        f"copy secret.key from the first server into {data_dir} (and leave "
        "STONECHAT_SECRET_KEY unset), or set STONECHAT_SECRET_KEY to the same value on every host"
    )


def _mismatch(
    secret: Secret, expected: str | None, expected_source: str | None, data_dir: Path
) -> str:
    known = f" (fingerprint {expected[:SHORT]}…; {_origin(expected_source)})" if expected else ""
    return (
        f"this database was created with a different secret key{known}; the secret in use "
        f"comes from {secret.describe()} (fingerprint {secret.fingerprint[:SHORT]}…) and "
        f"would make every stored AIO key fail. To fix it, {_how_to_fix(data_dir)}"
    )


def _missing(expected: str | None, expected_source: str | None, data_dir: Path) -> str:
    known = f" (fingerprint {expected[:SHORT]}…; {_origin(expected_source)})" if expected else ""
    return (
        f"this database was created with a secret key{known}, but {data_dir / SECRET_FILE} "
        "does not exist and STONECHAT_SECRET_KEY is not set. To fix it, "
        f"{_how_to_fix(data_dir)}"
    )
