"""NCC's actions in a real HA: permission checks, persistence, audit, inventory files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import csv
from pathlib import Path
import sqlite3
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ncc.const import DOMAIN
from custom_components.ncc.data import async_get_city
from custom_components.ncc.services import SERVICES
from frigate_sim import SimCity

from .test_footage import SAMPLE_CALLS as FOOTAGE_CALLS

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]

# one well-formed call per action, used to prove that each refuses a user without a role
SAMPLE_CALLS: dict[str, dict[str, Any]] = {
    "create_agency": {"code": "DISHUB", "name": "Dinas Perhubungan", "kind": "city_department"},
    "update_agency": {"agency_id": "diskominfo", "name": "Kominfo"},
    "delete_agency": {"agency_id": "diskominfo"},
    "list_agencies": {},
    "create_site": {"name": "Simpang Empat", "latitude": -7.47, "longitude": 112.43},
    "update_site": {"site_id": "simpang_empat", "name": "X"},
    "delete_site": {"site_id": "simpang_empat"},
    "assign_camera": {"camera_id": "balaikota/cam_001", "purpose": "traffic"},
    "add_registry_camera": {
        "name": "Toko Lobby", "owner_agency_id": "diskominfo", "purpose": "private_premises",
        "area_type": "private_facing_public",
    },
    "remove_camera": {"camera_id": "balaikota/cam_001"},
    "set_operator": {"user_id": "someone", "agency_id": "diskominfo", "role": "operator"},
    "remove_operator": {"user_id": "someone"},
    "grant_access": {
        "owner_agency_id": "diskominfo", "grantee_agency_id": "dishub",
        "privileges": ["view_live"], "scope": "all",
    },
    "revoke_access": {"grant_id": "G-0001"},
    "set_emergency": {"active": True, "reason": "banjir"},
    "import_inventory": {"path": "inventory.csv"},
    "export_inventory": {"path": "inventory.csv"},
    "verify_audit_log": {},
    "export_audit_log": {
        "path": "audit.csv", "since": "2026-01-01T00:00:00", "until": "2026-12-31T00:00:00",
    },
    "submit_registration": {
        "business_name": "Sunrise Mall", "legal_entity": "PT Sunrise Abadi", "contact_name": "Rina",
        "contact_phone": "+62 321 555 123", "contact_email": "rina@sunrise.co.id",
        "address": "Jl. Gajah Mada 1", "latitude": -7.47, "longitude": 112.43,
        "cameras": [{"name": "Gate", "views": "Jl. Gajah Mada", "covers_public_area": True}],
        "tier": "registry", "valid_from": "2026-01-01", "valid_until": "2030-01-01",
        "consent_version": "2026-01",
    },
    "review_registration": {"registration_id": "REG-2026-0001", "decision": "start_review"},
    "suspend_registration": {"registration_id": "REG-2026-0001", "reason": "x"},
    "resume_registration": {"registration_id": "REG-2026-0001"},
    "renew_registration": {"registration_id": "REG-2026-0001", "valid_until": "2030-01-01"},
    "withdraw_registration": {"registration_id": "REG-2026-0001"},
    "create_dashboard": {},
    "set_camera_stream": {"camera_id": "balaikota/cam_001", "url": "rtsp://10.0.0.1/stream"},
    "remove_camera_stream": {"camera_id": "balaikota/cam_001"},
    "set_server_policy": {"server_id": "balaikota", "continuous_days": 14},
    "generate_frigate_config": {},
    "plan_storage": {},
    "acknowledge_incident": {"incident_id": "INC-000001"},
    "close_incident": {"incident_id": "INC-000001", "note": "selesai"},
    "set_routing_rule": {"rule_id": "default", "enabled": False},
    "delete_routing_rule": {"rule_id": "fire_to_damkar"},
    "list_routing_rules": {},
    **FOOTAGE_CALLS,
}


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], user: User | None = None
) -> Any:
    context = Context(user_id=user.id) if user else None
    supports = next(s.response for s in SERVICES if s.name == service)
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, context=context,
        return_response=supports.value != "none",
    )


async def test_every_action_is_registered_and_refuses_users_without_a_role(
    hass: HomeAssistant, setup_city: SetupCity, hass_read_only_user: User
) -> None:
    await setup_city()
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    assert registered == {service.name for service in SERVICES} == set(SAMPLE_CALLS)
    city = async_get_city(hass)
    assert city is not None
    before = city.registry.to_dict()
    for name, data in SAMPLE_CALLS.items():
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, name, data, hass_read_only_user)
        assert err.value.translation_key == "no_role", name
    assert city.registry.to_dict() == before


async def test_agency_life_cycle_is_saved_and_audited(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, hass_storage: dict[str, Any]
) -> None:
    await setup_city()
    created = await call(hass, "create_agency", {
        "code": "dishub", "name": "Dinas Perhubungan", "kind": "city_department",
        "contacts": [{"name": "Budi", "phone": "+62 321 123456", "email": "budi@dishub.go.id"}],
        "notify_targets": ["notify.mobile_app_dishub"],
    }, hass_admin_user)
    assert created["agency"]["code"] == "DISHUB"
    assert created["agency"]["id"] == "dishub"
    # saved before the action answered
    stored = hass_storage["ncc.registry"]["data"]
    assert any(agency["code"] == "DISHUB" for agency in stored["agencies"])

    updated = await call(hass, "update_agency", {"agency_id": "dishub", "name": "Dishub Kota"},
                         hass_admin_user)
    assert updated["agency"]["name"] == "Dishub Kota"
    listed = await call(hass, "list_agencies", {}, hass_admin_user)
    assert {a["code"] for a in listed["agencies"]} == {"DISKOMINFO", "DISHUB"}

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "create_agency", {"code": "DISHUB", "name": "Again", "kind": "other"},
                   hass_admin_user)
    assert err.value.translation_key == "agency_code_taken"

    deleted = await call(hass, "delete_agency", {"agency_id": "dishub", "reason": "merged"},
                         hass_admin_user)
    assert deleted["agency"]["id"] == "dishub"

    city = async_get_city(hass)
    assert city is not None
    page = await city.audit.async_query(__import__(
        "custom_components.ncc.core.audit", fromlist=["AuditQuery"]).AuditQuery(action="agency"))
    actions = [entry.action for entry in page.entries]
    assert actions[:3] == ["agency.delete", "agency.update", "agency.create"]
    assert page.entries[0].user_id == hass_admin_user.id
    assert page.entries[0].reason == "merged"


async def test_agency_owning_cameras_cannot_be_deleted(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity,
    hass_admin_user: User,
) -> None:
    await setup_city()
    await add_server(sim.servers[0].url, "balaikota")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "delete_agency", {"agency_id": "diskominfo"}, hass_admin_user)
    assert err.value.translation_key == "agency_in_use"


async def test_operator_sees_only_what_grants_allow(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity,
    hass_admin_user: User,
) -> None:
    await setup_city()
    await call(hass, "create_agency", {"code": "POLRES", "name": "Polres", "kind": "vertical_agency"},
               hass_admin_user)
    await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "polres", agency_id="polres")
    officer = await hass.auth.async_create_user("Officer", group_ids=["system-users"])
    await call(hass, "set_operator", {"user_id": officer.id, "agency_id": "polres",
                                      "role": "agency_admin"}, hass_admin_user)
    city = async_get_city(hass)
    assert city is not None

    # an agency admin may not change another agency, nor appoint a city admin
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "update_agency", {"agency_id": "diskominfo", "name": "X"}, officer)
    assert err.value.translation_key == "permission_denied_agency"
    with pytest.raises(ServiceValidationError):
        await call(hass, "set_operator", {"user_id": officer.id, "agency_id": "polres",
                                          "role": "city_admin"}, officer)
    # nor grant access to cameras it does not own
    with pytest.raises(ServiceValidationError):
        await call(hass, "grant_access", {"owner_agency_id": "diskominfo",
                                          "grantee_agency_id": "polres",
                                          "privileges": ["view_live"], "scope": "all"}, officer)
    grant = await call(hass, "grant_access", {
        "owner_agency_id": "diskominfo", "grantee_agency_id": "polres",
        "privileges": ["view_live", "view_recordings"], "scope": "camera",
        "scope_id": f"balaikota/{next(iter(sim.servers[0].cameras))}",
        "until": "2099-01-01T00:00:00", "reason": "investigation",
    }, hass_admin_user)
    assert grant["grant"]["privileges"] == ["view_live", "view_recordings"]
    revoked = await call(hass, "revoke_access", {"grant_id": grant["grant"]["id"],
                                                 "reason": "done"}, hass_admin_user)
    assert revoked["grant"]["revoked_at"] is not None


async def test_unknown_user_cannot_be_made_operator(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "set_operator", {"user_id": "nobody", "agency_id": "diskominfo",
                                          "role": "viewer"}, hass_admin_user)
    assert err.value.translation_key == "user_not_found"


async def test_automations_act_as_city_administrators(
    hass: HomeAssistant, setup_city: SetupCity
) -> None:
    await setup_city()
    response = await call(hass, "set_emergency", {"active": True, "reason": "flood"})
    assert response["emergency"]["active"] is True


def write_inventory(path: Path, cameras: int, bad_lines: dict[int, dict[str, str]] | None = None) -> None:
    """A Mojokerto-like inventory: agencies with 16 sites each, cameras spread over them."""
    agencies = [("DISHUB", "Dinas Perhubungan", "city_department"),
                ("SATPOLPP", "Satuan Polisi Pamong Praja", "city_department"),
                ("POLRES", "Polres Mojokerto Kota", "vertical_agency")]
    columns = ["agency_code", "agency_name", "agency_kind", "site_name", "site_address",
               "site_latitude", "site_longitude", "camera_id", "camera_name", "purpose",
               "area_type", "bearing", "retention_days"]
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        for n in range(cameras):
            code, name, kind = agencies[n % len(agencies)]
            site = n % 16
            row = {
                "agency_code": code, "agency_name": name, "agency_kind": kind,
                "site_name": f"{code} titik {site}", "site_address": f"Jl. Contoh {site}",
                "site_latitude": f"{-7.46 - site * 0.001:.5f}",
                "site_longitude": f"{112.43 + (n % 3) * 0.01:.5f}",
                "camera_id": f"srv{n % 5}/cam_{n:04d}", "camera_name": f"Kamera {n}",
                "purpose": "traffic", "area_type": "public_road",
                "bearing": str(n % 360), "retention_days": "10",
            }
            row.update((bad_lines or {}).get(n + 2, {}))  # +2: header is line 1
            writer.writerow(row)


async def test_inventory_import_of_700_cameras_and_round_trip(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    write_inventory(Path(hass.config.path("inventory.csv")), 700)
    checked = await call(hass, "import_inventory", {"path": "inventory.csv", "dry_run": True},
                         hass_admin_user)
    assert checked == {"valid": True, "problems": []}
    city = async_get_city(hass)
    assert city is not None
    assert len(city.registry.cameras) == 0  # a dry run changes nothing

    result = await call(hass, "import_inventory", {"path": "inventory.csv"}, hass_admin_user)
    assert result["result"]["cameras_created"] == 700
    assert result["result"]["agencies_created"] == 3
    assert len(city.registry.cameras) == 700
    assert len(city.registry.sites) == 48

    await call(hass, "export_inventory", {"path": "exported.yaml"}, hass_admin_user)
    again = await call(hass, "import_inventory", {"path": "exported.yaml"}, hass_admin_user)
    assert again["result"]["cameras_created"] == 0
    assert again["result"]["cameras_updated"] == 0


async def test_inventory_with_bad_rows_is_rejected_whole_with_line_numbers(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    bad = {5: {"site_latitude": "-97.1"}, 40: {"purpose": "spying"}, 333: {"bearing": "400"}}
    write_inventory(Path(hass.config.path("inventory.csv")), 700, bad)
    city = async_get_city(hass)
    assert city is not None
    before = city.registry.to_dict()

    checked = await call(hass, "import_inventory", {"path": "inventory.csv", "dry_run": True},
                         hass_admin_user)
    assert checked["valid"] is False
    assert sorted({p["line"] for p in checked["problems"]}) == [5, 40, 333]
    assert all(p["message"] for p in checked["problems"])

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "import_inventory", {"path": "inventory.csv"}, hass_admin_user)
    assert err.value.translation_key == "inventory_invalid"
    assert err.value.translation_placeholders["lines"] == "5, 40, 333"
    assert city.registry.to_dict() == before


async def test_files_outside_the_config_folder_are_refused(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    for path in ("../../etc/passwd.csv", "/etc/passwd.csv"):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "import_inventory", {"path": path}, hass_admin_user)
        assert err.value.translation_key == "path_outside_config"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "import_inventory", {"path": "missing.csv"}, hass_admin_user)
    assert err.value.translation_key == "file_unreadable"


async def test_tampering_with_one_audit_row_is_detected(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User, audit_db_url: str
) -> None:
    await setup_city()
    for code in ("DISHUB", "SATPOLPP", "DAMKAR"):
        await call(hass, "create_agency", {"code": code, "name": code.title(), "kind": "other"},
                   hass_admin_user)
    intact = await call(hass, "verify_audit_log", {}, hass_admin_user)
    assert intact["ok"] is True
    assert intact["checked"] >= 4

    db = sqlite3.connect(audit_db_url.removeprefix("sqlite:///"))
    db.execute("UPDATE ncc_audit_log SET user_name = 'someone else' WHERE seq = 2")
    db.commit()
    db.close()
    broken = await call(hass, "verify_audit_log", {}, hass_admin_user)
    assert broken["ok"] is False
    assert broken["first_broken_seq"] == 2
    assert broken["problem"] == "hash_mismatch"


async def test_audit_log_exports_a_period_as_csv(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    await call(hass, "create_agency", {"code": "DISHUB", "name": "Dishub", "kind": "other"},
               hass_admin_user)
    response = await call(hass, "export_audit_log", {
        "path": "exports/audit.csv", "since": "2000-01-01T00:00:00",
        "until": "2100-01-01T00:00:00",
    }, hass_admin_user)
    assert response["rows"] >= 2
    rows = list(csv.DictReader(Path(response["path"]).read_text().splitlines()))
    assert {"agency.create"} <= {row["action"] for row in rows}
    assert all(len(row["hash"]) == 64 for row in rows)


def test_services_yaml_describes_every_schema_field() -> None:
    import yaml

    described = yaml.safe_load(
        (Path(__file__).parents[2] / "custom_components/ncc/services.yaml").read_text()
    )
    for service in SERVICES:
        fields = {str(key) for key in service.schema.schema}
        assert fields == set((described[service.name] or {}).get("fields", {})), service.name


async def test_concurrent_actions_never_lose_a_write(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User,
    hass_storage: dict[str, Any],
) -> None:
    import asyncio

    await setup_city()
    codes = [f"OPD{n:02d}" for n in range(40)]
    await asyncio.gather(*(
        call(hass, "create_agency", {"code": code, "name": f"Dinas {code}", "kind": "other"},
             hass_admin_user)
        for code in codes
    ))
    stored = {agency["code"] for agency in hass_storage["ncc.registry"]["data"]["agencies"]}
    assert set(codes) <= stored
    city = async_get_city(hass)
    assert city is not None
    report = await city.audit.async_verify()
    assert report.ok
    assert report.checked == 1 + len(codes)
