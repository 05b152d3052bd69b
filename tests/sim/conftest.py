"""Fixtures of the simulator tests. The broker and city fixtures live in frigate_sim.testing so
other test directories import the same ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from frigate_sim.testing import mosquitto, sim_city

__all__ = ["http", "mosquitto", "sim_city"]


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """These tests talk to servers on 127.0.0.1."""


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that keeps cookies from IP-address hosts (aiohttp drops them by default)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session
