"""The server secret: keys are looked up by HMAC and stored encrypted with it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import string
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from stonechat.storage.private_files import make_private_dir

KEY_ALPHABET = string.ascii_letters + string.digits
KEY_PREFIX = "aio_"
KEY_RANDOM_LENGTH = 28
SECRET_FILE = "secret.key"  # in the data directory, unless STONECHAT_SECRET_KEY is set


def load_or_create_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret, or the one kept in ``<data_dir>/secret.key`` (made once)."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_bytes().strip()
    make_private_dir(data_dir)
    value = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, value)
    finally:
        os.close(fd)
    return value


class KeyVault:
    """Hashes AIO keys for lookup and encrypts them so their owner can see them again."""

    def __init__(self, secret: bytes) -> None:
        self._hmac_key = hashlib.sha256(b"stonechat-key-hash:" + secret).digest()
        fernet_key = hashlib.sha256(b"stonechat-key-enc:" + secret).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(fernet_key))

    @staticmethod
    def new_key() -> str:
        return KEY_PREFIX + "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_RANDOM_LENGTH))

    def hash(self, key: str) -> str:
        return hmac.new(self._hmac_key, key.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, key: str) -> str:
        return self._fernet.encrypt(key.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError(
                "this AIO key was stored with another secret key; set STONECHAT_SECRET_KEY "
                "to the original, or regenerate the key"
            ) from None
