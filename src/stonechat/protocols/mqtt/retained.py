"""Retained messages of the free-form namespace, bounded per user."""

from __future__ import annotations

from collections.abc import Iterator

from stonechat.protocols.mqtt.messages import Message
from stonechat.protocols.mqtt.router import matches


class RetainedStore:
    def __init__(self, max_per_user: int, max_bytes_per_user: int) -> None:
        self._by_owner: dict[str, dict[str, Message]] = {}
        self._bytes: dict[str, int] = {}
        self.max_per_user = max_per_user
        self.max_bytes_per_user = max_bytes_per_user

    def put(self, owner: str, msg: Message) -> bool:
        """Keep ``msg`` for its topic; an empty payload removes it [MQTT-3.3.1-10]."""
        owned = self._by_owner.setdefault(owner, {})
        old = owned.pop(msg.topic, None)
        used = self._bytes.get(owner, 0) - (len(old.payload) if old else 0)
        if not msg.payload:
            self._bytes[owner] = used
            return True
        if len(owned) >= self.max_per_user or used + len(msg.payload) > self.max_bytes_per_user:
            self._bytes[owner] = used
            return False
        owned[msg.topic] = Message(
            msg.topic, msg.payload, msg.qos, True, msg.properties, msg.expires_at
        )
        self._bytes[owner] = used + len(msg.payload)
        return True

    def matching(self, owner: str, topic_filter: str) -> Iterator[Message]:
        for topic, msg in list(self._by_owner.get(owner, {}).items()):
            if matches(topic_filter, topic):
                yield msg

    def all(self) -> Iterator[tuple[str, Message]]:
        """Every retained message with its owner (for saving at shutdown)."""
        for owner, owned in self._by_owner.items():
            for msg in owned.values():
                yield owner, msg
