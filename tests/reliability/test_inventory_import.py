"""Generated inventory files: the import never crashes, and a refused file changes nothing.

In the domain: a file with problems is refused whole, the dry run agrees with the real import,
and an applied file exported again re-imports as a no-op. Through the real `import_inventory`
action: only translated refusals reach the caller, and refusals and dry runs leave the registry
and every NCC Store untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from hypothesis import HealthCheck, given, settings, strategies as st
import voluptuous as vol

from custom_components.ncc.const import DOMAIN
from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.cameras import AreaType, CameraPurpose
from custom_components.ncc.core.inventory import (
    InventoryError,
    InventoryFormat,
    export_inventory,
    parse_inventory,
)
from custom_components.ncc.core.registry import Registry

from .city_fixture import CityUnderTest, flush_stores, stored_state
from .inventory_strategies import csv_inventories, yaml_inventories

FILES = st.one_of(
    csv_inventories().map(lambda text: (InventoryFormat.CSV, text)),
    yaml_inventories().map(lambda text: (InventoryFormat.YAML, text)),
)


def small_city() -> Registry:
    registry = Registry()
    registry.create_agency(code="DISKOMINFO", name="Diskominfo", kind=AgencyKind.CITY_DEPARTMENT)
    registry.create_agency(code="DISHUB", name="Dinas Perhubungan", kind=AgencyKind.CITY_DEPARTMENT)
    registry.create_site(name="Simpang Empat", latitude=-7.47, longitude=112.43)
    registry.sync_server_cameras("balaikota", "diskominfo", ["alun_alun_01", "ijen_01"])
    registry.add_registry_camera(
        name="Toko A", owner_agency_id="dishub", purpose=CameraPurpose.PRIVATE_PREMISES,
        area_type=AreaType.PRIVATE_FACING_PUBLIC, slug="toko-a",
    )
    return registry


def snapshot(registry: Registry, *, pins: bool = True) -> str:
    data = registry.to_dict()
    if not pins:
        # importing a file names each camera's owner, which pins it (`owner_assigned`)
        for camera in data["cameras"]:
            camera.pop("owner_assigned")
    return json.dumps(data, sort_keys=True)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=FILES)
def test_domain_import_is_all_or_nothing(file: tuple[InventoryFormat, str]) -> None:
    fmt, text = file
    registry = small_city()
    before, revision = snapshot(registry), registry.revision
    plan = parse_inventory(text, fmt)
    problems = registry.check_inventory(plan)
    assert snapshot(registry) == before  # a dry run changes nothing
    refused: InventoryError | None = None
    try:
        registry.apply_inventory(plan)
    except InventoryError as err:
        refused = err
    if refused is not None:
        assert problems, "the dry run found no problem, the import did"
        assert {(row.line, row.field) for row in refused.rows} == {
            (row.line, row.field) for row in problems
        }
        assert snapshot(registry) == before
        assert registry.revision == revision
        return
    assert not problems, "the dry run found problems, the import applied the file"
    # what was imported exports and re-imports without changing a thing anyone sees
    after = snapshot(registry, pins=False)
    for again in InventoryFormat:
        registry.apply_inventory(parse_inventory(export_inventory(registry, again), again))
        assert snapshot(registry, pins=False) == after


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=FILES, dry_run=st.booleans())
async def test_import_action_refuses_cleanly(
    hass: HomeAssistant,
    city: CityUnderTest,
    hass_storage: dict[str, Any],
    file: tuple[InventoryFormat, str],
    dry_run: bool,
) -> None:
    fmt, text = file
    name = f"inventory.{fmt.value}"
    Path(hass.config.path(name)).write_text(text, encoding="utf-8")
    await flush_stores(hass)
    before = stored_state(city.city, hass_storage)
    try:
        response = await hass.services.async_call(
            DOMAIN, "import_inventory", {"path": name, "dry_run": dry_run}, blocking=True,
            context=Context(user_id=city.admin.id), return_response=True,
        )
    except (HomeAssistantError, vol.Invalid):
        await flush_stores(hass)
        assert stored_state(city.city, hass_storage) == before
        return
    await flush_stores(hass)
    assert response is not None
    if dry_run or not response["valid"]:
        assert stored_state(city.city, hass_storage) == before
    if not response["valid"]:
        assert response["problems"]
        assert all({"line", "field", "error", "message"} <= set(problem)
                   for problem in response["problems"])
