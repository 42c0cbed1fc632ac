"""Micro-benchmark of the MQTT codec: decode and encode_publish throughput in packets/s.

Run: ``.venv/bin/python bench/mqtt_codec.py [--seconds 1.0]``. Single process, no I/O;
each case is repeated for about ``--seconds`` and the best of three runs is reported.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

from stonechat.protocols.mqtt.codec import (
    Decoder,
    Properties,
    Publish,
    encode,
    encode_properties,
    encode_publish,
    publish_with_packet_id,
)

TOPIC = "alice/feeds/temperature"
PAYLOAD_SMALL = b"21.5"
PAYLOAD_1K = bytes(1024)
PROPS = Properties(message_expiry_interval=3600, user_properties=(("source", "bench"),))


def _rate(label: str, per_call: int, func: Callable[[], object], seconds: float) -> None:
    best = 0.0
    for _ in range(3):
        calls = 0
        start = time.perf_counter()
        deadline = start + seconds / 3
        while True:
            for _ in range(100):
                func()
            calls += 100
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, calls * per_call / (now - start))
    print(f"{label:<52} {best:>12,.0f} packets/s")


def bench_decode(seconds: float) -> None:
    """Decode batches of PUBLISH packets as they would arrive in one TCP segment."""
    for level in (4, 5):
        props = PROPS if level == 5 else None
        for qos, payload in ((0, PAYLOAD_SMALL), (1, PAYLOAD_SMALL), (1, PAYLOAD_1K)):
            packet = Publish(TOPIC, payload, qos, packet_id=7 if qos else None)
            if props is not None:
                packet.properties = props
            batch = encode(packet, level) * 50
            decoder = Decoder(server_side=False, protocol_level=level)
            label = f"decode v{level} PUBLISH qos{qos} {len(payload)}B x50/feed"
            _rate(label, 50, functools.partial(decoder.feed, batch), seconds)
        # the same stream split in 100-byte chunks (partial packets buffered)
        chunks = [batch[i : i + 100] for i in range(0, len(batch), 100)]
        decoder = Decoder(server_side=False, protocol_level=level)

        def feed_chunks(d: Decoder = decoder, c: list[bytes] = chunks) -> None:
            for chunk in c:
                d.feed(chunk)

        _rate(f"decode v{level} PUBLISH qos1 1KiB, 100B chunks", 50, feed_chunks, seconds)


def bench_encode(seconds: float) -> None:
    """The fan-out encoder and per-subscriber packet id patching."""
    raw_topic = TOPIC.encode()
    props_block = encode_properties(PROPS)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("encode_publish v4 qos0 str topic", lambda: encode_publish(TOPIC, PAYLOAD_SMALL)),
        ("encode_publish v4 qos0 bytes topic", lambda: encode_publish(raw_topic, PAYLOAD_SMALL)),
        (
            "encode_publish v4 qos1 1KiB",
            lambda: encode_publish(TOPIC, PAYLOAD_1K, 1, packet_id=9),
        ),
        (
            "encode_publish v5 qos0 no properties",
            lambda: encode_publish(TOPIC, PAYLOAD_SMALL, protocol_level=5),
        ),
        (
            "encode_publish v5 qos1 Properties",
            lambda: encode_publish(
                TOPIC, PAYLOAD_SMALL, 1, packet_id=9, properties=PROPS, protocol_level=5
            ),
        ),
        (
            "encode_publish v5 qos1 pre-encoded properties",
            lambda: encode_publish(
                raw_topic, PAYLOAD_SMALL, 1, packet_id=9, properties=props_block, protocol_level=5
            ),
        ),
    ]
    for label, func in cases:
        _rate(label, 1, func, seconds)
    shared = encode_publish(TOPIC, PAYLOAD_1K, 1, packet_id=1)
    _rate("publish_with_packet_id 1KiB", 1, lambda: publish_with_packet_id(shared, 42), seconds)


def main() -> None:
    """Run every benchmark case."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per case")
    args = parser.parse_args()
    bench_decode(args.seconds)
    bench_encode(args.seconds)


if __name__ == "__main__":
    main()
