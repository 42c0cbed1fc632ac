"""The data rate and bans over MQTT (mqtt-api.md §1, §3.5, §7), with paho on 3.1.1 and 5 and
raw CONNECT packets for the exact CONNACK codes."""

from __future__ import annotations

import json

import httpx
import pytest
from mqtt_adafruit_helpers import Client, Raw, connected, rest, wait_for

from stonechat.protocols.mqtt.codec import (
    Connack,
    Connect,
    Suback,
    Subscribe,
    SubscriptionOptions,
)
from support import Server

from .conftest import LIMIT

BANNED_30 = "enforcement limit reached, your account is banned for 30 seconds"


@pytest.fixture(params=[4, 5], ids=["v311", "v5"])
def version(request: pytest.FixtureRequest) -> int:
    return int(request.param)


def count(api: httpx.Client, feed: str) -> int:
    response = api.get(f"/feeds/{feed}/data")
    return len(response.json()) if response.status_code == 200 else 0


def raw_connect(server: Server, username: str, key: str, level: int) -> int:
    """The CONNACK code of one CONNECT. 3.1.1 codes 6 and 7 are Adafruit IO's own, which
    our (strict) client-side decoder refuses: read those four bytes by hand."""
    raw = Raw(server.mqtt_port, level)
    try:
        raw.send(
            Connect(protocol_level=level, keep_alive=30, username=username, password=key.encode())
        )
        if level == 5:
            return int(raw.recv(Connack).reason_code)
        data = b""
        while len(data) < 4:
            chunk = raw.sock.recv(4 - len(data))
            assert chunk, "connection closed before CONNACK"
            data += chunk
        assert data[:2] == b"\x20\x02", data
        return data[3]
    finally:
        raw.close()


def test_publishes_over_the_rate_are_dropped_and_announced(
    limited: Server, fresh: tuple[str, str], version: int
) -> None:
    u, key = fresh
    with connected(limited, u, key, version=version) as mq, rest(limited, u, key) as api:
        assert mq.subscribe(f"{u}/throttle", f"{u}/throttle/json", f"{u}/errors") == [0, 0, 0]
        for i in range(LIMIT):
            assert mq.publish(f"{u}/feeds/temp", str(i), qos=1) == 0
        code = mq.publish(f"{u}/feeds/temp", "late", qos=1)
        assert code == (0x97 if version == 5 else 0)  # 3.1.1 has no failure PUBACK
        text, notice = sorted(mq.take(2), key=lambda m: m.topic)
        assert text.topic == f"{u}/throttle"
        assert text.text.startswith(f"{u} data rate limit reached, ")
        assert text.text.endswith(" seconds until throttle released")
        seconds = int(text.text.split(", ")[1].split()[0])
        assert 1 <= seconds <= 60
        assert notice.topic == f"{u}/throttle/json"
        body = json.loads(notice.payload)
        assert body["type"] == "throttle" and body["reason"] == "data_rate"
        assert body["username"] == u and body["limit"] == LIMIT
        assert body["window_seconds"] == 60 and body["retry_after"] == seconds
        assert body["topic"] == f"{u}/feeds/temp" and body["message"] == text.text
        assert body["until"].endswith("Z")
        assert mq.barrier() == []  # nothing on errors: throttling is not an error
        assert count(api, "temp") == LIMIT
        # QoS 0 is dropped the same way.
        mq.publish(f"{u}/feeds/temp", "late0", qos=0)
        assert {m.topic for m in mq.take(2)} == {f"{u}/throttle", f"{u}/throttle/json"}
        assert count(api, "temp") == LIMIT
        throttle = api.get("/throttle").json()
        assert (throttle["data_rate_limit"], throttle["active_data_rate"]) == (LIMIT, LIMIT)


def test_group_publish_counts_one_point_per_value(
    limited: Server, fresh: tuple[str, str], version: int
) -> None:
    u, key = fresh
    with connected(limited, u, key, version=version) as mq, rest(limited, u, key) as api:
        assert api.post("/groups", json={"group": {"name": "g"}}).status_code in (200, 201)
        three = json.dumps({"feeds": {"a": 1, "b": 2, "c": 3}})
        assert mq.publish(f"{u}/groups/g/json", three, qos=1) == 0
        code = mq.publish(f"{u}/groups/g/json", three, qos=1)
        assert code == (0x97 if version == 5 else 0)
        assert api.get("/throttle").json()["active_data_rate"] == 3
        assert [count(api, f"g.{k}") for k in "abc"] == [1, 1, 1]


def test_failed_publishes_ban(limited: Server, fresh: tuple[str, str], version: int) -> None:
    """More than 10 refused PUBLISHes in a minute ban the user for 30 s; while banned,
    PUBLISH and SUBSCRIBE are refused and CONNECT gets CONNACK 7 / 0x8A."""
    u, key = fresh
    with connected(limited, u, key, version=version) as mq, rest(limited, u, key) as api:
        assert mq.subscribe(f"{u}/errors", f"{u}/throttle/json") == [0, 0]
        for _ in range(10):
            mq.publish("nowhere", "x", qos=1)
        errors = mq.take(10)
        assert all("not a valid resource topic" in m.text for m in errors)
        assert mq.barrier() == []  # ten refusals are tolerated
        mq.publish("nowhere", "x", qos=1)  # the eleventh
        got = mq.take(3)
        errors = [m.text for m in got if m.topic == f"{u}/errors"]
        assert errors[0].endswith("not a valid resource topic")
        assert errors[1] == BANNED_30
        notice = json.loads(next(m for m in got if m.topic == f"{u}/throttle/json").payload)
        assert notice["type"] == "ban" and notice["reason"] == "failed_publishes"
        assert notice["seconds"] == 30 and notice["message"] == BANNED_30
        # Banned: even a good publish is refused, and nothing is stored.
        code = mq.publish(f"{u}/feeds/ok", "1", qos=1)
        assert code == (0x87 if version == 5 else 0)
        blocked = "rejected, user is temporarily blocked"
        assert mq.next().text.endswith(f"PUBLISH {u}/feeds/ok {blocked}")
        assert count(api, "ok") == 0
        refused = 0x87 if version == 5 else 0x80
        assert mq.subscribe(f"{u}/feeds/ok") == [refused]
        assert mq.next().text.endswith(f"SUBSCRIBE {u}/feeds/ok {blocked}")
        throttle = api.get("/throttle").json()
        assert throttle["hourly_ban_rate"] == 1
        assert throttle["mqtt_ban_error_message"] in (
            BANNED_30,
            "enforcement limit reached, your account is banned for 29 seconds",
        )
    assert raw_connect(limited, u, key, version) == (0x8A if version == 5 else 7)
    # HTTP keeps working: bans are about MQTT abuse.
    with rest(limited, u, key) as api:
        assert api.post("/feeds/http/data", json={"value": 1}).status_code == 200


def test_failed_sign_ins_over_20_a_minute(
    limited: Server, fresh: tuple[str, str], version: int
) -> None:
    """Successful connections are not counted; the 21st failed sign-in in a minute bans."""
    u, key = fresh
    watcher = Client(limited.mqtt_port, u, key, version=version)
    assert watcher.connect() == 0
    assert watcher.subscribe(f"{u}/errors") == [0]
    with watcher:
        for _ in range(30):  # more good connections than the rate: all fine
            assert raw_connect(limited, u, key, version) == 0
        for _ in range(20):
            assert raw_connect(limited, u, "wrong key", version) == (0x86 if version == 5 else 5)
        # The 21st failure exceeds the rate, and bans.
        assert raw_connect(limited, u, "wrong key", version) == (0x9F if version == 5 else 6)
        assert watcher.next().text == BANNED_30
        assert raw_connect(limited, u, key, version) == (0x8A if version == 5 else 7)


def test_subscribe_floods_ban(limited: Server, fresh: tuple[str, str], version: int) -> None:
    u, key = fresh
    with connected(limited, u, key, version=version) as mq, rest(limited, u, key) as api:
        assert mq.subscribe(f"{u}/errors") == [0]
        for i in range(99):  # 100 SUBSCRIBEs with the one above
            assert mq.subscribe(f"{u}/feeds/f{i}") == [0]
        wait_for(lambda: api.get("/throttle").json()["subscribe_authorization_rate"] == 100)
        assert api.get("/throttle").json()["mqtt_ban_error_message"] is None
        assert mq.subscribe(f"{u}/feeds/one-more") == [0]  # the 101st, granted, then the ban
        assert mq.next().text == BANNED_30


def test_failed_subscribes_ban(limited: Server, fresh: tuple[str, str], version: int) -> None:
    u, key = fresh
    other = limited.create_user("other")[0]
    refused = 0x87 if version == 5 else 0x80
    with connected(limited, u, key, version=version) as mq:
        assert mq.subscribe(f"{u}/errors") == [0]
        assert mq.subscribe(*[f"{other}/errors/{i}" for i in range(10)]) == [refused] * 10
        assert len(mq.take(10)) == 10
        assert mq.subscribe(f"{other}/errors") == [refused]  # the eleventh
        texts = [m.text for m in mq.take(2)]
        assert texts[0].endswith("rejected, resource not available or not authorized")
        assert texts[1] == BANNED_30


def test_publishing_on_after_the_throttle_bans(
    limited: Server, fresh: tuple[str, str], version: int
) -> None:
    """30 publishes dropped for the data rate within a minute are tolerated; the 31st bans."""
    u, key = fresh
    with connected(limited, u, key, version=version) as mq:
        assert mq.subscribe(f"{u}/errors") == [0]
        for i in range(LIMIT + 30):
            mq.publish(f"{u}/feeds/t", str(i), qos=1)
        assert mq.barrier() == []
        code = mq.publish(f"{u}/feeds/t", "again", qos=1)
        assert code == (0x97 if version == 5 else 0)
        assert mq.next().text == BANNED_30
        assert mq.publish(f"{u}/feeds/t", "banned", qos=1) == (0x87 if version == 5 else 0)


def test_raw_subscribe_while_banned_gets_failure_codes(
    limited: Server, fresh: tuple[str, str]
) -> None:
    """A SUBSCRIBE with several filters from a banned user: every one refused (3.1.1)."""
    u, key = fresh
    raw = Raw(limited.mqtt_port, 4)
    raw.send(Connect(protocol_level=4, keep_alive=30, username=u, password=key.encode()))
    assert raw.recv(Connack).reason_code == 0
    with connected(limited, u, key) as mq, rest(limited, u, key) as api:
        for _ in range(11):
            mq.publish("nowhere", "x", qos=1)
        wait_for(lambda: api.get("/throttle").json()["mqtt_ban_error_message"])
    raw.send(
        Subscribe(1, [(f"{u}/feeds/a", SubscriptionOptions()), (f"{u}/b", SubscriptionOptions())])
    )
    assert raw.recv(Suback).reason_codes == [0x80, 0x80]
    raw.close()
