"""Alerts without MQTT: polling, escalation, camera health, actions, websocket and snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
import threading
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator
import voluptuous as vol

from custom_components.ncc.alerts import AlertDesk, FeedMode
from custom_components.ncc.alerts_actions import COMMANDS, SERVICES
from custom_components.ncc.const import (
    DOMAIN,
    EVENT_CAMERA_OFFLINE,
    EVENT_CAMERA_ONLINE,
    EVENT_INCIDENT,
    EVENT_SERVER_UNAVAILABLE,
    REVIEW_POLL_INTERVAL,
    STATS_INTERVAL,
)
from custom_components.ncc.core.audit import AuditQuery
from custom_components.ncc.data import async_get_city, async_get_data
from custom_components.ncc.frigate import FrigateConnectionError
from frigate_sim import SimCity

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]
WATCHED = (EVENT_INCIDENT, EVENT_CAMERA_OFFLINE, EVENT_CAMERA_ONLINE, EVENT_SERVER_UNAVAILABLE)


@dataclass
class PolledCity:
    hass: HomeAssistant
    desk: AlertDesk
    sim: SimCity
    city_entry: MockConfigEntry
    users: dict[str, User]
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def camera(self, index: int = 0) -> str:
        """A camera of the Dishub server (Frigate name)."""
        return list(self.sim.servers[1].cameras)[index]

    def incidents(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events[EVENT_INCIDENT] if kind is None or e["type"] == kind]


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], user: User | None = None) -> Any:
    supports = next((s.response for s in SERVICES if s.name == service), None)
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, context=Context(user_id=user.id) if user else None,
        return_response=supports is None or supports.value != "none",
    )


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    # requests still in flight when the clock jumps would time out
    await hass.async_block_till_done(wait_background_tasks=True)
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def polled(
    hass: HomeAssistant, tmp_path: Path, setup_city: SetupCity, add_server: AddServer, sim: SimCity,
    hass_admin_user: User,
) -> AsyncIterator[PolledCity]:
    """Balaikota (Diskominfo) and Dishub servers, no MQTT: review items arrive by polling.

    Polres receives Dishub's alerts by grant; the mall and Damkar have nothing to do with them.
    """
    hass.config.config_dir = str(tmp_path)
    city_entry = await setup_city()
    for code, name, kind, targets in (
        ("DISHUB", "Dinas Perhubungan", "city_department", ["notify.dishub_piket"]),
        ("POLRES", "Polres Mojokerto Kota", "vertical_agency", ["notify.polres_jaga"]),
        ("MALL", "Sunrise Mall", "private_owner", []),
        ("DAMKAR", "Dinas Pemadam Kebakaran", "city_department", ["notify.damkar_siaga"]),
    ):
        await call(hass, "create_agency", {"code": code, "name": name, "kind": kind,
                                           "notify_targets": targets}, hass_admin_user)
    await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "dishub", agency_id="dishub")
    await call(hass, "grant_access", {"owner_agency_id": "dishub", "grantee_agency_id": "polres",
                                      "privileges": ["receive_alerts"], "scope": "all"}, hass_admin_user)
    users = {"admin": hass_admin_user}
    for name, agency, role in (
        ("dishub_op", "dishub", "operator"), ("polres_op", "polres", "operator"),
        ("polres_viewer", "polres", "viewer"), ("mall_admin", "mall", "agency_admin"),
        ("stranger", None, None),
    ):
        users[name] = await hass.auth.async_create_user(name, group_ids=["system-users"])
        if agency is not None:
            await call(hass, "set_operator", {"user_id": users[name].id, "agency_id": agency, "role": role},
                       hass_admin_user)
    city = async_get_city(hass)
    assert city is not None
    polled_city = PolledCity(hass, city.alerts, sim, city_entry, users, {name: [] for name in WATCHED})
    unsubscribes = []
    for name in WATCHED:

        @callback
        def record(event: Event[dict[str, Any]], name: str = name) -> None:
            polled_city.events[name].append(dict(event.data))

        unsubscribes.append(hass.bus.async_listen(name, record))
    yield polled_city
    for unsubscribe in unsubscribes:
        unsubscribe()


async def test_polling_routes_and_acknowledgement_stops_escalation(
    polled: PolledCity, freezer: FrozenDateTimeFactory,
) -> None:
    hass, desk = polled.hass, polled.desk
    assert {feed.mode for feed in desk.feeds.values()} == {FeedMode.POLL}
    first = await polled.sim.servers[1].emit_review(polled.camera(0), label="person", severity="alert")
    second = await polled.sim.servers[1].emit_review(polled.camera(1), label="car", severity="alert")
    await polled.sim.servers[1].emit_review(polled.camera(2), label="bicycle", severity="detection")
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    new = polled.incidents("new")
    assert sorted(e["review_id"] for e in new) == sorted([first, second])
    assert all(e["agency_codes"] == ["DISHUB", "POLRES"] for e in new)
    # polled again: the same review items, no second incident
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    assert len(polled.incidents("new")) == 2
    assert hass.states.get("sensor.polres_mojokerto_kota_open_incidents").state == "2"

    by_review = {e["review_id"]: e["incident_id"] for e in new}
    acknowledged = await call(hass, "acknowledge_incident", {"incident_id": by_review[first], "note": "OTW"},
                              polled.users["dishub_op"])
    assert acknowledged["incident"]["status"] == "acknowledged"
    assert acknowledged["incident"]["acknowledged_by"] == polled.users["dishub_op"].id
    assert polled.incidents("acknowledged")[0]["incident_id"] == by_review[first]

    # the default rule escalates after 15 minutes to the city's own agency; acknowledged ones stay
    await tick(hass, freezer, timedelta(minutes=15))
    escalated = polled.incidents("escalated")
    assert [e["incident_id"] for e in escalated] == [by_review[second]]
    assert escalated[0]["new_agency_codes"] == ["DISKOMINFO"]
    assert escalated[0]["agency_codes"] == ["DISHUB", "POLRES", "DISKOMINFO"]
    await tick(hass, freezer, timedelta(minutes=30))
    assert len(polled.incidents("escalated")) == 1

    with pytest.raises(vol.Invalid):
        await call(hass, "close_incident", {"incident_id": by_review[first]}, polled.users["dishub_op"])
    note = {"incident_id": by_review[first], "note": "Lalu lintas normal"}
    closed = await call(hass, "close_incident", note, polled.users["polres_op"])
    assert closed["incident"]["close_note"] == "Lalu lintas normal"
    await tick(hass, freezer, timedelta(seconds=2))
    assert hass.states.get("sensor.polres_mojokerto_kota_open_incidents").state == "1"
    assert hass.states.get("sensor.dinas_komunikasi_dan_informatika_open_incidents").state == "1"

    city = async_get_city(hass)
    assert city is not None
    # NCC's own entries are written in the background, in order
    for _ in range(100):
        page = await city.audit.async_query(AuditQuery(action="incident"))
        if len(page.entries) == 5:
            break
        await hass.async_add_executor_job(threading.Event().wait, 0.05)
    actions = [(entry.action, entry.target_id) for entry in reversed(page.entries)]
    assert ("incident.open", by_review[first]) in actions
    assert ("incident.acknowledge", by_review[first]) in actions
    assert ("incident.escalate", by_review[second]) in actions
    assert actions[-1] == ("incident.close", by_review[first])
    assert page.entries[0].reason == "Lalu lintas normal"


async def test_camera_outage_and_server_loss_raise_events(
    polled: PolledCity, freezer: FrozenDateTimeFactory,
) -> None:
    hass, server = polled.hass, polled.sim.servers[1]
    camera = polled.camera(0)
    server.set_camera_online(camera, False)
    await tick(hass, freezer, STATS_INTERVAL)
    [offline] = polled.events[EVENT_CAMERA_OFFLINE]
    assert offline["camera_id"] == f"dishub/{camera}"
    assert offline["agency_code"] == "DISHUB"
    assert offline["notify_targets"] == ["notify.dishub_piket"]
    assert offline["since"]
    await tick(hass, freezer, STATS_INTERVAL)
    assert len(polled.events[EVENT_CAMERA_OFFLINE]) == 1  # still offline: nothing new
    server.set_camera_online(camera, True)
    await tick(hass, freezer, STATS_INTERVAL)
    [online] = polled.events[EVENT_CAMERA_ONLINE]
    assert online["camera_id"] == f"dishub/{camera}"

    server.faults.down = True
    await tick(hass, freezer, STATS_INTERVAL)
    await tick(hass, freezer, STATS_INTERVAL)
    assert polled.events[EVENT_SERVER_UNAVAILABLE] == [
        {"server_id": "dishub", "agency_code": "DISHUB", "notify_targets": ["notify.dishub_piket"]}
    ]
    server.faults.down = False
    await tick(hass, freezer, STATS_INTERVAL)
    server.faults.down = True
    await tick(hass, freezer, STATS_INTERVAL)
    assert len(polled.events[EVENT_SERVER_UNAVAILABLE]) == 2
    assert polled.events[EVENT_CAMERA_OFFLINE] == [offline]  # an unreachable server is not a camera outage


async def test_incident_actions_are_guarded(polled: PolledCity, freezer: FrozenDateTimeFactory) -> None:
    hass, users = polled.hass, polled.users
    await polled.sim.servers[1].emit_review(polled.camera(0))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    incident_id = polled.incidents("new")[0]["incident_id"]
    refusals = [
        ("stranger", incident_id, "no_role"),
        ("mall_admin", incident_id, "permission_denied_camera"),
        ("polres_viewer", incident_id, "permission_denied_camera"),
        ("polres_op", "INC-999999", "permission_denied_camera"),
        ("admin", "INC-999999", "incident_not_found"),
    ]
    for user, target, key in refusals:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "acknowledge_incident", {"incident_id": target}, users[user])
        assert err.value.translation_key == key, user
    await call(hass, "acknowledge_incident", {"incident_id": incident_id}, users["polres_op"])
    with pytest.raises(ServiceValidationError) as twice:
        await call(hass, "acknowledge_incident", {"incident_id": incident_id}, users["dishub_op"])
    assert twice.value.translation_key == "incident_already_acknowledged"
    with pytest.raises(ServiceValidationError) as empty:
        await call(hass, "close_incident", {"incident_id": incident_id, "note": "  "}, users["dishub_op"])
    assert empty.value.translation_key == "field_required"
    await call(hass, "close_incident", {"incident_id": incident_id, "note": "selesai"}, users["dishub_op"])
    with pytest.raises(ServiceValidationError) as closed:
        await call(hass, "close_incident", {"incident_id": incident_id, "note": "lagi"}, users["dishub_op"])
    assert closed.value.translation_key == "incident_closed"
    # an automation (a notification's "acknowledge" button) acts for the city
    await polled.sim.servers[1].emit_review(polled.camera(1))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    other = polled.incidents("new")[-1]["incident_id"]
    await call(hass, "acknowledge_incident", {"incident_id": other})
    assert polled.desk.book.incidents[other].acknowledged_by == "automation"


async def test_routing_rules_are_managed_by_the_city(polled: PolledCity) -> None:
    hass, users = polled.hass, polled.users
    for name in ("set_routing_rule", "delete_routing_rule", "list_routing_rules"):
        data = {"rule_id": "default"} if name != "list_routing_rules" else {}
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, name, data, users["dishub_op"])
        assert err.value.translation_key == "permission_denied_city"
    created = await call(hass, "set_routing_rule", {
        "name": "Polisi malam", "labels": ["person"], "zones": ["taman"], "severities": ["alert"],
        "time_after": "22:00", "time_before": "05:00", "target_agency_ids": ["polres"],
        "cooldown_seconds": 600, "escalate_after_minutes": 10, "escalate_to": ["damkar"],
        "owner_agency_ids": ["dishub"],
    }, users["admin"])
    rule = created["rule"]
    assert rule["id"] == "polisi_malam"
    assert rule["time_window"] == {"after": "22:00:00", "before": "05:00:00"}
    assert rule["escalate_after_minutes"] == 10
    updated = await call(hass, "set_routing_rule", {
        "rule_id": "polisi_malam", "enabled": False, "time_after": None, "time_before": None,
        "escalate_after_minutes": 0, "min_objects": 3,
    }, users["admin"])
    assert updated["rule"]["enabled"] is False
    assert updated["rule"]["time_window"] is None
    assert updated["rule"]["escalate_after_minutes"] is None
    assert updated["rule"]["min_objects"] == 3
    assert updated["rule"]["target_agency_ids"] == ["polres"]
    failures = [
        ({"rule_id": "polisi_malam", "time_after": "22:00"}, "routing_time_window_incomplete"),
        ({"rule_id": "polisi_malam", "time_after": "22:00", "time_before": "22:00"},
         "routing_time_window_empty"),
        ({"name": "Ke mana", "target_agency_ids": ["tidak_ada"]}, "agency_not_found"),
        ({"rule_id": "fire_to_damkar", "cooldown_seconds": -1}, "routing_invalid_duration"),
        ({"rule_id": "nope", "target_agency_ids": ["polres"]}, "field_required"),
    ]
    for data, key in failures:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "set_routing_rule", data, users["admin"])
        assert err.value.translation_key == key, data
    with pytest.raises(ServiceValidationError) as protected:
        await call(hass, "delete_routing_rule", {"rule_id": "default"}, users["admin"])
    assert protected.value.translation_key == "routing_default_rule_protected"
    listed = await call(hass, "list_routing_rules", {}, users["admin"])
    assert [r["id"] for r in listed["rules"]] == [
        "default", "fire_to_damkar", "night_person_to_satpolpp", "congestion_to_dishub", "polisi_malam",
    ]
    deleted = await call(hass, "delete_routing_rule", {"rule_id": "polisi_malam"}, users["admin"])
    assert deleted["rule"]["id"] == "polisi_malam"
    city = async_get_city(hass)
    assert city is not None
    page = await city.audit.async_query(AuditQuery(action="routing"))
    assert [e.action for e in page.entries] == ["routing.delete", "routing.update", "routing.create"]


async def test_the_dashboard_edits_routing_rules_for_city_administrators_only(
    polled: PolledCity, hass_ws_client: WebSocketGenerator,
) -> None:
    hass, users, desk = polled.hass, polled.users, polled.desk
    city = async_get_city(hass)
    assert city is not None

    async def client_for(name: str) -> Any:
        refresh = await hass.auth.async_create_refresh_token(users[name], "http://127.0.0.1/")
        return await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))

    async def ws(client: Any, command: str, **data: Any) -> dict[str, Any]:
        await client.send_json_auto_id({"type": command, **data})
        return dict(await client.receive_json())

    async def routing_audit() -> list[str]:
        return [e.action for e in (await city.audit.async_query(AuditQuery(action="routing"))).entries]

    admin = await hass_ws_client(hass)
    camera_id = f"dishub/{polled.camera(0)}"
    rule_input = {
        "name": "Parkir liar", "labels": ["car"], "sub_labels": ["B 1234 XY"], "severities": ["detection"],
        "zones": ["bahu_jalan"], "camera_ids": [camera_id], "owner_agency_ids": ["dishub"],
        "time_after": "06:00", "time_before": "18:00", "min_objects": 2, "target_agency_ids": ["polres"],
        "notify_camera_agencies": True, "cooldown_seconds": 900, "escalate_after_minutes": 20,
        "escalate_to": ["damkar"],
    }
    before = dict(desk.router.rules)
    for name in ("dishub_op", "mall_admin", "polres_viewer"):
        client = await client_for(name)
        for command, data in (("ncc/routing/set", rule_input),
                              ("ncc/routing/set", {"rule_id": "fire_to_damkar", "enabled": True}),
                              ("ncc/routing/delete", {"rule_id": "fire_to_damkar"})):
            refused = await ws(client, command, **data)
            assert refused["error"]["code"] == "unauthorized", (name, command)
            assert refused["error"]["translation_key"] == "permission_denied_city"
    assert desk.router.rules == before
    assert await routing_audit() == []

    created = (await ws(admin, "ncc/routing/set", **rule_input))["result"]["rule"]
    assert created == {
        "id": "parkir_liar", "name": "Parkir liar", "enabled": True, "labels": ["car"],
        "sub_labels": ["B 1234 XY"], "severities": ["detection"], "zones": ["bahu_jalan"],
        "require_zone": False, "camera_ids": [camera_id], "site_ids": [], "owner_agency_ids": ["dishub"],
        "time_window": {"after": "06:00:00", "before": "18:00:00"}, "min_objects": 2,
        "target_agency_ids": ["polres"], "notify_camera_agencies": True, "cooldown_seconds": 900,
        "escalate_after_minutes": 20, "escalate_to": ["damkar"],
    }
    assert desk.router.rules["parkir_liar"].to_dict() == created
    # the dashboard's switch changes only what it sends
    toggled = (await ws(admin, "ncc/routing/set", rule_id="parkir_liar", enabled=False))["result"]["rule"]
    assert toggled == {**created, "enabled": False}
    # clearing: empty lists, no time window, no threshold, no escalation
    cleared = (await ws(admin, "ncc/routing/set", rule_id="parkir_liar", labels=[], time_after=None,
                        time_before=None, min_objects=None, escalate_after_minutes=None))["result"]["rule"]
    assert (cleared["labels"], cleared["time_window"], cleared["min_objects"]) == ([], None, None)
    assert cleared["escalate_after_minutes"] is None
    assert await routing_audit() == ["routing.update", "routing.update", "routing.create"]

    # bad input is refused with a translated reason and changes nothing
    kept = dict(desk.router.rules)
    edit, delete = "ncc/routing/set", "ncc/routing/delete"
    rule = {"rule_id": "parkir_liar"}
    failures: list[tuple[str, dict[str, Any], str | None]] = [
        (edit, {**rule, "target_agency_ids": ["tidak_ada"]}, "agency_not_found"),
        (edit, {**rule, "time_after": "22:00"}, "routing_time_window_incomplete"),
        (edit, {**rule, "time_after": "22:00", "time_before": "22:00"}, "routing_time_window_empty"),
        (edit, {**rule, "cooldown_seconds": -5}, "routing_invalid_duration"),
        (edit, {**rule, "min_objects": 5000}, "routing_invalid_min_objects"),
        (edit, {**rule, "zones": [f"z{n}" for n in range(51)]}, "routing_too_many_items"),
        (edit, {**rule, "camera_ids": ["dishub/nope"]}, "camera_not_found"),
        (edit, {**rule, "target_agency_ids": [], "notify_camera_agencies": False},
         "routing_rule_has_no_target"),
        (edit, {"labels": ["person"], "target_agency_ids": ["polres"]}, "field_required"),
        (edit, {**rule, "severities": ["fire"]}, None),
        (edit, {**rule, "time_after": "late"}, None),
        (delete, {"rule_id": "default"}, "routing_default_rule_protected"),
        (delete, {"rule_id": "tidak_ada"}, "routing_rule_not_found"),
        (delete, {}, None),
    ]
    for command, data, key in failures:
        reply = await ws(admin, command, **data)
        assert reply["error"]["code"] == "invalid_format", data
        assert reply["error"].get("translation_key") == key, data
    assert desk.router.rules == kept
    assert len(await routing_audit()) == 3

    deleted = await ws(admin, "ncc/routing/delete", rule_id="parkir_liar")
    assert deleted["result"]["rule"]["id"] == "parkir_liar"
    assert "parkir_liar" not in desk.router.rules
    assert (await routing_audit())[0] == "routing.delete"
    # what the dashboard saved is what a restart loads
    assert await hass.config_entries.async_reload(polled.city_entry.entry_id)
    await hass.async_block_till_done()
    reloaded = async_get_city(hass)
    assert reloaded is not None
    assert reloaded.alerts.router.rules == {
        rule_id: rule for rule_id, rule in kept.items() if rule_id != "parkir_liar"}


async def test_websocket_lists_pushes_and_acts_per_permission(
    polled: PolledCity, hass_ws_client: WebSocketGenerator, freezer: FrozenDateTimeFactory,
) -> None:
    hass, users = polled.hass, polled.users

    async def client_for(name: str) -> Any:
        refresh = await hass.auth.async_create_refresh_token(users[name], "http://127.0.0.1/")
        return await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))

    pushed_events: list[dict[str, Any]] = []

    async def ws(client: Any, command: str, **data: Any) -> dict[str, Any]:
        """The command's answer; pushed incidents that arrive first are kept aside."""
        await client.send_json_auto_id({"type": command, **data})
        while (message := dict(await client.receive_json()))["type"] == "event":
            pushed_events.append(message["event"])
        return message

    polres, mall, stranger = await client_for("polres_op"), await client_for("mall_admin"), \
        await client_for("stranger")
    samples = {"ncc/incidents/acknowledge": {"incident_id": "x"},
               "ncc/incidents/close": {"incident_id": "x", "note": "x"},
               "ncc/routing/delete": {"rule_id": "x"}}
    for command in COMMANDS:
        reply = await ws(stranger, command.type, **samples.get(command.type, {}))
        assert reply["error"]["code"] == "unauthorized", command.type
    polres_sub = await ws(polres, "ncc/incidents/subscribe")
    mall_sub = await ws(mall, "ncc/incidents/subscribe")
    assert polres_sub["success"]
    assert mall_sub["success"]

    review_id = await polled.sim.servers[1].emit_review(polled.camera(0))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    pushed = await polres.receive_json()
    assert pushed["id"] == polres_sub["id"]
    assert pushed["event"]["type"] == "new"
    assert pushed["event"]["incident"]["review_id"] == review_id
    assert pushed["event"]["incident"]["agency_codes"] == ["DISHUB", "POLRES"]
    incident_id = pushed["event"]["incident"]["id"]

    listed = (await ws(polres, "ncc/incidents/list"))["result"]
    assert [i["id"] for i in listed["incidents"]] == [incident_id]
    assert listed["total"] == 1
    assert (await ws(polres, "ncc/incidents/list", status=["closed"]))["result"]["total"] == 0
    assert (await ws(polres, "ncc/incidents/list", agency_id="mall"))["result"]["total"] == 0
    assert (await ws(mall, "ncc/incidents/list"))["result"]["incidents"] == []

    denied = await ws(mall, "ncc/incidents/acknowledge", incident_id=incident_id)
    assert denied["error"]["code"] == "unauthorized"
    acked = await ws(polres, "ncc/incidents/acknowledge", incident_id=incident_id, note="meluncur")
    assert acked["result"]["incident"]["status"] == "acknowledged"
    assert pushed_events.pop()["type"] == "acknowledged"
    missing_note = await ws(polres, "ncc/incidents/close", incident_id=incident_id, note=" ")
    assert missing_note["error"]["code"] == "invalid_format"
    closed = await ws(polres, "ncc/incidents/close", incident_id=incident_id, note="aman")
    assert closed["result"]["incident"]["status"] == "closed"
    assert pushed_events.pop()["type"] == "closed"
    assert pushed_events == []

    # routing rules: the city sees all, an agency the rules that name it
    await call(hass, "set_routing_rule", {"name": "Polres", "target_agency_ids": ["polres"]}, users["admin"])
    rules = (await ws(polres, "ncc/routing/list"))["result"]["rules"]
    assert [r["id"] for r in rules] == ["polres"]
    admin = await hass_ws_client(hass)
    assert len((await ws(admin, "ncc/routing/list"))["result"]["rules"]) == 5
    # the mall's subscription never saw the Dishub incident
    unsubscribed = await ws(mall, "unsubscribe_events", subscription=mall_sub["id"])
    assert unsubscribed["success"]


async def test_snapshot_links_are_signed_and_permission_checked(
    polled: PolledCity, hass_client_no_auth: ClientSessionGenerator, hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    # (the HTTP test client must start before the clock is frozen)
    hass, users = polled.hass, polled.users
    await polled.sim.servers[1].emit_review(polled.camera(0))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    event = polled.incidents("new")[0]
    incident_id = event["incident_id"]
    web = await hass_client_no_auth()

    # the link in the event opens the snapshot for whoever got the notification, until it expires
    response = await web.get(event["snapshot_url"])
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/jpeg"
    assert len(await response.read()) > 100
    unsigned = event["snapshot_url"].split("?")[0]
    assert (await web.get(unsigned)).status == HTTPStatus.UNAUTHORIZED
    tampered = event["snapshot_url"].replace(incident_id, "INC-000099")
    assert (await web.get(tampered)).status == HTTPStatus.UNAUTHORIZED

    # a signed-in user needs the right to see the incident
    async def bearer(name: str) -> dict[str, str]:
        refresh = await hass.auth.async_create_refresh_token(users[name], "http://127.0.0.1/")
        return {"Authorization": f"Bearer {hass.auth.async_create_access_token(refresh)}"}

    assert (await web.get(unsigned, headers=await bearer("polres_op"))).status == HTTPStatus.OK
    assert (await web.get(unsigned, headers=await bearer("mall_admin"))).status == HTTPStatus.FORBIDDEN
    missing = unsigned.replace(incident_id, "INC-999999")
    assert (await web.get(missing, headers=await bearer("admin"))).status == HTTPStatus.NOT_FOUND

    # links in the dashboard are signed for the viewer
    refresh = await hass.auth.async_create_refresh_token(users["polres_op"], "http://127.0.0.1/")
    client = await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))
    await client.send_json_auto_id({"type": "ncc/incidents/list"})
    listed = (await client.receive_json())["result"]["incidents"]
    assert (await web.get(listed[0]["snapshot_url"])).status == HTTPStatus.OK

    # an incident without a captured image has no snapshot; an expired link opens nothing
    (Path(hass.config.config_dir) / DOMAIN / "snapshots" / f"{incident_id}.jpg").unlink()
    assert (await web.get(event["snapshot_url"])).status == HTTPStatus.NOT_FOUND
    freezer.tick(timedelta(hours=2))
    assert (await web.get(listed[0]["snapshot_url"])).status == HTTPStatus.UNAUTHORIZED


async def test_incidents_and_rules_survive_restart_and_hold_their_agencies(
    polled: PolledCity, freezer: FrozenDateTimeFactory,
) -> None:
    hass, users = polled.hass, polled.users
    await call(hass, "set_routing_rule", {"rule_id": "fire_to_damkar", "enabled": True}, users["admin"])
    review_id = await polled.sim.servers[1].emit_review(polled.camera(0), label="smoke", severity="detection")
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    [event] = polled.incidents("new")
    assert event["agency_codes"] == ["DAMKAR", "DISHUB", "POLRES"]

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "delete_agency", {"agency_id": "damkar"}, users["admin"])
    assert err.value.translation_key == "open_work"
    assert "1 open incident" in str(err.value.translation_placeholders)
    assert "Fire or smoke" in str(err.value.translation_placeholders)

    assert await hass.config_entries.async_reload(polled.city_entry.entry_id)
    await hass.async_block_till_done()
    city = async_get_city(hass)
    assert city is not None
    incident = city.alerts.book.incidents[event["incident_id"]]
    assert incident.review_id == review_id
    assert city.alerts.router.rules["fire_to_damkar"].enabled
    # the reloaded desk polls again and knows the review item already
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    assert len(polled.incidents("new")) == 1
    await call(hass, "close_incident", {"incident_id": incident.id, "note": "padam"}, users["admin"])
    await call(hass, "set_routing_rule", {"rule_id": "fire_to_damkar", "enabled": False}, users["admin"])
    await call(hass, "delete_agency", {"agency_id": "damkar"}, users["admin"])


async def test_count_rules_escalation_order_overflow_and_housekeeping(
    polled: PolledCity, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    hass, users, desk = polled.hass, polled.users, polled.desk
    server = polled.sim.servers[1]
    camera = polled.camera(0)
    zone = server.cameras[camera].zone_names[0]
    # two cars in one zone at once: the transport office's congestion rule (threshold lowered)
    await call(hass, "set_routing_rule", {"rule_id": "congestion_to_dishub", "enabled": True,
                                          "min_objects": 2, "zones": [zone]}, users["admin"])
    await server.emit_review(camera, label="car", severity="detection", zones=[zone], duration_s=600)
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    assert polled.incidents("new") == []  # one car is not congestion
    await server.emit_review(camera, label="car", severity="detection", zones=[zone], duration_s=600)
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    [jam] = polled.incidents("new")
    assert jam["agency_codes"] == ["DISHUB"]
    assert desk.book.incidents[jam["incident_id"]].rule_ids == ("congestion_to_dishub",)

    # a rule escalating sooner re-arms the timer for its own, earlier deadline
    await server.emit_review(polled.camera(1), label="person", severity="alert")
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    person = polled.incidents("new")[-1]
    await call(hass, "set_routing_rule", {"rule_id": "fire_to_damkar", "enabled": True}, users["admin"])
    await server.emit_review(polled.camera(2), label="fire", severity="detection")
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    fire = polled.incidents("new")[-1]
    await tick(hass, freezer, timedelta(minutes=5))
    assert [e["incident_id"] for e in polled.incidents("escalated")] == [fire["incident_id"]]

    # beyond the open-incident limit the oldest unacknowledged ones close by themselves
    monkeypatch.setattr("custom_components.ncc.alerts.MAX_OPEN_INCIDENTS", 2)
    await polled.sim.servers[0].emit_review(next(iter(polled.sim.servers[0].cameras)))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    # four open: the two oldest go (escalated ones are still unacknowledged)
    closed = [e["incident_id"] for e in polled.incidents("closed")]
    assert closed == [jam["incident_id"], person["incident_id"]]
    assert desk.book.incidents[jam["incident_id"]].close_note.startswith("Closed automatically")

    # an open incident holds its camera; closed ones and their snapshots go after the keeping time
    with pytest.raises(ServiceValidationError) as held:
        await call(hass, "remove_camera", {"camera_id": f"dishub/{polled.camera(1)}"}, users["admin"])
    assert held.value.translation_key == "camera_still_reported"
    snapshot = Path(hass.config.config_dir) / DOMAIN / "snapshots" / f"{jam['incident_id']}.jpg"
    assert snapshot.is_file()
    monkeypatch.setattr("custom_components.ncc.alerts.MAX_CLOSED_INCIDENTS", 0)
    await tick(hass, freezer, timedelta(hours=1))
    assert jam["incident_id"] not in desk.book.incidents
    assert not snapshot.exists()


async def test_snapshot_and_audit_failures_do_not_stop_incidents(
    polled: PolledCity, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    hass, desk = polled.hass, polled.desk
    city = async_get_city(hass)
    assert city is not None

    async def unreachable(*_: Any) -> bytes:
        raise FrigateConnectionError("Frigate cannot be reached")

    record_many = city.audit.async_record_many

    async def failing_once(items: Any) -> Any:
        if any(item.action == "incident.open" for item in items):
            raise RuntimeError("database is locked")
        return await record_many(items)

    coordinator = async_get_data(hass).servers["dishub"]
    monkeypatch.setattr(coordinator.client, "async_get_latest_image", unreachable)
    monkeypatch.setattr(city.audit, "async_record_many", failing_once)
    await polled.sim.servers[1].emit_review(polled.camera(0))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    [event] = polled.incidents("new")
    assert not (Path(hass.config.config_dir) / DOMAIN / "snapshots" / f"{event['incident_id']}.jpg").exists()
    # a full capture backlog skips the snapshot, not the incident
    monkeypatch.setattr("custom_components.ncc.alerts.SNAPSHOT_BACKLOG", 0)
    await polled.sim.servers[1].emit_review(polled.camera(1))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    assert len(polled.incidents("new")) == 2
    assert desk.problems == {}
    await desk.async_stop()
    await desk.async_stop()  # stopping twice is harmless


async def test_incidents_of_one_camera_close_together_share_its_frame(
    polled: PolledCity, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    hass = polled.hass
    await call(hass, "set_routing_rule", {"rule_id": "default", "cooldown_seconds": 0})
    coordinator = async_get_data(hass).servers["dishub"]
    fetch = coordinator.client.async_get_latest_image
    fetched: list[str] = []

    async def counting(camera: str, height: int | None = None) -> bytes:
        fetched.append(camera)
        return await fetch(camera, height)

    monkeypatch.setattr(coordinator.client, "async_get_latest_image", counting)
    monkeypatch.setattr("custom_components.ncc.alerts.SNAPSHOT_REUSE_S", 3600.0)
    for _ in range(2):
        await polled.sim.servers[1].emit_review(polled.camera(0))
    await polled.sim.servers[1].emit_review(polled.camera(1))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    opened = polled.incidents("new")
    assert len(opened) == 3
    snapshots = Path(hass.config.config_dir) / DOMAIN / "snapshots"
    frames = [(snapshots / f"{event['incident_id']}.jpg").read_bytes() for event in opened]
    assert all(frames)
    # one request per camera; the second incident of camera 0 got camera 0's frame
    assert sorted(fetched) == sorted([polled.camera(0), polled.camera(1)])
    same_camera = [
        frame for frame, event in zip(frames, opened, strict=True)
        if event["camera_id"].endswith(polled.camera(0))
    ]
    assert same_camera[0] == same_camera[1]

    # once the frame is older than the reuse window, the next incident fetches a fresh one
    monkeypatch.setattr("custom_components.ncc.alerts.SNAPSHOT_REUSE_S", 0.0)
    await polled.sim.servers[1].emit_review(polled.camera(0))
    await tick(hass, freezer, REVIEW_POLL_INTERVAL)
    assert fetched.count(polled.camera(0)) == 2
