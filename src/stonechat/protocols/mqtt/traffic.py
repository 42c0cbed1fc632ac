"""Packets and bytes through the broker, counted as plain numbers on the hot path.

Every packet passes here, so the counting is the cheapest Python allows: one list slot per
possible first byte of a packet (its type in the high nibble, PUBLISH's QoS in the flags),
bumped by the decoder for packets in and by ``Connection.send`` for packets out; bytes once
per read and per write. Metrics (``stonechat.metrics``) fold the slots into packet types
when they are scraped.
"""

from __future__ import annotations

from stonechat.protocols.mqtt.codec import PacketType

# Names of the packet types, by the high nibble of the first byte (0 is reserved).
PACKET_NAMES: dict[int, str] = {int(t): t.name.lower() for t in PacketType}


class Traffic:
    """What went through the broker's connections of this process since it started."""

    __slots__ = ("bytes_in", "bytes_out", "packets_in", "packets_out")

    def __init__(self) -> None:
        self.packets_in = [0] * 256  # by first byte
        self.packets_out = [0] * 256
        self.bytes_in = 0
        self.bytes_out = 0

    @staticmethod
    def by_type(tally: list[int]) -> dict[str, int]:
        """Packets per type name from a first-byte tally."""
        counts = dict.fromkeys(PACKET_NAMES.values(), 0)
        for first, count in enumerate(tally):
            if count:
                name = PACKET_NAMES.get(first >> 4)
                if name is not None:
                    counts[name] += count
        return counts
