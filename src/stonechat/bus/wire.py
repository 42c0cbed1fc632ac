"""Bus messages on the wire between processes: compact JSON (orjson).

A data message carries the events of one commit. Feed and datum travel as lists of their
fields in declaration order, so a message is small and decoding is one constructor call. A
point written by an MQTT PUBLISH also carries the publish QoS and its origin
``[node, user id, client id]`` (min QoS and No Local in every process).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import orjson

from stonechat.bus.events import ANY_QOS, FeedEvent, Origin
from stonechat.domain.records import Datum, Feed

_FEED_FIELDS = tuple(f.name for f in fields(Feed))
_DATUM_FIELDS = tuple(f.name for f in fields(Datum))
_MEMBER_GROUPS = _FEED_FIELDS.index("member_groups")


def encode_events(origin: str, events: list[FeedEvent]) -> bytes:
    return orjson.dumps(
        {
            "o": origin,
            "e": [
                [
                    e.username,
                    [getattr(e.feed, name) for name in _FEED_FIELDS],
                    [getattr(e.datum, name) for name in _DATUM_FIELDS],
                    e.batch,
                    *_mqtt(e),
                ]
                for e in events
            ],
            # Action chain depths, only when a point has one (``FeedEvent.chain``).
            **({"c": [e.chain for e in events]} if any(e.chain for e in events) else {}),
        }
    )


def decode_events(data: bytes) -> tuple[str, list[FeedEvent]]:
    """``(origin, events)``; raises ValueError/TypeError/KeyError on a malformed message."""
    message = orjson.loads(data)
    chains = message.get("c") or []
    events = []
    for index, (username, feed_values, datum_values, batch, *mqtt) in enumerate(message["e"]):
        feed_values[_MEMBER_GROUPS] = tuple(feed_values[_MEMBER_GROUPS])
        qos, origin = ANY_QOS, None
        if mqtt:  # written by an MQTT PUBLISH (or will)
            qos = int(mqtt[0])
            if mqtt[1] is not None:
                node, user_id, client_id = mqtt[1]
                origin = Origin(str(node), int(user_id), str(client_id))
        events.append(
            FeedEvent(
                str(username),
                Feed(*feed_values),
                Datum(*datum_values),
                int(batch),
                qos,
                origin,
                int(chains[index]) if index < len(chains) else 0,
            )
        )
    return str(message["o"]), events


def _mqtt(e: FeedEvent) -> list[Any]:
    origin = e.origin
    if origin is None:
        return [] if e.qos == ANY_QOS else [e.qos, None]
    return [e.qos, [origin.node, origin.user_id, origin.client_id]]


def encode_signal(origin: str, kind: str, body: dict[str, Any]) -> bytes:
    return orjson.dumps({"o": origin, "k": kind, "b": body})


def decode_signal(data: bytes) -> tuple[str, str, dict[str, Any]]:
    message = orjson.loads(data)
    body = message["b"]
    if not isinstance(body, dict):
        raise ValueError("signal body is not an object")
    return str(message["o"]), str(message["k"]), body
