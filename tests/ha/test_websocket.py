"""Websocket commands: every one guarded, each operator sees only what role and grants allow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.auth.models import User
from homeassistant.components.websocket_api.const import DOMAIN as WS_DOMAIN
from homeassistant.core import Context, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.ncc.const import DOMAIN
from custom_components.ncc.websocket_api import COMMANDS
from frigate_sim import SimCity

from .test_footage import SAMPLE_COMMANDS as FOOTAGE_COMMANDS

# well-formed data for commands that need some, so the refusal is about the role
COMMAND_SAMPLES: dict[str, dict[str, Any]] = {
    "ncc/registrations/get": {"registration_id": "REG-2026-0001"},
    "ncc/registrations/review": {"registration_id": "REG-2026-0001", "decision": "start_review"},
    "ncc/incidents/acknowledge": {"incident_id": "INC-000001"},
    "ncc/incidents/close": {"incident_id": "INC-000001", "note": "selesai"},
    "ncc/cameras/image_url": {"camera_id": "balaikota/lobby"},
    "ncc/routing/delete": {"rule_id": "fire_to_damkar"},
    **FOOTAGE_COMMANDS,
}

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


async def token_for(hass: HomeAssistant, user: User) -> str:
    refresh = await hass.auth.async_create_refresh_token(user, "http://127.0.0.1/")
    return hass.auth.async_create_access_token(refresh)


async def service(hass: HomeAssistant, name: str, data: dict[str, Any], user: User) -> Any:
    return await hass.services.async_call(
        DOMAIN, name, data, blocking=True, context=Context(user_id=user.id), return_response=True
    )


async def ws(client: Any, command: str, **data: Any) -> dict[str, Any]:
    await client.send_json_auto_id({"type": command, **data})
    return dict(await client.receive_json())


async def test_every_command_refuses_users_without_a_role(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, setup_city: SetupCity
) -> None:
    await setup_city()
    # what HA actually registered (its command table, in 2025.4 as in 2026.10) is the table
    # walked below: a command registered outside COMMANDS would escape this test
    registered = {t for t in hass.data[WS_DOMAIN] if t.startswith(f"{DOMAIN}/")}
    assert registered == {command.type for command in COMMANDS}
    stranger = await hass.auth.async_create_user("Stranger", group_ids=["system-users"])
    client = await hass_ws_client(hass, await token_for(hass, stranger))
    for command in COMMANDS:
        reply = await ws(client, command.type, **COMMAND_SAMPLES.get(command.type, {}))
        assert reply["success"] is False, command.type
        assert reply["error"]["code"] == "unauthorized"
        assert reply["error"]["translation_key"] == "no_role"


async def test_operators_see_their_own_and_granted_cameras_only(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    setup_city: SetupCity,
    add_server: AddServer,
    sim: SimCity,
    hass_admin_user: User,
) -> None:
    await setup_city()
    await service(hass, "create_agency", {"code": "POLRES", "name": "Polres",
                                          "kind": "vertical_agency"}, hass_admin_user)
    await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "polres", agency_id="polres")
    officer = await hass.auth.async_create_user("Officer", group_ids=["system-users"])
    await service(hass, "set_operator", {"user_id": officer.id, "agency_id": "polres",
                                         "role": "operator"}, hass_admin_user)
    client = await hass_ws_client(hass, await token_for(hass, officer))

    me = await ws(client, "ncc/me")
    assert me["result"]["role"] == "operator"
    assert me["result"]["agency_id"] == "polres"

    cameras = (await ws(client, "ncc/cameras"))["result"]["cameras"]
    assert cameras
    assert {cam["owner_agency_id"] for cam in cameras} == {"polres"}
    assert {cam["health"] for cam in cameras} == {"online"}
    assert "view_recordings" in cameras[0]["privileges"]

    shared = f"balaikota/{next(iter(sim.servers[0].cameras))}"
    await service(hass, "grant_access", {
        "owner_agency_id": "diskominfo", "grantee_agency_id": "polres",
        "privileges": ["view_live"], "scope": "camera", "scope_id": shared,
    }, hass_admin_user)
    cameras = (await ws(client, "ncc/cameras"))["result"]["cameras"]
    granted = [cam for cam in cameras if cam["id"] == shared]
    assert granted
    assert granted[0]["privileges"] == ["view_camera", "view_live"]
    assert len(cameras) == len(sim.servers[1].cameras) + 1

    agencies = (await ws(client, "ncc/agencies"))["result"]["agencies"]
    own = next(a for a in agencies if a["id"] == "polres")
    other = next(a for a in agencies if a["id"] == "diskominfo")
    assert own["cameras_online"] == len(sim.servers[1].cameras)
    assert "contacts" not in other  # another agency's contacts stay hidden

    grants = (await ws(client, "ncc/grants"))["result"]["grants"]
    assert [g["scope_id"] for g in grants] == [shared]
    assert (await ws(client, "ncc/operators"))["result"]["operators"] == []

    denied = await ws(client, "ncc/audit")
    assert denied["error"]["code"] == "unauthorized"


async def test_audit_query_for_city_and_agency_admins(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    setup_city: SetupCity,
    hass_admin_user: User,
) -> None:
    await setup_city()
    await service(hass, "create_agency", {"code": "DISHUB", "name": "Dishub",
                                          "kind": "city_department"}, hass_admin_user)
    chief = await hass.auth.async_create_user("Chief", group_ids=["system-users"])
    await service(hass, "set_operator", {"user_id": chief.id, "agency_id": "dishub",
                                         "role": "agency_admin"}, hass_admin_user)
    await service(hass, "update_agency", {"agency_id": "dishub", "name": "Dinas Perhubungan"},
                  chief)

    admin = await hass_ws_client(hass)
    everything = (await ws(admin, "ncc/audit", limit=2))["result"]
    assert len(everything["entries"]) == 2
    assert everything["next_cursor"] is not None
    older = (await ws(admin, "ncc/audit", limit=2, cursor=everything["next_cursor"]))["result"]
    assert older["entries"][0]["seq"] < everything["entries"][-1]["seq"]

    client = await hass_ws_client(hass, await token_for(hass, chief))
    own = (await ws(client, "ncc/audit"))["result"]["entries"]
    assert [entry["action"] for entry in own] == ["agency.update"]
    other = await ws(client, "ncc/audit", agency_id="diskominfo")
    assert other["error"]["code"] == "unauthorized"
    bad = await ws(admin, "ncc/audit", limit=5000)
    assert bad["error"]["translation_key"] == "audit_query_invalid"
    operators = (await ws(client, "ncc/operators"))["result"]["operators"]
    assert [op["user_id"] for op in operators] == [chief.id]
