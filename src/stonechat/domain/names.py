"""Names and keys of users, feeds, groups and dashboards (rest-api.md §4)."""

from __future__ import annotations

import re

from stonechat.domain.errors import Invalid

MAX_NAME_LENGTH = 128
MAX_KEY_LENGTH = 128

_FEED_NAME = re.compile(r"[A-Za-z0-9 _\-]+")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_KEY = re.compile(r"[a-z0-9]+(?:-+[a-z0-9]+)*")
_NOT_KEY_CHARS = re.compile(r"[^a-z0-9]+")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,63}")
RESERVED_USERNAMES = frozenset({"time", "api", "webhooks", "user", "mqtt"})


def key_from_name(name: str) -> str:
    """Derive a URL-safe key: lowercase, runs of other characters become one dash."""
    key = _NOT_KEY_CHARS.sub("-", name.lower()).strip("-")
    return key[:MAX_KEY_LENGTH].strip("-")


def check_feed_name(name: str) -> str:
    """Return the trimmed feed name or raise ``Invalid`` with Adafruit IO's wording."""
    name = name.strip()
    if not name:
        raise Invalid("Validation failed: Name can't be blank")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"Validation failed: Name is too long (maximum is {MAX_NAME_LENGTH})")
    if not _FEED_NAME.fullmatch(name):
        raise Invalid(
            "Validation failed: Name may contain only letters, digits, underscores, "
            "spaces, or dashes"
        )
    if not _HAS_LETTER.search(name):
        raise Invalid("Validation failed: Name must contain at least one letter")
    return name


def check_title(name: str, what: str) -> str:
    """Names of groups and dashboards: any text, not blank, at most 128 characters."""
    name = name.strip()
    if not name:
        raise Invalid(f"Validation failed: {what} name can't be blank")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"Validation failed: {what} name is too long (maximum is 128)")
    if not key_from_name(name):
        raise Invalid(f"Validation failed: {what} name must contain a letter or digit")
    return name


def check_key(key: str) -> str:
    """A key given by the client: lowercase letters, digits and dashes."""
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise Invalid(
            "Validation failed: Key may contain only lowercase letters, digits and dashes"
        )
    return key


def is_key(text: str) -> bool:
    """True when ``text`` is already a valid key."""
    return len(text) <= MAX_KEY_LENGTH and _KEY.fullmatch(text) is not None


def check_username(username: str) -> str:
    """Usernames appear in MQTT topics, so they never hold ``/``, ``+`` or ``#``."""
    if not _USERNAME.fullmatch(username):
        raise Invalid(
            "Validation failed: username must be 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    if username.lower() in RESERVED_USERNAMES:
        raise Invalid(f"Validation failed: username '{username}' is reserved")
    return username
