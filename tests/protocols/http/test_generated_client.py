"""A Python client generated from the served OpenAPI document works (issue 12): through it
alone, with the key set through the security scheme, a feed is made, data sent, read back,
paged and charted."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from support import Server

PACKAGE = "stonechat_generated_client"


@pytest.fixture(scope="module")
def generated(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported from a temporary directory (no network needed)."""
    root = tmp_path_factory.mktemp("generated")
    spec = root / "openapi.json"
    document = httpx.get(f"{server.base_url}/api/v2/openapi.json", timeout=30).json()
    spec.write_text(json.dumps(document))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every operation is generated: nothing skipped for an unsupported shape.
    assert "will not be generated" not in result.stdout + result.stderr, result.stdout
    _import_unset(root / PACKAGE)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _import_unset(package: Path) -> None:
    """openapi-python-client 0.29.1 types a required body offered in several media types
    (JSON and form) as ``... | Unset`` without importing ``Unset`` when the operation has no
    optional parameter (upstream issue #1451, fix in PR #1478): add the import. The document
    is right; this is the only change made to the generated code."""
    for path in package.glob("api/*/*.py"):
        text = path.read_text()
        if "| Unset" in text and "Unset," not in text and ", Unset" not in text:
            text = text.replace(
                "from ...types import UNSET, Response\n",
                "from ...types import UNSET, Response, Unset\n",
            )
            path.write_text(text)


def module(generated: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{generated.__name__}.{name}")


def test_feed_data_pages_and_chart_through_the_generated_client(
    generated: ModuleType, server: Server, user: tuple[str, str]
) -> None:
    username, key = user
    models = module(generated, "models")
    create_feed = module(generated, "api.feeds.create_feed")
    get_feed = module(generated, "api.feeds.get_feed")
    create_data = module(generated, "api.data.create_data")
    create_batch = module(generated, "api.data.create_batch")
    list_data = module(generated, "api.data.list_data")
    get_datum = module(generated, "api.data.get_datum")
    chart = module(generated, "api.data.chart")
    get_user = module(generated, "api.account.get_user")

    # The key through the apiKey scheme's header.
    client = generated.AuthenticatedClient(
        base_url=server.base_url, token=key, prefix="", auth_header_name="X-AIO-Key"
    )
    anonymous = generated.Client(base_url=server.base_url)
    with client, anonymous:
        me = get_user.sync(client=client)
        assert isinstance(me, models.User)
        assert me.username == username
        refused = get_user.sync_detailed(client=anonymous)
        assert refused.status_code == 401
        assert isinstance(refused.parsed, models.Error)

        feed = create_feed.sync(
            username,
            client=client,
            body=models.WrappedFeedBody(feed=models.FeedBody(name="Greenhouse temperature")),
        )
        assert isinstance(feed, models.Feed), feed
        assert feed.key == "greenhouse-temperature"

        first = create_data.sync(
            username, feed.key, client=client, body=models.DatumBody(value="20.5")
        )
        assert isinstance(first, models.Datum), first
        assert first.value == "20.5"
        batch = create_batch.sync(
            username,
            feed.key,
            client=client,
            body=models.BatchBody(data=[models.DatumBody(value=str(v)) for v in (21, 22, 23)]),
        )
        assert isinstance(batch, list)
        assert [d.value for d in batch] == ["21", "22", "23"]

        assert get_feed.sync(username, feed.key, client=client).last_value == "23"
        one = get_datum.sync(username, feed.key, first.id, client=client)
        assert isinstance(one, models.SelectedDatum)
        assert one.value == "20.5"

        # Pages of two, following the Link header's cursor.
        seen: list[str] = []
        before: Any = generated.types.UNSET
        for _ in range(5):
            page = list_data.sync_detailed(
                username, feed.key, client=client, limit=2, before=before
            )
            assert page.status_code == 200
            seen += [d.value for d in page.parsed]
            if 'rel="next"' not in page.headers.get("link", ""):
                break
            following = page.headers["link"].split(", <")[1].rstrip(">")
            before = parse_qs(urlparse(following).query)["before"][0]
        assert seen == ["23", "22", "21", "20.5"]

        series = chart.sync(username, feed.key, client=client, hours=1, resolution=1)
        assert isinstance(series, models.Chart), series
        assert series.parameters.resolution == 1
        assert series.columns == ["date", "avg"]
        assert series.data
        raw = chart.sync(username, feed.key, client=client, hours=1, raw=True)
        assert isinstance(raw, models.Chart), raw
        assert sorted(float(v) for _at, v in raw.data) == [20.5, 21.0, 22.0, 23.0]


def test_every_operation_is_generated_and_imports(generated: ModuleType) -> None:
    root = Path(generated.__file__ or "").parent
    names = sorted(p.stem for p in root.glob("api/*/*.py") if p.stem != "__init__")
    for path in root.glob("api/*/*.py"):
        importlib.import_module(f"{PACKAGE}.api.{path.parent.name}.{path.stem}")
    assert len(names) > 100
