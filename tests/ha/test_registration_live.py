"""Tiers that connect the owner's own Frigate (live, on_request), against the simulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
import logging
from typing import Any

from homeassistant import config_entries
from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.ncc.const import (
    CONF_AGENCY_ID,
    CONF_ENTRY_TYPE,
    CONF_PASSWORD,
    CONF_SERVER_ID,
    CONF_SERVER_NAME,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    DOMAIN,
    ENTRY_TYPE_SERVER,
    EVENT_REGISTRATION_EXPIRING,
    SOURCE_REGISTRATION,
)
from custom_components.ncc.core.cameras import CameraPurpose
from frigate_sim import SimCity

from .test_registration import (
    call,
    camera_data,
    ha_logs,
    live_grants_of,
    running_city,
    sensor,
    submit_data,
    token_for,
    ws,
)

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
PASSWORD = "rahasia"  # the auth_sim fixture's


def owner_cameras(sim: SimCity) -> list[str]:
    return sorted(sim.servers[0].cameras)


def live_data(sim: SimCity, tier: str = "live", password: str = PASSWORD, **changes: Any) -> dict[str, Any]:
    first, second = owner_cameras(sim)
    return submit_data(
        tier,
        cameras=[camera_data("Parkir Depan", frigate_camera=first),
                 camera_data("Lobi", covers_public_area=False, area_type=None, frigate_camera=second)],
        frigate_url=sim.servers[0].url, frigate_username="admin", frigate_password=password,
        frigate_verify_ssl=False, **changes,
    )


async def reviewed(hass: HomeAssistant, admin: User, data: dict[str, Any]) -> str:
    number = (await call(hass, "submit_registration", data, admin))["registration_id"]
    await call(hass, "review_registration", {"registration_id": number, "decision": "start_review"}, admin)
    return str(number)


def server_entries(hass: HomeAssistant) -> list[config_entries.ConfigEntry]:
    return [entry for entry in hass.config_entries.async_entries(DOMAIN)
            if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_SERVER]


async def test_live_tier_connects_the_owner_frigate_and_leaves_no_trace(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, auth_sim: SimCity,
    hass_ws_client: WebSocketGenerator, hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    city_entry = await setup_city()
    city = running_city(hass)
    admin = hass_admin_user
    events: list[Event] = []
    hass.bus.async_listen(EVENT_REGISTRATION_EXPIRING, events.append)
    number = await reviewed(hass, admin, live_data(auth_sim))
    result = await call(hass, "review_registration", {"registration_id": number, "decision": "approve"},
                        admin)
    await hass.async_block_till_done()
    registration = result["registration"]
    assert registration["state"] == "active"
    agency_id = registration["agency_id"]

    # the owner's Frigate is a server entry of the owner's agency, set up through the config flow
    (entry,) = server_entries(hass)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.source == SOURCE_REGISTRATION
    assert entry.data[CONF_AGENCY_ID] == agency_id
    assert entry.data[CONF_SERVER_ID] == registration["server_id"]
    assert entry.title == f"Sunrise Mall {number}"
    server_id = registration["server_id"]
    first, second = owner_cameras(auth_sim)
    assert [camera["camera_id"] for camera in registration["application"]["cameras"]] == [
        f"{server_id}/{first}", f"{server_id}/{second}"]
    front = city.registry.cameras[f"{server_id}/{first}"]
    assert front.owner_agency_id == agency_id
    assert front.owner_assigned
    assert front.name == "Parkir Depan"
    assert front.purpose is CameraPurpose.PRIVATE_PREMISES
    assert front.site_id == registration["site_id"]
    assert front.bearing == 180
    assert city.registry.cameras[f"{server_id}/{second}"].area_type is None
    (grant,) = live_grants_of(city, agency_id)
    assert {privilege.value for privilege in grant.privileges} == {"view_live", "request_export"}
    assert grant.scope_id == registration["site_id"]
    await hass.async_block_till_done()
    assert sensor(hass, "private_cameras_live") == "2"

    # the password is never shown back: websocket, diagnostics, events, logs
    city_diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, city_entry)
    server_diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    client = await hass_ws_client(hass, await token_for(hass, admin))
    detail = (await ws(client, "ncc/registrations/get", registration_id=number))["result"]["registration"]
    assert detail["application"]["owner_server"] == {
        "url": auth_sim.servers[0].url, "verify_ssl": False, "has_credentials": True}
    listed = await ws(client, "ncc/registrations/list")
    for text in (json.dumps(detail), json.dumps(listed), json.dumps(city_diagnostics),
                 json.dumps(server_diagnostics), json.dumps([event.data for event in events]),
                 json.dumps(result), ha_logs(caplog)):
        assert PASSWORD not in text

    # suspended: the owner's server is disabled; resumed: connected again
    await call(hass, "suspend_registration", {"registration_id": number, "reason": "network works"}, admin)
    await hass.async_block_till_done()
    assert entry.disabled_by is ConfigEntryDisabler.USER
    assert entry.state is ConfigEntryState.NOT_LOADED
    await call(hass, "resume_registration", {"registration_id": number}, admin)
    await hass.async_block_till_done()
    assert entry.disabled_by is None
    assert entry.state is ConfigEntryState.LOADED

    # withdrawn: server entry, cameras, site and grants are gone
    result = await call(hass, "withdraw_registration", {"registration_id": number}, admin)
    await hass.async_block_till_done()
    assert result["registration"]["state"] == "withdrawn"
    assert server_entries(hass) == []
    assert not [camera_id for camera_id in city.registry.cameras if camera_id.startswith(f"{server_id}/")]
    assert live_grants_of(city, agency_id) == []
    assert registration["site_id"] not in city.registry.sites
    assert sensor(hass, "private_cameras_live") == "0"


async def test_a_refused_connection_changes_nothing(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, auth_sim: SimCity,
    hass_storage: dict[str, Any],
) -> None:
    await setup_city()
    city = running_city(hass)
    admin = hass_admin_user
    number = await reviewed(hass, admin, live_data(auth_sim, password="wrong-password"))
    registry_before = city.registry.to_dict()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "review_registration", {"registration_id": number, "decision": "approve"}, admin)
    assert err.value.translation_key == "registration_server_auth_failed"
    assert err.value.translation_placeholders["server"] == "Sunrise Mall"
    assert city.registrations.get(number).state.value == "under_review"
    assert city.registry.to_dict() == registry_before  # no agency, site or camera left behind
    assert server_entries(hass) == []
    stored = hass_storage["ncc.registrations"]["data"]["registrations"][0]
    assert stored["state"] == "under_review"

    auth_sim.servers[0].faults.down = True
    other = await reviewed(hass, admin, live_data(auth_sim, business_name="Toko Emas"))
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "review_registration", {"registration_id": other, "decision": "approve"}, admin)
    assert err.value.translation_key == "registration_server_unreachable"
    assert city.registry.to_dict() == registry_before


async def test_live_waits_for_its_cameras_and_on_request_keeps_placeholders_until_the_feed(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, auth_sim: SimCity,
) -> None:
    await setup_city()
    city = running_city(hass)
    admin = hass_admin_user
    first, _ = owner_cameras(auth_sim)
    await call(hass, "create_agency", {"code": "POLRES", "name": "Polres", "kind": "vertical_agency"}, admin)

    # live: a camera the owner's Frigate does not report yet keeps the registration approved
    data = live_data(auth_sim)
    data["cameras"][1]["frigate_camera"] = "gerbang_baru"
    number = await reviewed(hass, admin, data)
    result = await call(hass, "review_registration", {"registration_id": number, "decision": "approve"},
                        admin)
    registration = result["registration"]
    assert registration["state"] == "approved"
    assert [camera["camera_id"] for camera in registration["application"]["cameras"]] == [
        f"{registration['server_id']}/{first}", None]
    await hass.async_block_till_done()
    assert sensor(hass, "private_cameras_live") == "0"
    # the server reports the new camera (as its coordinator would): the registration activates
    server_id = registration["server_id"]
    city.registry.sync_server_cameras(server_id, registration["agency_id"],
                                      [*auth_sim.servers[0].cameras, "gerbang_baru"])
    await hass.async_block_till_done()
    assert city.registrations.get(number).state.value == "active"
    assert city.registry.cameras[f"{server_id}/gerbang_baru"].name == "Lobi"
    assert sensor(hass, "private_cameras_live") == "2"
    await call(hass, "withdraw_registration", {"registration_id": number}, admin)
    await hass.async_block_till_done()

    # on_request: active at once, with a registry-only record until the feed exists
    data = live_data(auth_sim, tier="on_request", business_name="Toko Emas")
    data["cameras"][1]["frigate_camera"] = "gudang"
    number = await reviewed(hass, admin, data)
    result = await call(hass, "review_registration", {"registration_id": number, "decision": "approve"},
                        admin)
    registration = result["registration"]
    assert registration["state"] == "active"
    server_id = registration["server_id"]
    placeholder = registration["application"]["cameras"][1]["camera_id"]
    assert placeholder.startswith("registry/")
    (tier_grant,) = live_grants_of(city, registration["agency_id"])
    assert {privilege.value for privilege in tier_grant.privileges} == {"request_export"}
    await call(hass, "grant_access", {"owner_agency_id": registration["agency_id"],
                                      "grantee_agency_id": "polres", "privileges": ["request_export"],
                                      "scope": "camera", "scope_id": placeholder}, admin)
    await hass.async_block_till_done()
    assert sensor(hass, "private_cameras_on_request") == "2"
    city.registry.sync_server_cameras(server_id, registration["agency_id"],
                                      [*auth_sim.servers[0].cameras, "gudang"])
    await hass.async_block_till_done()
    moved = city.registrations.get(number)
    assert moved.camera_ids == (f"{server_id}/{first}", f"{server_id}/gudang")
    assert placeholder not in city.registry.cameras
    police = [grant for grant in live_grants_of(city, "polres") if grant.grantee_agency_id == "polres"]
    assert [grant.scope_id for grant in police] == [f"{server_id}/gudang"]  # the grant followed

    # the owner's agency is reused for a later application by the same business
    second = await reviewed(hass, admin, live_data(auth_sim, tier="on_request", business_name="Toko Emas",
                                                   agency_code="TOKO_EMAS"))
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "review_registration", {"registration_id": second, "decision": "approve"}, admin)
    assert err.value.translation_key == "registration_server_taken"  # the same Frigate, already connected


async def test_registration_flow_step_aborts_with_translated_reasons(
    hass: HomeAssistant, setup_city: SetupCity, auth_sim: SimCity,
) -> None:
    await setup_city()

    async def start(**changes: Any) -> Any:
        data = {CONF_SERVER_NAME: "Mall REG-2026-0001", CONF_URL: auth_sim.servers[0].url,
                CONF_USERNAME: "admin", CONF_PASSWORD: PASSWORD, CONF_VERIFY_SSL: False,
                CONF_AGENCY_ID: "diskominfo", **changes}
        return await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_REGISTRATION}, data=data)

    for changes, reason in (
        ({CONF_SERVER_NAME: "!!!"}, "invalid_name"),
        ({CONF_PASSWORD: "nope"}, "invalid_auth"),
        ({CONF_URL: "http://127.0.0.1:9"}, "cannot_connect"),
    ):
        result = await start(**changes)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == reason
    result = await start()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    for changes in ({}, {CONF_SERVER_NAME: "Another name"}):
        result = await start(**changes)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
