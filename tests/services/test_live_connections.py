"""``ConnectionDirectory``: gathering every process's MQTT connections over the bus and
ending one wherever it is, with three directories on an in-test bus that delivers between
them as Redis would (signals to the others, ``tell`` to one)."""

from __future__ import annotations

from typing import Any

from stonechat.bus.base import Signal, SignalHandler
from stonechat.services.live_connections import ConnectionDirectory


class Net:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}


class Node:
    """The part of ``ClusterBus`` the directory uses."""

    distributed = True

    def __init__(self, net: Net, node: str, answers: bool = True) -> None:
        self.net, self.node, self.answers = net, node, answers
        self.handlers: dict[str, SignalHandler] = {}
        net.nodes[node] = self

    def on(self, kind: str, handler: SignalHandler) -> None:
        self.handlers[kind] = handler

    def broadcast(self, kind: str, body: Signal) -> None:
        for other in self.net.nodes.values():
            if other is not self and other.answers:
                other.handlers[kind](body)

    def tell(self, node: str, kind: str, body: Signal) -> None:
        self.net.nodes[node].handlers[kind](body)


def directory(
    net: Net, name: str, held: list[dict[str, Any]], answers: bool = True
) -> ConnectionDirectory:
    found = ConnectionDirectory(Node(net, name, answers), answer_seconds=0.01)  # type: ignore[arg-type]
    found.list_local = lambda: list(held)

    def end(user_id: int, client_id: str) -> int:
        before = len(held)
        held[:] = [c for c in held if (c["user_id"], c["client_id"]) != (user_id, client_id)]
        return before - len(held)

    found.disconnect_local = end
    return found


def conn(user_id: int, client_id: str) -> dict[str, Any]:
    return {"user_id": user_id, "username": f"u{user_id}", "client_id": client_id}


async def test_gather_and_disconnect_across_processes() -> None:
    net = Net()
    a_held, b_held, c_held = [conn(1, "a1")], [conn(1, "b1"), conn(2, "b2")], [conn(3, "c1")]
    a = directory(net, "A", a_held)
    directory(net, "B", b_held)
    directory(net, "C", c_held, answers=False)  # gone: it does not answer
    gathered = await a.gather()
    assert gathered.nodes == ["A", "B"]
    assert sorted((c["node"], c["client_id"]) for c in gathered.connections) == [
        ("A", "a1"),
        ("B", "b1"),
        ("B", "b2"),
    ]
    assert a.disconnect(2, "b2") == 0  # not here: process B ends it on the signal
    assert b_held == [conn(1, "b1")]
    assert a.disconnect(1, "a1") == 1


async def test_late_or_malformed_answers_are_ignored() -> None:
    net = Net()
    a = directory(net, "A", [])
    net.nodes["A"].handlers["connections answer"]({"id": 99, "node": "B", "connections": []})
    net.nodes["A"].handlers["connections answer"]({"node": "B"})
    net.nodes["A"].handlers["client disconnect"]({"user_id": "x"})
    assert (await a.gather()).connections == []
