"""The server starts on every backend and answers the basics."""

from __future__ import annotations

import httpx

from support import Server


def test_health(server: Server) -> None:
    assert httpx.get(f"{server.base_url}/health").json()["status"] == "ok"


def test_create_and_read_data(api: httpx.Client) -> None:
    created = api.post("/feeds/temperature/data", json={"value": 21.5})
    assert created.status_code == 200, created.text
    assert created.json()["value"] == "21.5"
    listed = api.get("/feeds/temperature/data")
    assert [d["value"] for d in listed.json()] == ["21.5"]
