"""Diagnostics: useful figures, no secrets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ncc.const import CONF_PASSWORD, CONF_STREAM_TEMPLATE, CONF_USERNAME
from frigate_sim import SimCity

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


async def test_server_diagnostics_redact_credentials(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_city: SetupCity,
    add_server: AddServer,
    auth_sim: SimCity,
) -> None:
    await setup_city()
    entry = await add_server(
        auth_sim.servers[0].url,
        "polres",
        **{
            CONF_USERNAME: "admin",
            CONF_PASSWORD: "rahasia",
            CONF_STREAM_TEMPLATE: "rtsp://viewer:streampw@{host}:8554/{camera}",
        },
    )
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(result)
    for secret in ("rahasia", "streampw", "viewer:"):
        assert secret not in text
    assert result["entry"][CONF_PASSWORD] == "**REDACTED**"
    server = result["server"]
    assert server["last_update_success"] is True
    assert server["cameras_total"] == len(auth_sim.servers[0].cameras)
    assert server["version"].startswith("0.17")
    assert set(server["cameras"]) == set(auth_sim.servers[0].cameras)


async def test_city_diagnostics_summarise_the_registry(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_city: SetupCity,
    add_server: AddServer,
    sim: SimCity,
) -> None:
    entry = await setup_city()
    await add_server(sim.servers[0].url, "balaikota")
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    city = result["city"]
    assert city["registry"]["agencies"] == 1
    assert city["registry"]["cameras"] == len(sim.servers[0].cameras)
    assert city["audit"]["entries"] >= 1
    assert city["settings"]["audit_database"] == "sqlite"
    assert result["entry"]["audit_db_url"] == "**REDACTED**"
