"""Fixtures for the reliability suite: NCC in a real HA core under faults and hostile input.

The city and server fixtures are the HA suite's own (tests/ha/conftest.py), so both suites set
NCC up the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
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
from tests.reliability.city_fixture import AddServer, CityUnderTest, SetupCity, build_city


@pytest.fixture
async def one_server() -> AsyncIterator[SimCity]:
    """One Frigate server without authentication, four cameras."""
    city = SimCity.synthetic(servers=1, cameras=4, seed=3, auth=False)
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


@pytest.fixture
async def city(
    hass: HomeAssistant,
    tmp_path: Path,
    freezer: FrozenDateTimeFactory,
    setup_city: SetupCity,  # noqa: F811 - the fixture imported above
    add_server: AddServer,  # noqa: F811 - the fixture imported above
    one_server: SimCity,
    hass_admin_user: User,
) -> CityUnderTest:
    """A city of one server whose Stores the property tests compare before and after a call.

    Files the actions write (exports, inventories) land in this test's own folder; the clock
    stands still, so no poll or timer changes a Store between two comparisons.
    """
    hass.config.config_dir = str(tmp_path)
    return await build_city(hass, setup_city, add_server, one_server, hass_admin_user)


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Move HA's clock on and run what became due (polls, timers) to completion."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
