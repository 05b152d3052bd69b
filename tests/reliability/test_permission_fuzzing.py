"""Random users, roles, grants and calls through the real actions and websocket commands.

Each example reshapes the city (who works where in which role, who owns which camera, which
grants exist, emergency mode), then lets random users make random calls. `permission_oracle`
says what each may do; the real answers must agree: a refused call is refused as a permission
problem and changes nothing, an allowed call is never refused as one, and every websocket list
shows exactly what the oracle allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
import voluptuous as vol

from custom_components.ncc import registry_actions
from custom_components.ncc.city import CityRuntime
from custom_components.ncc.const import DOMAIN
from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.cameras import AreaType, CameraPurpose
from custom_components.ncc.core.grants import GrantScope, Privilege
from custom_components.ncc.core.operators import Role
from custom_components.ncc.data import async_get_city
from custom_components.ncc.entrypoints import NccService
from frigate_sim import SimCity

from .city_fixture import AddServer, SetupCity
from .permission_oracle import Oracle
from .schema_strategies import IdPool, calls, collect_ids, resolve

AGENCIES = ("diskominfo", "dishub", "polres", "damkar")
SITES = ("terminal", "alun-alun")
ROLES = (None, *(role.value for role in Role))
DENIALS = frozenset({
    "no_role", "permission_denied_camera", "permission_denied_agency", "permission_denied_city",
    "camera_has_no_feed",
})
# the multi-agency model's actions; every one of them must have a rule in the oracle
SERVICES = registry_actions.SERVICES
CAMERA_SLOTS = 8


@dataclass
class World:
    hass: HomeAssistant
    city: CityRuntime
    users: list[User]  # the HA administrator first
    sockets: dict[str, Any]  # websocket client per user id


@pytest.fixture
async def two_servers() -> Any:
    city = SimCity.synthetic(servers=2, cameras=2, seed=5, auth=False)
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


@pytest.fixture
async def world(
    hass: HomeAssistant,
    tmp_path: Path,
    setup_city: SetupCity,
    add_server: AddServer,
    two_servers: SimCity,
    hass_admin_user: User,
    hass_ws_client: WebSocketGenerator,
) -> World:
    hass.config.config_dir = str(tmp_path)
    await setup_city()
    await add_server(two_servers.servers[0].url, "balaikota")
    await add_server(two_servers.servers[1].url, "polres_nvr")
    city = async_get_city(hass)
    assert city is not None
    city.registry.add_registry_camera(
        name="Toko A", owner_agency_id="diskominfo", purpose=CameraPurpose.PRIVATE_PREMISES,
        area_type=AreaType.PRIVATE_FACING_PUBLIC, slug="toko-a",
    )
    users = [hass_admin_user] + [
        await hass.auth.async_create_user(f"User {number}", group_ids=["system-users"])
        for number in range(4)
    ]
    sockets = {}
    for user in users:
        refresh = await hass.auth.async_create_refresh_token(user, "http://127.0.0.1/")
        sockets[user.id] = await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))
    return World(hass, city, users, sockets)


def reshape(world: World, data: st.DataObject) -> None:
    """A new random arrangement of roles, owners, sites, grants and emergency mode.

    What is drawn never depends on the city's current records (Hypothesis replays draws), and
    records earlier examples' calls added are taken away first, so examples start alike.
    """
    registry = world.city.registry
    for grant in list(registry.grants.values()):
        if not grant.is_revoked:
            registry.revoke_grant(grant.id, revoked_by="fuzz")
    for camera in list(registry.cameras.values()):
        if camera.is_registry_only and camera.id != "registry/toko-a":
            registry.remove_camera(camera.id)
    for agency_id in AGENCIES:
        if agency_id not in registry.agencies:
            registry.create_agency(code=agency_id.upper(), name=agency_id.title(),
                                   kind=AgencyKind.OTHER, agency_id=agency_id)
    for site_id in SITES:
        if site_id not in registry.sites:
            registry.create_site(name=site_id, latitude=-7.47, longitude=112.43, site_id=site_id)
    places = data.draw(st.lists(st.tuples(st.sampled_from(AGENCIES), st.sampled_from((*SITES, None))),
                                min_size=CAMERA_SLOTS, max_size=CAMERA_SLOTS), label="owners")
    for number, camera_id in enumerate(sorted(registry.cameras)):
        owner, site_id = places[number % CAMERA_SLOTS]
        registry.assign_camera(camera_id, owner_agency_id=owner, site_id=site_id)
    for _ in range(data.draw(st.integers(0, 4), label="grants")):
        owner, grantee = data.draw(st.lists(st.sampled_from(AGENCIES), min_size=2, max_size=2,
                                            unique=True))
        scope = data.draw(st.sampled_from(list(GrantScope)))
        pick, site_id = data.draw(st.integers(0, 100)), data.draw(st.sampled_from(SITES))
        owned = sorted(camera.id for camera in registry.cameras.values()
                       if camera.owner_agency_id == owner)
        if scope is GrantScope.CAMERA and not owned:
            scope = GrantScope.ALL
        scope_id = {
            GrantScope.CAMERA: owned[pick % len(owned)] if owned else None,
            GrantScope.SITE: site_id,
            GrantScope.ALL: None,
        }[scope]
        registry.create_grant(
            owner_agency_id=owner, grantee_agency_id=grantee,
            privileges=data.draw(st.sets(st.sampled_from(list(Privilege)), min_size=1)),
            scope=scope, scope_id=scope_id, emergency_only=data.draw(st.booleans()),
            created_by="fuzz",
        )
    registry.set_emergency(data.draw(st.booleans(), label="emergency"), changed_by="fuzz")
    for user in world.users[1:]:
        role = data.draw(st.sampled_from(ROLES), label="role")
        agency_id = data.draw(st.sampled_from(AGENCIES), label="agency")
        if role is None:
            if user.id in registry.operators:
                registry.remove_operator(user.id)
        else:
            registry.set_operator(user.id, agency_id=agency_id, role=Role(role), name=user.name or "")


def oracle_for(world: World, user: User) -> Oracle:
    return Oracle(world.city.registry, user.id, user.is_admin, dt_util.utcnow())


async def make_call(world: World, user: User, service: NccService, data: st.DataObject) -> None:
    registry = world.city.registry
    pool = collect_ids([registry.to_dict()])
    pool["user_id"] = [candidate.id for candidate in world.users]
    arguments = resolve(data.draw(calls(service.schema), label=service.name), IdPool(pool))
    try:
        validated = service.schema(arguments)
    except vol.Invalid:
        return  # refused before any permission check; the schema tests cover it
    expected = oracle_for(world, user).may_call(service.name, validated)
    assert expected is not None, f"the oracle has no rule for {service.name}"
    before = registry.to_dict()
    try:
        await world.hass.services.async_call(
            DOMAIN, service.name, arguments, blocking=True, context=Context(user_id=user.id),
            return_response=service.response is not SupportsResponse.NONE,
        )
    except HomeAssistantError as err:
        if err.translation_key in DENIALS:
            assert expected is False, f"{user.name} was refused {service.name} {validated}"
            assert registry.to_dict() == before
            return
    except Exception:  # past the permission check: crashes are test_action_schemas' to report
        pass
    assert expected is True, f"{user.name} was allowed {service.name} {validated}"


async def command(world: World, user: User, command_type: str) -> dict[str, Any]:
    client = world.sockets[user.id]
    await client.send_json_auto_id({"type": command_type})
    return dict(await client.receive_json())


async def check_lists(world: World, user: User) -> None:
    oracle = oracle_for(world, user)
    registry = world.city.registry
    answer = await command(world, user, "ncc/cameras")
    if oracle.role is None:
        assert answer["error"]["code"] == "unauthorized"
        return
    cameras = {camera["id"]: set(camera["privileges"]) for camera in answer["result"]["cameras"]}
    assert set(cameras) == oracle.visible_cameras()
    for camera_id, privileges in cameras.items():
        assert privileges == oracle.camera_privileges(registry.cameras[camera_id]), camera_id
    grants = {grant["id"] for grant in (await command(world, user, "ncc/grants"))["result"]["grants"]}
    assert grants == oracle.grants()
    operators = (await command(world, user, "ncc/operators"))["result"]["operators"]
    assert {operator["user_id"] for operator in operators} == oracle.operators()
    sites = (await command(world, user, "ncc/sites"))["result"]["sites"]
    assert {site["id"] for site in sites} == oracle.sites()
    agencies = (await command(world, user, "ncc/agencies"))["result"]["agencies"]
    assert {agency["id"] for agency in agencies} == set(registry.agencies)
    for agency in agencies:
        assert ("contacts" in agency) == oracle.views_agency(agency["id"]), agency["id"]
    audit = await command(world, user, "ncc/audit")
    assert audit["success"] == oracle.reads_audit()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_real_actions_and_commands_never_exceed_the_grants(
    world: World, data: st.DataObject
) -> None:
    reshape(world, data)
    for _ in range(data.draw(st.integers(1, 8), label="calls")):
        user = data.draw(st.sampled_from(world.users), label="user")
        service = data.draw(st.sampled_from(SERVICES), label="action")
        await make_call(world, user, service, data)
    for user in world.users:
        await check_lists(world, user)
