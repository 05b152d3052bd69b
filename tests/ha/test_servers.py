"""Server entries against the simulator: set-up, entities, faults, recovery, devices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ncc.const import (
    CONF_CAMERA_ENTITIES,
    CONF_PASSWORD,
    CONF_USERNAME,
    DOMAIN,
    STATS_INTERVAL,
    UNREACHABLE_REPAIR_AFTER,
)
from custom_components.ncc.data import async_get_city
from frigate_sim import SimCamera, SimCity, SimServer

from .conftest import find_device

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


@pytest.fixture
async def twins() -> AsyncIterator[SimCity]:
    """Two servers whose cameras have the same names."""
    city = SimCity(
        [
            SimServer("srv1", [SimCamera("gate"), SimCamera("lobby")]),
            SimServer("srv2", [SimCamera("gate"), SimCamera("lobby"), SimCamera("road")]),
        ]
    )
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_equal_camera_names_on_two_servers_never_collide(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    twins: SimCity,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup_city()
    first = await add_server(twins.servers[0].url, "balaikota")
    second = await add_server(twins.servers[1].url, "dishub")
    assert first.state is ConfigEntryState.LOADED
    assert second.state is ConfigEntryState.LOADED

    assert find_device(hass, device_registry, "balaikota/gate") is not None
    assert find_device(hass, device_registry, "dishub/gate") is not None
    unique_ids = {entry.unique_id for entry in entity_registry.entities.values()}
    assert {"balaikota/gate", "dishub/gate", "dishub/road"} <= unique_ids

    city = async_get_city(hass)
    assert city is not None
    assert {"balaikota/gate", "balaikota/lobby", "dishub/gate", "dishub/road"} <= set(
        city.registry.cameras
    )
    assert city.registry.cameras["dishub/gate"].owner_agency_id == "diskominfo"


async def test_entity_budget_is_two_per_camera(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    twins: SimCity,
    entity_registry: er.EntityRegistry,
) -> None:
    await setup_city()
    entry = await add_server(twins.servers[1].url, "dishub")
    cameras = len(twins.servers[1].cameras)
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    per_camera = [e for e in entities if "/" in e.unique_id]
    server_level = [e for e in entities if "/" not in e.unique_id]
    assert len(per_camera) == 2 * cameras
    assert len(server_level) == 7
    assert {e.domain for e in per_camera} == {"camera", "binary_sensor"}


async def test_camera_entities_are_off_unless_chosen_and_leave_when_switched_off(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    twins: SimCity,
    entity_registry: er.EntityRegistry,
) -> None:
    # HA lets any of its users open a camera entity; NCC's own views check agencies and grants
    await setup_city()
    entry = await add_server(twins.servers[1].url, "dishub", **{CONF_CAMERA_ENTITIES: False})

    def domains() -> list[str]:
        return sorted(
            e.domain for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
            if "/" in e.unique_id
        )

    assert domains() == ["binary_sensor"] * 3
    assert hass.states.async_entity_ids("camera") == []

    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_CAMERA_ENTITIES: True})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert domains() == ["binary_sensor"] * 3 + ["camera"] * 3
    assert len(hass.states.async_entity_ids("camera")) == 3

    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_CAMERA_ENTITIES: False})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert domains() == ["binary_sensor"] * 3
    assert hass.states.async_entity_ids("camera") == []


async def test_server_entities_report_the_server(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, twins: SimCity
) -> None:
    await setup_city()
    await add_server(twins.servers[1].url, "dishub")
    assert hass.states.get("sensor.dishub_status").state == "online"
    assert hass.states.get("sensor.dishub_cameras_online").state == "3"
    assert hass.states.get("sensor.dishub_cameras").state == "3"
    retention = hass.states.get("sensor.dishub_footage_kept")
    assert float(retention.state) > 0
    assert retention.attributes["unit_of_measurement"] == "d"
    storage = float(hass.states.get("sensor.dishub_recording_storage_used").state)
    assert 0 < storage <= 100
    # diagnostic and disabled by default
    assert hass.states.get("sensor.dishub_frigate_version") is None
    assert hass.states.get("binary_sensor.road_connectivity").state == STATE_ON


async def test_camera_image_and_stream(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, twins: SimCity
) -> None:
    from homeassistant.components.camera import async_get_image, async_get_stream_source

    await setup_city()
    await add_server(twins.servers[1].url, "dishub")
    image = await async_get_image(hass, "camera.road")
    assert image.content_type == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8")
    assert await async_get_stream_source(hass, "camera.road") == "rtsp://127.0.0.1:8554/road"


async def test_camera_offline_and_back(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    twins: SimCity,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_city()
    await add_server(twins.servers[1].url, "dishub")
    srv = twins.servers[1]
    srv.set_camera_online("road", False)
    await tick(hass, freezer, STATS_INTERVAL)
    assert hass.states.get("binary_sensor.road_connectivity").state == STATE_OFF
    assert hass.states.get("sensor.dishub_status").state == "degraded"
    assert hass.states.get("sensor.dishub_cameras_online").state == "2"
    srv.set_camera_online("road", True)
    await tick(hass, freezer, STATS_INTERVAL)
    assert hass.states.get("binary_sensor.road_connectivity").state == STATE_ON
    assert hass.states.get("sensor.dishub_status").state == "online"


@pytest.mark.parametrize("fault", ["down", "http_500", "malformed_json"])
async def test_fault_makes_entities_unavailable_and_recovery_needs_no_restart(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    twins: SimCity,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    await setup_city()
    entry = await add_server(twins.servers[1].url, "dishub")
    srv = twins.servers[1]
    setattr(srv.faults, fault, True)
    await tick(hass, freezer, STATS_INTERVAL)
    assert hass.states.get("binary_sensor.road_connectivity").state == STATE_UNAVAILABLE
    assert hass.states.get("camera.road").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.dishub_cameras").state == STATE_UNAVAILABLE
    # the status sensor stays available to say so
    assert hass.states.get("sensor.dishub_status").state == "offline"
    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, "server_unreachable_dishub") is None

    # staying unreachable becomes a repair issue; the loss is logged once
    for _ in range(int(UNREACHABLE_REPAIR_AFTER / STATS_INTERVAL) + 1):
        await tick(hass, freezer, STATS_INTERVAL)
    assert issue_registry.async_get_issue(DOMAIN, "server_unreachable_dishub") is not None
    assert caplog.text.count("Error fetching ncc dishub data") == 1

    setattr(srv.faults, fault, False)
    await tick(hass, freezer, STATS_INTERVAL)
    assert hass.states.get("binary_sensor.road_connectivity").state == STATE_ON
    assert hass.states.get("sensor.dishub_cameras").state == "3"
    assert issue_registry.async_get_issue(DOMAIN, "server_unreachable_dishub") is None
    assert "Fetching ncc dishub data recovered" in caplog.text


async def test_slow_server_times_out_like_a_down_one(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    twins: SimCity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("custom_components.ncc.const.REQUEST_TIMEOUT_S", 0.3)
    await setup_city()
    entry = await add_server(twins.servers[1].url, "dishub")
    coordinator = entry.runtime_data
    twins.servers[1].faults.slow_s = 1.0
    await coordinator.async_refresh()
    assert coordinator.last_update_success is False
    assert hass.states.get("sensor.dishub_status").state == "offline"
    twins.servers[1].faults.slow_s = 0.0
    await asyncio.sleep(1.0)  # let the abandoned slow answer finish on the simulator
    await coordinator.async_refresh()
    assert coordinator.last_update_success is True


async def test_server_down_at_start_retries(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, twins: SimCity
) -> None:
    await setup_city()
    twins.servers[0].faults.down = True
    entry = await add_server(twins.servers[0].url, "balaikota")
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_unsupported_version_is_a_setup_error(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, twins: SimCity
) -> None:
    await setup_city()
    twins.servers[0].version = "0.13.2"
    entry = await add_server(twins.servers[0].url, "balaikota")
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_expired_token_relogs_in_and_wrong_password_asks_for_reauth(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    auth_sim: SimCity,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_city()
    srv = auth_sim.servers[0]
    entry = await add_server(srv.url, "polres", **{CONF_USERNAME: "admin", CONF_PASSWORD: "rahasia"})
    assert entry.state is ConfigEntryState.LOADED
    srv.expire_tokens()
    await tick(hass, freezer, STATS_INTERVAL)
    assert entry.runtime_data.last_update_success is True  # logged in again by itself

    srv.authenticator.set_password("admin", "baru")  # the city changed Frigate's password
    srv.expire_tokens()
    await tick(hass, freezer, STATS_INTERVAL)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_wrong_password_at_start_asks_for_reauth(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, auth_sim: SimCity
) -> None:
    await setup_city()
    entry = await add_server(
        auth_sim.servers[0].url, "polres", **{CONF_USERNAME: "admin", CONF_PASSWORD: "salah"}
    )
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_cameras_added_and_removed_follow_the_server(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    twins: SimCity,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup_city()
    srv = twins.servers[0]
    entry = await add_server(srv.url, "balaikota")
    srv.add_camera(SimCamera("pasar"))
    srv.remove_camera("lobby")
    await tick(hass, freezer, STATS_INTERVAL)
    assert hass.states.get("camera.pasar") is not None
    assert hass.states.get("binary_sensor.pasar_connectivity").state == STATE_ON
    assert find_device(hass, device_registry, "balaikota/lobby") is None
    city = async_get_city(hass)
    assert city is not None
    assert city.registry.cameras["balaikota/lobby"].present is False
    assert city.registry.cameras["balaikota/pasar"].present is True

    # a stale device may be removed by hand, a live one may not
    from custom_components.ncc import async_remove_config_entry_device

    live = find_device(hass, device_registry, "balaikota/gate")
    assert live is not None
    assert await async_remove_config_entry_device(hass, entry, live) is False
    stale = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "balaikota/gone")}
    )
    assert await async_remove_config_entry_device(hass, entry, stale) is True


async def test_unload_and_reload(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, twins: SimCity
) -> None:
    city_entry = await setup_city()
    entry = await add_server(twins.servers[0].url, "balaikota")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("camera.gate").state == STATE_UNAVAILABLE
    assert await hass.config_entries.async_unload(city_entry.entry_id)
    assert city_entry.state is ConfigEntryState.NOT_LOADED
    assert async_get_city(hass) is None


async def test_registry_survives_a_restart(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, twins: SimCity
) -> None:
    city_entry = await setup_city()
    await add_server(twins.servers[0].url, "balaikota")
    city = async_get_city(hass)
    assert city is not None
    city.registry.create_agency(code="DISHUB", name="Dinas Perhubungan", kind="city_department")
    assert await hass.config_entries.async_reload(city_entry.entry_id)
    await hass.async_block_till_done()
    reloaded = async_get_city(hass)
    assert reloaded is not None
    assert reloaded is not city
    assert reloaded.registry.find_agency_by_code("DISHUB") is not None
    assert "balaikota/gate" in reloaded.registry.cameras
