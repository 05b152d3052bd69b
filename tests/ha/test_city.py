"""The city entry: damaged data, an unreachable audit database, fallbacks, open work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
import socket
from typing import Any

from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ncc.const import DOMAIN
from custom_components.ncc.core.permissions import Actor
from custom_components.ncc.data import async_get_city
from custom_components.ncc.storage import AuditItem
from frigate_sim import SimCity

from .conftest import city_entry

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


async def test_damaged_registry_stops_the_city_and_is_left_untouched(
    hass: HomeAssistant, audit_db_url: str, hass_storage: dict[str, Any]
) -> None:
    damaged = {"version": 2, "minor_version": 1, "key": "ncc.registry",
               "data": {"agencies": "not a list"}}
    hass_storage["ncc.registry"] = damaged
    entry = city_entry(audit_db_url)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert hass_storage["ncc.registry"] == damaged
    assert async_get_city(hass) is None


async def test_an_audit_database_not_there_yet_is_waited_for(hass: HomeAssistant, tmp_path: Path) -> None:
    """A SQLite file on a disk not mounted yet: the city starts once the folder is there."""
    folder = tmp_path / "evidence-disk"
    entry = city_entry(f"sqlite:///{folder / 'audit.db'}")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "unable to open database file" in entry.reason
    assert async_get_city(hass) is None
    folder.mkdir()
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert (folder / "audit.db").exists()
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_an_unreachable_audit_database_server_is_retried(hass: HomeAssistant) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entry = city_entry(f"postgresql://ncc:not-this-secret@127.0.0.1:{port}/ncc")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "Connection refused" in entry.reason
    assert "not-this-secret" not in entry.reason
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_damaged_audit_database_stops_the_city_and_is_left_untouched(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    damaged = tmp_path / "audit.db"
    damaged.write_bytes(b"not a database " * 1000)
    entry = city_entry(f"sqlite:///{damaged}")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert "file is not a database" in entry.reason
    assert damaged.read_bytes() == b"not a database " * 1000


async def test_server_waits_for_the_city_then_gives_up(
    hass: HomeAssistant, add_server: AddServer, sim: SimCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("custom_components.ncc.server.CITY_READY_TIMEOUT_S", 0.05)
    entry = await add_server(sim.servers[0].url, "balaikota")
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_cameras_of_a_server_whose_agency_vanished_go_to_the_operating_agency(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity
) -> None:
    await setup_city()
    await add_server(sim.servers[0].url, "balaikota", agency_id="gone")
    city = async_get_city(hass)
    assert city is not None
    owners = {cam.owner_agency_id for cam in city.registry.cameras.values()}
    assert owners == {"diskominfo"}


async def test_open_work_blocks_deleting_an_agency_or_camera(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    city = async_get_city(hass)
    assert city is not None
    context = Context(user_id=hass_admin_user.id)
    await hass.services.async_call(DOMAIN, "create_agency", {
        "code": "MALL", "name": "Mall Mojokerto", "kind": "private_owner"}, blocking=True,
        context=context)
    added = await hass.services.async_call(DOMAIN, "add_registry_camera", {
        "name": "Lobby", "owner_agency_id": "mall", "purpose": "private_premises",
        "area_type": "private_facing_public", "latitude": -7.47, "longitude": 112.43,
        "bearing": 90, "retention_days": 14}, blocking=True, context=context,
        return_response=True)
    camera_id = added["camera"]["id"]
    city.add_open_work_provider(
        lambda kind, ident: ["FR-2026-0001"] if (kind, ident) in {("camera", camera_id)} else []
    )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "remove_camera", {"camera_id": camera_id},
                                       blocking=True, context=context)
    assert err.value.translation_key == "open_work"
    assert "FR-2026-0001" in err.value.translation_placeholders["open_work"]
    city.add_open_work_provider(lambda kind, ident: ["1 open incident"] if kind == "agency" else [])
    removed_work = city.open_work_for_camera(camera_id)
    assert removed_work == ("FR-2026-0001",)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(DOMAIN, "delete_agency", {"agency_id": "mall"},
                                       blocking=True, context=context)


async def test_sites_and_registry_cameras_through_actions(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    context = Context(user_id=hass_admin_user.id)

    async def call(service: str, data: dict[str, Any]) -> Any:
        return await hass.services.async_call(DOMAIN, service, data, blocking=True,
                                              context=context, return_response=True)

    site = (await call("create_site", {"name": "Alun-alun", "latitude": -7.4722,
                                       "longitude": 112.4338, "address": "Jl. Veteran"}))["site"]
    moved = await call("update_site", {"site_id": site["id"], "latitude": -7.4723,
                                       "agency_id": "diskominfo"})
    assert moved["site"]["latitude"] == -7.4723
    camera = (await call("add_registry_camera", {
        "name": "Toko Emas", "owner_agency_id": "diskominfo", "purpose": "private_premises",
        "area_type": "private_facing_public", "site_id": site["id"]}))["camera"]
    assigned = await call("assign_camera", {"camera_id": camera["id"], "bearing": 180,
                                            "area_type": "public_road", "purpose": "traffic"})
    assert assigned["camera"]["bearing"] == 180
    with pytest.raises(ServiceValidationError) as err:
        await call("delete_site", {"site_id": site["id"]})
    assert err.value.translation_key == "site_in_use"
    await call("remove_camera", {"camera_id": camera["id"]})
    deleted = await call("delete_site", {"site_id": site["id"]})
    assert deleted["site"]["id"] == site["id"]
    with pytest.raises(ServiceValidationError) as err:
        await call("create_site", {"name": "Nowhere", "latitude": 95, "longitude": 0})
    assert err.value.translation_key == "invalid_latitude"

    operator = await hass.auth.async_create_user("Operator", group_ids=["system-users"])
    await call("set_operator", {"user_id": operator.id, "agency_id": "diskominfo",
                                "role": "viewer"})
    removed = await call("remove_operator", {"user_id": operator.id})
    assert removed["operator"]["role"] == "viewer"
    with pytest.raises(ServiceValidationError) as err:
        await call("remove_operator", {"user_id": operator.id})
    assert err.value.translation_key == "operator_not_found"


async def test_contacts_are_validated(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "update_agency", {
            "agency_id": "diskominfo", "kind": "city_department",
            "contacts": [{"name": "Ani", "email": "not-an-email"}]},
            blocking=True, context=Context(user_id=hass_admin_user.id))
    assert err.value.translation_key == "invalid_email"


async def test_a_burst_of_audit_entries_is_one_commit_and_a_refused_one_costs_no_other(
    hass: HomeAssistant, setup_city: SetupCity
) -> None:
    await setup_city()
    city = async_get_city(hass)
    assert city is not None
    actor = Actor(user_id="system", name="NCC")
    before = await city.audit.async_head()
    entries = await city.audit.async_record_many([
        AuditItem(actor, "incident.open", "incident", "i-1", camera_id="dishub/a"),
        AuditItem(actor, "incident.open", "incident", "i-2", reason="bad\x00reason"),
        AuditItem(actor, "incident.close", "incident", "i-1", reason="  cleared  "),
    ])
    assert [entry.target_id for entry in entries] == ["i-1", "i-1"]
    assert entries[1].reason == "cleared"
    assert entries[1].seq == entries[0].seq + 1 == (before.seq if before else 0) + 2
    assert (await city.audit.async_verify()).ok
    assert await city.audit.async_record_many([]) == []
