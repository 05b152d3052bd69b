"""Every registered action against generated input: no unhandled exception, and a refused call
leaves the registry and every NCC Store exactly as they were.

The inputs come from each action's own voluptuous schema (`schema_strategies`), half of them
well-formed with ids that exist, half broken on purpose. Calls are made by an HA administrator,
so they get past the permission check and reach the handlers.
"""

from __future__ import annotations

from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
import voluptuous as vol

from custom_components.ncc.const import DOMAIN
from custom_components.ncc.entrypoints import NccService
from custom_components.ncc.services import SERVICES

from .city_fixture import CityUnderTest, flush_stores, stored_state
from .schema_strategies import IdPool, calls, collect_ids, hostile_calls, resolve

# what a refused call may raise; anything else escaping an action is a bug
REFUSALS = (HomeAssistantError, vol.Invalid)
EXAMPLES_PER_ACTION = 25


def id_pool(city: CityUnderTest, hass_storage: dict[str, Any]) -> IdPool:
    documents = [city.city.registry.to_dict()] + [value.get("data") for key, value in
                                                  hass_storage.items() if key.startswith("ncc")]
    ids = collect_ids(documents)
    ids["user_id"] = [city.admin.id, *(user.id for user in city.users.values())]
    return IdPool(ids)


async def call_as(hass: HomeAssistant, service: NccService, data: dict[str, Any], user: User) -> None:
    await hass.services.async_call(
        DOMAIN, service.name, data, blocking=True, context=Context(user_id=user.id),
        return_response=service.response is not SupportsResponse.NONE,
    )


@pytest.mark.parametrize("service", SERVICES, ids=[service.name for service in SERVICES])
@settings(
    max_examples=EXAMPLES_PER_ACTION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_calls_are_handled_and_refusals_change_nothing(
    hass: HomeAssistant,
    city: CityUnderTest,
    hass_storage: dict[str, Any],
    service: NccService,
    data: st.DataObject,
) -> None:
    well_formed = data.draw(st.booleans(), label="well_formed")
    strategy = calls(service.schema) if well_formed else hostile_calls(service.schema)
    arguments = resolve(data.draw(strategy, label="arguments"), id_pool(city, hass_storage))
    await flush_stores(hass)
    before = stored_state(city.city, hass_storage)
    try:
        await call_as(hass, service, arguments, city.admin)
    except REFUSALS:
        await flush_stores(hass)
        assert stored_state(city.city, hass_storage) == before
    else:
        await flush_stores(hass)
