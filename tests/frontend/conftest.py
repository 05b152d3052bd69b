"""Card tests: NCC's modules in a bare Chromium page, against a stand-in `hass` object.

The page's origin is fake (`http://ncc.test`); every request to it is answered from the
repository's files by Playwright's router, so no server and no network are involved.
"""

from __future__ import annotations

from collections.abc import Iterator
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # Playwright is a leg-1 test requirement only (the newest-HA leg lacks it)
    from playwright.sync_api import Route

from tests.frontend.browser import BrowserThread

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "custom_components" / "ncc" / "frontend"
HARNESS = Path(__file__).with_name("harness.js")
ORIGIN = "http://ncc.test"
PAGE = "<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>"


@pytest.fixture(scope="session")
def chromium() -> Iterator[BrowserThread]:
    thread = BrowserThread()
    yield thread
    thread.stop()


def _serve(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?", 1)[0]
    if path in ("/", "/index.html"):
        route.fulfill(status=200, content_type="text/html", body=PAGE)
        return
    file = FRONTEND / path.lstrip("/")
    if path.startswith("/") and file.is_file() and file.parent == FRONTEND:
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        route.fulfill(status=200, content_type=kind, body=file.read_bytes())
        return
    route.fulfill(status=404, body="not found")


@pytest.fixture
def page(chromium: BrowserThread) -> Iterator[Any]:
    errors: list[str] = []

    def open_page() -> Any:
        context = chromium.browser._target.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route(f"{ORIGIN}/**", _serve)
        page.goto(f"{ORIGIN}/")
        page.add_script_tag(content=HARNESS.read_text())
        return page

    real = chromium.call(open_page)
    page = type(chromium.browser)(chromium, real)
    yield page
    chromium.call(real.context.close)
    assert not errors, errors
