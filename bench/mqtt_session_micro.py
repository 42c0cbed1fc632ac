"""Microbenchmark: the cost of one QoS 1 delivery and its PUBACK inside ``Session``.

No sockets, no event loop: 100 sessions of one user each get a QoS 1 message (one shared
encoding cache, as the fan-out does) and then acknowledge it, ``--messages`` times. Prints
microseconds per delivery + acknowledgement (``--qos 0``: per QoS 0 delivery, nothing to
acknowledge). Compare two checkouts with PYTHONPATH:

    PYTHONPATH=/path/to/old/src .venv/bin/python bench/mqtt_session_micro.py
    .venv/bin/python bench/mqtt_session_micro.py
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace
from typing import Any

from stonechat.protocols.mqtt.messages import Encodings, Message, Subscription
from stonechat.protocols.mqtt.session import Session


class NullLink:
    """A connection that accepts every write and keeps nothing."""

    closed = False

    def send(self, data: bytes) -> None:
        pass

    def send_droppable(self, data: bytes) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--qos", type=int, choices=(0, 1), default=1)
    args = parser.parse_args()
    user: Any = SimpleNamespace(id=1, username="u")
    options: dict[str, Any] = {"max_inflight": 100, "max_queued": 1000}
    try:  # the byte bounds came with issue 11; older checkouts have none
        from stonechat.protocols.mqtt.budget import QueueBudget

        options["budget"] = QueueBudget(16 << 20, 64 << 20)
    except ImportError:
        pass
    sessions = []
    for i in range(args.sessions):
        session = Session(user, f"c{i}", **options)
        session.conn = NullLink()  # type: ignore[assignment]
        sessions.append(session)
    sub = Subscription("u/x", args.qos)
    msg = Message("u/x", b"1234567890", args.qos)
    for _ in range(args.rounds):
        started = time.perf_counter()
        for _ in range(args.messages):
            cache: Encodings = {}
            for session in sessions:
                session.deliver(msg, sub, cache)
            if args.qos:
                for session in sessions:
                    for packet_id in list(session.inflight):
                        session.acknowledged(packet_id)
        seconds = time.perf_counter() - started
        per = seconds / (args.messages * args.sessions) * 1e6
        what = "QoS 1 delivery + acknowledgement" if args.qos else "QoS 0 delivery"
        print(f"{per:.2f} us per {what}")


if __name__ == "__main__":
    main()
