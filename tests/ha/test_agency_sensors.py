"""Per-agency sensors: cameras total, online and offline; devices follow the agencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ncc.const import DOMAIN, STATS_INTERVAL
from frigate_sim import SimCity

from .conftest import find_device

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_agency_sensors_follow_health_and_agencies(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    sim: SimCity,
    hass_admin_user: User,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    city_entry = await setup_city()
    context = Context(user_id=hass_admin_user.id)
    await hass.services.async_call(
        DOMAIN, "create_agency", {"code": "DISHUB", "name": "Dinas Perhubungan",
                                  "kind": "city_department"}, blocking=True, context=context)
    await hass.async_block_till_done()
    await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "dishub", agency_id="dishub")
    per_server = len(sim.servers[0].cameras)

    assert hass.states.get("sensor.dinas_perhubungan_cameras").state == str(per_server)
    assert hass.states.get("sensor.dinas_perhubungan_cameras_online").state == str(per_server)
    assert hass.states.get("sensor.dinas_perhubungan_cameras_offline").state == "0"
    assert hass.states.get(
        "sensor.dinas_komunikasi_dan_informatika_cameras_online"
    ).state == str(per_server)

    camera = next(iter(sim.servers[1].cameras))
    sim.servers[1].set_camera_online(camera, False)
    await tick(hass, freezer, STATS_INTERVAL)
    assert hass.states.get("sensor.dinas_perhubungan_cameras_offline").state == "1"
    assert hass.states.get("sensor.dinas_perhubungan_cameras_online").state == str(per_server - 1)

    # a server that stops answering takes its cameras offline for the agency
    sim.servers[1].faults.down = True
    await tick(hass, freezer, STATS_INTERVAL)
    assert hass.states.get("sensor.dinas_perhubungan_cameras_online").state == "0"

    # the agency's cameras move away, then the agency goes: its device goes with it
    sim.servers[1].faults.down = False
    await tick(hass, freezer, STATS_INTERVAL)
    for name in sim.servers[1].cameras:
        await hass.services.async_call(
            DOMAIN, "assign_camera", {"camera_id": f"dishub/{name}", "owner_agency_id": "diskominfo"},
            blocking=True, context=context)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.dinas_perhubungan_cameras").state == "0"
    assert find_device(hass, device_registry, "agency_dishub") is not None
    # server entry still names the agency as default owner; pinned owners stay put
    await hass.services.async_call(
        DOMAIN, "delete_agency", {"agency_id": "dishub"}, blocking=True, context=context)
    await hass.async_block_till_done()
    assert find_device(hass, device_registry, "agency_dishub") is None
    assert not [
        e for e in er.async_entries_for_config_entry(entity_registry, city_entry.entry_id)
        if "agency_dishub" in e.unique_id
    ]
