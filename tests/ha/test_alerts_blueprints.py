"""NCC's automation blueprints: valid for HA's blueprint schema, imported by a real HA, and
sending the right notifications for synthetic NCC events."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    async_validate_config_item,
)
from homeassistant.components.blueprint.models import Blueprint, BlueprintInputs
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

BLUEPRINTS = Path(__file__).parents[2] / "blueprints"
NCC_BLUEPRINTS = sorted((BLUEPRINTS / "automation" / "ncc").glob("*.yaml"))

# the inputs each blueprint needs (the rest have defaults)
REQUIRED_INPUTS: dict[str, dict[str, Any]] = {
    "incident_notify.yaml": {"agency_code": "DISHUB"},
    "camera_offline_notify.yaml": {},
    "footage_request_due_notify.yaml": {"agency_id": "dishub"},
    "registration_expiring_notify.yaml": {},
}


def test_every_blueprint_is_covered() -> None:
    assert [path.name for path in NCC_BLUEPRINTS] == sorted(REQUIRED_INPUTS)


@pytest.mark.parametrize("path", NCC_BLUEPRINTS, ids=lambda path: path.stem)
async def test_blueprint_matches_ha_schema_in_both_languages(hass: HomeAssistant, path: Path) -> None:
    blueprint = Blueprint(
        load_yaml_dict(str(path)), path=f"ncc/{path.name}", expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.validate() is None
    metadata = blueprint.metadata
    assert " / " in metadata["name"]  # English / Indonesian
    assert "**Bahasa Indonesia:**" in metadata["description"]
    for key, spec in blueprint.inputs.items():
        if key != "language":
            assert " / " in spec["name"], key
    inputs = BlueprintInputs(
        blueprint, {"use_blueprint": {"path": f"ncc/{path.name}", "input": REQUIRED_INPUTS[path.name]}}
    )
    inputs.validate()
    automation = inputs.async_substitute()
    validated = await async_validate_config_item(
        hass, f"automation.{path.stem}", {"id": path.stem, **automation}
    )
    assert validated is not None


@pytest.fixture
async def automations(hass: HomeAssistant, tmp_path: Path) -> dict[str, list[ServiceCall]]:
    """The four blueprints as automations in a real HA; their notify actions and NCC's mocked."""
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints")
    hass.config.config_dir = str(tmp_path)
    phone_entry = MockConfigEntry(domain="mobile_app")
    phone_entry.add_to_hass(hass)
    phone = dr.async_get(hass).async_get_or_create(
        config_entry_id=phone_entry.entry_id, identifiers={("mobile_app", "pixel")}, name="Pixel Budi"
    )
    calls = {
        "agency": async_mock_service(hass, "notify", "dishub_piket"),
        "extra": async_mock_service(hass, "notify", "posko"),
        "phone": async_mock_service(hass, "notify", "mobile_app_pixel_budi"),
        "acknowledge": async_mock_service(hass, "ncc", "acknowledge_incident"),
    }

    def use(name: str, alias: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"alias": alias, "use_blueprint": {"path": f"ncc/{name}", "input": inputs}}

    assert await async_setup_component(hass, "automation", {"automation": [
        use("incident_notify.yaml", "Dishub incidents", {
            "agency_code": "dishub", "severities": ["alert"], "labels": ["person", "fire"],
            "notify_targets": ["notify.posko"], "mobile_devices": [phone.id], "language": "en",
        }),
        use("camera_offline_notify.yaml", "Dishub cameras", {"agency_code": "DISHUB", "offline_minutes": 10}),
        use("footage_request_due_notify.yaml", "Dishub footage", {
            "agency_id": "dishub", "states": ["overdue"], "notify_targets": ["notify.posko"],
        }),
        use("registration_expiring_notify.yaml", "Registrations", {
            "notify_targets": ["notify.posko"], "language": "en",
        }),
    ]})
    await hass.async_block_till_done()
    for entity_id in ("automation.dishub_incidents", "automation.dishub_cameras",
                      "automation.dishub_footage", "automation.registrations"):
        assert hass.states.get(entity_id).state == "on", entity_id
    return calls


def incident(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "new", "incident_id": "INC-000007", "camera_id": "dishub/ijen_01", "camera_name": "Ijen 01",
        "site_id": "simpang-empat", "site_name": "Simpang Empat", "server_id": "dishub",
        "label": "person", "labels": ["person"], "zones": [], "severity": "alert", "status": "open",
        "agency_codes": ["DISHUB", "POLRES"], "new_agency_codes": ["DISHUB", "POLRES"],
        "notify_targets": ["notify.dishub_piket"],
        "snapshot_url": "/api/ncc/incidents/INC-000007/snapshot.jpg?authSig=x",
        "review_id": "r1", "escalation_level": 0, "started_at": "2026-01-01T00:00:00+00:00", **overrides,
    }


async def settle() -> None:
    """Let automation runs advance; block_till_done would wait for runs that wait for triggers."""
    for _ in range(20):
        await asyncio.sleep(0)


async def fire(hass: HomeAssistant, event_type: str, data: dict[str, Any]) -> None:
    hass.bus.async_fire(event_type, data)
    await settle()


async def test_incident_blueprint_notifies_and_acknowledges_from_the_phone(
    hass: HomeAssistant, automations: dict[str, list[ServiceCall]],
) -> None:
    await fire(hass, "ncc_incident", incident())
    assert [len(automations[k]) for k in ("agency", "extra", "phone")] == [1, 1, 1]
    sent = automations["phone"][0].data
    assert sent["title"] == "New incident: person (INC-000007)"
    assert sent["message"] == "person seen at Ijen 01 · Simpang Empat; routed to DISHUB, POLRES."
    assert sent["data"]["image"] == "/api/ncc/incidents/INC-000007/snapshot.jpg?authSig=x"
    assert sent["data"]["actions"] == [{"action": "NCC_ACK_DISHUB_INC-000007", "title": "Acknowledge"}]
    assert sent["data"]["tag"] == "INC-000007"

    # another agency's incident, a detection, an unwanted label or an update: nothing
    for other in (
        incident(agency_codes=["POLRES"]), incident(severity="detection"),
        incident(labels=["car"], label="car"), incident(type="updated"),
    ):
        await fire(hass, "ncc_incident", other)
    assert len(automations["phone"]) == 1
    await fire(hass, "ncc_incident", incident(type="escalated", labels=["fire", "person"]))
    assert automations["agency"][-1].data["title"] == "Incident escalated: person (INC-000007)"

    # the phone's "Acknowledge" button acknowledges the incident in NCC
    await fire(hass, "mobile_app_notification_action", {"action": "NCC_ACK_DISHUB_INC-000007"})
    await fire(hass, "mobile_app_notification_action", {"action": "NCC_ACK_POLRES_INC-000008"})
    await fire(hass, "mobile_app_notification_action", {"action": "SOMETHING_ELSE"})
    assert [call.data for call in automations["acknowledge"]] == [{"incident_id": "INC-000007"}]


async def test_camera_offline_blueprint_waits_then_reports_both_ways(
    hass: HomeAssistant, automations: dict[str, list[ServiceCall]], freezer: FrozenDateTimeFactory,
) -> None:
    def camera(camera_id: str, agency: str = "DISHUB") -> dict[str, Any]:
        return {"camera_id": camera_id, "camera_name": camera_id.split("/")[1], "site_id": None,
                "agency_code": agency, "notify_targets": ["notify.dishub_piket"],
                "since": dt_util.utcnow().isoformat()}

    async def tick(minutes: float) -> None:
        freezer.tick(timedelta(minutes=minutes))
        async_fire_time_changed(hass)
        await settle()

    await fire(hass, "ncc_camera_offline", camera("dishub/ijen_01"))
    await fire(hass, "ncc_camera_offline", camera("dishub/suhat_01"))
    await fire(hass, "ncc_camera_offline", camera("polres/gate", agency="POLRES"))
    await tick(2)
    await fire(hass, "ncc_camera_online", camera("dishub/suhat_01"))  # a short drop-out
    await tick(7)
    assert automations["agency"] == []
    await tick(2)
    [offline] = automations["agency"]
    assert offline.data["title"] == "Kamera mati: ijen_01"
    assert offline.data["message"].startswith("ijen_01 (dishub/ijen_01) mati sejak ")
    await fire(hass, "ncc_camera_online", camera("dishub/ijen_01"))
    assert automations["agency"][-1].data["title"] == "Kamera menyala kembali: ijen_01"
    assert len(automations["agency"]) == 2


async def test_footage_and_registration_blueprints_follow_their_events(
    hass: HomeAssistant, automations: dict[str, list[ServiceCall]],
) -> None:
    footage = {"request_id": "REQ-2026-0004", "agency_ids": ["polres", "dishub"], "due": "2026-03-01",
               "state": "overdue"}
    await fire(hass, "ncc_footage_request_due", footage)
    await fire(hass, "ncc_footage_request_due", {**footage, "state": "due_soon"})  # not asked for
    await fire(hass, "ncc_footage_request_due", {**footage, "agency_ids": ["polres"]})  # another agency
    [due] = automations["extra"]
    assert due.data["title"] == "Permintaan rekaman lewat tenggat: REQ-2026-0004"
    assert due.data["message"] == "Permintaan REQ-2026-0004 sudah lewat tenggat pada 2026-03-01."

    registration = {"registration_id": "REG-2026-0001", "business": "Sunrise Mall", "agency_id": "mall",
                    "expires": "2026-04-30", "days_left": 30, "state": "expiring"}
    await fire(hass, "ncc_registration_expiring", registration)
    await fire(hass, "ncc_registration_expiring", {**registration, "state": "expired", "days_left": 0})
    expiring, expired = automations["extra"][1:]
    assert expiring.data["title"] == "Camera registration expiring: Sunrise Mall"
    assert expiring.data["message"] == (
        "Registration REG-2026-0001 (Sunrise Mall) expires in 30 days, on 2026-04-30."
    )
    assert expired.data["message"] == "Registration REG-2026-0001 (Sunrise Mall) expired on 2026-04-30."
