"""Debian's Chromium under Playwright (never a downloaded browser), quiet on a closed network.

Playwright's synchronous API runs its own event loop on the thread that starts it, which would
clash with the asyncio loop Home Assistant's test plugin keeps for every test. So the browser
lives on a thread of its own, and tests hold proxies whose calls run there.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
import queue
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Playwright is a leg-1 test requirement only (the newest-HA leg lacks it)
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)


def launch(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))


class BrowserThread:
    """Chromium on its own thread; `call(fn, *args)` runs `fn(*args)` there and returns."""

    def __init__(self) -> None:
        self._work: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]] | None] = (
            queue.Queue()
        )
        self._ready: Future[Browser] = Future()
        # "waitpid-": the name Home Assistant's test plugin expects of helper threads
        self._thread = threading.Thread(target=self._run, name="waitpid-chromium", daemon=True)
        self._thread.start()
        self.browser = Proxy(self, self._ready.result(timeout=60))

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                self._ready.set_result(browser)
                while (item := self._work.get()) is not None:
                    fn, args, result = item
                    try:
                        result.set_result(fn(*args))
                    except BaseException as err:  # handed to the caller
                        result.set_exception(err)
                browser.close()
        except BaseException as err:  # handed to the caller
            if not self._ready.done():
                self._ready.set_exception(err)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        result: Future[Any] = Future()
        self._work.put((fn, args, result))
        return result.result(timeout=120)

    def stop(self) -> None:
        self._work.put(None)
        self._thread.join(30)


_PLAIN = (str, int, float, bool, bytes, type(None), list, dict, tuple)


class Proxy:
    """A Playwright object whose methods run on the browser thread; results come back proxied."""

    def __init__(self, owner: BrowserThread, target: Any) -> None:
        self._owner = owner
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = self._owner.call(getattr, self._target, name)
        if not callable(value):
            return value if isinstance(value, _PLAIN) else Proxy(self._owner, value)

        def method(*args: Any, **kwargs: Any) -> Any:
            result = self._owner.call(lambda: value(*args, **kwargs))
            return result if isinstance(result, _PLAIN) else Proxy(self._owner, result)

        return method
