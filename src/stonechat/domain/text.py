"""Text every store and protocol can carry: no NUL, valid Unicode, a bounded length.

PostgreSQL cannot hold U+0000 in a text column, and a lone surrogate (``"\\ud800"``, which
Python's JSON reader lets through) cannot be encoded as UTF-8 at all: either would fail a
write or a later read. So any text that may be stored, looked up or echoed is checked here,
at the edge, and refused with 422.
"""

from __future__ import annotations

from stonechat.domain.errors import Invalid

# A path segment names a key (128), ``group.key`` (257) or a name; nothing longer exists.
MAX_SEGMENT_LENGTH = 512


def text_problem(text: str, max_length: int | None = None) -> str | None:
    """Why ``text`` cannot be stored, or ``None`` when it can."""
    if max_length is not None and len(text) > max_length:
        return f"is too long (maximum is {max_length} characters)"
    if "\x00" in text:
        return "may not contain NUL (\\u0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode (it holds a lone surrogate)"
    return None


def check_text(text: str, field: str, max_length: int | None = None) -> str:
    """Return ``text`` unchanged, or raise ``Invalid`` naming ``field``."""
    problem = text_problem(text, max_length)
    if problem is not None:
        raise Invalid(f"{field} {problem}")
    return text
