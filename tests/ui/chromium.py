"""Chromium (Debian's, /usr/bin/chromium) through Playwright, for the browser tests: one way
to start it, and one message when it or the built UI is missing (a skip here, a failure in
CI). Never ``playwright install``: the tests drive the system's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import stonechat
from support import IN_CI

pytest.importorskip("playwright")
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DIST = Path(stonechat.__file__).parent / "web" / "dist" / "index.html"


def require(ok: bool, reason: str) -> None:
    if not ok:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def launched(*needs: tuple[bool, str]) -> Iterator[Browser]:
    """Chromium, once it and the built web UI are there (and whatever else ``needs``:
    ``(present, what to do if not)``)."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium")
    require(DIST.exists(), "the web UI is not built: make setup (or make ui)")
    for ok, reason in needs:
        require(ok, reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
