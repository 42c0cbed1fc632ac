"""The topic grammar and payload formats of mqtt-api.md §3 and §5 with paho-mqtt 2.x.

Every test runs with MQTT 3.1.1 and 5.0 on both backends. Values are checked both on the
wire and in the database through REST.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mqtt_adafruit_helpers import Client, connected, rest, values

from support import Server


@pytest.fixture(params=[4, 5], ids=["v311", "v5"])
def version(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def mq(server: Server, user: tuple[str, str], version: int) -> Iterator[Client]:
    with connected(server, *user, version=version) as client:
        yield client


@pytest.fixture
def api(server: Server, user: tuple[str, str]) -> Iterator[httpx.Client]:
    with rest(server, *user) as client:
        yield client


@pytest.fixture
def u(user: tuple[str, str]) -> str:
    return user[0]


def last(api: httpx.Client, feed: str) -> dict[str, Any]:
    response = api.get(f"/feeds/{feed}/data/last")
    assert response.status_code == 200, response.text
    return dict(response.json())


def located(datum: dict[str, Any]) -> tuple[Any, ...]:
    return (datum["value"], datum["lat"], datum["lon"], datum["ele"])


def topics(messages: list[Any]) -> list[tuple[str, str]]:
    return [(m.topic, m.text) for m in messages]


# --- feed topics -------------------------------------------------------------------------------


def test_feeds_and_f_prefixes_are_the_same_feed(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.subscribe(f"{u}/feeds/door", f"{u}/f/door") == [0, 0]
    assert mq.publish(f"{u}/f/door", "open", qos=1) == 0
    assert mq.publish(f"{u}/feeds/door", "closed", qos=1) == 0
    got = sorted(topics(mq.take(4)))
    assert got == [
        (f"{u}/f/door", "closed"),
        (f"{u}/f/door", "open"),
        (f"{u}/feeds/door", "closed"),
        (f"{u}/feeds/door", "open"),
    ]
    assert values(api, "door") == ["open", "closed"]


def test_publish_by_name_creates_the_feed_and_name_subscribers_get_it(
    mq: Client, api: httpx.Client, u: str
) -> None:
    # Subscribing creates nothing; the first publish does (mqtt-api.md §4.2).
    assert mq.subscribe(f"{u}/f/Kitchen Temp", f"{u}/feeds/kitchen-temp") == [0, 0]
    assert api.get("/feeds/kitchen-temp").status_code == 404
    assert mq.publish(f"{u}/f/Kitchen Temp", "19.5", qos=1) == 0
    # Each subscriber gets the point on the exact topic string it subscribed with.
    assert sorted(topics(mq.take(2))) == [
        (f"{u}/f/Kitchen Temp", "19.5"),
        (f"{u}/feeds/kitchen-temp", "19.5"),
    ]
    feed = api.get("/feeds/kitchen-temp").json()
    assert (feed["name"], feed["key"]) == ("Kitchen Temp", "kitchen-temp")
    assert values(api, "kitchen-temp") == ["19.5"]
    assert mq.barrier() == []


def test_renamed_feed_reaches_subscribers_of_its_new_name(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert api.post("/feeds/porch-light/data", json={"value": "0"}).status_code == 200
    assert mq.subscribe(f"{u}/f/porch-light", f"{u}/f/Porch Lamp") == [0, 0]
    renamed = api.patch("/feeds/porch-light", json={"feed": {"name": "Porch Lamp"}})
    assert (renamed.json()["name"], renamed.json()["key"]) == ("Porch Lamp", "porch-light")
    assert mq.publish(f"{u}/f/porch-light", "1", qos=1) == 0
    assert sorted(topics(mq.barrier())) == [(f"{u}/f/Porch Lamp", "1"), (f"{u}/f/porch-light", "1")]


def test_account_and_integration_topics_are_subscribable(mq: Client, u: str) -> None:
    filters = [
        f"{u}/errors",
        f"{u}/throttle",
        f"{u}/integration/words/1",
        f"{u}/integrations/words/1",
        f"{u}/integration/weather/2/forecast_days_5",
        f"{u}/integration/air_quality/3/current",
    ]
    assert mq.subscribe(*filters) == [0] * len(filters)
    # Integration topics are accepted and stay silent on this server.
    assert mq.publish(f"{u}/integration/words/1", "x", qos=1) == 0
    assert mq.barrier() == []


def test_invalid_feed_name_is_not_created(mq: Client, api: httpx.Client, u: str) -> None:
    code = mq.publish(f"{u}/f/bad*name", "1", qos=1)
    assert code == (0 if mq.version == 4 else 0x90)
    assert api.get("/feeds").json() == []


def test_json_topic_carries_the_rest_datum(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.subscribe(f"{u}/f/place/json") == [0]
    body = '{"value": 22.587, "lat": 38.1123, "lon": -91.2325, "ele": 112}'
    assert mq.publish(f"{u}/f/place/json", body, qos=1) == 0
    received = json.loads(mq.next().payload)
    stored = last(api, "place")
    assert located(stored) == ("22.587", 38.1123, -91.2325, 112.0)
    assert received == api.get(f"/feeds/place/data/{stored['id']}").json()
    assert received["feed_key"] == "place"
    assert received["location"] == {"lat": 38.1123, "lon": -91.2325, "ele": 112.0}


def test_json_on_the_raw_topic_is_read_as_json(mq: Client, api: httpx.Client, u: str) -> None:
    # Ruby publishes its JSON record to the plain feed topic.
    assert mq.subscribe(f"{u}/f/ruby") == [0]
    assert mq.publish(f"{u}/f/ruby", '{"value":"on","lat":1.5,"lon":2.5,"ele":3}', qos=1) == 0
    assert mq.next().text == "on"
    assert located(last(api, "ruby")) == ("on", 1.5, 2.5, 3.0)


def test_json_without_value_is_stored_whole(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.publish(f"{u}/f/blob", '{"temp":21,"hum":40}', qos=1) == 0
    assert mq.publish(f"{u}/f/blob/json", '{"a":[1,2]}', qos=1) == 0
    assert values(api, "blob") == ['{"temp":21,"hum":40}', '{"a":[1,2]}']


def test_json_object_value_is_reserialised_compactly(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.publish(f"{u}/f/obj/json", '{"value": {"x": 1, "y": [true, null]}}', qos=1) == 0
    assert mq.publish(f"{u}/f/obj/json", '"double encoded"', qos=1) == 0
    assert values(api, "obj") == ['{"x":1,"y":[true,null]}', "double encoded"]


def test_csv_topic_sends_and_receives_value_lat_lon_ele(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert mq.subscribe(f"{u}/f/gps/csv") == [0]
    assert mq.publish(f"{u}/f/gps/csv", "22.587,38.1123,-91.2325,112", qos=1) == 0
    assert mq.next().text == "22.587,38.1123,-91.2325,112.0"
    assert located(last(api, "gps")) == ("22.587", 38.1123, -91.2325, 112.0)
    # The same as REST's "MQTT compatible CSV".
    assert api.get("/feeds/gps/data/retain").text == "22.587,38.1123,-91.2325,112.0"
    # A plain value is valid CSV too; unset location fields are empty.
    assert mq.publish(f"{u}/f/gps/csv", "5", qos=1) == 0
    assert mq.next().text == "5,,,"
    assert located(last(api, "gps")) == ("5", None, None, None)


def test_csv_subscriber_gets_values_with_commas_quoted(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert mq.subscribe(f"{u}/f/text/csv") == [0]
    assert api.post("/feeds/text/data", json={"value": 'a,b "c"'}).status_code == 200
    assert mq.next().text == '"a,b ""c""",,,'


def test_arduino_quoted_csv_values(mq: Client, api: httpx.Client, u: str) -> None:
    # AdafruitIO_Data::toCSV: quoted value, %f numbers, zeros when no location was set.
    assert mq.publish(f"{u}/f/ard/csv", '"21.50",0.000000,0.000000,0.000000', qos=1) == 0
    assert located(last(api, "ard")) == ("21.50", 0.0, 0.0, 0.0)
    assert mq.publish(f"{u}/f/ard/csv", '"hello, world",40.712800,-74.006000,10.00', qos=1) == 0
    assert located(last(api, "ard")) == ("hello, world", 40.7128, -74.006, 10.0)


def test_arduino_scientific_notation(mq: Client, api: httpx.Client, u: str) -> None:
    # AVR dtostre: every number in scientific notation.
    payload = '"2.5000000000e+00",4.2000000000e+01,-7.1500000000e+01,1.0000000000e+02'
    assert mq.publish(f"{u}/f/avr/csv", payload, qos=1) == 0
    assert located(last(api, "avr")) == ("2.5000000000e+00", 42.0, -71.5, 100.0)


def test_circuitpython_csv_with_spaces(mq: Client, api: httpx.Client, u: str) -> None:
    # IO_MQTT.publish(feed, value, metadata="lat, lon, ele") -> "value,lat, lon, ele".
    assert mq.publish(f"{u}/f/cp/csv", "21.5,40.7128, -74.0060, 10", qos=1) == 0
    assert located(last(api, "cp")) == ("21.5", 40.7128, -74.006, 10.0)


def test_group_dot_key_topic(mq: Client, api: httpx.Client, u: str) -> None:
    assert api.post("/groups", json={"name": "garden"}).status_code == 201
    assert mq.subscribe(f"{u}/feeds/garden.soil", f"{u}/f/garden.soil/csv") == [0, 0]
    assert mq.publish(f"{u}/feeds/garden.soil", "33", qos=1) == 0
    assert sorted(topics(mq.take(2))) == [
        (f"{u}/f/garden.soil/csv", "33,,,"),
        (f"{u}/feeds/garden.soil", "33"),
    ]
    assert [d["value"] for d in api.get("/groups/garden/feeds/soil/data").json()] == ["33"]


def test_a_group_feed_does_not_reach_the_default_feed_with_the_same_key(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert api.post("/groups", json={"name": "attic"}).status_code == 201
    assert api.post("/feeds/temp/data", json={"value": "1"}).status_code == 200
    assert api.post("/groups/attic/feeds/temp/data", json={"value": "2"}).status_code == 200
    assert mq.subscribe(f"{u}/f/temp", f"{u}/f/attic.temp") == [0, 0]
    assert mq.publish(f"{u}/f/attic.temp", "20", qos=1) == 0
    assert mq.publish(f"{u}/f/temp", "10", qos=1) == 0
    assert sorted(topics(mq.take(2))) == [(f"{u}/f/attic.temp", "20"), (f"{u}/f/temp", "10")]
    assert mq.barrier() == []
    assert values(api, "temp") == ["1", "10"]
    assert values(api, "attic.temp") == ["2", "20"]


def test_rest_writes_reach_every_format(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.subscribe(f"{u}/f/rest", f"{u}/f/rest/csv", f"{u}/f/rest/json") == [0, 0, 0]
    response = api.post("/feeds/rest/data", json={"value": "7", "lat": 1, "lon": 2})
    assert response.status_code == 200
    got = {m.topic: m.payload for m in mq.take(3)}
    assert got[f"{u}/f/rest"] == b"7"
    assert got[f"{u}/f/rest/csv"] == b"7,1.0,2.0,"
    assert json.loads(got[f"{u}/f/rest/json"]) == response.json()
    assert mq.barrier() == []


# --- /get ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "payload", "expected"),
    [
        ("", b"", "hot"),  # Python receive(): empty payload
        ("", b"\x00", "hot"),  # CircuitPython get(): one NUL byte
        ("/csv", b"", "hot,51.5,-0.1,"),  # Arduino: /csv/get, reply in CSV
        ("/json", b"", None),  # reply is the JSON datum
    ],
    ids=["raw-empty", "raw-nul", "csv", "json"],
)
def test_get_replies_on_the_subscribed_topic(
    mq: Client, api: httpx.Client, u: str, suffix: str, payload: bytes, expected: str | None
) -> None:
    assert api.post("/feeds/oven/data", json={"value": "cold"}).status_code == 200
    point = api.post("/feeds/oven/data", json={"value": "hot", "lat": 51.5, "lon": -0.1})
    topic = f"{u}/f/oven{suffix}"
    assert mq.subscribe(topic) == [0]
    assert mq.publish(f"{topic}/get", payload, qos=1) == 0
    msg = mq.next()
    assert msg.topic == topic
    if expected is None:
        assert json.loads(msg.payload) == point.json()
    else:
        assert msg.text == expected
    assert mq.barrier() == []  # one reply only
    assert values(api, "oven") == ["cold", "hot"]  # /get stores nothing


def test_get_on_the_feeds_prefix_and_by_name(mq: Client, api: httpx.Client, u: str) -> None:
    created = api.post("/feeds", json={"feed": {"name": "Front Door"}})
    assert created.status_code == 201
    assert api.post("/feeds/front-door/data", json={"value": "locked"}).status_code == 200
    assert mq.subscribe(f"{u}/feeds/Front Door") == [0]
    mq.publish(f"{u}/feeds/Front Door/get", b"")
    msg = mq.next()
    assert (msg.topic, msg.text) == (f"{u}/feeds/Front Door", "locked")


def test_get_of_a_feed_without_data_sends_nothing(mq: Client, api: httpx.Client, u: str) -> None:
    assert api.post("/feeds", json={"feed": {"name": "empty"}}).status_code == 201
    assert mq.subscribe(f"{u}/f/empty", f"{u}/f/missing") == [0, 0]
    assert mq.publish(f"{u}/f/empty/get", b"", qos=1) == 0
    assert mq.publish(f"{u}/f/missing/get", b"", qos=1) == 0
    assert mq.barrier() == []
    assert api.get("/feeds/missing").status_code == 404  # /get creates nothing


# --- group topics ----------------------------------------------------------------------------


def test_group_json_publish_stores_each_feed(mq: Client, api: httpx.Client, u: str) -> None:
    assert api.post("/groups", json={"name": "station"}).status_code == 201
    body = {"feeds": {"temp": 21.5, "hum": "40"}, "location": {"lat": 1, "lon": 2, "ele": 3}}
    assert mq.publish(f"{u}/groups/station", json.dumps(body), qos=1) == 0
    for key, value in (("temp", "21.5"), ("hum", "40")):
        assert located(last(api, f"station.{key}")) == (value, 1.0, 2.0, 3.0)


def test_group_csv_publish_arduino_lines(mq: Client, api: httpx.Client, u: str) -> None:
    assert api.post("/groups", json={"name": "lab"}).status_code == 201
    assert mq.publish(f"{u}/g/lab/csv", "light,300\nsound,12.5\n", qos=1) == 0
    assert values(api, "lab.light") == ["300"]
    assert values(api, "lab.sound") == ["12.5"]
    assert mq.publish(f"{u}/g/lab/csv", "light,301\nlocation,10,20,30", qos=1) == 0
    assert located(last(api, "lab.light")) == ("301", 10.0, 20.0, 30.0)


def test_group_csv_with_bare_cr_line_ends_and_bad_csv(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert api.post("/groups", json={"name": "mac"}).status_code == 201
    assert mq.publish(f"{u}/g/mac/csv", "a,1\rb,2\r", qos=1) == 0
    assert (values(api, "mac.a"), values(api, "mac.b")) == (["1"], ["2"])
    # A CSV field over the csv module's limit is refused; the connection stays usable.
    code = mq.publish(f"{u}/g/mac/csv", "a," + "x" * 200_000, qos=1)
    assert code == (0x99 if mq.version == 5 else 0)
    assert mq.publish(f"{u}/g/mac/csv", "a,3", qos=1) == 0
    assert mq.disconnected is None
    assert values(api, "mac.a") == ["1", "3"]


def test_group_subscribers_get_json_and_csv(mq: Client, api: httpx.Client, u: str) -> None:
    assert api.post("/groups", json={"name": "den"}).status_code == 201
    assert mq.subscribe(f"{u}/groups/den", f"{u}/g/den/json", f"{u}/g/den/csv") == [0, 0, 0]
    assert mq.publish(f"{u}/g/den/json", '{"feeds":{"lux":12}}', qos=1) == 0
    assert sorted(topics(mq.take(3))) == [
        (f"{u}/g/den/csv", "lux,12"),
        (f"{u}/g/den/json", '{"feeds":{"lux":"12"}}'),
        (f"{u}/groups/den", '{"feeds":{"lux":"12"}}'),
    ]
    # A feed publish inside the group reaches the group topics too, with its location.
    assert mq.publish(f"{u}/f/den.lux/json", '{"value":5,"lat":1.5,"lon":2.5}', qos=1) == 0
    got = dict(topics(mq.take(3)))
    assert json.loads(got[f"{u}/groups/den"]) == {
        "feeds": {"lux": "5"},
        "location": {"lat": 1.5, "lon": 2.5, "ele": None},
    }
    assert got[f"{u}/g/den/csv"] == "lux,5"
    assert mq.barrier() == []


def test_a_write_to_several_feeds_of_a_group_is_one_group_message(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert api.post("/groups", json={"name": "porch"}).status_code == 201
    assert mq.subscribe(f"{u}/groups/porch", f"{u}/g/porch/csv", f"{u}/g/#") == [0, 0, 0]
    assert mq.publish(f"{u}/g/porch", '{"feeds":{"temp":"20","hum":"55"}}', qos=1) == 0
    got = sorted(topics(mq.take(5)))
    assert got == [  # g/# gets the three variants; each topic holds both feeds
        (f"{u}/g/porch", '{"feeds":{"temp":"20","hum":"55"}}'),
        (f"{u}/g/porch/csv", "temp,20\nhum,55"),
        (f"{u}/g/porch/csv", "temp,20\nhum,55"),
        (f"{u}/g/porch/json", '{"feeds":{"temp":"20","hum":"55"}}'),
        (f"{u}/groups/porch", '{"feeds":{"temp":"20","hum":"55"}}'),
    ]
    assert mq.barrier() == []
    # REST group data is one write too.
    body = {"feeds": [{"key": "temp", "value": "21"}, {"key": "hum", "value": "56"}]}
    assert api.post("/groups/porch/data", json=body).status_code == 200
    assert [p for t, p in topics(mq.take(5)) if t == f"{u}/groups/porch"] == [
        '{"feeds":{"temp":"21","hum":"56"}}'
    ]
    assert mq.barrier() == []


def test_group_publish_creates_missing_feeds_in_the_group(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert api.post("/groups", json={"name": "shed"}).status_code == 201
    assert mq.publish(f"{u}/g/shed", '{"feeds":{"new-one":"1"}}', qos=1) == 0
    feeds = api.get("/groups/shed/feeds").json()
    assert [f["key"] for f in feeds] == ["shed.new-one"]


def test_group_get_sends_every_feeds_last_value(mq: Client, api: httpx.Client, u: str) -> None:
    assert api.post("/groups", json={"name": "yard"}).status_code == 201
    batch = {"feeds": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}
    assert api.post("/groups/yard/data", json=batch).status_code == 200
    assert mq.subscribe(f"{u}/g/yard/csv", f"{u}/groups/yard") == [0, 0]
    assert mq.publish(f"{u}/g/yard/csv/get", b"", qos=1) == 0
    msg = mq.next()
    assert msg.topic == f"{u}/g/yard/csv"
    assert sorted(msg.text.split("\n")) == ["a,1", "b,2"]
    assert mq.publish(f"{u}/groups/yard/get", b"\x00", qos=1) == 0
    msg = mq.next()
    assert (msg.topic, json.loads(msg.payload)) == (
        f"{u}/groups/yard",
        {"feeds": {"a": "1", "b": "2"}},
    )
    assert mq.barrier() == []


# --- wildcards -------------------------------------------------------------------------------


def test_hash_wildcard_gets_every_variant(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.subscribe(f"{u}/f/#") == [0]
    assert mq.publish(f"{u}/f/photocell", "80", qos=1) == 0
    got = dict(topics(mq.take(3)))
    assert set(got) == {f"{u}/f/photocell", f"{u}/f/photocell/json", f"{u}/f/photocell/csv"}
    assert got[f"{u}/f/photocell"] == "80"
    assert got[f"{u}/f/photocell/csv"] == "80,,,"
    assert json.loads(got[f"{u}/f/photocell/json"])["value"] == "80"
    assert mq.barrier() == []


def test_feeds_hash_wildcard_uses_the_feeds_prefix(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.subscribe(f"{u}/feeds/#") == [0]
    assert api.post("/feeds/meter/data", json={"value": "3"}).status_code == 200
    assert sorted(m.topic for m in mq.take(3)) == [
        f"{u}/feeds/meter",
        f"{u}/feeds/meter/csv",
        f"{u}/feeds/meter/json",
    ]
    assert mq.barrier() == []


def test_plus_wildcard_gets_only_the_raw_variant(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.subscribe(f"{u}/f/+") == [0]
    assert mq.publish(f"{u}/f/one", "1", qos=1) == 0
    assert mq.publish(f"{u}/f/two/csv", "2,3,4", qos=1) == 0
    assert topics(mq.take(2)) == [(f"{u}/f/one", "1"), (f"{u}/f/two", "2")]
    assert mq.barrier() == []


def test_plus_json_wildcard(mq: Client, api: httpx.Client, u: str) -> None:
    assert mq.subscribe(f"{u}/f/+/json") == [0]
    assert mq.publish(f"{u}/f/knob", "9", qos=1) == 0
    msg = mq.next()
    assert msg.topic == f"{u}/f/knob/json"
    assert json.loads(msg.payload)["value"] == "9"
    assert mq.barrier() == []


def test_group_publish_of_two_feeds_reaches_group_subscribers(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert api.post("/groups", json={"name": "porch"}).status_code == 201
    assert mq.subscribe(f"{u}/g/porch") == [0]
    assert mq.publish(f"{u}/g/porch", '{"feeds":{"a":"1","b":"2"}}', qos=1) == 0
    got = mq.barrier()
    assert {m.topic for m in got} == {f"{u}/g/porch"}
    # One message per stored point, each naming only what changed (string values).
    merged: dict[str, str] = {}
    for m in got:
        body = json.loads(m.payload)
        assert set(body) == {"feeds"}
        merged.update(body["feeds"])
    assert merged == {"a": "1", "b": "2"}
    assert len(got) in (1, 2)


def test_feed_added_to_a_second_group_reaches_that_group(
    mq: Client, api: httpx.Client, u: str
) -> None:
    assert api.post("/groups", json={"name": "extra"}).status_code == 201
    assert api.post("/feeds/x/data", json={"value": "0"}).status_code == 200
    assert api.post("/groups/extra/add", json={"feed_key": "x"}).status_code == 200
    assert mq.subscribe(f"{u}/g/extra", f"{u}/f/extra.x") == [0, 0]
    assert mq.publish(f"{u}/f/x", "1", qos=1) == 0
    assert sorted(topics(mq.barrier())) == [
        (f"{u}/f/extra.x", "1"),
        (f"{u}/g/extra", '{"feeds":{"x":"1"}}'),
    ]
