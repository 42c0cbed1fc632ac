"""Subscription matching: an exact-topic dict plus a wildcard trie (``+`` and ``#``).

Filters are indexed per owner namespace (the first topic level), so a publish only looks at
subscriptions that can match it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class _Node(Generic[T]):
    children: dict[str, _Node[T]] = field(default_factory=dict)
    # Subscriptions whose filter ends at this node, and those ending in "#" here.
    here: dict[object, tuple[str, T]] = field(default_factory=dict)
    multi: dict[object, tuple[str, T]] = field(default_factory=dict)


class Router(Generic[T]):
    """Maps topic filters to subscribers. A subscriber holds one entry per filter."""

    def __init__(self) -> None:
        self._exact: dict[str, dict[object, T]] = {}
        self._root: _Node[T] = _Node()
        self.count = 0

    def add(self, topic_filter: str, subscriber: object, value: T) -> None:
        if "+" not in topic_filter and "#" not in topic_filter:
            bucket = self._exact.setdefault(topic_filter, {})
            if subscriber not in bucket:
                self.count += 1
            bucket[subscriber] = value
            return
        node = self._root
        levels = topic_filter.split("/")
        for level in levels[:-1] if levels[-1] == "#" else levels:
            child = node.children.get(level)
            if child is None:  # not setdefault: that builds a node for every level
                child = node.children[level] = _Node()
            node = child
        target = node.multi if levels[-1] == "#" else node.here
        if subscriber not in target:
            self.count += 1
        target[subscriber] = (topic_filter, value)

    def remove(self, topic_filter: str, subscriber: object) -> bool:
        if "+" not in topic_filter and "#" not in topic_filter:
            bucket = self._exact.get(topic_filter)
            if bucket is None or bucket.pop(subscriber, None) is None:
                return False
            if not bucket:
                del self._exact[topic_filter]
            self.count -= 1
            return True
        levels = topic_filter.split("/")
        path = levels[:-1] if levels[-1] == "#" else levels
        trail = [self._root]
        for level in path:
            child = trail[-1].children.get(level)
            if child is None:
                return False
            trail.append(child)
        target = trail[-1].multi if levels[-1] == "#" else trail[-1].here
        if target.pop(subscriber, None) is None:
            return False
        self.count -= 1
        for depth in range(len(path), 0, -1):  # prune empty branches
            node = trail[depth]
            if node.children or node.here or node.multi:
                break
            del trail[depth - 1].children[path[depth - 1]]
        return True

    def exact(self, topic: str) -> dict[object, T] | None:
        """Subscribers whose filter is exactly ``topic`` (no wildcard)."""
        return self._exact.get(topic)

    def has_wildcards(self) -> bool:
        return bool(self._root.children or self._root.multi)

    def wildcards(self) -> Iterator[tuple[object, str, T]]:
        """Every wildcard subscription, whatever it matches."""
        stack = [self._root]
        while stack:
            node = stack.pop()
            for subscriber, (topic_filter, value) in node.here.items():
                yield subscriber, topic_filter, value
            for subscriber, (topic_filter, value) in node.multi.items():
                yield subscriber, topic_filter, value
            stack.extend(node.children.values())

    def match(self, topic: str) -> Iterator[tuple[object, str, T]]:
        """Every ``(subscriber, filter, value)`` whose filter matches ``topic``."""
        bucket = self._exact.get(topic)
        if bucket:
            for subscriber, value in bucket.items():
                yield subscriber, topic, value
        if self._root.children or self._root.multi:
            yield from self._wild(topic.split("/"))

    def match_wild(self, topic: str) -> Iterator[tuple[object, str, T]]:
        """Only the wildcard filters matching ``topic``: the trie walk, no exact filters."""
        if self._root.children or self._root.multi:
            yield from self._wild(topic.split("/"))

    def _wild(self, levels: list[str]) -> Iterator[tuple[object, str, T]]:
        # [MQTT-4.7.2-1]: filters starting with a wildcard do not match "$" topics.
        dollar = levels[0].startswith("$")
        stack: list[tuple[_Node[T], int]] = [(self._root, 0)]
        while stack:
            node, depth = stack.pop()
            if node.multi and not (dollar and depth == 0):
                for subscriber, (topic_filter, value) in node.multi.items():
                    yield subscriber, topic_filter, value
            if depth == len(levels):
                for subscriber, (topic_filter, value) in node.here.items():
                    yield subscriber, topic_filter, value
                continue
            child = node.children.get(levels[depth])
            if child is not None:
                stack.append((child, depth + 1))
            plus = node.children.get("+")
            if plus is not None and not (dollar and depth == 0):
                stack.append((plus, depth + 1))


def matches(topic_filter: str, topic: str) -> bool:
    """Whether one filter matches one topic (used for retained messages)."""
    f_levels = topic_filter.split("/")
    t_levels = topic.split("/")
    if t_levels[0].startswith("$") and f_levels[0] in ("+", "#"):
        return False
    for i, level in enumerate(f_levels):
        if level == "#":
            return True
        if i >= len(t_levels) or (level != "+" and level != t_levels[i]):
            return False
    return len(f_levels) == len(t_levels)
