"""``stonechat rollups rebuild``: summaries spoiled by hand are recomputed from the raw
points, for one feed, one account or every feed; refusals are told. (The SQL it runs is
tested on both databases in tests/storage/test_rollups.py; this is the command around it.)"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import httpx
import pytest

from support import Server

pytestmark = pytest.mark.sqlite_only


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def counted(api: httpx.Client, key: str) -> int:
    params = {"hours": 2, "resolution": 60, "field": "val_count"}
    return sum(int(v) for _, v in ok(api.get(f"/feeds/{key}/data/chart", params=params))["data"])


def spoil(server: Server) -> None:
    with sqlite3.connect(server.data_dir / "stonechat.db") as db:
        db.execute("UPDATE rollups SET points = points + 1000")


def test_rebuild_recomputes_spoiled_rollups(server: Server) -> None:
    username, key = server.create_user("rb")
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    ) as api:
        feeds = [f"rb-{uuid.uuid4().hex[:8]}" for _ in range(2)]
        for feed in feeds:
            ok(api.post(f"/feeds/{feed}/data/batch", json=[{"value": str(i)} for i in range(5)]))
        assert [counted(api, f) for f in feeds] == [5, 5]
        spoil(server)
        assert [counted(api, f) for f in feeds] == [1005, 1005]

        done = server.cli("rollups", "rebuild", username, "--feed", feeds[0])
        assert (
            f"{feeds[0]}: from " in done.stdout  # where its raw points are kept
            and "rebuilt the rollups of 1 feeds" in done.stdout
        )
        assert [counted(api, f) for f in feeds] == [5, 1005]
        server.cli("rollups", "rebuild", username)
        assert [counted(api, f) for f in feeds] == [5, 5]
        spoil(server)
        server.cli("rollups", "rebuild", "--since", "2000-01-01T00:00:00Z")  # every account
        assert [counted(api, f) for f in feeds] == [5, 5]
        again = server.cli("rollups", "rebuild", username)  # idempotent
        assert "rebuilt the rollups of 2 feeds" in again.stdout
        assert [counted(api, f) for f in feeds] == [5, 5]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--feed", "x"], "--feed needs USERNAME"),
        (["nobody-at-all"], "nobody-at-all"),
        (["{owner}", "--feed", "no-such-feed"], "no-such-feed"),
        (["{owner}", "--since", "yesterday"], "since"),
    ],
)
def test_refusals_are_told(server: Server, args: list[str], message: str) -> None:
    if "{owner}" in args:
        owner, _ = server.create_user("rb")
        args = [owner if a == "{owner}" else a for a in args]
    done = server.cli("rollups", "rebuild", *args, check=False)
    assert done.returncode != 0
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
