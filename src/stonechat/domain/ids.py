"""26-character ULID-style ids for data points (Crockford base32, time-ordered)."""

from __future__ import annotations

import hashlib
import random

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two characters (10 bits) per lookup: 13 lookups make the 26 characters of an id.
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)
_SHIFTS = tuple(range(120, -1, -10))
_RANDOM_SHIFTS = tuple(range(70, -1, -10))
_RANDOM_BITS = 80
_RANDOM_MAX = (1 << _RANDOM_BITS) - 1


class UlidGenerator:
    """Monotonic ULIDs: ids made in the same millisecond still sort in creation order."""

    def __init__(self) -> None:
        self._last_ms = -1
        self._last_random = 0
        self._prefix = ""

    def new(self, ms: int) -> str:
        """A new id whose time part is ``ms`` (milliseconds since the epoch)."""
        if ms == self._last_ms and self._last_random < _RANDOM_MAX:
            self._last_random += 1
        else:
            self._last_ms = ms
            # Keep the top bit clear so increments within one millisecond never overflow.
            # Ids need to be unique and ordered, not secret: data is read with a key.
            self._last_random = random.getrandbits(_RANDOM_BITS - 1)
            self._prefix = encode(ms, 0)[:10]
        # The time part (10 characters) is shared by every id of one millisecond.
        r = self._last_random
        return self._prefix + "".join([_PAIRS[(r >> shift) & 1023] for shift in _RANDOM_SHIFTS])


def encode(ms: int, randomness: int) -> str:
    """Encode a 48-bit millisecond time and 80 random bits as 26 base32 characters."""
    value = ((ms & 0xFFFFFFFFFFFF) << _RANDOM_BITS) | (randomness & _RANDOM_MAX)
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


def derived(ms: int, seed: str) -> str:
    """A ULID of time ``ms`` whose random part is made from ``seed``: the same seed gives the
    same id on every run (an imported point's id, where the source's cannot be kept)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return encode(ms, int.from_bytes(digest[:10], "big"))


def is_ulid(text: str) -> bool:
    """True for a 26-character string of the Crockford alphabet."""
    return len(text) == 26 and all(c in _ALPHABET for c in text.upper())


def time_of(ulid: str) -> int | None:
    """The millisecond time part of an id made by ``UlidGenerator``; None if not a ULID."""
    if not is_ulid(ulid):
        return None
    ms = 0
    for c in ulid[:10].upper():
        ms = ms * 32 + _ALPHABET.index(c)
    return ms
