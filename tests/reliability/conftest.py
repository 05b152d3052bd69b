"""Fixtures for the reliability suite: NCC in a real HA core under faults and hostile input.

The city and server fixtures are the HA suite's own (tests/ha/conftest.py), so both suites set
NCC up the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from frigate_sim import SimCity
from frigate_sim.testing import mosquitto, sim_city  # noqa: F401
from tests.ha.conftest import (  # noqa: F401
    add_server,
    audit_db_url,
    auto_enable_custom_integrations,
    setup_city,
    sockets_to_localhost,
)


@pytest.fixture
async def one_server() -> AsyncIterator[SimCity]:
    """One Frigate server without authentication, four cameras."""
    city = SimCity.synthetic(servers=1, cameras=4, seed=3, auth=False)
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Move HA's clock on and run what became due (polls, timers) to completion."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
