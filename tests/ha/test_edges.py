"""Less travelled paths: restarts, templates, migrations, callers NCC does not know."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import config_entries
from homeassistant.auth.models import User
from homeassistant.components.camera import async_get_image
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.ncc import async_remove_config_entry_device
from custom_components.ncc.const import (
    CONF_AGENCY_ID,
    CONF_SERVER_NAME,
    CONF_STREAM_TEMPLATE,
    CONF_URL,
    CONF_VERIFY_SSL,
    DOMAIN,
    STATS_INTERVAL,
)
from custom_components.ncc.data import async_get_city
from frigate_sim import SimCity

from .conftest import OPERATING_AGENCY_ID, city_entry, find_device

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_frigate_restart_rereads_the_configuration(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_city()
    entry = await add_server(sim.servers[0].url, "balaikota")
    coordinator = entry.runtime_data
    fetched = coordinator.data.fetched_at
    await tick(hass, freezer, timedelta(minutes=5))  # uptime is now well past a restart's
    sim.servers[0].version = "0.17.3-sim"
    sim.servers[0].restart()
    await tick(hass, freezer, STATS_INTERVAL)
    assert coordinator.data.version.raw == "0.17.3-sim"
    assert coordinator.data.fetched_at > fetched


async def test_camera_without_an_image_returns_an_error(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity
) -> None:
    await setup_city()
    await add_server(sim.servers[0].url, "balaikota")
    camera = next(iter(sim.servers[0].cameras))
    sim.servers[0].faults.http_500 = True
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, f"camera.{camera}")


async def test_city_devices_are_not_removed_by_hand(
    hass: HomeAssistant, setup_city: SetupCity, device_registry: dr.DeviceRegistry
) -> None:
    entry = await setup_city()
    device = find_device(hass, device_registry, "agency_diskominfo")
    assert device is not None
    assert await async_remove_config_entry_device(hass, entry, device) is False


async def test_actions_without_a_running_city_are_refused(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    entry = await setup_city()
    await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "set_emergency", {"active": True}, blocking=True,
                                       context=Context(user_id=hass_admin_user.id))
    assert err.value.translation_key == "city_not_ready"


async def test_a_deleted_user_has_no_rights(
    hass: HomeAssistant, setup_city: SetupCity
) -> None:
    await setup_city()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "set_emergency", {"active": True}, blocking=True,
                                       context=Context(user_id="deleted-user"))
    assert err.value.translation_key == "no_role"


async def test_sites_list_follows_visible_cameras(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, setup_city: SetupCity,
    add_server: AddServer, sim: SimCity, hass_admin_user: User,
) -> None:
    await setup_city()
    await add_server(sim.servers[0].url, "balaikota")
    context = Context(user_id=hass_admin_user.id)

    async def call(service: str, data: dict[str, Any]) -> Any:
        return await hass.services.async_call(DOMAIN, service, data, blocking=True,
                                              context=context, return_response=True)

    await call("create_agency", {"code": "DISHUB", "name": "Dishub", "kind": "city_department"})
    seen = (await call("create_site", {"name": "Simpang", "latitude": -7.47,
                                       "longitude": 112.43}))["site"]
    await call("create_site", {"name": "Elsewhere", "latitude": -7.48, "longitude": 112.44})
    camera = next(iter(sim.servers[0].cameras))
    await call("assign_camera", {"camera_id": f"balaikota/{camera}", "site_id": seen["id"]})
    await call("update_agency", {"agency_id": "dishub", "kind": "other"})
    viewer = await hass.auth.async_create_user("Viewer", group_ids=["system-users"])
    await call("set_operator", {"user_id": viewer.id, "agency_id": "diskominfo", "role": "viewer"})
    refresh = await hass.auth.async_create_refresh_token(viewer, "http://127.0.0.1/")
    client = await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))
    await client.send_json_auto_id({"type": "ncc/sites"})
    sites = (await client.receive_json())["result"]["sites"]
    assert [site["id"] for site in sites] == [seen["id"]]
    admin = await hass_ws_client(hass)
    await admin.send_json_auto_id({"type": "ncc/sites"})
    assert len((await admin.receive_json())["result"]["sites"]) == 2


async def test_inventory_format_can_be_named(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    context = Context(user_id=hass_admin_user.id)
    await hass.services.async_call(DOMAIN, "export_inventory",
                                   {"path": "inventory.txt", "format": "yaml"},
                                   blocking=True, context=context, return_response=True)
    result = await hass.services.async_call(
        DOMAIN, "import_inventory", {"path": "inventory.txt", "format": "yaml"},
        blocking=True, context=context, return_response=True)
    assert result["valid"] is True
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "import_inventory", {"path": "inventory.txt"},
                                       blocking=True, context=context, return_response=True)
    assert err.value.translation_key == "inventory_unknown_format"


async def test_audit_export_with_a_bad_period_is_refused(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(DOMAIN, "export_audit_log", {
            "path": "audit.csv", "since": "2026-02-01T00:00:00", "until": "2026-01-01T00:00:00"},
            blocking=True, context=Context(user_id=hass_admin_user.id), return_response=True)


async def test_version_1_registry_is_migrated(
    hass: HomeAssistant, audit_db_url: str, hass_storage: dict[str, Any]
) -> None:
    hass_storage["ncc.registry"] = {
        "version": 1, "minor_version": 1, "key": "ncc.registry",
        "data": {
            "agencies": [{"id": "diskominfo", "code": "DISKOMINFO", "name": "Kominfo",
                          "kind": "city_department", "contact": None, "notify_targets": []}],
            "sites": [], "cameras": [], "operators": [], "grants": [],
            "emergency_mode": False,
        },
    }
    entry = city_entry(audit_db_url)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    city = async_get_city(hass)
    assert city is not None
    assert city.registry.agencies["diskominfo"].name == "Kominfo"


@pytest.mark.parametrize(
    ("template", "field_error"),
    [("rtsp://{host}:8554/{nope}", True), ("rtsp://{host}:8554/fixed", True),
     ("rtsp://{host}:8554/{camera}", False)],
)
async def test_stream_templates_are_validated(
    hass: HomeAssistant, setup_city: SetupCity, sim: SimCity, template: str, field_error: bool
) -> None:
    await setup_city()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {
        CONF_SERVER_NAME: "Pasar", CONF_URL: sim.servers[0].url, CONF_VERIFY_SSL: True,
        CONF_AGENCY_ID: OPERATING_AGENCY_ID, CONF_STREAM_TEMPLATE: template,
    })
    if field_error:
        assert result["errors"] == {CONF_STREAM_TEMPLATE: "invalid_stream_template"}
    else:
        assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reserved_server_name_and_unexpected_answers(
    hass: HomeAssistant, setup_city: SetupCity, sim: SimCity
) -> None:
    await setup_city()
    form = {CONF_URL: sim.servers[0].url, CONF_VERIFY_SSL: True,
            CONF_AGENCY_ID: OPERATING_AGENCY_ID,
            CONF_STREAM_TEMPLATE: "rtsp://{host}:8554/{camera}"}
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_SERVER_NAME: "Registry"})
    assert result["errors"] == {CONF_SERVER_NAME: "invalid_name"}
    sim.servers[0].faults.http_500 = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_SERVER_NAME: "Pasar"})
    assert result["errors"] == {"base": "cannot_connect"}


async def test_reconfigure_needs_a_running_city(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity
) -> None:
    city = await setup_city()
    server = await add_server(sim.servers[0].url, "balaikota")
    await hass.config_entries.async_unload(city.entry_id)
    result = await server.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "city_not_ready"
