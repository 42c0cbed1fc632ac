"""Interoperability: the paho-mqtt client talks to a toy loopback broker built on the codec.

The broker below is only as smart as the test needs (one connection, one client that
subscribes to its own messages), but every byte it reads is decoded by :class:`Decoder`
and every byte it writes comes from :func:`encode`/:func:`encode_publish`, so an
independent client implementation checks both directions for 3.1.1 and MQTT 5.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties as PahoProperties

from stonechat.protocols.mqtt.codec import (
    Connack,
    Connect,
    Decoder,
    Disconnect,
    Packet,
    Pingreq,
    Pingresp,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Suback,
    Subscribe,
    Unsuback,
    Unsubscribe,
    encode,
    encode_publish,
)

TIMEOUT = 5.0


class ToyBroker(threading.Thread):
    """Serve one connection on 127.0.0.1, echoing PUBLISHes to matching subscriptions."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(TIMEOUT)
        self.port: int = self.listener.getsockname()[1]
        self.received: list[Packet] = []
        self.errors: list[BaseException] = []
        self.subscriptions: dict[str, int] = {}
        self.level = 4
        self.next_id = 0

    def run(self) -> None:
        try:
            conn, _ = self.listener.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                decoder = Decoder(max_packet_size=1 << 16)
                while data := conn.recv(4096):
                    for packet in decoder.feed(data):
                        self.received.append(packet)
                        if self.handle(conn, packet):
                            return
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            self.listener.close()

    def send(self, conn: socket.socket, packet: Packet) -> None:
        conn.sendall(encode(packet, self.level))

    def handle(self, conn: socket.socket, packet: Packet) -> bool:
        if isinstance(packet, Connect):
            self.level = packet.protocol_level
            self.send(conn, Connack(False, 0))
        elif isinstance(packet, Subscribe):
            for topic_filter, options in packet.subscriptions:
                self.subscriptions[topic_filter] = options.qos
            codes = [options.qos for _, options in packet.subscriptions]
            self.send(conn, Suback(packet.packet_id, codes))
        elif isinstance(packet, Unsubscribe):
            codes = [
                0 if self.subscriptions.pop(f, None) is not None else 0x11
                for f in packet.topic_filters
            ]
            self.send(conn, Unsuback(packet.packet_id, codes))
        elif isinstance(packet, Publish):
            if packet.qos == 1:
                self.send(conn, Puback(packet.packet_id or 0))
            elif packet.qos == 2:
                self.send(conn, Pubrec(packet.packet_id or 0))
            self.deliver(conn, packet)
        elif isinstance(packet, Pubrel):
            self.send(conn, Pubcomp(packet.packet_id))
        elif isinstance(packet, Pubrec):
            self.send(conn, Pubrel(packet.packet_id))
        elif isinstance(packet, Pingreq):
            self.send(conn, Pingresp())
        return isinstance(packet, Disconnect)

    def deliver(self, conn: socket.socket, packet: Publish) -> None:
        granted = self.subscriptions.get("t/#")
        if granted is None or not packet.topic.startswith("t/"):
            return
        qos = min(granted, packet.qos)
        self.next_id += 1
        wire = encode_publish(
            packet.topic,
            packet.payload,
            qos,
            packet_id=self.next_id if qos else None,
            properties=packet.properties,
            protocol_level=self.level,
        )
        conn.sendall(wire)


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["mqtt311", "mqtt5"])
def test_paho_client_round_trip(protocol: Any) -> None:
    broker = ToyBroker()
    broker.start()
    v5 = protocol == mqtt.MQTTv5
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="paho-1", protocol=protocol)
    client.username_pw_set("user", "secret")
    client.will_set("t/will", b"gone", qos=1, retain=True)
    connected, subscribed, unsubscribed = threading.Event(), threading.Event(), threading.Event()
    messages: list[tuple[str, bytes, int, Any]] = []
    all_received = threading.Event()

    def on_message(_c: Any, _u: Any, msg: Any) -> None:
        props = getattr(msg.properties, "UserProperty", None) if v5 else None
        messages.append((msg.topic, msg.payload, msg.qos, props))
        if len(messages) == 3:
            all_received.set()

    client.on_connect = lambda *_args: connected.set()
    client.on_subscribe = lambda *_args: subscribed.set()
    client.on_unsubscribe = lambda *_args: unsubscribed.set()
    client.on_message = on_message
    client.connect("127.0.0.1", broker.port, keepalive=30)
    client.loop_start()
    try:
        assert connected.wait(TIMEOUT)
        client.subscribe("t/#", qos=2)
        assert subscribed.wait(TIMEOUT)
        properties = None
        if v5:
            properties = PahoProperties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            properties.UserProperty = [("k", "v")]
        for qos in (0, 1, 2):
            client.publish(f"t/{qos}", f"payload-{qos}".encode(), qos=qos, properties=properties)
        assert all_received.wait(TIMEOUT), messages
        client.unsubscribe("t/#")
        assert unsubscribed.wait(TIMEOUT)
        client.disconnect()
    finally:
        client.loop_stop()
        broker.join(TIMEOUT)
    assert not broker.errors, broker.errors
    expected_props = [("k", "v")] if v5 else None
    assert sorted(messages) == [
        (f"t/{qos}", f"payload-{qos}".encode(), qos, expected_props) for qos in (0, 1, 2)
    ]
    connect = broker.received[0]
    assert isinstance(connect, Connect)
    assert connect.protocol_level == (5 if v5 else 4)
    assert (connect.client_id, connect.username, connect.password) == ("paho-1", "user", b"secret")
    assert connect.will is not None and connect.will.topic == "t/will"
    assert (connect.will.payload, connect.will.qos, connect.will.retain) == (b"gone", 1, True)
    kinds = {type(p).__name__ for p in broker.received}
    assert {"Subscribe", "Publish", "Pubrel", "Pubrec", "Puback", "Unsubscribe"} <= kinds
    assert isinstance(broker.received[-1], Disconnect)
