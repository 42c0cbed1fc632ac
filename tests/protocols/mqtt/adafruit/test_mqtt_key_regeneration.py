"""Regenerating a key (here with the CLI, another process) ends that user's MQTT sessions."""

from __future__ import annotations

import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from support import Server


def _connect(server: Server, username: str, key: str) -> tuple[mqtt.Client, threading.Event, list]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set(username, key)
    connected = threading.Event()
    gone = threading.Event()
    result: list = []

    def on_connect(_c, _u, _f, reason_code, _p):  # type: ignore[no-untyped-def]
        result.append(reason_code.value)
        connected.set()

    def on_disconnect(_c, _u, _f, reason_code, _p):  # type: ignore[no-untyped-def]
        result.append(("disconnect", reason_code.value))
        gone.set()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.connect("127.0.0.1", server.mqtt_port, keepalive=30)
    client.loop_start()
    assert connected.wait(5)
    return client, gone, result


def test_regenerated_key_disconnects_and_old_key_is_refused(server: Server) -> None:
    username, old_key = server.create_user("regen")
    client, gone, result = _connect(server, username, old_key)
    try:
        assert result == [0]
        new_key = (
            server.cli("user", "key", username, "--regenerate").stdout.strip().splitlines()[-1]
        )
        assert new_key != old_key
        assert gone.wait(8), "the session signed in with the old key was not ended"
        assert result[-1] == ("disconnect", 0x98)  # administrative action
    finally:
        client.loop_stop()
        client.disconnect()

    deadline = time.monotonic() + 5
    while True:  # the server caches keys for about a second
        again, _gone, again_result = _connect(server, username, old_key)
        again.loop_stop()
        again.disconnect()
        if again_result[0] == 0x86 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert again_result[0] == 0x86  # bad user name or password

    fresh, fresh_gone, fresh_result = _connect(server, username, new_key)
    try:
        assert fresh_result == [0]
        assert not fresh_gone.wait(3)  # the new key's session stays up through a key check
    finally:
        fresh.loop_stop()
        fresh.disconnect()
