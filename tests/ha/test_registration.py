"""Private camera registration in a real HA: actions, permissions, bad input, restart, expiry,
and a withdrawal that leaves no trace (tiers without the owner's own Frigate)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
import json
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.ncc.city import CityRuntime
from custom_components.ncc.configgen.model import StreamEntry
from custom_components.ncc.const import (
    CONF_CITY_BOUNDS,
    DOMAIN,
    EVENT_REGISTRATION_EXPIRING,
    REGISTRATION_CHECK_HOUR,
    REGISTRATION_CHECK_MINUTE,
)
from custom_components.ncc.core.audit import AuditQuery
from custom_components.ncc.core.permissions import actor_for, visible_cameras
from custom_components.ncc.data import async_get_city
from custom_components.ncc.frigate_configs import STORE_KEY
from custom_components.ncc.registrations import REGISTRATIONS_KEY, desk_for
from custom_components.ncc.registrations_actions import COMMANDS, SERVICES
from frigate_sim import SimCity
from tests.reliability.permission_oracle import Oracle

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]
SECRET = "Str3am-Secret"
BOOK_SECRET = "B00k-Secret"
BOUNDS = {"south": -7.50, "west": 112.40, "north": -7.44, "east": 112.46}
SAMPLE_CALLS: dict[str, dict[str, Any]] = {
    "submit_registration": {},  # filled in by submit_data()
    "review_registration": {"registration_id": "REG-2026-0001", "decision": "start_review"},
    "suspend_registration": {"registration_id": "REG-2026-0001", "reason": "x", "by": "owner"},
    "resume_registration": {"registration_id": "REG-2026-0001"},
    "renew_registration": {"registration_id": "REG-2026-0001", "valid_until": "2030-01-01"},
    "withdraw_registration": {"registration_id": "REG-2026-0001"},
}
WS_SAMPLES: dict[str, dict[str, Any]] = {
    "ncc/registrations/list": {},
    "ncc/registrations/get": {"registration_id": "REG-2026-0001"},
    "ncc/registrations/review": {"registration_id": "REG-2026-0001", "decision": "start_review"},
}


def today() -> date:
    return dt_util.now().date()


def camera_data(name: str, **changes: Any) -> dict[str, Any]:
    return {"name": name, "views": f"{name}: Jl. Gajah Mada", "covers_public_area": True,
            "area_type": "public_road", "bearing": 180, "retention_days": 14, **changes}


def submit_data(tier: str = "registry", **changes: Any) -> dict[str, Any]:
    cameras = [camera_data("Parkir Depan"), camera_data("Trotoar Timur", area_type="public_space")]
    if tier == "recorded":
        for number, camera in enumerate(cameras):
            camera.update(stream_url=f"rtsp://10.20.0.{number + 5}:554/stream1",
                          stream_username="viewer", stream_password=SECRET)
    data: dict[str, Any] = {
        "business_name": "Sunrise Mall",
        "legal_entity": "PT Sunrise Abadi",
        "contact_name": "Rina Wati",
        "contact_role": "Manajer gedung",
        "contact_phone": "+62 321 555 123",
        "contact_email": "rina@sunrise.co.id",
        "address": "Jl. Gajah Mada 1, Mojokerto",
        "latitude": -7.47,
        "longitude": 112.43,
        "cameras": cameras,
        "tier": tier,
        "valid_from": (today() - timedelta(days=1)).isoformat(),
        "valid_until": (today() + timedelta(days=365)).isoformat(),
        "consent_version": "2026-01",
    }
    data.update(changes)
    return data


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], user: User | None = None) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True,
        context=Context(user_id=user.id) if user else None,
    )


async def ws(client: Any, command: str, **data: Any) -> dict[str, Any]:
    await client.send_json_auto_id({"type": command, **data})
    return dict(await client.receive_json())


async def token_for(hass: HomeAssistant, user: User) -> str:
    refresh = await hass.auth.async_create_refresh_token(user, "http://127.0.0.1/")
    return hass.auth.async_create_access_token(refresh)


def running_city(hass: HomeAssistant) -> CityRuntime:
    city = async_get_city(hass)
    assert city is not None
    return city


async def operator(hass: HomeAssistant, admin: User, name: str, agency_id: str, role: str) -> User:
    user = await hass.auth.async_create_user(name, group_ids=["system-users"])
    await call(hass, "set_operator", {"user_id": user.id, "agency_id": agency_id, "role": role}, admin)
    return user


async def approved(hass: HomeAssistant, admin: User, tier: str = "registry", **changes: Any) -> str:
    number = (await call(hass, "submit_registration", submit_data(tier, **changes), admin))["registration_id"]
    await call(hass, "review_registration", {"registration_id": number, "decision": "start_review"}, admin)
    await call(hass, "review_registration", {"registration_id": number, "decision": "approve"}, admin)
    return str(number)


async def audit_actions(city: CityRuntime, registration_id: str) -> list[str]:
    page = await city.audit.async_query(AuditQuery(target_id=registration_id, limit=100))
    return [entry.action for entry in reversed(page.entries)]


def sensor(hass: HomeAssistant, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"city_{key}")
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None, key
    return state.state


def ha_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What HA and NCC logged (the test plugin's mock store logs what it writes; HA's does not)."""
    return "\n".join(
        record.getMessage() for record in caplog.records
        if not record.name.startswith("pytest_homeassistant_custom_component")
    )


def live_grants_of(city: CityRuntime, agency_id: str) -> list[Any]:
    now = city.registry.now()
    return [grant for grant in city.registry.grants.values()
            if grant.is_live(now) and agency_id in (grant.owner_agency_id, grant.grantee_agency_id)]


# --- entry points -----------------------------------------------------------------------------


async def test_every_registration_entry_point_refuses_users_without_a_role(
    hass: HomeAssistant, setup_city: SetupCity, hass_read_only_user: User,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await setup_city()
    assert {service.name for service in SERVICES} == set(SAMPLE_CALLS)
    assert {command.type for command in COMMANDS} == set(WS_SAMPLES)
    registered = hass.services.async_services_for_domain(DOMAIN)
    for name, data in SAMPLE_CALLS.items():
        assert name in registered
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, name, data or submit_data(), hass_read_only_user)
        assert err.value.translation_key == "no_role", name
    client = await hass_ws_client(hass, await token_for(hass, hass_read_only_user))
    for command, data in WS_SAMPLES.items():
        reply = await ws(client, command, **data)
        assert reply["error"]["code"] == "unauthorized", command
        assert reply["error"]["translation_key"] == "no_role"
    assert not running_city(hass).registrations.registrations


# --- the life of a registration ------------------------------------------------------------------


async def test_registry_tier_walks_every_step_and_audits_it(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, hass_storage: dict[str, Any],
) -> None:
    await setup_city()
    city = running_city(hass)
    admin = hass_admin_user
    response = await call(hass, "submit_registration", submit_data(), admin)
    number = response["registration_id"]
    assert number == f"REG-{dt_util.now().year}-0001"
    assert response["state"] == "submitted"
    stored = hass_storage[REGISTRATIONS_KEY]["data"]["registrations"]
    assert [item["id"] for item in stored] == [number]  # saved before the action answered
    await hass.async_block_till_done()
    assert sensor(hass, "registrations_pending_review") == "1"

    await call(hass, "review_registration", {"registration_id": number, "decision": "start_review"}, admin)
    result = await call(hass, "review_registration", {"registration_id": number, "decision": "approve"},
                        admin)
    registration = result["registration"]
    assert registration["state"] == "active"
    agency = city.registry.agencies[registration["agency_id"]]
    assert agency.kind.value == "private_owner"
    assert agency.code == "SUNRISE_MALL"
    assert agency.contacts[0].email == "rina@sunrise.co.id"  # whom the city asks for footage
    cameras = [city.registry.cameras[camera["camera_id"]]
               for camera in registration["application"]["cameras"]]
    assert {camera.owner_agency_id for camera in cameras} == {agency.id}
    assert all(camera.is_registry_only and camera.site_id == registration["site_id"] for camera in cameras)
    assert [camera.area_type.value for camera in cameras if camera.area_type] == [
        "public_road", "public_space"]
    assert live_grants_of(city, agency.id) == []  # the registry tier shares no feed
    await hass.async_block_till_done()
    assert sensor(hass, "registrations_pending_review") == "0"
    assert sensor(hass, "private_cameras_registry") == "2"
    assert sensor(hass, "private_cameras_live") == "0"

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "suspend_registration", {"registration_id": number, "reason": " "}, admin)
    assert err.value.translation_key == "registration_reason_required"
    suspended = await call(hass, "suspend_registration",
                           {"registration_id": number, "reason": "renovation", "by": "owner"}, admin)
    assert suspended["registration"]["suspended_by"] == "owner"
    await hass.async_block_till_done()
    assert sensor(hass, "private_cameras_registry") == "0"
    await call(hass, "resume_registration", {"registration_id": number}, admin)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "delete_agency", {"agency_id": agency.id}, admin)
    assert err.value.translation_key == "agency_in_use"
    assert city.open_work_for_agency(agency.id) == (f"{number} (active)",)
    assert city.registrations.diagnostics() == {
        "registrations": 1, "by_state": {"active": 1}, "by_tier": {"registry": 1}}
    until = (today() + timedelta(days=800)).isoformat()
    renewed = await call(hass, "renew_registration", {"registration_id": number, "valid_until": until}, admin)
    assert renewed["registration"]["valid_until"] == until
    withdrawn = await call(hass, "withdraw_registration", {"registration_id": number, "reason": "closing"},
                           admin)
    assert withdrawn["registration"]["state"] == "withdrawn"
    assert not any(camera.id in city.registry.cameras for camera in cameras)
    assert registration["site_id"] not in city.registry.sites
    assert await audit_actions(city, number) == [
        "registration.submit", "registration.start_review", "registration.approve",
        "registration.activate", "registration.suspend", "registration.resume",
        "registration.renew", "registration.withdraw",
    ]
    await hass.async_block_till_done()
    assert sensor(hass, "private_cameras_registry") == "0"


async def test_rejection_needs_a_reason_and_ends_the_application(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
) -> None:
    await setup_city()
    admin = hass_admin_user
    number = (await call(hass, "submit_registration", submit_data(), admin))["registration_id"]
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "review_registration", {"registration_id": number, "decision": "approve"}, admin)
    assert err.value.translation_key == "registration_wrong_state"
    assert err.value.translation_placeholders == {
        "registration": number, "state": "submitted", "action": "approve",
    }
    await call(hass, "review_registration", {"registration_id": number, "decision": "start_review"}, admin)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "review_registration", {"registration_id": number, "decision": "reject"}, admin)
    assert err.value.translation_key == "registration_reason_required"
    result = await call(hass, "review_registration",
                        {"registration_id": number, "decision": "reject", "reason": "faces homes"}, admin)
    assert result["registration"]["state"] == "rejected"
    for service, data in (("withdraw_registration", {}), ("resume_registration", {}),
                          ("suspend_registration", {"reason": "x"})):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, service, {"registration_id": number, **data}, admin)
        assert err.value.translation_key == "registration_wrong_state", service
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "review_registration", {"registration_id": "REG-2026-0404", "decision": "approve"},
                   admin)
    assert err.value.translation_key == "registration_not_found"
    city = running_city(hass)
    assert await audit_actions(city, number) == [
        "registration.submit", "registration.start_review", "registration.reject",
    ]
    pending = (await call(hass, "submit_registration", submit_data(), admin))["registration_id"]
    result = await call(hass, "withdraw_registration", {"registration_id": pending}, admin)
    assert result["registration"]["state"] == "withdrawn"
    assert city.registry.find_agency_by_code("SUNRISE_MALL") is None


async def test_roles_decide_who_submits_reviews_suspends_and_withdraws(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await setup_city()
    admin = hass_admin_user
    await call(hass, "create_agency", {"code": "POLRES", "name": "Polres", "kind": "vertical_agency"}, admin)
    clerk = await operator(hass, admin, "Front desk", "diskominfo", "operator")
    officer = await operator(hass, admin, "Officer", "polres", "agency_admin")

    # the front desk of a city department submits; a police desk is not a city department
    number = (await call(hass, "submit_registration",
                         submit_data(received_by_agency_id="diskominfo"), clerk))["registration_id"]
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "submit_registration", submit_data(), clerk)  # no desk named: reviewers only
    assert err.value.translation_key == "permission_denied_city"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "submit_registration", submit_data(received_by_agency_id="diskominfo"), officer)
    assert err.value.translation_key == "permission_denied_agency"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "submit_registration", submit_data(received_by_agency_id="polres"), officer)
    assert err.value.translation_key == "registration_desk_not_city"

    # only reviewers review and renew
    for service, data in (
        ("review_registration", {"decision": "start_review"}),
        ("renew_registration", {"valid_until": "2030-01-01"}),
        ("suspend_registration", {"reason": "x"}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, service, {"registration_id": number, **data}, clerk)
        assert err.value.translation_key == "permission_denied_city", service
    client = await hass_ws_client(hass, await token_for(hass, clerk))
    reply = await ws(client, "ncc/registrations/review", registration_id=number, decision="start_review")
    assert reply["error"]["code"] == "unauthorized"

    # the desk sees what it received (no personal data in the list); the police see nothing
    listed = (await ws(client, "ncc/registrations/list"))["result"]["registrations"]
    assert [item["id"] for item in listed] == [number]
    assert "contact" not in json.dumps(listed)
    police = await hass_ws_client(hass, await token_for(hass, officer))
    assert (await ws(police, "ncc/registrations/list"))["result"]["registrations"] == []
    reply = await ws(police, "ncc/registrations/get", registration_id=number)
    assert reply["error"]["code"] == "unauthorized"

    # approval by a reviewer through the dashboard's command
    admin_client = await hass_ws_client(hass, await token_for(hass, admin))
    for decision in ("start_review", "approve"):
        reply = await ws(admin_client, "ncc/registrations/review", registration_id=number, decision=decision)
        assert reply["success"], reply
    agency_id = reply["result"]["registration"]["agency_id"]
    owner = await operator(hass, admin, "Mall manager", agency_id, "agency_admin")

    # the owner suspends and resumes its own suspension, not the city's, and withdraws
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "suspend_registration", {"registration_id": number, "reason": "x"}, owner)
    assert err.value.translation_key == "permission_denied_city"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "suspend_registration",
                   {"registration_id": number, "reason": "x", "by": "owner"}, officer)
    assert err.value.translation_key == "permission_denied_agency"
    await call(hass, "suspend_registration", {"registration_id": number, "reason": "works", "by": "owner"},
               owner)
    await call(hass, "resume_registration", {"registration_id": number}, owner)
    await call(hass, "suspend_registration", {"registration_id": number, "reason": "audit"}, admin)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "resume_registration", {"registration_id": number}, owner)
    assert err.value.translation_key == "permission_denied_city"
    owner_client = await hass_ws_client(hass, await token_for(hass, owner))
    detail = (await ws(owner_client, "ncc/registrations/get", registration_id=number))["result"]
    assert detail["registration"]["suspended_by"] == "city"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "withdraw_registration", {"registration_id": number}, officer)
    assert err.value.translation_key == "permission_denied_agency"
    result = await call(hass, "withdraw_registration", {"registration_id": number, "reason": "closing"},
                        owner)
    assert result["registration"]["state"] == "withdrawn"
    # an unknown registration is refused like a foreign one for everybody but reviewers
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "withdraw_registration", {"registration_id": "REG-2026-0404"}, owner)
    assert err.value.translation_key == "permission_denied_city"
    reply = await ws(admin_client, "ncc/registrations/get", registration_id="REG-2026-0404")
    assert reply["error"]["translation_key"] == "registration_not_found"
    state_list = await ws(admin_client, "ncc/registrations/list", state="withdrawn")
    assert [item["id"] for item in state_list["result"]["registrations"]] == [number]


async def test_pending_withdrawal_by_the_receiving_desk(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
) -> None:
    await setup_city()
    onlooker = await operator(hass, hass_admin_user, "Onlooker", "diskominfo", "viewer")
    clerk = await operator(hass, hass_admin_user, "Front desk", "diskominfo", "operator")
    application = submit_data(received_by_agency_id="diskominfo")
    # viewers of the desk's department look on; they do not file applications
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "submit_registration", application, onlooker)
    assert err.value.translation_key == "permission_denied_agency"
    assert err.value.translation_placeholders == {
        "action": "submit_registration", "agency": "Dinas Komunikasi dan Informatika"}
    assert not running_city(hass).registrations.registrations
    number = (await call(hass, "submit_registration", application, clerk))["registration_id"]
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "withdraw_registration", {"registration_id": number}, onlooker)
    assert err.value.translation_key == "permission_denied_agency"
    assert running_city(hass).registrations.get(number).state.value == "submitted"
    result = await call(hass, "withdraw_registration", {"registration_id": number}, clerk)
    assert result["registration"]["state"] == "withdrawn"


async def test_who_may_submit_agrees_with_the_permission_oracle(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
) -> None:
    await setup_city()
    await call(hass, "create_agency", {"code": "DISHUB", "name": "Dishub", "kind": "city_department"},
               hass_admin_user)
    users = [hass_admin_user, await hass.auth.async_create_user("Nobody", group_ids=["system-users"])]
    for role in ("viewer", "operator", "agency_admin"):
        users.append(await operator(hass, hass_admin_user, role, "diskominfo", role))
    city = running_city(hass)
    for user in users:
        oracle = Oracle(city.registry, user.id, user.is_admin, city.registry.now())
        for desk in ("diskominfo", "dishub", None):
            data = submit_data(**({"received_by_agency_id": desk} if desk else {}))
            if oracle.may_call("submit_registration", data):
                await call(hass, "submit_registration", data, user)
                continue
            with pytest.raises(ServiceValidationError) as err:
                await call(hass, "submit_registration", data, user)
            assert err.value.translation_key in {
                "no_role", "permission_denied_agency", "permission_denied_city"}, (user.name, desk)
    filed = {(reg.history[0].by, reg.application.received_by)
             for reg in city.registrations.registrations.values()}
    admin, _nobody, _viewer, clerk, head = (user.id for user in users)
    assert filed == {(admin, "diskominfo"), (admin, "dishub"), (admin, None),
                     (clerk, "diskominfo"), (head, "diskominfo")}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"contact_phone": "call me maybe"}, "invalid_phone"),
        ({"contact_email": "rina.sunrise.co.id"}, "invalid_email"),
        ({"contact_email": ""}, "field_required"),
        ({"latitude": -7.30}, "registration_outside_city"),
        ({"cameras": [camera_data("Lobi", covers_public_area=False, area_type=None)]},
         "registration_no_public_camera"),
        ({"valid_until": "2020-01-01"}, "registration_period_invalid"),
        ({"valid_from": "2019-01-01", "valid_until": "2020-01-01"}, "registration_period_ended"),
        ({"tier": "live"}, "registration_server_required"),
        ({"tier": "on_request", "frigate_url": f"http://ncc:{SECRET}@10.0.0.9:5000"},
         "registration_credentials_in_url"),
        ({"agency_code": "DISKOMINFO"}, "registration_agency_code_taken"),
        ({"cameras": [camera_data("Gate", bearing=400)]}, "invalid_bearing"),
    ],
)
async def test_bad_input_gets_a_translated_error_and_stores_nothing(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, hass_storage: dict[str, Any],
    changes: dict[str, Any], key: str, caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_city(**{CONF_CITY_BOUNDS: BOUNDS})
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "submit_registration", submit_data(**changes), hass_admin_user)
    assert err.value.translation_key == key
    assert REGISTRATIONS_KEY not in hass_storage
    assert not running_city(hass).registrations.registrations
    assert SECRET not in ha_logs(caplog)
    assert SECRET not in str(err.value.translation_placeholders)
    # the next good application still gets the first number
    response = await call(hass, "submit_registration", submit_data(), hass_admin_user)
    assert response["registration_id"].endswith("-0001")


async def test_badly_set_city_bounds_are_reported(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
) -> None:
    await setup_city(**{CONF_CITY_BOUNDS: [1, 2]})
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "submit_registration", submit_data(), hass_admin_user)
    assert err.value.translation_key == "registration_invalid_bounds"


async def test_a_restart_in_the_middle_of_a_review_keeps_the_state(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
) -> None:
    entry = await setup_city()
    admin = hass_admin_user
    number = (await call(hass, "submit_registration", submit_data("recorded"), admin))["registration_id"]
    await call(hass, "review_registration", {"registration_id": number, "decision": "start_review"}, admin)
    old_desk = running_city(hass).registrations
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    city = running_city(hass)
    assert city.registrations is not old_desk
    assert desk_for(city.registry) is city.registrations
    registration = city.registrations.get(number)
    assert registration.state.value == "under_review"
    assert registration.cameras[0].stream is not None
    assert registration.cameras[0].stream.password == SECRET  # kept in the store
    result = await call(hass, "review_registration", {"registration_id": number, "decision": "approve"},
                        admin)
    assert result["registration"]["state"] == "active"
    assert len(city.registrations.recorded_streams()) == 2
    # the next number continues after the reload
    second = await call(hass, "submit_registration", submit_data(), admin)
    assert second["registration_id"].endswith("-0002")


async def test_damaged_registrations_stop_the_city(
    hass: HomeAssistant, setup_city: SetupCity, hass_storage: dict[str, Any], audit_db_url: str,
) -> None:
    from .conftest import city_entry

    hass_storage[REGISTRATIONS_KEY] = {
        "version": 1, "key": REGISTRATIONS_KEY, "data": {"registrations": [{}]}}
    entry = city_entry(audit_db_url)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert hass_storage[REGISTRATIONS_KEY]["data"] == {"registrations": [{}]}  # left untouched


# --- recorded tier: streams for the configuration generator ------------------------------------


async def test_withdrawal_leaves_no_trace_in_grants_or_recorded_streams(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
    hass_ws_client: WebSocketGenerator, hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = await setup_city()
    city = running_city(hass)
    admin = hass_admin_user
    await call(hass, "create_agency", {"code": "POLRES", "name": "Polres", "kind": "vertical_agency"}, admin)
    events: list[Event] = []
    hass.bus.async_listen(EVENT_REGISTRATION_EXPIRING, events.append)
    number = await approved(hass, admin, "recorded")
    registration = city.registrations.get(number)
    agency_id = registration.agency_id
    assert agency_id is not None
    streams = city.registrations.recorded_streams()
    assert [stream.url for stream in streams] == ["rtsp://10.20.0.5:554/stream1", "rtsp://10.20.0.6:554/stream1"]
    assert {stream.password for stream in streams} == {SECRET}
    assert all(stream.owner_agency_id == agency_id and stream.camera_id.startswith("registry/")
               for stream in streams)
    assert SECRET not in repr(streams)
    # the tier gives the operating agency live view, recordings and exports on the site
    (tier_grant,) = live_grants_of(city, agency_id)
    assert tier_grant.grantee_agency_id == "diskominfo"
    assert {privilege.value for privilege in tier_grant.privileges} == {
        "view_live", "view_recordings", "request_export"}
    # the city shares one camera and everything of the owner with the police
    camera_id = registration.camera_ids[0]
    await call(hass, "grant_access", {"owner_agency_id": agency_id, "grantee_agency_id": "polres",
                                      "privileges": ["request_export"], "scope": "camera",
                                      "scope_id": camera_id}, admin)
    await call(hass, "grant_access", {"owner_agency_id": agency_id, "grantee_agency_id": "polres",
                                      "privileges": ["receive_alerts"], "scope": "all"}, admin)
    assert len(live_grants_of(city, agency_id)) == 3
    # registered cameras are removed by withdrawing, not by hand
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "remove_camera", {"camera_id": camera_id}, admin)
    assert err.value.translation_key in {"open_work", "camera_in_use"}

    # secrets: never in websocket answers, diagnostics, logs or events
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    client = await hass_ws_client(hass, await token_for(hass, admin))
    detail = (await ws(client, "ncc/registrations/get", registration_id=number))["result"]["registration"]
    assert detail["application"]["cameras"][0]["stream"] == {
        "url": "rtsp://10.20.0.5:554/stream1", "has_credentials": True}
    event_data = json.dumps([event.data for event in events])
    for text in (json.dumps(detail), json.dumps(diagnostics), ha_logs(caplog), event_data):
        assert SECRET not in text

    # suspended: out of the generated configuration until resumed
    await call(hass, "suspend_registration", {"registration_id": number, "reason": "maintenance"}, admin)
    assert city.registrations.recorded_streams() == []
    await call(hass, "resume_registration", {"registration_id": number}, admin)
    assert len(city.registrations.recorded_streams()) == 2

    result = await call(hass, "withdraw_registration", {"registration_id": number}, admin)
    assert result["registration"]["state"] == "withdrawn"
    assert city.registrations.recorded_streams() == []
    assert live_grants_of(city, agency_id) == []
    assert not [camera for camera in city.registry.cameras.values() if camera.owner_agency_id == agency_id]
    assert registration.site_id not in city.registry.sites
    officer = await operator(hass, admin, "Officer", "polres", "operator")
    police = actor_for(city.registry, officer.id, False)
    assert visible_cameras(city.registry, police, city.registry.now()) == []
    audit = await city.audit.async_query(AuditQuery(target_id=number, limit=10))
    withdraw_entry = audit.entries[0]
    assert withdraw_entry.action == "registration.withdraw"
    assert sorted(withdraw_entry.details["cameras_removed"]) == sorted(registration.camera_ids)
    assert len(withdraw_entry.details["grants_revoked"]) == 3
    # the owner's agency stays for history; a new application reuses it
    assert city.registry.agencies[agency_id].kind.value == "private_owner"
    again = await approved(hass, admin, "registry", contact_name="Budi Santoso")
    assert city.registrations.get(again).agency_id == agency_id
    assert [contact.name for contact in city.registry.agencies[agency_id].contacts] == [
        "Rina Wati", "Budi Santoso"]


async def test_a_withdrawn_camera_leaves_the_stream_book_and_the_generated_config(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity,
    hass_admin_user: User, hass_storage: dict[str, Any], tmp_path: Path,
) -> None:
    hass.config.config_dir = str(tmp_path)
    output = tmp_path / "ncc" / "frigate"
    await setup_city()
    await add_server(sim.servers[0].url, "balaikota")
    admin = hass_admin_user
    await call(hass, "set_server_policy", {"server_id": "balaikota", "mqtt_host": "10.35.1.10"}, admin)
    city = running_city(hass)
    desk = city.frigate_configs
    number = await approved(hass, admin, "recorded")
    registration = city.registrations.get(number)
    camera_id = registration.camera_ids[0]
    # the city pins the first camera's stream to its server, with an account of its own
    await call(hass, "set_camera_stream", {
        "camera_id": camera_id, "url": "rtsp://10.20.0.5:554/main", "username": "ncc",
        "password": BOOK_SECRET, "server_id": "balaikota", "fps": 10}, admin)

    async def generated() -> tuple[dict[str, str], str]:
        """The cameras placed, and every file in the output folder."""
        result = await call(hass, "generate_frigate_config", {}, admin)
        text = "\n".join(path.read_text() for path in sorted(output.rglob("*")) if path.is_file())
        return result["placement"], text

    placement, files = await generated()
    assert set(placement) == set(registration.camera_ids)
    assert BOOK_SECRET in files  # the .env holds what the server needs
    assert SECRET in files
    assert "parkir_depan" in files

    # suspended: the booked stream waits with the registration's own streams
    await call(hass, "suspend_registration", {"registration_id": number, "reason": "maintenance"}, admin)
    placement, files = await generated()
    assert placement == {}
    assert files == ""  # the server has no cameras left: its old files are gone
    assert camera_id in desk.streams
    await call(hass, "resume_registration", {"registration_id": number}, admin)
    placement, files = await generated()
    assert set(placement) == set(registration.camera_ids)

    await call(hass, "withdraw_registration", {"registration_id": number}, admin)
    assert camera_id not in desk.streams
    await hass.async_block_till_done()
    assert hass_storage[STORE_KEY]["data"]["streams"] == []
    page = await city.audit.async_query(AuditQuery(action="frigate_stream.remove", limit=10))
    assert [(entry.user_id, entry.target_id, entry.details) for entry in page.entries] == [
        ("system", camera_id, {"cause": "camera_removed"})]
    placement, files = await generated()
    assert placement == {}
    for trace in (BOOK_SECRET, SECRET, "parkir_depan", "10.20.0.5"):
        assert trace not in files

    # the same business again, registry tier only: the same camera id, and still nothing recorded
    again = city.registrations.get(await approved(hass, admin, "registry"))
    assert again.camera_ids[0] == camera_id
    assert camera_id not in desk.streams
    placement, files = await generated()
    assert placement == {}
    assert BOOK_SECRET not in files
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "set_camera_stream", {"camera_id": camera_id, "url": "rtsp://10.20.0.5/main",
                                               "username": "ncc", "password": BOOK_SECRET}, admin)
    assert err.value.translation_key == "registration_camera_not_recorded"
    assert err.value.translation_placeholders == {
        "field": "camera_id", "camera": "Parkir Depan", "registration": again.id, "tier": "registry",
        "state": "active"}
    assert camera_id not in desk.streams


async def test_stream_entries_of_cameras_already_gone_are_dropped_at_start_and_on_stop(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, hass_storage: dict[str, Any],
) -> None:
    orphan = StreamEntry(camera_id="registry/closed-shop", url="rtsp://10.9.9.9/s", username="ncc",
                         password=BOOK_SECRET)
    hass_storage[STORE_KEY] = {"version": 1, "key": STORE_KEY,
                               "data": {"streams": [orphan.to_dict(secrets=True)], "policies": []}}
    entry = await setup_city()
    city = running_city(hass)
    assert city.frigate_configs.streams == {}
    assert hass_storage[STORE_KEY]["data"]["streams"] == []
    page = await city.audit.async_query(AuditQuery(action="frigate_stream.remove"))
    assert [item.target_id for item in page.entries] == ["registry/closed-shop"]

    # a camera removed just before the city stops: its entry is saved away before the stop ends
    camera = await call(hass, "add_registry_camera", {
        "name": "Toko Maju", "owner_agency_id": "diskominfo", "purpose": "private_premises",
        "area_type": "private_facing_public"}, hass_admin_user)
    camera_id = camera["camera"]["id"]
    await call(hass, "set_camera_stream", {"camera_id": camera_id, "url": "rtsp://10.9.9.8/s"},
               hass_admin_user)
    city.registry.remove_camera(camera_id)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert hass_storage[STORE_KEY]["data"]["streams"] == []


# --- expiry and reminders --------------------------------------------------------------------------


def local_check_time(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, REGISTRATION_CHECK_HOUR, REGISTRATION_CHECK_MINUTE,
                    tzinfo=dt_util.get_default_time_zone())


async def at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, day: date) -> None:
    moment = local_check_time(day)
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done()


async def test_reminders_at_30_days_and_at_expiry_then_renewal(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(local_check_time(date(2026, 3, 2)) + timedelta(hours=9))
    await setup_city()
    city = running_city(hass)
    admin = hass_admin_user
    events: list[Event] = []
    hass.bus.async_listen(EVENT_REGISTRATION_EXPIRING, events.append)
    number = await approved(hass, admin, "recorded", valid_from="2026-03-01", valid_until="2026-04-30")
    agency_id = city.registrations.get(number).agency_id
    assert agency_id is not None

    await at(hass, freezer, date(2026, 3, 30))  # 31 days left: nothing yet
    assert events == []
    assert sensor(hass, "registrations_expiring") == "0"
    await at(hass, freezer, date(2026, 3, 31))
    assert [event.data for event in events] == [{
        "registration_id": number, "business": "Sunrise Mall", "agency_id": agency_id,
        "expires": "2026-04-30", "days_left": 30, "state": "expiring",
    }]
    assert sensor(hass, "registrations_expiring") == "1"
    await at(hass, freezer, date(2026, 4, 1))  # once per agreement end
    assert len(events) == 1

    await at(hass, freezer, date(2026, 4, 30))  # the last day still counts
    assert city.registrations.get(number).state.value == "active"
    await at(hass, freezer, date(2026, 5, 1))
    assert events[-1].data["state"] == "expired"
    assert events[-1].data["days_left"] == 0
    assert city.registrations.get(number).state.value == "expired"
    assert city.registrations.recorded_streams() == []
    assert live_grants_of(city, agency_id) == []
    assert not [camera for camera in city.registry.cameras.values() if camera.owner_agency_id == agency_id]
    assert sensor(hass, "registrations_expiring") == "0"
    assert sensor(hass, "private_cameras_recorded") == "0"
    for event in events:
        assert not {"contact", "phone", "email"} & set(event.data)
        assert "rina" not in json.dumps(event.data).lower()

    # renewing an expired agreement brings the cameras back
    result = await call(hass, "renew_registration", {"registration_id": number, "valid_until": "2027-04-30"},
                        admin)
    assert result["registration"]["state"] == "active"
    assert len(city.registrations.recorded_streams()) == 2
    assert len(live_grants_of(city, agency_id)) == 1
    await hass.async_block_till_done()
    assert sensor(hass, "private_cameras_recorded") == "2"
    actions = await audit_actions(city, number)
    assert actions.index("registration.remind") < actions.index("registration.expire")
    assert actions[-2:] == ["registration.renew", "registration.activate"]


async def test_expiry_while_hass_was_down_is_caught_up_at_start(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(local_check_time(date(2026, 3, 2)) + timedelta(hours=9))
    entry = await setup_city()
    number = await approved(hass, hass_admin_user, valid_from="2026-03-01", valid_until="2026-04-30")
    await hass.config_entries.async_unload(entry.entry_id)
    freezer.move_to(local_check_time(date(2026, 6, 1)) + timedelta(hours=3))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert running_city(hass).registrations.get(number).state.value == "expired"


async def test_open_work_holds_a_withdrawal_and_an_expired_camera(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(local_check_time(date(2026, 3, 2)) + timedelta(hours=9))
    await setup_city()
    city = running_city(hass)
    number = await approved(hass, hass_admin_user, valid_from="2026-03-01", valid_until="2026-04-30")
    held = city.registrations.get(number).camera_ids[0]
    open_requests: set[str] = {held}
    city.add_open_work_provider(
        lambda kind, target: ["FR-2026-0007"] if kind == "camera" and target in open_requests else []
    )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "withdraw_registration", {"registration_id": number}, hass_admin_user)
    assert err.value.translation_key == "open_work"
    assert city.registrations.get(number).state.value == "active"  # nothing changed
    assert held in city.registry.cameras

    await at(hass, freezer, date(2026, 5, 1))
    registration = city.registrations.get(number)
    assert registration.state.value == "expired"
    assert registration.camera_ids == (held,)  # kept while the request is open
    assert len(city.registry.cameras) == 1
    open_requests.clear()
    await at(hass, freezer, date(2026, 5, 2))
    assert city.registrations.get(number).camera_ids == ()
    assert held not in city.registry.cameras
    assert "registration.leave" in await audit_actions(city, number)
