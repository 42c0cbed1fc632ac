"""An account exported as a zip (issue 16), from the web UI (``/ui/api/export``) and the
command line (``stonechat export``), and imported back (``stonechat import``), on both
databases: every group, feed, dashboard with its blocks and layouts, and every point, as the
REST API gives them; nothing of anyone else's; an import run twice adds nothing; refusals as
JSON errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
import socket
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
    """A signed-in user with a group, three feeds (one in the group, one empty, one with
    retention of its own), points
    with and without a location, and a dashboard with two blocks and a layout."""
    u = signed_in.username

    def call(method: str, path: str, body: Any, status: int = 200) -> Any:
        return ok(signed_in.unsafe(method, f"/api/v2/{u}{path}", json=body), status)

    call("POST", "/groups", {"name": "Garden"}, 201)
    call("POST", "/feeds", {"feed": {"name": "Temperature", "retention": {"raw": 365}}}, 201)
    call("POST", "/feeds?group_key=garden", {"feed": {"name": "Soil"}}, 201)
    call("POST", "/feeds", {"feed": {"name": "Empty"}}, 201)
    for start in range(0, POINTS, 1_000):
        batch = [{"value": str(i)} for i in range(start, min(POINTS, start + 1_000))]
        call("POST", "/feeds/temperature/data/batch", batch)
    call("POST", "/feeds/garden.soil/data", {"value": 'wet, "very"\n', "lat": 52.5, "lon": 13.4})
    dashboard = call("POST", "/dashboards", {"name": "Home"}, 201)
    feeds = {f["key"]: f for f in ok(signed_in.get(f"/api/v2/{u}/feeds"))}
    ids = []
    for name, feed in (("Temp", "temperature"), ("Soil", "garden.soil")):
        block = {"name": name, "visual_type": "line_chart", "block_feeds": [{"feed_id": feed}]}
        ids.append(call("POST", f"/dashboards/{dashboard['key']}/blocks", block)["id"])  # 200
    layouts = {
        "lg": [
            {"i": ids[0], "x": 0, "y": 0, "w": 4, "h": 3},
            {"i": ids[1], "x": 4, "y": 0, "w": 6, "h": 2},
        ]
    }
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
    # A device token of the account, even one that may read a feed: not the whole account.
    u = account["username"]
    scoped = {"token": {"name": "dev", "permissions": [{"key": "temperature"}]}}
    token = ok(signed_in.unsafe("POST", f"/api/v2/{u}/tokens", json=scoped), 201)["token"]
    for method, path in (("GET", "/ui/api/export"), ("POST", "/ui/api/import")):
        response = httpx.request(
            method, f"{server.base_url}{path}", headers={"X-AIO-Key": token}, content=b"x"
        )
        assert response.status_code == 403 and response.json()["error"], (path, response.text)
    # Another user signed in gets their own (empty) account, none of this one's.
    other, _ = server.create_user("exo")
    with Browser(base_url=server.base_url, timeout=30) as them:
        assert them.sign_in(other).status_code == 200
        files = members(them.get("/ui/api/export").content)
    manifest = json.loads(files["manifest.json"])
    assert manifest["username"] == other
    assert manifest["counts"]["points"] == 0 and manifest["counts"]["feeds"] == 0
    assert account["username"] not in b"".join(files.values()).decode()


@pytest.mark.sqlite_only  # refused before anything is read
def test_the_command_line_refuses_what_it_cannot_do(server: Server, tmp_path: Path) -> None:
    missing_user = server.cli("export", "nobody-by-this-name", str(tmp_path / "x.zip"), check=False)
    assert missing_user.returncode == 1
    assert "no user named 'nobody-by-this-name'" in missing_user.stderr
    no_dir = server.cli("export", "admin", str(tmp_path / "no" / "x.zip"), check=False)
    assert no_dir.returncode == 1 and "is not a directory" in no_dir.stderr
    assert list(tmp_path.iterdir()) == []


# -- import -----------------------------------------------------------------------------


def export_to(server: Server, username: str, path: Path) -> Path:
    server.cli("export", username, str(path))
    return path


def contents(archive: Path) -> dict[str, Any]:
    """What an export holds, by keys and names (ids and times of records differ between
    accounts): records, each block's feeds, the layout by block name, every point."""
    files = members(archive.read_bytes())
    feeds = json.loads(files["feeds.json"])
    key_of = {f["id"]: f["key"] for f in feeds}
    [board] = json.loads(files["dashboards.json"])
    names = {b["id"]: b["name"] for b in board["blocks"]}
    return {
        "feeds": sorted(
            (f["key"], f["name"], f["history"], f["unit_symbol"], json.dumps(f["retention"]))
            for f in feeds
        ),
        "groups": sorted(
            (g["key"], sorted(f["key"] for f in g["feeds"]))
            for g in json.loads(files["groups.json"])
        ),
        "dashboard": (board["key"], board["name"]),
        "blocks": sorted(
            (b["name"], b["visual_type"], [r["feed"]["key"] for r in b["block_feeds"]])
            for b in board["blocks"]
        ),
        "layout": sorted((names[i["i"]], i["w"], i["h"]) for i in board["layouts"]["lg"]),
        "points": {
            key_of[int(name[5:-4])]: sorted(
                (p["created_at"], p["value"], p["lat"], p["lon"]) for p in points_of(content)
            )
            for name, content in files.items()
            if name.startswith("data/")
        },
        "ids": {
            key_of[int(name[5:-4])]: sorted(p["id"] for p in points_of(content))
            for name, content in files.items()
            if name.startswith("data/")
        },
    }


def imported(server: Server, archive: Path, *extra: str) -> str:
    result = server.cli("import", str(archive), *extra)
    return result.stdout


def test_an_import_into_another_account_brings_everything_and_twice_adds_nothing(
    server: Server, signed_in: Browser, account: dict[str, Any], tmp_path: Path
) -> None:
    source = contents(export_to(server, account["username"], tmp_path / "a.zip"))
    other, _ = server.create_user("imp")
    first = imported(server, tmp_path / "a.zip", "--as", other)
    assert f"into {other}: 1 groups, 3 feeds, 1 dashboards, 2 blocks, {POINTS + 1} points" in first
    copy = contents(export_to(server, other, tmp_path / "b.zip"))
    ids = copy.pop("ids")
    assert copy == {k: v for k, v in source.items() if k != "ids"}
    # The ids are another feed's on this server: the copies get ids of their own.
    assert not set(ids["temperature"]) & set(source["ids"]["temperature"])
    again = imported(server, tmp_path / "a.zip", "--as", other)
    assert "0 groups (1 there already), 0 feeds (3 there already)" in again
    assert f"0 points ({POINTS + 1} there already)" in again
    assert contents(export_to(server, other, tmp_path / "c.zip"))["ids"] == ids


def test_an_import_back_into_the_emptied_account_keeps_the_ids(
    server: Server, signed_in: Browser, account: dict[str, Any], tmp_path: Path
) -> None:
    u = account["username"]
    source = contents(export_to(server, u, tmp_path / "a.zip"))
    for key in ("temperature", "garden.soil", "empty"):
        assert signed_in.unsafe("DELETE", f"/api/v2/{u}/feeds/{key}").status_code == 200
    assert signed_in.unsafe("DELETE", f"/api/v2/{u}/dashboards/home").status_code == 200
    output = imported(server, tmp_path / "a.zip")  # into the account it names
    assert f"into {u}: 0 groups (1 there already), 3 feeds, 1 dashboards" in output
    assert contents(export_to(server, u, tmp_path / "b.zip")) == source
    details = ok(signed_in.get(f"/api/v2/{u}/feeds/temperature/details"))
    assert details["details"]["data"]["count"] == POINTS
    assert details["last_value"] == str(POINTS - 1)


def rezip(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """``source`` with some members replaced (None: left out)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name not in change:
                new.writestr(name, old.read(name))
        for name, content in change.items():
            if content is not None:
                new.writestr(name, content)
    return target


@pytest.mark.sqlite_only  # what is refused is the archive, whatever the database
def test_an_import_refuses_what_is_not_a_good_export(
    server: Server, signed_in: Browser, account: dict[str, Any], tmp_path: Path
) -> None:
    """The command's side of refusals (each kind of bad archive: test_import_sources.py):
    exit 1, the message on stderr, no traceback."""
    good = export_to(server, account["username"], tmp_path / "good.zip")
    feeds = {f["key"]: f["id"] for f in json.loads(members(good.read_bytes())["feeds.json"])}
    soil = f"data/{feeds['garden.soil']}.csv"
    (tmp_path / "text.zip").write_text("not a zip")
    header = ",".join(("id", "created_at", "value", "lat", "lon", "ele")).encode()
    bad_row = header + b"\n01J0000000000000000000000A,2024-01-01T00:00:00Z,1,5,,\n"
    other, _ = server.create_user("bad")
    for archive, message in (
        (tmp_path / "text.zip", "cannot read"),
        (rezip(good, tmp_path / "row.zip", {soil: bad_row}), "line 2: lat and lon must be given"),
    ):
        result = server.cli("import", str(archive), "--as", other, check=False)
        assert result.returncode == 1, result.stdout
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
    unknown = server.cli("import", str(good), "--as", "nobody-by-this-name", check=False)
    assert unknown.returncode == 1 and "no user named 'nobody-by-this-name'" in unknown.stderr


def test_the_web_ui_imports_an_export_into_the_signed_in_account(
    server: Server, signed_in: Browser, account: dict[str, Any], tmp_path: Path
) -> None:
    archive = signed_in.get("/ui/api/export").content
    other, _ = server.create_user("upl")
    with Browser(base_url=server.base_url, timeout=60) as them:
        assert them.sign_in(other).status_code == 200
        first = them.unsafe("POST", "/ui/api/import", content=archive)
        assert ok(first)["imported"] == {
            "groups": 1,  # Garden; the default group is the account's own
            "feeds": 3,
            "dashboards": 1,
            "blocks": 2,
            "points": POINTS + 1,
        }
        again = ok(them.unsafe("POST", "/ui/api/import", content=archive))["imported"]
        assert again["points_existing"] == POINTS + 1 and again.get("points", 0) == 0
        mine = members(them.get("/ui/api/export").content)
    exported = json.loads(mine["manifest.json"])
    assert exported["username"] == other and exported["counts"]["points"] == POINTS + 1


@pytest.mark.sqlite_only  # refused before the database is asked anything
def test_the_web_ui_import_refuses_bad_uploads(server: Server, signed_in: Browser) -> None:
    url = f"{server.base_url}/ui/api/import"
    not_zip = signed_in.unsafe("POST", "/ui/api/import", content=b"PK not really a zip")
    assert not_zip.status_code == 400 and "not a zip" in not_zip.json()["error"]
    other_format = io.BytesIO()
    with zipfile.ZipFile(other_format, "w") as archive:
        archive.writestr("manifest.json", '{"format": "something else"}')
    refused = signed_in.unsafe("POST", "/ui/api/import", content=other_format.getvalue())
    assert refused.status_code == 422
    assert "not a Stonechat account export" in refused.json()["error"]
    # Without the CSRF token, or signed out: refused before the body is read.
    assert signed_in.post("/ui/api/import", content=b"x").status_code == 403
    assert httpx.post(url, content=b"x").status_code == 401
    # Too large: refused from the declared length, before a byte of the body is read.
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(
            b"POST /ui/api/import HTTP/1.1\r\nHost: x\r\nContent-Length: 600000000\r\n"
            + f"Cookie: stonechat_session={signed_in.cookie}\r\n".encode()
            + f"X-CSRF-Token: {signed_in.csrf}\r\n\r\n".encode()
        )
        head = raw.recv(4096).decode(errors="replace")
    assert head.startswith("HTTP/1.1 413"), head
