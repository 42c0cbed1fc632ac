"""MQTT over WebSocket at ``/mqtt`` on the HTTP port (subprotocol ``mqtt``, mqtt-api.md §1)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from mqtt_adafruit_helpers import Client, connected, rest, values
from websockets.sync.client import connect as ws_connect

from stonechat.protocols.mqtt.codec import (
    Connack,
    Connect,
    Decoder,
    Puback,
    Publish,
    Suback,
    Subscribe,
    SubscriptionOptions,
    encode,
)
from support import Server


@pytest.fixture(params=[4, 5], ids=["v311", "v5"])
def version(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def ws(server: Server, user: tuple[str, str], version: int) -> Iterator[Client]:
    client = Client(server.http_port, *user, version=version, transport="websockets")
    assert client.connect() == 0
    with client:
        yield client


@pytest.fixture
def api(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    with rest(server, *user) as client:
        yield client


def test_subscribe_publish_receive_over_websocket(
    ws: Client, api: httpx.Client, user: tuple[str, str]
) -> None:
    u = user[0]
    assert ws.subscribe(f"{u}/f/ws", f"{u}/f/ws/json", qos=1) == [1, 1]
    assert ws.publish(f"{u}/f/ws", "over-ws", qos=1) == 0
    got = {m.topic: m for m in ws.take(2)}
    assert (got[f"{u}/f/ws"].text, got[f"{u}/f/ws"].qos) == ("over-ws", 1)
    assert json.loads(got[f"{u}/f/ws/json"].payload)["value"] == "over-ws"
    assert values(api, "ws") == ["over-ws"]
    # /get and REST-written points arrive over the WebSocket too.
    assert ws.publish(f"{u}/f/ws/get", b"", qos=1) == 0
    msg = ws.next()
    assert (msg.topic, msg.text) == (f"{u}/f/ws", "over-ws")
    assert api.post("/feeds/ws/data", json={"value": "from-rest"}).status_code == 200
    assert sorted((m.topic, m.text) for m in ws.take(2))[0] == (f"{u}/f/ws", "from-rest")


def test_websocket_and_tcp_clients_see_each_other(
    server: Server, ws: Client, user: tuple[str, str], version: int
) -> None:
    u = user[0]
    with connected(server, *user, version=version) as tcp:
        assert tcp.subscribe(f"{u}/f/bridge") == [0]
        assert ws.subscribe(f"{u}/f/bridge") == [0]
        assert ws.publish(f"{u}/f/bridge", "from-ws", qos=1) == 0
        assert tcp.publish(f"{u}/f/bridge", "from-tcp", qos=1) == 0
        assert [m.text for m in tcp.take(2)] == ["from-ws", "from-tcp"]
        assert [m.text for m in ws.take(2)] == ["from-ws", "from-tcp"]


def test_large_message_over_websocket(ws: Client, user: tuple[str, str]) -> None:
    u = user[0]
    payload = bytes(range(256)) * 400  # 100 KB, binary, on a free-form topic
    assert ws.subscribe(f"{u}/blob") == [0]
    assert ws.publish(f"{u}/blob", payload, qos=1) == 0
    assert ws.next().payload == payload


def test_wrong_key_over_websocket_is_refused(
    server: Server, user: tuple[str, str], version: int
) -> None:
    client = Client(server.http_port, user[0], "0" * 32, version=version, transport="websockets")
    assert client.connect() == (0x86 if version == 5 else 0x87)
    client.paho.loop_stop()


def test_subprotocol_and_packets_split_across_frames(
    server: Server, user: tuple[str, str], api: httpx.Client
) -> None:
    u, key = user
    url = f"ws://127.0.0.1:{server.http_port}/mqtt"
    with ws_connect(url, subprotocols=["mqtt"]) as sock:  # type: ignore[list-item]
        assert sock.subprotocol == "mqtt"
        decoder = Decoder(server_side=False, protocol_level=4)
        connect = encode(Connect(keep_alive=30, username=u, password=key.encode()), 4)
        sock.send(connect[:5])  # one CONNECT in two frames
        sock.send(connect[5:])

        pending: list[object] = []

        def receive() -> object:
            while not pending:
                pending.extend(decoder.feed(sock.recv(timeout=5)))  # type: ignore[arg-type]
            return pending.pop(0)

        assert receive() == Connack(reason_code=0)
        both = encode(Subscribe(1, [(f"{u}/f/frames", SubscriptionOptions(qos=1))]), 4) + encode(
            Publish(f"{u}/f/frames", b"2-in-1", qos=1, packet_id=2), 4
        )
        sock.send(both)  # two packets in one frame
        assert receive() == Suback(1, [1])
        first, second = receive(), receive()
        assert {type(first), type(second)} == {Puback, Publish}
        delivered = first if isinstance(first, Publish) else second
        assert isinstance(delivered, Publish)
        assert (delivered.topic, delivered.payload, delivered.qos) == (
            f"{u}/f/frames",
            b"2-in-1",
            1,
        )
    assert values(api, "frames") == ["2-in-1"]


def test_websocket_without_a_subprotocol_is_still_mqtt(
    server: Server, user: tuple[str, str]
) -> None:
    u, key = user
    with ws_connect(f"ws://127.0.0.1:{server.http_port}/mqtt") as sock:
        assert sock.subprotocol is None
        sock.send(encode(Connect(keep_alive=30, username=u, password=key.encode()), 4))
        assert Decoder(server_side=False, protocol_level=4).feed(sock.recv(timeout=5)) == [
            Connack(reason_code=0)
        ]
