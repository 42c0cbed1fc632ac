"""Another user's public feed: readable, but its queue pointer stays the owner's."""

from __future__ import annotations

import httpx

from support import Server


def test_reader_does_not_move_the_owners_queue_pointer(server: Server) -> None:
    owner, owner_key = server.create_user("own")
    _reader, reader_key = server.create_user("rdr")
    base = f"{server.base_url}/api/v2/{owner}"
    mine = {"X-AIO-Key": owner_key}
    theirs = {"X-AIO-Key": reader_key}
    for value in ("1", "2", "3"):
        assert httpx.post(
            f"{base}/feeds/shared/data", json={"value": value}, headers=mine
        ).is_success
    assert httpx.patch(
        f"{base}/feeds/shared", json={"visibility": "public"}, headers=mine
    ).is_success
    assert httpx.get(f"{base}/feeds/shared/data/next", headers=mine).json()["value"] == "1"

    assert httpx.get(f"{base}/feeds/shared/data/last", headers=theirs).json()["value"] == "3"
    assert httpx.get(f"{base}/feeds/shared/data/first", headers=theirs).json()["value"] == "1"
    refused = httpx.get(f"{base}/feeds/shared/data/next", headers=theirs)
    assert refused.status_code == 403
    assert refused.json()["error"]

    assert httpx.get(f"{base}/feeds/shared/data/previous", headers=mine).json()["value"] == "1"
    assert httpx.get(f"{base}/feeds/shared/data/next", headers=mine).json()["value"] == "2"
