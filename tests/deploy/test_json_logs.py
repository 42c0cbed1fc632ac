"""``STONECHAT_LOG_FORMAT=json``: every line the server writes is one JSON object, with one
line per HTTP request (method, path, status, duration, client, bytes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from deploy_helpers import started


def test_every_line_is_json_with_one_line_per_request(tmp_path: Path) -> None:
    # A fresh data directory: the first-start banner (administrator password) is logged too.
    server = started(tmp_path / "json", {"STONECHAT_LOG_FORMAT": "json"})
    try:
        username, key = server.create_user("json")
        base = server.base_url
        me = httpx.get(f"{base}/api/v2/user", params={"x-aio-key": key})
        assert me.status_code == 200
        written = httpx.post(
            f"{base}/api/v2/{username}/feeds/logged/data",
            json={"value": "1"},
            headers={"X-AIO-Key": key},
        )
        assert written.status_code == 200
        missing = httpx.get(f"{base}/api/v2/{username}/feeds/absent", headers={"X-AIO-Key": key})
        assert missing.status_code == 404
    finally:
        server.stop()  # every line written and flushed
    lines = [line for line in server.log().splitlines() if line.strip()]
    records: list[dict[str, Any]] = []
    for line in lines:
        record = json.loads(line)  # fails the test on any line that is not JSON
        assert isinstance(record, dict)
        assert {"time", "level", "logger", "message", "pid"} <= record.keys(), record
        records.append(record)
    assert any("this database had no accounts" in r["message"] for r in records)
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's own lines

    access = [r for r in records if r["logger"] == "stonechat.access"]
    mine = {
        (r["method"], r["path"]): r
        for r in access
        if r["path"].startswith(("/api/v2/user", f"/api/v2/{username}"))
    }
    assert set(mine) == {
        ("GET", "/api/v2/user"),
        ("POST", f"/api/v2/{username}/feeds/logged/data"),
        ("GET", f"/api/v2/{username}/feeds/absent"),
    }
    assert [mine[k]["status"] for k in sorted(mine)] == [404, 200, 200]
    for record in mine.values():
        assert isinstance(record["duration_ms"], (int, float)) and record["duration_ms"] >= 0
        assert record["client"] == "127.0.0.1"
        assert isinstance(record["bytes"], int) and record["bytes"] > 0
        assert record["level"] == "INFO"
    # The query string is not logged: it may carry the AIO key.
    assert key not in server.log()
