"""Issue 10's reproductions over REST: what another user, or nobody, must never see or do.

Each test failed before the access policy moved into one place (services.access).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from support import Server


class Api:
    def __init__(self, server: Server, key: str | None, owner: str) -> None:
        self.base = f"{server.base_url}/api/v2/{owner}"
        self.headers = {"X-AIO-Key": key} if key else {}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.base + path, headers=self.headers, timeout=10, **kw)

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(self.base + path, json=body, headers=self.headers, timeout=10)

    def patch(self, path: str, body: Any) -> httpx.Response:
        return httpx.patch(self.base + path, json=body, headers=self.headers, timeout=10)

    def delete(self, path: str) -> httpx.Response:
        return httpx.delete(self.base + path, headers=self.headers, timeout=10)


@pytest.fixture
def pair(server: Server) -> tuple[str, Api, Api, Api]:
    """Alice's API as Alice, as Bob, and as nobody."""
    (alice, alice_key), (_bob, bob_key) = server.create_users(2)
    return (
        alice,
        Api(server, alice_key, alice),
        Api(server, bob_key, alice),
        Api(server, None, alice),
    )


def _feed_keys(body: Any) -> list[str]:
    return [f["key"] for f in body]


def test_1_private_feed_in_a_public_group_stays_hidden(pair: tuple[str, Api, Api, Api]) -> None:
    _alice, me, bob, _nobody = pair
    assert me.post("/groups", {"name": "house", "visibility": "public"}).status_code == 201
    assert me.post("/groups/house/feeds", {"name": "secret"}).status_code == 201
    assert me.post("/groups/house/feeds", {"name": "open", "visibility": "public"}).is_success
    secret_value = "hidden-value-7f3a"
    assert me.post(
        "/groups/house/data", {"feeds": [{"key": "secret", "value": secret_value}]}
    ).is_success

    listed = bob.get("/groups")
    assert listed.status_code == 200
    [house] = [g for g in listed.json() if g["key"] == "house"]
    assert _feed_keys(house["feeds"]) == ["house.open"]
    one = bob.get("/groups/house")
    assert _feed_keys(one.json()["feeds"]) == ["house.open"]
    assert secret_value not in one.text and secret_value not in listed.text
    assert _feed_keys(bob.get("/groups/house/feeds").json()) == ["house.open"]
    # The owner still sees both.
    assert sorted(_feed_keys(me.get("/groups/house").json()["feeds"])) == [
        "house.open",
        "house.secret",
    ]


def test_2_webhook_tokens_only_for_the_owner(
    server: Server, pair: tuple[str, Api, Api, Api]
) -> None:
    alice, me, bob, _nobody = pair
    assert me.post("/feeds", {"name": "pub", "visibility": "public"}).status_code == 201
    token = me.post("/feeds/pub/webhooks", {}).json()["token"]
    assert me.post("/dashboards", {"name": "home", "visibility": "public"}).status_code == 201
    assert me.post(
        "/dashboards/home/blocks", {"visual_type": "gauge", "block_feeds": [{"feed_id": "pub"}]}
    ).is_success

    assert [r["token"] for r in me.get("/feeds/pub").json()["feed_webhook_receivers"]] == [token]
    for response in (
        bob.get("/feeds"),
        bob.get("/feeds/pub"),
        bob.get("/feeds/pub/details"),
        httpx.get(f"{server.base_url}/ui/api/public/{alice}/dashboards/home", timeout=10),
    ):
        assert response.status_code == 200, response.text
        assert token not in response.text
    assert bob.get("/feeds/pub/webhooks").status_code in (403, 404)


def test_4_dashboard_blocks_hide_private_feeds(pair: tuple[str, Api, Api, Api]) -> None:
    _alice, me, bob, _nobody = pair
    assert me.post("/feeds", {"name": "hidden thing"}).status_code == 201
    assert me.post("/dashboards", {"name": "home", "visibility": "public"}).status_code == 201
    block = {"visual_type": "gauge", "block_feeds": [{"feed_id": "hidden-thing"}]}
    assert me.post("/dashboards/home/blocks", block).is_success

    for response in (bob.get("/dashboards"), bob.get("/dashboards/home")):
        assert response.status_code == 200
        assert "hidden" not in response.text
    [shown] = bob.get("/dashboards/home/blocks").json()
    assert shown["block_feeds"][0]["feed"] is None
    [own] = me.get("/dashboards/home/blocks").json()
    assert own["block_feeds"][0]["feed"]["key"] == "hidden-thing"


def test_5_a_deleted_feeds_id_never_names_another_users_feed(
    server: Server, pair: tuple[str, Api, Api, Api]
) -> None:
    alice, me, _bob_view, _nobody = pair
    gone = me.post("/feeds", {"name": "gone"}).json()
    assert me.post("/dashboards", {"name": "home", "visibility": "public"}).status_code == 201
    block = {"visual_type": "gauge", "block_feeds": [{"feed_id": "gone"}]}
    assert me.post("/dashboards/home/blocks", block).is_success
    assert me.delete("/feeds/gone").is_success

    (bob, bob_key) = server.create_user("bobby")
    mine = Api(server, bob_key, bob)
    created = mine.post("/feeds", {"name": "bobs private"}).json()
    assert created["id"] > gone["id"]  # ids are never reused (SQLite AUTOINCREMENT)

    public = httpx.get(f"{server.base_url}/ui/api/public/{alice}/dashboards/home", timeout=10)
    assert public.status_code == 200
    assert "bobs" not in public.text
    [shown] = me.get("/dashboards/home/blocks").json()
    assert shown["block_feeds"][0]["feed"] is None


def test_6_a_throttled_group_write_creates_no_feed(
    server: Server, pair: tuple[str, Api, Api, Api]
) -> None:
    alice, me, _bob, _nobody = pair
    server.cli("user", "update", alice, "--data-rate", "5")
    time.sleep(1.5)  # running servers reload per-user limits every second
    many = {"feeds": [{"key": f"k{i}", "value": i} for i in range(500)]}
    refused = me.post("/groups/default/data", many)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]
    assert me.get("/feeds").json() == []
    # One point still fits: it is stored, and only its feed is created.
    assert me.post("/groups/default/data", {"feeds": [{"key": "k1", "value": 1}]}).is_success
    assert _feed_keys(me.get("/feeds").json()) == ["k1"]


def test_writes_by_others_create_nothing(pair: tuple[str, Api, Api, Api]) -> None:
    _alice, me, bob, nobody = pair
    assert me.post("/feeds", {"name": "pub", "visibility": "public"}).status_code == 201
    assert bob.post("/feeds/pub/data", {"value": 1}).status_code in (403, 404)
    assert bob.post("/feeds/brand-new/data", {"value": 1}).status_code in (403, 404)
    assert bob.post("/groups/default/data", {"feeds": [{"key": "x", "value": 1}]}).status_code in (
        403,
        404,
    )
    assert nobody.post("/feeds/pub/data", {"value": 1}).status_code == 401
    assert _feed_keys(me.get("/feeds").json()) == ["pub"]
    assert me.get("/feeds/pub").json()["last_value"] is None


def test_share_lists_only_for_the_owner(server: Server, pair: tuple[str, Api, Api, Api]) -> None:
    _alice, me, bob, _nobody = pair
    carol, _carol_key = server.create_user("carol")
    assert me.post("/feeds", {"name": "pub", "visibility": "public"}).status_code == 201
    share = {"scope": "user", "scope_value": carol, "mode": "r"}
    assert me.post("/feeds/pub/acl", share).status_code == 201
    assert me.get("/feeds/pub/details").json()["details"]["shared_with"] == [
        {"username": carol, "mode": "r"}
    ]
    seen = bob.get("/feeds/pub/details")
    assert seen.status_code == 200
    assert seen.json()["details"]["shared_with"] == []
    assert carol not in seen.text
    assert bob.get("/feeds/pub/acl").status_code == 403
