"""26-character ULID-style ids for data points (Crockford base32, time-ordered)."""

from __future__ import annotations

import os

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_RANDOM_MAX = (1 << _RANDOM_BITS) - 1


class UlidGenerator:
    """Monotonic ULIDs: ids made in the same millisecond still sort in creation order."""

    def __init__(self) -> None:
        self._last_ms = -1
        self._last_random = 0

    def new(self, ms: int) -> str:
        """A new id whose time part is ``ms`` (milliseconds since the epoch)."""
        if ms == self._last_ms and self._last_random < _RANDOM_MAX:
            self._last_random += 1
        else:
            self._last_ms = ms
            # Keep the top bit clear so increments within one millisecond never overflow.
            self._last_random = int.from_bytes(os.urandom(10), "big") >> 1
        return encode(ms, self._last_random)


def encode(ms: int, randomness: int) -> str:
    """Encode a 48-bit millisecond time and 80 random bits as 26 base32 characters."""
    value = ((ms & 0xFFFFFFFFFFFF) << _RANDOM_BITS) | (randomness & _RANDOM_MAX)
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_ulid(text: str) -> bool:
    """True for a 26-character string of the Crockford alphabet."""
    return len(text) == 26 and all(c in _ALPHABET for c in text.upper())
