"""Fixtures for NCC inside a real Home Assistant core, against the Frigate simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ncc.const import (
    CONF_AGENCY_CODE,
    CONF_AGENCY_ID,
    CONF_AGENCY_NAME,
    CONF_AUDIT_DB_URL,
    CONF_CAMERA_ENTITIES,
    CONF_CITY_NAME,
    CONF_ENTRY_TYPE,
    CONF_PASSWORD,
    CONF_RETENTION_POLICY_DAYS,
    CONF_SERVER_ID,
    CONF_SERVER_NAME,
    CONF_STREAM_TEMPLATE,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    DEFAULT_STREAM_TEMPLATE,
    DOMAIN,
    ENTRY_TYPE_CITY,
    ENTRY_TYPE_SERVER,
)
from frigate_sim import SimCity

OPERATING_AGENCY_ID = "diskominfo"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Every test here loads NCC from custom_components."""


@pytest.fixture(autouse=True)
def sockets_to_localhost(socket_enabled: None) -> None:
    """The simulator, brokers and databases listen on 127.0.0.1."""


@pytest.fixture
async def sim() -> AsyncIterator[SimCity]:
    """Two Frigate servers without authentication; equal camera names on both on purpose."""
    city = SimCity.synthetic(servers=2, cameras=3, seed=1, auth=False)
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


@pytest.fixture
async def auth_sim() -> AsyncIterator[SimCity]:
    city = SimCity.synthetic(servers=1, cameras=2, seed=2, auth=True, password="rahasia")
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


def city_entry(audit_db_url: str, **overrides: Any) -> MockConfigEntry:
    data = {
        CONF_ENTRY_TYPE: ENTRY_TYPE_CITY,
        CONF_CITY_NAME: "Kota Mojokerto",
        CONF_RETENTION_POLICY_DAYS: 10,
        CONF_AGENCY_NAME: "Dinas Komunikasi dan Informatika",
        CONF_AGENCY_CODE: "DISKOMINFO",
        CONF_AUDIT_DB_URL: audit_db_url,
        **overrides,
    }
    return MockConfigEntry(domain=DOMAIN, title=data[CONF_CITY_NAME], unique_id="city", data=data)


def server_entry(
    url: str, server_id: str, *, agency_id: str = OPERATING_AGENCY_ID, **overrides: Any
) -> MockConfigEntry:
    data = {
        CONF_ENTRY_TYPE: ENTRY_TYPE_SERVER,
        CONF_SERVER_ID: server_id,
        CONF_SERVER_NAME: server_id,
        CONF_URL: url,
        CONF_USERNAME: "",
        CONF_PASSWORD: "",
        CONF_VERIFY_SSL: True,
        CONF_AGENCY_ID: agency_id,
        CONF_STREAM_TEMPLATE: DEFAULT_STREAM_TEMPLATE,
        # most tests look at the camera entities; their default (off) has its own test
        CONF_CAMERA_ENTITIES: True,
        **overrides,
    }
    return MockConfigEntry(
        domain=DOMAIN, title=server_id, unique_id=f"server_{server_id}", data=data
    )


@pytest.fixture
def audit_db_url(tmp_path: Path) -> str:
    """Each test gets its own audit database (HA's test config dir is shared)."""
    return f"sqlite:///{tmp_path / 'ncc_audit.db'}"


@pytest.fixture
def setup_city(
    hass: HomeAssistant, audit_db_url: str
) -> Callable[..., Awaitable[MockConfigEntry]]:
    async def _setup(**overrides: Any) -> MockConfigEntry:
        entry = city_entry(audit_db_url, **overrides)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return entry

    return _setup


@pytest.fixture
def add_server(
    hass: HomeAssistant,
) -> Callable[..., Awaitable[MockConfigEntry]]:
    async def _add(url: str, server_id: str, **overrides: Any) -> MockConfigEntry:
        entry = server_entry(url, server_id, **overrides)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return entry

    return _add


def find_device(
    hass: HomeAssistant, registry: dr.DeviceRegistry, identifier: str
) -> dr.DeviceEntry | None:
    """The NCC device with this identifier, through lookups every supported HA offers."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if (DOMAIN, identifier) in device.identifiers:
                return device
    return None
