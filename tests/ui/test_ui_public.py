"""What a visitor who is not signed in may see: public dashboards and public feeds only."""

from __future__ import annotations

import httpx

from support import Server
from ui.helpers import Browser


def _setup(signed_in: Browser) -> None:
    u = signed_in.username
    for name, visibility in (("Open Temp", "public"), ("Secret Temp", "private")):
        made = signed_in.unsafe(
            "POST", f"/api/v2/{u}/feeds", json={"feed": {"name": name, "visibility": visibility}}
        )
        assert made.status_code == 201, made.text
    for key, value in (("open-temp", 21.5), ("secret-temp", 99)):
        assert (
            signed_in.unsafe(
                "POST", f"/api/v2/{u}/feeds/{key}/data", json={"value": value}
            ).status_code
            == 200
        )
    for name, visibility in (("Open Board", "public"), ("Secret Board", "private")):
        made = signed_in.unsafe(
            "POST", f"/api/v2/{u}/dashboards", json={"name": name, "visibility": visibility}
        )
        assert made.status_code == 201, made.text
    for feed in ("open-temp", "secret-temp"):
        block = signed_in.unsafe(
            "POST",
            f"/api/v2/{u}/dashboards/open-board/blocks",
            json={"visual_type": "gauge", "name": feed, "block_feeds": [{"feed_id": feed}]},
        )
        assert block.status_code in (200, 201), block.text


def test_public_dashboard_is_visible_signed_out(server: Server, signed_in: Browser) -> None:
    _setup(signed_in)
    u = signed_in.username
    response = httpx.get(f"{server.base_url}/ui/api/public/{u}/dashboards/open-board")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dashboard"]["key"] == "open-board"
    assert "layouts" in body["dashboard"]
    assert len(body["blocks"]) == 2
    # Only the public feed is shown; the private one is not even named.
    assert [f["key"] for f in body["feeds"]] == ["open-temp"]
    assert body["feeds"][0]["last_value"] == "21.5"
    bound = sorted(str(bf["feed"]) for b in body["blocks"] for bf in b["block_feeds"])
    assert "secret" not in " ".join(bound).lower()

    data = httpx.get(f"{server.base_url}/ui/api/public/{u}/feeds/open-temp/data?limit=5")
    assert data.status_code == 200
    assert [d["value"] for d in data.json()] == ["21.5"]
    chart = httpx.get(f"{server.base_url}/ui/api/public/{u}/feeds/open-temp/chart?hours=1")
    assert chart.status_code == 200
    assert chart.json()["columns"][0] == "date"
    assert chart.json()["feed"]["key"] == "open-temp"


def test_private_things_are_404_signed_out(server: Server, signed_in: Browser) -> None:
    _setup(signed_in)
    u = signed_in.username
    for path in (
        "dashboards/secret-board",
        "dashboards/no-such-board",
        "feeds/secret-temp/data",
        "feeds/secret-temp/chart",
        "feeds/no-such-feed/data",
    ):
        response = httpx.get(f"{server.base_url}/ui/api/public/{u}/{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]
    response = httpx.get(f"{server.base_url}/ui/api/public/nobody-here/dashboards/x")
    assert response.status_code == 404


def test_csv_download_of_the_whole_history(server: Server, signed_in: Browser) -> None:
    u = signed_in.username
    signed_in.unsafe("POST", f"/api/v2/{u}/feeds", json={"feed": {"name": "Many"}})
    points = [{"value": str(i)} for i in range(2_500)]
    for start in range(0, len(points), 1_000):
        batch = signed_in.unsafe(
            "POST", f"/api/v2/{u}/feeds/many/data/batch", json=points[start : start + 1_000]
        )
        assert batch.status_code == 200, batch.text
    response = signed_in.get("/ui/api/feeds/many/data.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = response.text.strip().split("\n")
    assert lines[0] == "id,value,feed_id,feed_key,created_at,lat,lon,ele"
    assert len(lines) == 2_501  # more than one page: nothing truncated
    assert sorted(int(line.split(",")[1]) for line in lines[1:]) == list(range(2_500))
    # Someone else's feed, or nobody signed in: no.
    assert httpx.get(f"{server.base_url}/ui/api/feeds/many/data.csv").status_code == 401
