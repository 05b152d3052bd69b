"""End-to-end fixtures: Debian's Chromium on its own thread (see tests/frontend/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.frontend.browser import BrowserThread


@pytest.fixture(autouse=True)
def sockets_to_localhost(socket_enabled: None) -> None:
    """Home Assistant, the simulator and the browser talk over 127.0.0.1."""


@pytest.fixture(scope="session")
def chromium() -> Iterator[BrowserThread]:
    thread = BrowserThread()
    yield thread
    thread.stop()
