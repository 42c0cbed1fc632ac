"""An account exported as a zip (issue 16), from the web UI (``/ui/api/export``) and the
command line (``stonechat export``), on both databases: every group, feed, dashboard with
its blocks and layouts, and every point, as the REST API gives them; nothing of anyone
else's; refusals as JSON errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Server
from ui.helpers import Browser

POINTS = 2_345  # more than two pages of 1,000


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


@pytest.fixture
def account(signed_in: Browser) -> dict[str, Any]:
    """A signed-in user with a group, three feeds (one in the group, one empty), points
    with and without a location, and a dashboard with two blocks and a layout."""
    u = signed_in.username

    def call(method: str, path: str, body: Any, status: int = 200) -> Any:
        return ok(signed_in.unsafe(method, f"/api/v2/{u}{path}", json=body), status)

    call("POST", "/groups", {"name": "Garden"}, 201)
    call("POST", "/feeds", {"feed": {"name": "Temperature"}}, 201)
    call("POST", "/feeds?group_key=garden", {"feed": {"name": "Soil"}}, 201)
    call("POST", "/feeds", {"feed": {"name": "Empty"}}, 201)
    for start in range(0, POINTS, 1_000):
        batch = [{"value": str(i)} for i in range(start, min(POINTS, start + 1_000))]
        call("POST", "/feeds/temperature/data/batch", batch)
    call("POST", "/feeds/garden.soil/data", {"value": 'wet, "very"\n', "lat": 52.5, "lon": 13.4})
    dashboard = call("POST", "/dashboards", {"name": "Home"}, 201)
    feeds = {f["key"]: f for f in ok(signed_in.get(f"/api/v2/{u}/feeds"))}
    for name, feed in (("Temp", "temperature"), ("Soil", "garden.soil")):
        block = {"name": name, "visual_type": "line_chart", "block_feeds": [{"feed_id": feed}]}
        call("POST", f"/dashboards/{dashboard['key']}/blocks", block)  # 200, as Adafruit IO
    layouts = {"lg": [{"i": "x", "x": 0, "y": 0, "w": 4, "h": 3}]}
    call("POST", f"/dashboards/{dashboard['key']}/update_layouts", {"layouts": layouts})
    return {"username": u, "feeds": feeds}


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def points_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def check_archive(data: bytes, signed_in: Browser, account: dict[str, Any]) -> None:
    u = account["username"]
    files = members(data)
    feeds = account["feeds"]
    assert set(files) == {
        "manifest.json",
        "groups.json",
        "feeds.json",
        "dashboards.json",
        *(f"data/{f['id']}.csv" for f in feeds.values()),
    }
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "stonechat-account-export" and manifest["version"] == 1
    assert manifest["username"] == u
    assert manifest["counts"] == {
        "groups": 2,  # the default group and Garden
        "feeds": 3,
        "dashboards": 1,
        "blocks": 2,
        "points": POINTS + 1,
    }
    # Records as the REST API shows them to their owner.
    exported = {f["key"]: f for f in json.loads(files["feeds.json"])}
    assert exported.keys() == feeds.keys()
    for key, feed in feeds.items():
        for field in ("id", "name", "history", "visibility", "last_value", "group", "groups"):
            assert exported[key][field] == feed[field], (key, field)
    groups = {g["key"]: g for g in json.loads(files["groups.json"])}
    assert [f["key"] for f in groups["garden"]["feeds"]] == ["garden.soil"]
    [dashboard] = json.loads(files["dashboards.json"])
    assert dashboard == ok(signed_in.get(f"/api/v2/{u}/dashboards/{dashboard['key']}"))
    assert dashboard["layouts"]["lg"][0]["w"] == 4
    assert sorted(b["block_feeds"][0]["feed"]["key"] for b in dashboard["blocks"]) == [
        "garden.soil",
        "temperature",
    ]
    # Every point, read back as written (the CSV quotes what needs it).
    temperature = points_of(files[f"data/{feeds['temperature']['id']}.csv"])
    assert sorted(int(p["value"]) for p in temperature) == list(range(POINTS))
    assert len({p["id"] for p in temperature}) == POINTS
    [soil] = points_of(files[f"data/{feeds['garden.soil']['id']}.csv"])
    assert (soil["value"], soil["lat"], soil["lon"], soil["ele"]) == (
        'wet, "very"\n',
        "52.5",
        "13.4",
        "",
    )
    stored = ok(signed_in.get(f"/api/v2/{u}/feeds/garden.soil/data"))[0]
    assert soil["id"] == stored["id"] and soil["created_at"][:19] == stored["created_at"][:19]
    assert points_of(files[f"data/{feeds['empty']['id']}.csv"]) == []


def test_the_web_ui_downloads_the_whole_account(
    server: Server, signed_in: Browser, account: dict[str, Any]
) -> None:
    response = signed_in.get("/ui/api/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="stonechat-{account["username"]}-')
    check_archive(response.content, signed_in, account)


def test_the_command_line_writes_the_same_archive(
    server: Server, signed_in: Browser, account: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "export.zip"
    result = server.cli("export", account["username"], str(target))
    assert f"exported {account['username']} to {target}" in result.stdout
    assert f"{POINTS + 1} points" in result.stdout
    assert target.stat().st_mode & 0o077 == 0  # private: it holds every point
    assert [p.name for p in tmp_path.iterdir()] == ["export.zip"]  # no temporary left
    check_archive(target.read_bytes(), signed_in, account)


def test_nobody_else_gets_the_account(
    server: Server, signed_in: Browser, account: dict[str, Any]
) -> None:
    # Signed out, or with an AIO key instead of a session: refused with a JSON error.
    for headers in ({}, {"X-AIO-Key": "aio_not_a_session_key"}):
        response = httpx.get(f"{server.base_url}/ui/api/export", headers=headers)
        assert response.status_code == 401 and response.json()["error"]
    # Another user signed in gets their own (empty) account, none of this one's.
    other, _ = server.create_user("exo")
    with Browser(base_url=server.base_url, timeout=30) as them:
        assert them.sign_in(other).status_code == 200
        files = members(them.get("/ui/api/export").content)
    manifest = json.loads(files["manifest.json"])
    assert manifest["username"] == other
    assert manifest["counts"]["points"] == 0 and manifest["counts"]["feeds"] == 0
    assert account["username"] not in b"".join(files.values()).decode()


def test_the_command_line_refuses_what_it_cannot_do(server: Server, tmp_path: Path) -> None:
    missing_user = server.cli("export", "nobody-by-this-name", str(tmp_path / "x.zip"), check=False)
    assert missing_user.returncode == 1
    assert "no user named 'nobody-by-this-name'" in missing_user.stderr
    no_dir = server.cli("export", "admin", str(tmp_path / "no" / "x.zip"), check=False)
    assert no_dir.returncode == 1 and "is not a directory" in no_dir.stderr
    assert list(tmp_path.iterdir()) == []
