"""Retained messages of the free-form namespace, bounded per user, held in a topic tree.

Each owner's retained messages sit in a tree of topic levels, so a new subscription walks
only the branches its filter can match (``+`` one level, ``#`` a whole subtree) instead of
testing every retained topic: the cost of a lookup follows what it finds.
"""

from __future__ import annotations

from collections.abc import Iterator

from stonechat.protocols.mqtt.messages import Message


class _Level:
    """One topic level: the message retained on the topic ending here, and deeper levels."""

    __slots__ = ("children", "message")

    def __init__(self) -> None:
        self.children: dict[str, _Level] = {}
        self.message: Message | None = None


class _Owned:
    """One owner's retained messages: the tree, how many and how many payload bytes."""

    __slots__ = ("bytes", "count", "root")

    def __init__(self) -> None:
        self.root = _Level()
        self.count = 0
        self.bytes = 0


class RetainedStore:
    def __init__(self, max_per_user: int, max_bytes_per_user: int) -> None:
        self._by_owner: dict[str, _Owned] = {}
        self.max_per_user = max_per_user
        self.max_bytes_per_user = max_bytes_per_user

    def forget(self, owner: str) -> None:
        """Drop every retained message of ``owner`` (a deleted user)."""
        self._by_owner.pop(owner, None)

    def put(self, owner: str, msg: Message) -> bool:
        """Keep ``msg`` for its topic; an empty payload removes it [MQTT-3.3.1-10].

        False (and nothing kept, the older message gone) when the owner's count or bytes
        would pass their limit.
        """
        owned = self._by_owner.get(owner)
        if owned is None:
            if not msg.payload:
                return True
            owned = self._by_owner[owner] = _Owned()
        levels = msg.topic.split("/")
        self._remove(owned, levels)
        if not msg.payload:
            if owned.count == 0:
                del self._by_owner[owner]
            return True
        if (
            owned.count >= self.max_per_user
            or owned.bytes + len(msg.payload) > self.max_bytes_per_user
        ):
            if owned.count == 0:
                del self._by_owner[owner]
            return False
        node = owned.root
        for level in levels:
            child = node.children.get(level)
            if child is None:
                child = node.children[level] = _Level()
            node = child
        node.message = Message(
            msg.topic, msg.payload, msg.qos, True, msg.properties, msg.expires_at
        )
        owned.count += 1
        owned.bytes += len(msg.payload)
        return True

    @staticmethod
    def _remove(owned: _Owned, levels: list[str]) -> None:
        """Drop the message on ``levels`` if there is one, and the branches left empty."""
        trail = [owned.root]
        for level in levels:
            child = trail[-1].children.get(level)
            if child is None:
                return
            trail.append(child)
        old = trail[-1].message
        if old is None:
            return
        trail[-1].message = None
        owned.count -= 1
        owned.bytes -= len(old.payload)
        for depth in range(len(levels), 0, -1):
            node = trail[depth]
            if node.children or node.message is not None:
                break
            del trail[depth - 1].children[levels[depth - 1]]

    def get(self, owner: str, topic: str) -> Message | None:
        """The message retained on exactly ``topic``."""
        owned = self._by_owner.get(owner)
        if owned is None:
            return None
        node = owned.root
        for level in topic.split("/"):
            child = node.children.get(level)
            if child is None:
                return None
            node = child
        return node.message

    def matching(self, owner: str, topic_filter: str) -> Iterator[Message]:
        """The retained messages whose topics ``topic_filter`` matches [MQTT-4.7.1]."""
        owned = self._by_owner.get(owner)
        if owned is None:
            return iter(())
        return iter(_walk(owned.root, topic_filter.split("/")))

    def count(self, owner: str) -> int:
        owned = self._by_owner.get(owner)
        return owned.count if owned is not None else 0

    def total(self) -> tuple[int, int]:
        """Retained messages and their payload bytes, of every owner (metrics)."""
        owned = list(self._by_owner.values())
        return sum(o.count for o in owned), sum(o.bytes for o in owned)

    def all(self) -> Iterator[tuple[str, Message]]:
        """Every retained message with its owner (for saving at shutdown)."""
        for owner, owned in list(self._by_owner.items()):
            for msg in _below(owned.root):
                yield owner, msg


def _walk(root: _Level, levels: list[str]) -> list[Message]:
    """Messages under ``root`` whose topics the filter ``levels`` matches.

    ``+`` takes every child of one level, ``#`` the level it stands on and everything below
    (``a/#`` matches ``a`` too [MQTT-4.7.1-2]). A filter starting with a wildcard does not
    match topics whose first level starts with ``$`` [MQTT-4.7.2-1].
    """
    found: list[Message] = []
    stack: list[tuple[_Level, int]] = [(root, 0)]
    last = len(levels)
    while stack:
        node, depth = stack.pop()
        if depth == last:
            if node.message is not None:
                found.append(node.message)
            continue
        level = levels[depth]
        if level == "#":
            if node.message is not None and depth > 0:
                found.append(node.message)
            for name, child in node.children.items():
                if depth == 0 and name.startswith("$"):
                    continue
                found.extend(_below(child))
            continue
        if level == "+":
            for name, child in node.children.items():
                if depth == 0 and name.startswith("$"):
                    continue
                stack.append((child, depth + 1))
            continue
        exact = node.children.get(level)
        if exact is not None:
            stack.append((exact, depth + 1))
    return found


def _below(node: _Level) -> Iterator[Message]:
    """Every message on ``node`` and the levels under it."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.message is not None:
            yield current.message
        stack.extend(current.children.values())
