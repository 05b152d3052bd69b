"""A small but complete city inside a test HA: agencies, a site, cameras, a grant, operators.

Shared by the property-based and permission fuzzing tests, which both need records to point
their generated calls at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import copy
from dataclasses import dataclass
import json
from typing import Any

from homeassistant.auth.models import User
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ncc.city import CityRuntime
from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.grants import GrantScope, Privilege
from custom_components.ncc.core.operators import Role
from custom_components.ncc.data import async_get_city
from frigate_sim import SimCity

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


@dataclass
class CityUnderTest:
    """The running city and the HA users that work in it."""

    hass: HomeAssistant
    city: CityRuntime
    admin: User
    users: dict[str, User]  # by role name: "agency_admin", "operator", "viewer", "stranger"


async def build_city(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    sim: SimCity,
    admin: User,
) -> CityUnderTest:
    """The operating agency's server plus a police server, a shared site and one grant."""
    await setup_city()
    await add_server(sim.servers[0].url, "balaikota")
    city = async_get_city(hass)
    assert city is not None
    registry = city.registry
    registry.create_agency(code="DISHUB", name="Dinas Perhubungan", kind=AgencyKind.CITY_DEPARTMENT)
    registry.create_agency(code="POLRES", name="Polres", kind=AgencyKind.VERTICAL_AGENCY)
    site = registry.create_site(name="Simpang Empat", latitude=-7.47, longitude=112.43)
    if len(sim.servers) > 1:
        await add_server(sim.servers[1].url, "polres", agency_id="polres")
    cameras = sorted(registry.cameras)
    registry.assign_camera(cameras[0], owner_agency_id="dishub", site_id=site.id)
    registry.create_grant(
        owner_agency_id="dishub", grantee_agency_id="polres",
        privileges=[Privilege.VIEW_LIVE, Privilege.RECEIVE_ALERTS], scope=GrantScope.SITE,
        scope_id=site.id, created_by=admin.id,
    )
    users = {}
    for role in (Role.AGENCY_ADMIN, Role.OPERATOR, Role.VIEWER):
        user = await hass.auth.async_create_user(f"Dishub {role.value}", group_ids=["system-users"])
        registry.set_operator(user.id, agency_id="dishub", role=role, name=user.name or "")
        users[role.value] = user
    users["stranger"] = await hass.auth.async_create_user("Stranger", group_ids=["system-users"])
    await city.async_save()
    return CityUnderTest(hass, city, admin, users)


async def flush_stores(hass: HomeAssistant) -> None:
    """Write every Store's delayed save now (what HA does on its way down)."""
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()


def stored_state(city: CityRuntime, hass_storage: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The registry as it is in memory, and every NCC Store as it is on (mock) disk."""
    stores = {key: copy.deepcopy(value.get("data")) for key, value in hass_storage.items()
              if key.startswith("ncc")}
    return json.dumps(city.registry.to_dict(), sort_keys=True), stores
