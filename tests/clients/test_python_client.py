"""The official ``adafruit-io`` Python client (3.0.0) against a real server (clients.md §1)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from Adafruit_IO import (
    Block,
    Client,
    Dashboard,
    Data,
    Feed,
    Group,
    Layout,
    RequestError,
    ThrottlingError,
)

from support import Server


@pytest.fixture
def aio(server: Server, user: tuple[str, str]) -> Client:
    username, key = user
    return Client(username, key, base_url=server.base_url)


def values(data: list[Data]) -> list[str]:
    return [d.value for d in data]


def placed(items: list[dict[str, object]]) -> list[dict[str, object]]:
    """Layout items reduced to the fields the client sent."""
    return [{k: item[k] for k in ("x", "y", "w", "h", "i")} for item in items]


# --- feeds -----------------------------------------------------------------------------------


def test_create_feed_with_the_full_namedtuple(aio: Client) -> None:
    feed = aio.create_feed(Feed(name="Test Feed"))
    assert isinstance(feed, Feed)
    assert feed.name == "Test Feed"
    assert feed.key == "test-feed"
    assert isinstance(feed.id, int)
    # The client sent history "ON" and visibility "Private": stored as the API's own values.
    assert feed.history is True
    assert feed.visibility == "private"
    assert feed.status_timeout == 60


def test_create_feed_with_description_and_units(aio: Client) -> None:
    feed = aio.create_feed(
        Feed(name="temp", description="kitchen", unit_type="temperature", unit_symbol="C")
    )
    again = aio.feeds("temp")
    assert again == feed
    assert (again.description, again.unit_type, again.unit_symbol) == (
        "kitchen",
        "temperature",
        "C",
    )


def test_feeds_lists_every_feed_and_gets_one(aio: Client) -> None:
    assert aio.feeds() == []
    a = aio.create_feed(Feed(name="alpha"))
    b = aio.create_feed(Feed(name="beta"))
    listed = aio.feeds()
    assert all(isinstance(f, Feed) for f in listed)
    assert sorted(f.key for f in listed) == ["alpha", "beta"]
    assert aio.feeds("alpha").id == a.id
    assert aio.feeds("beta") == b
    # Also by numeric id and by name (rest-api.md §4 lookup leniency).
    assert aio.feeds(str(a.id)).key == "alpha"


def test_create_duplicate_feed_is_a_request_error(aio: Client) -> None:
    aio.create_feed(Feed(name="dup"))
    with pytest.raises(RequestError) as info:
        aio.create_feed(Feed(name="dup"))
    assert "422" in str(info.value)


def test_delete_feed(aio: Client) -> None:
    aio.send_data("gone", "foo")  # the write creates the feed
    aio.delete_feed("gone")
    with pytest.raises(RequestError):
        aio.receive("gone")
    assert aio.feeds() == []
    with pytest.raises(RequestError) as info:
        aio.feeds("gone")
    assert "404" in str(info.value)


def test_delete_missing_feed_raises_request_error(aio: Client) -> None:
    with pytest.raises(RequestError) as info:
        aio.delete_feed("never-there")
    message = str(info.value)
    assert message.startswith("Adafruit IO request failed: 404 Not Found - not found")
    assert "never-there" in message


def test_create_feed_in_group_gets_group_qualified_key(aio: Client) -> None:
    aio.create_group(Group(name="testgroup"))
    feed = aio.create_feed(Feed(name="testfeed"), group_key="testgroup")
    assert feed.key == "testgroup.testfeed"
    assert feed.name == "testfeed"
    assert aio.feeds("testgroup.testfeed").id == feed.id
    group = aio.groups("testgroup")
    assert [f.key for f in group.feeds] == ["testgroup.testfeed"]


# --- data ------------------------------------------------------------------------------------


def test_send_data_returns_the_datum(aio: Client) -> None:
    data = aio.send_data("sent", 42)
    assert isinstance(data, Data)
    assert data.value == "42"
    assert isinstance(data.id, str) and data.id
    assert isinstance(data.feed_id, int)
    assert isinstance(data.created_epoch, int)
    assert abs(data.created_epoch - time.time()) < 60
    assert data.lat is None and data.lon is None and data.ele is None
    # The feed was created by the first write.
    assert aio.feeds("sent").id == data.feed_id


def test_send_keeps_value_types_as_strings(aio: Client) -> None:
    aio.create_feed(Feed(name="types"))
    assert aio.send("types", 3.25).value == "3.25"
    assert aio.send("types", "hello world").value == "hello world"
    assert aio.append("types", 7).value == "7"
    assert aio.send_data("types", 1.23456, precision=2).value == "1.23"
    assert values(aio.data("types")) == ["1.23", "7", "hello world", "3.25"]


def test_send_data_with_metadata(aio: Client) -> None:
    created_at = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    metadata = {
        "lat": 40.726190,
        "lon": -74.005334,
        "ele": -6,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    data = aio.send_data("located", 99, metadata)
    assert data.value == "99"
    assert data.lat == pytest.approx(40.72619)
    assert data.lon == pytest.approx(-74.005334)
    assert data.ele == pytest.approx(-6)
    assert data.created_at == created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data.created_epoch == int(created_at.timestamp())
    stored = aio.receive("located")
    assert (stored.lat, stored.lon, stored.ele) == (data.lat, data.lon, data.ele)
    assert stored.created_at == data.created_at


def test_create_data_with_a_data_namedtuple(aio: Client) -> None:
    aio.create_feed(Feed(name="created"))
    data = aio.create_data("created", Data(value="abc", lat=1.5, lon=2.5))
    assert (data.value, data.lat, data.lon, data.ele) == ("abc", 1.5, 2.5, None)
    assert aio.data("created", data.id) == data


def test_send_data_with_future_created_at_is_refused(aio: Client) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(RequestError) as info:
        aio.send_data("future", 1, {"lat": None, "lon": None, "ele": None, "created_at": future})
    assert str(info.value) == (
        "Adafruit IO request failed: 422 Unprocessable Entity - "
        "data created_at may not be in the future"
    )


def test_send_batch_data(aio: Client) -> None:
    aio.create_feed(Feed(name="batch"))
    result = aio.send_batch_data("batch", [Data(value=v) for v in (1, 2, 3)])
    assert result is None  # the client discards the (JSON) answer
    # The raw answer is a JSON list of the three data points.
    body = aio._last_response.json()
    assert [d["value"] for d in body] == ["1", "2", "3"]
    assert values(aio.data("batch")) == ["3", "2", "1"]


def test_receive_returns_newest(aio: Client) -> None:
    aio.create_feed(Feed(name="recv"))
    aio.send_data("recv", 1)
    aio.send_data("recv", 2)
    data = aio.receive("recv")
    assert data.value == "2"


def test_receive_on_empty_feed_is_404(aio: Client) -> None:
    aio.create_feed(Feed(name="empty"))
    with pytest.raises(RequestError) as info:
        aio.receive("empty")
    assert "404 Not Found" in str(info.value)


def test_receive_next_and_previous(aio: Client) -> None:
    """The exact sequence of the client's own test suite (rest-api.md §6.4)."""
    aio.create_feed(Feed(name="queue"))
    aio.send_data("queue", 1)
    assert aio.receive_next("queue").value == "1"
    assert aio.receive_previous("queue").value == "1"
    aio.send_data("queue", 2)
    assert aio.receive_next("queue").value == "2"
    assert aio.receive_previous("queue").value == "2"


def test_data_follows_link_header_across_pages(aio: Client) -> None:
    aio.create_feed(Feed(name="paged"))
    aio.send_batch_data("paged", [Data(value=i) for i in range(250)])
    newest_first = [str(i) for i in reversed(range(250))]

    # Default max_results is 100.
    assert values(aio.data("paged")) == newest_first[:100]
    assert values(aio.data("paged", max_results=120)) == newest_first[:120]
    # max_results=None reads the count from /details and asks for everything.
    assert values(aio.data("paged", max_results=None)) == newest_first


def test_get_next_link_walks_every_page(aio: Client) -> None:
    """The client's Link parser (regex ``rel="next", <...>``) walks small pages to the end."""
    aio.create_feed(Feed(name="walk"))
    aio.send_batch_data("walk", [Data(value=i) for i in range(250)])
    seen: list[str] = []
    params: dict[str, object] | None = {"limit": 100}
    pages = 0
    while True:
        seen.extend(d["value"] for d in aio._get("feeds/walk/data", params=params))
        pages += 1
        link = aio.get_next_link()
        if not link:
            break
        params = dict(parse_qs(urlparse(link).query))
        assert params["limit"] == ["100"]
    assert pages == 3
    assert seen == [str(i) for i in reversed(range(250))]


def test_data_larger_than_one_server_page(aio: Client) -> None:
    """More points than the server's 1,000-point page: ``data()`` follows the Link."""
    aio.create_feed(Feed(name="big"))
    aio.send_batch_data("big", [Data(value=i) for i in range(1100)])
    got = aio.data("big", max_results=1050)
    assert len(got) == 1050
    assert values(got) == [str(i) for i in reversed(range(50, 1100))]
    assert len({d.id for d in got}) == 1050


def test_data_by_id_and_delete(aio: Client) -> None:
    aio.create_feed(Feed(name="one"))
    first = aio.send_data("one", "a")
    second = aio.send_data("one", "b")
    fetched = aio.data("one", first.id)
    assert fetched.id == first.id and fetched.value == "a"
    aio.delete("one", first.id)
    assert [d.id for d in aio.data("one")] == [second.id]
    with pytest.raises(RequestError) as info:
        aio.data("one", first.id)
    assert "404" in str(info.value)
    with pytest.raises(RequestError):
        aio.delete("one", first.id)


# --- groups ----------------------------------------------------------------------------------


def test_group_create_get_delete(aio: Client) -> None:
    group = aio.create_group(Group(name="grouptest", description="a group"))
    assert isinstance(group, Group)
    assert (group.name, group.key, group.description) == ("grouptest", "grouptest", "a group")
    assert group.feeds == ()  # a JSON list, mapped to Feeds by the client
    fetched = aio.groups("grouptest")
    assert fetched.id == group.id
    assert sorted(g.key for g in aio.groups()) == ["default", "grouptest"]
    aio.delete_group("grouptest")
    assert [g.key for g in aio.groups()] == ["default"]
    with pytest.raises(RequestError) as info:
        aio.groups("grouptest")
    assert "404" in str(info.value)


def test_group_feeds_are_feed_tuples(aio: Client) -> None:
    aio.create_group(Group(name="sensors"))
    aio.create_feed(Feed(name="humidity"), group_key="sensors")
    aio.create_feed(Feed(name="pressure"), group_key="sensors")
    group = aio.groups("sensors")
    assert all(isinstance(f, Feed) for f in group.feeds)
    assert sorted(f.key for f in group.feeds) == ["sensors.humidity", "sensors.pressure"]
    aio.send_data("sensors.humidity", 55)
    assert aio.receive("sensors.humidity").value == "55"


# --- dashboards, blocks, layouts -------------------------------------------------------------


def test_dashboard_create_get_delete(aio: Client) -> None:
    dashboard = aio.create_dashboard(Dashboard(name="Dash Test", description="d"))
    assert isinstance(dashboard, Dashboard)
    assert dashboard.key == "dash-test"
    assert (dashboard.name, dashboard.description) == ("Dash Test", "d")
    assert (dashboard.show_header, dashboard.color_mode, dashboard.block_borders) == (
        False,
        "dark",
        True,
    )
    assert dashboard.blocks == ()
    assert aio.dashboards("dash-test").name == "Dash Test"
    assert [d.key for d in aio.dashboards()] == ["dash-test"]
    aio.delete_dashboard("dash-test")
    assert aio.dashboards() == []
    with pytest.raises(RequestError) as info:
        aio.dashboards("dash-test")
    assert "404" in str(info.value)


def test_blocks_create_list_get_delete(aio: Client) -> None:
    feed = aio.create_feed(Feed(name="blockfeed"))
    aio.create_dashboard(Dashboard(name="blockdash"))
    block = aio.create_block(
        "blockdash",
        Block(
            name="Gauge",
            visual_type="gauge",
            properties={"minValue": "0", "maxValue": "100"},
            block_feeds=[{"feed_id": feed.id, "group_id": None}],
        ),
    )
    assert isinstance(block, Block)
    assert block.name == "Gauge"
    assert block.visual_type == "gauge"
    assert block.properties == {"minValue": "0", "maxValue": "100"}
    assert isinstance(block.id, str)
    assert [bf["feed"]["key"] for bf in block.block_feeds] == ["blockfeed"]

    listed = aio.blocks("blockdash")
    assert [b.id for b in listed] == [block.id]
    assert aio.blocks("blockdash", block.id) == block
    assert [b.id for b in aio.dashboards("blockdash").blocks] == [block.id]

    aio.delete_block("blockdash", block.id)
    assert aio.blocks("blockdash") == []
    with pytest.raises(RequestError) as info:
        aio.blocks("blockdash", block.id)
    assert "404" in str(info.value)


def test_layouts_and_update_layout(aio: Client) -> None:
    aio.create_dashboard(Dashboard(name="layoutdash"))
    block = aio.create_block("layoutdash", Block(name="t", visual_type="text"))
    layout = aio.layouts("layoutdash")
    assert isinstance(layout, Layout)
    assert [item["i"] for item in layout.lg] == [block.id]

    new_lg = [{"x": 2, "y": 3, "w": 6, "h": 4, "i": block.id}]
    aio.update_layout("layoutdash", Layout(lg=new_lg))
    # The answer is the whole dashboard (rest-api.md §6.6), JSON with the new layouts.
    answer = aio._last_response.json()
    assert answer["key"] == "layoutdash"
    assert placed(answer["layouts"]["lg"]) == new_lg
    again = aio.layouts("layoutdash")
    assert placed(again.lg) == new_lg

    # null breakpoints are left as they were: updating md keeps lg.
    new_md = [{"x": 0, "y": 0, "w": 4, "h": 2, "i": block.id}]
    aio.update_layout("layoutdash", Layout(md=new_md))
    final = aio.layouts("layoutdash")
    assert placed(final.lg) == new_lg
    assert placed(final.md) == new_md


# --- time, errors ----------------------------------------------------------------------------


def test_receive_time_is_utc_with_monday_zero_weekday(aio: Client) -> None:
    before = datetime.now(UTC)
    got = aio.receive_time("UTC")
    after = datetime.now(UTC)
    assert isinstance(got, time.struct_time)
    candidates = {before.replace(microsecond=0), after.replace(microsecond=0)}
    expect = [
        (t.year, t.month, t.day, t.hour, t.weekday(), t.timetuple().tm_yday) for t in candidates
    ]
    assert (got.tm_year, got.tm_mon, got.tm_mday, got.tm_hour, got.tm_wday, got.tm_yday) in expect
    stamp = datetime(*got[:6], tzinfo=UTC)
    assert before.replace(microsecond=0) <= stamp <= after
    assert got.tm_isdst == 0


def test_receive_time_in_a_zone(aio: Client) -> None:
    got = aio.receive_time("Asia/Kolkata")  # UTC+05:30, no DST
    utc = datetime.now(UTC)
    stamp = datetime(*got[:6], tzinfo=UTC) - timedelta(hours=5, minutes=30)
    assert abs((stamp - utc).total_seconds()) < 5
    local = utc + timedelta(hours=5, minutes=30)
    assert got.tm_wday in {local.weekday(), (local - timedelta(seconds=5)).weekday()}


def test_bad_key_raises_request_error_with_json_error(
    server: Server, user: tuple[str, str]
) -> None:
    username, _key = user
    bad = Client(username, "not-a-real-key", base_url=server.base_url)
    with pytest.raises(RequestError) as info:
        bad.feeds()
    assert not isinstance(info.value, ThrottlingError)
    response = bad._last_response
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json()["error"], str)
    assert str(info.value).startswith("Adafruit IO request failed: 401 Unauthorized - ")


def test_unknown_integration_is_a_request_error(aio: Client) -> None:
    with pytest.raises(RequestError) as info:
        aio.receive_weather()
    assert "404 Not Found" in str(info.value)
    with pytest.raises(RequestError):
        aio.receive_random(1)


def test_other_users_private_feed_is_not_found(
    server: Server, aio: Client, user: tuple[str, str], make_user: Callable[[], tuple[str, str]]
) -> None:
    aio.create_feed(Feed(name="secret"))
    other_name, other_key = make_user()
    # The other user reads our account path with their own key.
    spy = Client(user[0], other_key, base_url=server.base_url)
    with pytest.raises(RequestError) as info:
        spy.feeds("secret")
    assert "404" in str(info.value)
    r = httpx.get(f"{server.base_url}/api/v2/{other_name}/feeds", headers={"X-AIO-Key": other_key})
    assert r.json() == []


def test_dashboard_example_from_the_client_repository(aio: Client) -> None:
    """``examples/basics/dashboard.py``: feed in "default", blocks by numeric ids, layout."""
    feed = aio.create_feed(Feed(name="Dashboard Data"), "default")
    assert feed.key == "dashboard-data"  # the default group does not prefix keys
    group = aio.groups("default")
    assert [f.key for f in group.feeds] == ["dashboard-data"]
    dashboard = aio.create_dashboard(Dashboard(name="Example Dashboard"))
    assert dashboard.key == "example-dashboard"
    feeds = [{"group_id": group.id, "feed_id": feed.id}]
    linechart = aio.create_block(
        dashboard.key,
        Block(
            name="Linechart Data",
            visual_type="line_chart",
            properties={"gridLines": True, "historyHours": "2"},
            block_feeds=feeds,
        ),
    )
    gauge = aio.create_block(
        dashboard.key, Block(name="Gauge Data", visual_type="gauge", block_feeds=feeds)
    )
    stream = aio.create_block(
        dashboard.key,
        Block(
            name="Stream Data",
            visual_type="stream",
            properties={"fontSize": "12", "fontColor": "#63de00", "showGroupName": "no"},
            block_feeds=feeds,
        ),
    )
    for block in (linechart, gauge, stream):
        [bf] = block.block_feeds
        assert bf["feed"]["id"] == feed.id
        assert bf["group"]["id"] == group.id
    assert linechart.properties == {"gridLines": True, "historyHours": "2"}
    lg = [
        {"x": 0, "y": 0, "w": 16, "h": 4, "i": str(linechart.id)},
        {"x": 0, "y": 4, "w": 8, "h": 4, "i": str(gauge.id)},
        {"x": 8, "y": 4, "w": 8, "h": 4, "i": str(stream.id)},
    ]
    aio.update_layout(dashboard.key, Layout(lg=lg))
    assert placed(aio.layouts(dashboard.key).lg) == lg
    assert [b.name for b in aio.dashboards(dashboard.key).blocks] == [
        "Linechart Data",
        "Gauge Data",
        "Stream Data",
    ]
    assert aio.send_data(feed.key, 42).value == "42"


def test_feed_addressed_by_name(aio: Client) -> None:
    """Sketches pass names: ``send_data("Temperature", ...)`` makes key ``temperature``."""
    aio.send_data("Temperature", 20)
    feed = aio.feeds("temperature")
    assert (feed.name, feed.key) == ("Temperature", "temperature")
    aio.send_data("Temperature", 21)
    assert aio.receive("Temperature").value == "21"
    assert [f.key for f in aio.feeds()] == ["temperature"]


def test_data_all_after_deletes_uses_an_exact_count(aio: Client) -> None:
    """``max_results=None`` trusts ``details.data.count``; deletes must keep it exact."""
    aio.create_feed(Feed(name="counted"))
    sent = [aio.send_data("counted", v) for v in ("a", "b", "c", "d")]
    aio.delete("counted", sent[1].id)
    aio.delete("counted", sent[3].id)
    assert aio._get("feeds/counted/details")["details"]["data"]["count"] == 2
    assert values(aio.data("counted", max_results=None)) == ["c", "a"]
    aio.send_batch_data("counted", [Data(value="e"), Data(value="f")])
    assert values(aio.data("counted", max_results=None)) == ["f", "e", "c", "a"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00Z"),
        ("2024-03-01T08:00:00.750Z", "2024-03-01T08:00:00Z"),
        ("2024-03-01 08:00:00", "2024-03-01T08:00:00Z"),
    ],
)
def test_created_at_formats(aio: Client, given: str, stored: str) -> None:
    meta = {"lat": None, "lon": None, "ele": None, "created_at": given}
    data = aio.send_data("dated", 1, meta)
    assert data.created_at == stored
    assert data.created_epoch == int(datetime(2024, 3, 1, 8, tzinfo=UTC).timestamp())


def test_backdated_points_are_ordered_by_created_at(aio: Client) -> None:
    """Points sent out of order (cached uploads) list, page and queue by their time."""
    aio.create_feed(Feed(name="shuffled"))
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    order = [3, 0, 4, 1, 2]
    for minutes in order:
        at = (base + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
        aio.send_data(
            "shuffled", minutes, {"lat": None, "lon": None, "ele": None, "created_at": at}
        )
    walked: list[str] = []
    params: dict[str, object] | None = {"limit": 2}
    while True:
        walked.extend(d["value"] for d in aio._get("feeds/shuffled/data", params=params))
        link = aio.get_next_link()
        if not link:
            break
        params = dict(parse_qs(urlparse(link).query))
    assert walked == ["4", "3", "2", "1", "0"]
    assert aio.receive("shuffled").value == "4"
    assert aio._get("feeds/shuffled/data/first")["value"] == "0"
    assert [aio.receive_next("shuffled").value for _ in range(3)] == ["1", "2", "3"]
