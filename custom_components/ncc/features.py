"""The command center's workflows, started with the city and stopped before it closes.

Each feature's set-up creates its runtime, stores it on the city (`city.<feature> = ...`) and
registers its stop callback with `city.add_stop_callback`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant

from .alerts import async_setup_alerts
from .footage import async_setup_footage
from .frigate_configs import async_setup_frigate_configs
from .registrations import async_setup_registrations

if TYPE_CHECKING:
    from .city import CityRuntime


async def async_setup_features(hass: HomeAssistant, city: CityRuntime) -> None:
    # one line per feature, in start order
    await async_setup_registrations(hass, city)
    await async_setup_alerts(hass, city)
    await async_setup_frigate_configs(hass, city)
    await async_setup_footage(hass, city)
