"""Topic Name and Topic Filter syntax (MQTT 5 section 4.7, 4.8.2; MQTT 3.1.1 section 4.7).

The decoder enforces the Topic Name rules on PUBLISH and Will topics itself. Topic Filter
syntax is *not* enforced by the decoder, because an MQTT 5 server answers a bad filter
with SUBACK/UNSUBACK reason code 0x8F rather than by closing the connection: the broker
calls :func:`is_valid_topic_filter` per filter.
"""

from __future__ import annotations

from typing import Final

from .errors import TOPIC_NAME_INVALID, ProtocolError

SHARED_PREFIX: Final = "$share/"


def check_topic_name(topic: str, *, allow_empty: bool = False) -> None:
    """Raise ``ProtocolError(0x90)`` unless ``topic`` is a valid Topic Name.

    A Topic Name is at least one character long [MQTT-4.7.3-1] (an MQTT 5 PUBLISH that
    carries a Topic Alias may have an empty one, pass ``allow_empty=True``) and contains no
    wildcard characters [MQTT-3.3.2-2].
    """
    if not topic and not allow_empty:
        raise ProtocolError(TOPIC_NAME_INVALID, "empty topic name [MQTT-4.7.3-1]")
    if "+" in topic or "#" in topic:
        raise ProtocolError(TOPIC_NAME_INVALID, "wildcard in topic name [MQTT-3.3.2-2]")


def is_valid_topic_name(topic: str) -> bool:
    """Return whether ``topic`` is a non-empty Topic Name without wildcards."""
    return bool(topic) and "+" not in topic and "#" not in topic


def is_shared_subscription(topic_filter: str) -> bool:
    """Return whether ``topic_filter`` names a shared subscription (``$share/...``)."""
    return topic_filter.startswith(SHARED_PREFIX)


def split_shared_subscription(topic_filter: str) -> tuple[str | None, str]:
    """Split ``$share/{ShareName}/{filter}`` into ``(ShareName, filter)``.

    A non-shared filter is returned as ``(None, topic_filter)``. The result is not
    validated; use :func:`is_valid_topic_filter` for that.
    """
    if not topic_filter.startswith(SHARED_PREFIX):
        return None, topic_filter
    share_name, _, rest = topic_filter[len(SHARED_PREFIX) :].partition("/")
    return share_name, rest


def _is_valid_plain_filter(topic_filter: str) -> bool:
    if not topic_filter:
        return False  # [MQTT-4.7.3-1]
    if "+" not in topic_filter and "#" not in topic_filter:
        return True
    levels = topic_filter.split("/")
    last = len(levels) - 1
    for index, level in enumerate(levels):
        if "#" in level:
            # [MQTT-4.7.1-1] '#' must stand alone as the last level (MQTT 3.1.1 [MQTT-4.7.1-2])
            if level != "#" or index != last:
                return False
        elif "+" in level and level != "+":
            # [MQTT-4.7.1-2] '+' must occupy an entire level (MQTT 3.1.1 [MQTT-4.7.1-3])
            return False
    return True


def is_valid_topic_filter(topic_filter: str, *, allow_shared: bool = True) -> bool:
    """Return whether ``topic_filter`` is a syntactically valid Topic Filter.

    Checks the wildcard placement rules [MQTT-4.7.1-1]/[MQTT-4.7.1-2], the non-empty rule
    [MQTT-4.7.3-1] and, for ``$share/{ShareName}/{filter}``, that the ShareName is not
    empty and has no ``/``, ``+`` or ``#`` and that a filter follows it
    [MQTT-4.8.2-1]/[MQTT-4.8.2-2]. Pass ``allow_shared=False`` for MQTT 3.1.1, where
    ``$share/...`` is an ordinary filter.
    """
    if allow_shared and topic_filter.startswith(SHARED_PREFIX):
        rest = topic_filter[len(SHARED_PREFIX) :]
        share_name, slash, inner = rest.partition("/")
        if not share_name or not slash or "+" in share_name or "#" in share_name:
            return False
        return _is_valid_plain_filter(inner)
    return _is_valid_plain_filter(topic_filter)


__all__ = [
    "SHARED_PREFIX",
    "check_topic_name",
    "is_shared_subscription",
    "is_valid_topic_filter",
    "is_valid_topic_name",
    "split_shared_subscription",
]
