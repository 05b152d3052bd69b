"""Where NCC's runtime objects live in Home Assistant and how adapters find them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

if TYPE_CHECKING:
    from .city import CityRuntime
    from .coordinator import ServerCoordinator


@dataclass
class NccData:
    """Created once in async_setup; the city and server entries register themselves here.

    Each entry's own object is its `runtime_data`; this index only lets city-wide adapters
    (services, websocket, views) reach the city and every server without walking entries.
    """

    city: CityRuntime | None = None
    city_ready: asyncio.Event = field(default_factory=asyncio.Event)
    servers: dict[str, ServerCoordinator] = field(default_factory=dict)


DATA_NCC: HassKey[NccData] = HassKey(DOMAIN)


def async_get_data(hass: HomeAssistant) -> NccData:
    return hass.data.setdefault(DATA_NCC, NccData())


def async_get_city(hass: HomeAssistant) -> CityRuntime | None:
    data = hass.data.get(DATA_NCC)
    return data.city if data else None
