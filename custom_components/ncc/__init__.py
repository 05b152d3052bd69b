"""NCC: a multi-agency city CCTV command center on top of Frigate NVR servers."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import homeassistant.helpers.config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .city import CityConfigEntry, async_setup_city, async_unload_city
from .const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_TYPE_CITY
from .coordinator import camera_uid
from .data import async_get_data
from .frontend_setup import async_setup_frontend
from .server import ServerConfigEntry, async_setup_server
from .services import async_setup_services
from .websocket_api import async_setup_websocket

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

CITY_PLATFORMS: list[Platform] = [Platform.SENSOR]
SERVER_PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.CAMERA, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what exists once per Home Assistant, whatever entries come and go."""
    async_get_data(hass)
    async_setup_services(hass)
    async_setup_websocket(hass)
    await async_setup_frontend(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_CITY:
        city_entry: CityConfigEntry = entry
        await async_setup_city(hass, city_entry)
        await hass.config_entries.async_forward_entry_setups(entry, CITY_PLATFORMS)
        return True
    server_entry: ServerConfigEntry = entry
    await async_setup_server(hass, server_entry)
    await hass.config_entries.async_forward_entry_setups(entry, SERVER_PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_CITY:
        if unloaded := await hass.config_entries.async_unload_platforms(entry, CITY_PLATFORMS):
            city_entry: CityConfigEntry = entry
            await async_unload_city(hass, city_entry)
        return unloaded
    return await hass.config_entries.async_unload_platforms(entry, SERVER_PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConfigEntry, device: DeviceEntry
) -> bool:
    """Allow removing a camera device only once its server no longer reports the camera."""
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_CITY:
        return False
    server_entry: ServerConfigEntry = entry
    coordinator = server_entry.runtime_data
    present = {(DOMAIN, coordinator.server_id)} | {
        (DOMAIN, camera_uid(coordinator.server_id, name)) for name in coordinator.data.camera_names
    }
    return not device.identifiers & present
