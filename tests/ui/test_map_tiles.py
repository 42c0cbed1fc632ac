"""Map tiles (--map-tiles): the setting, what /ui/api/config tells the UI, and the tile
host in the Content-Security-Policy's img-src only when set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from stonechat.config import Settings
from stonechat.protocols.http.security_headers import tile_source
from support import Server, free_port

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
SUBDOMAINS = "https://{s}.tiles.example.org:8443/osm/{z}/{x}/{y}.png?key=abc"


def img_src(response: httpx.Response) -> list[str]:
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        if name == "img-src":
            return sources
    raise AssertionError("no img-src")


@pytest.fixture(scope="module")
def tiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        backend="sqlite",
        data_dir=Path(tmp_path_factory.mktemp("tiles")),
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={
            "STONECHAT_MAP_TILES": SUBDOMAINS,
            "STONECHAT_MAP_ATTRIBUTION": "© Example maps",
        },
    )
    srv.start()
    yield srv
    srv.stop()


def test_tile_source_is_the_scheme_and_host() -> None:
    assert tile_source(OSM) == "https://tile.openstreetmap.org"
    assert tile_source(SUBDOMAINS) == "https://*.tiles.example.org:8443"


def test_the_setting_takes_a_template_and_refuses_anything_else() -> None:
    assert Settings(map_tiles=OSM).map_tiles == OSM
    assert Settings(map_tiles="").map_tiles is None
    assert Settings().map_attribution == "© OpenStreetMap contributors"
    for bad in (
        "tile.openstreetmap.org/{z}/{x}/{y}.png",  # no scheme
        "ftp://tiles.example/{z}/{x}/{y}.png",
        "https://tiles.example/{z}/{x}.png",  # no {y}
        "https://tiles.example/{z}/{x}/{y}.png; script-src *",  # would bend the policy
        "https://tiles.example 'unsafe-inline'/{z}/{x}/{y}",
    ):
        with pytest.raises(ValidationError):
            Settings(map_tiles=bad)


@pytest.mark.sqlite_only
def test_without_the_setting_maps_are_offline(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/ui/api/config")
    assert response.json()["map_tiles"] is None
    assert response.json()["map_attribution"] is None
    assert not [s for s in img_src(response) if "tile" in s]


def test_with_the_setting_the_ui_learns_it_and_may_load_the_tiles(tiled: Server) -> None:
    response = httpx.get(f"{tiled.base_url}/ui/api/config")
    assert response.json()["map_tiles"] == SUBDOMAINS
    assert response.json()["map_attribution"] == "© Example maps"
    assert "https://*.tiles.example.org:8443" in img_src(response)
    # The UI's pages carry the same policy.
    assert "https://*.tiles.example.org:8443" in img_src(httpx.get(f"{tiled.base_url}/"))
