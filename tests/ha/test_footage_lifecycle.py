"""Footage requests over time: overwritten windows, Frigate and HA restarts, fallbacks, links
that expire, deadlines, legal holds and the deletion of expired evidence."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.ncc import footage as footage_module
from custom_components.ncc.const import DOMAIN
from custom_components.ncc.core.audit import AuditQuery
from custom_components.ncc.data import async_get_data
from custom_components.ncc.frigate import FrigateAuthError
from frigate_sim import TimeRange

from .test_footage import (
    GATE,
    HALL,
    NIK,
    Env,
    call,
    footage_env_fixture,
    intake,
    preserved,
    token_for,
    wait_until,
    window,
    ws,
)

env = footage_env_fixture()


def epoch(text: str) -> float:
    parsed = dt_util.parse_datetime(text)
    assert parsed is not None
    return parsed.timestamp()


async def test_windows_already_overwritten_or_never_recorded(env: Env) -> None:
    hass = env.hass
    old = window(end_minutes_ago=11 * 24 * 60)
    answer = await call(hass, "request_footage", intake([GATE], **old), env.police)
    (part,) = answer["parts"]
    assert part["footage"] == "overwritten"
    assert part["preservation"] == "no_footage"
    assert part["export_id"] is None
    # a gap (an outage) inside the retention: no recordings, nothing to export
    gap = window(end_minutes_ago=30, minutes=20)
    camera = env.sim.servers[0].cameras["kayutangan_01"]
    camera.gaps = [TimeRange(epoch(gap["start"]) - 60, epoch(gap["end"]) + 60)]
    answer = await call(hass, "request_footage", intake([HALL], **gap), env.police)
    (part,) = answer["parts"]
    assert part["footage"] == "no_recordings"
    assert part["preservation"] == "no_footage"
    # half of the window recorded: exported all the same
    camera.gaps = [TimeRange(epoch(gap["start"]) - 60, epoch(gap["start"]) + 600)]
    answer = await call(hass, "request_footage", intake([HALL], **gap), env.police)
    (part,) = answer["parts"]
    assert part["footage"] == "partial"
    assert 500 <= part["recorded_s"] <= 700
    assert part["preservation"] == "exporting"
    await preserved(env, answer["request_id"], "P1")


async def test_a_server_down_during_preservation_delays_it_and_loses_nothing(
    env: Env, hass_storage: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
    issue_registry: ir.IssueRegistry,
) -> None:
    hass = env.hass
    events = async_capture_events(hass, "ncc_footage_request")
    server = env.sim.servers[0]
    server.faults.down = True
    answer = await call(hass, "request_footage", intake([GATE, HALL]), env.police)
    request_id = answer["request_id"]
    for part in answer["parts"]:
        assert part["footage"] == "unknown"
        assert part["preservation"] == "pending"
        assert "Cannot connect" in part["problem"]
    # the request is stored before the action answered
    stored = hass_storage["ncc.footage"]["data"]["requests"]
    assert [request["id"] for request in stored] == [request_id]
    # failures go on; after five a repair issue and an event, once per part
    desk = env.city.footage
    await wait_until(lambda: all(part.attempts >= 6 for part in desk.book.get(request_id).parts))
    issue_id = f"footage_preservation_{request_id}_P1"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "footage_preservation_failing"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["request"] == request_id
    failed = [event.data for event in events if event.data["type"] == "preservation_failed"]
    assert sorted(data["part_ids"][0] for data in failed) == ["P1", "P2"]
    assert desk.diagnostics()["failing_parts"] == 2
    # retries now wait long; the server's next successful poll brings them forward
    monkeypatch.setattr(footage_module, "RETRY_BASE_DELAY", timedelta(hours=1))
    monkeypatch.setattr(footage_module, "RETRY_MAX_DELAY", timedelta(hours=1))
    await wait_until(lambda: all(
        part.next_check_at is not None and part.next_check_at > dt_util.utcnow() + timedelta(minutes=5)
        for part in desk.book.get(request_id).parts
    ))
    server.faults.down = False
    coordinator = async_get_data(hass).servers["balaikota"]
    await coordinator.async_refresh()
    await preserved(env, request_id, "P1", "P2")
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    request = desk.book.get(request_id)
    assert all(part.availability.value == "available" for part in request.parts)


async def test_home_assistant_restarting_mid_export_resumes_the_same_export(
    env: Env, hass_storage: dict[str, Any]
) -> None:
    hass = env.hass
    env.sim.servers[0].export_duration_s = 1.5
    answer = await call(hass, "request_footage", intake([GATE]), env.police)
    request_id = answer["request_id"]
    export_id = answer["parts"][0]["export_id"]
    assert answer["parts"][0]["preservation"] == "exporting"
    assert await hass.config_entries.async_unload(env.entry.entry_id)
    assert env.entry.state is ConfigEntryState.NOT_LOADED
    (stored,) = hass_storage["ncc.footage"]["data"]["requests"]
    assert stored["parts"][0]["preservation"] == "exporting"
    assert await hass.config_entries.async_setup(env.entry.entry_id)
    await preserved(env, request_id, "P1")
    part = env.city.footage.book.get(request_id).parts[0]
    assert part.export_id == export_id
    assert part.attempts == 0


async def test_an_export_frigate_drops_is_started_again(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Frigate deletes failed exports, and in-progress ones when it restarts."""
    monkeypatch.setattr(footage_module, "EXPORT_ROW_GRACE", timedelta(milliseconds=300))
    server = env.sim.servers[0]
    server.export_duration_s = 5.0
    answer = await call(env.hass, "request_footage", intake([GATE]), env.police)
    first = answer["parts"][0]["export_id"]
    await wait_until(lambda: server.export_store.get(first) is not None)
    server.export_duration_s = 0.2
    assert server.export_store.delete(first)
    await preserved(env, answer["request_id"], "P1")
    part = env.city.footage.book.get(answer["request_id"]).parts[0]
    assert part.export_id != first
    assert part.attempts == 1


async def test_events_are_retained_where_frigate_refuses_an_export(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    hass = env.hass
    server = env.sim.servers[0]
    await server.emit_review("ijen_01", label="car")
    event_id = next(
        event.id for event in server.catalog.events.values()
        if event.camera == "ijen_01" and event.start_time > dt_util.utcnow().timestamp() - 60
    )
    client = async_get_data(hass).servers["balaikota"].client

    async def refuse(*_: Any, **__: Any) -> str:
        raise FrigateAuthError("Frigate denied access", status=403)

    monkeypatch.setattr(client, "async_start_export", refuse)
    answer = await call(hass, "request_footage", intake([GATE, HALL], **window(end_minutes_ago=0, minutes=5)),
                        env.police)
    parts = {part["camera_id"]: part for part in answer["parts"]}
    assert parts[GATE]["preservation"] == "events_retained"
    assert parts[HALL]["preservation"] == "not_possible"
    request = env.city.footage.book.get(answer["request_id"])
    assert request.part(GATE).retained_event_ids == (event_id,)
    assert server.catalog.events[event_id].retain_indefinitely
    # retained events cannot be released as files
    await call(hass, "decide_footage_request", {
        "request_id": request.id, "part": "P1", "decision": "approve", "reason": "legal_obligation",
    }, env.kominfo)
    with pytest.raises(ServiceValidationError) as refused:
        await call(hass, "release_footage", {"request_id": request.id, "recipient_name": "X",
                                             "parts": ["P1"]}, env.kominfo)
    assert refused.value.translation_key == "footage_part_not_preserved"
    # at expiry the events are let go again
    await env.city.footage._async_expire(request)
    assert not server.catalog.events[event_id].retain_indefinitely


@pytest.mark.freeze_time(tick=True)
async def test_links_expire_and_expired_evidence_is_deleted(
    env: Env, freezer: FrozenDateTimeFactory, hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    hass = env.hass
    await call(hass, "set_footage_policy", {"evidence_keep_days": 1}, env.admin)
    answer = await call(hass, "request_footage", intake([GATE]), env.police)
    request_id = answer["request_id"]
    await preserved(env, request_id, "P1")
    await call(hass, "decide_footage_request", {
        "request_id": request_id, "part": "P1", "decision": "approve", "reason": "data_subject_access",
    }, env.kominfo)
    link = await call(hass, "release_footage", {
        "request_id": request_id, "recipient_name": "Budi Santoso", "valid_hours": 1,
    }, env.kominfo)
    http = await hass_client_no_auth()
    assert (await http.get(link["path"])).status == 200
    # a changed signature, an unknown link
    forged = link["path"][:-3] + ("AAA" if not link["path"].endswith("AAA") else "BBB")
    refused = await http.get(forged)
    assert refused.status == 401
    assert (await refused.json())["code"] == "signature_invalid"
    unknown = await http.get("/api/ncc/evidence/" + "x" * 32)
    assert unknown.status == 404
    assert (await unknown.json())["code"] == "link_unknown"
    # an hour later the link is refused, and says why
    freezer.move_to(dt_util.utcnow() + timedelta(hours=1, minutes=1))
    expired = await http.get(link["path"])
    assert expired.status == 410
    body = await expired.json()
    assert body["code"] == "link_expired"
    assert body["expired_at"] == link["expires_at"]
    # a new link for the same release works
    client = await hass_ws_client(hass, await token_for(hass, env.kominfo))
    fresh = (await ws(client, "ncc/footage/release_link", request_id=request_id,
                      release_id=link["release_id"], valid_hours=720))["result"]
    assert (await http.get(fresh["path"])).status == 200

    # kept a day after the decision, longer while on legal hold
    await call(hass, "set_legal_hold", {"request_id": request_id, "reason": "Perkara 45/Pid/2026"}, env.admin)
    with pytest.raises(ServiceValidationError) as not_admin:
        await call(hass, "set_legal_hold", {"request_id": request_id, "reason": "x"}, env.kominfo)
    assert not_admin.value.translation_key == "permission_denied_city"
    # holding is privileged and on the record: who, which request, why; the refused try is not
    (held,) = (await env.city.audit.async_query(AuditQuery(action="footage.legal_hold"))).entries
    assert (held.target_type, held.target_id) == ("footage_request", request_id)
    assert (held.user_id, held.reason) == (env.admin.id, "Perkara 45/Pid/2026")
    freezer.move_to(dt_util.utcnow() + timedelta(days=2))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    desk = env.city.footage
    request = desk.book.get(request_id)
    assert request.expired_at is None
    export_id = request.parts[0].export_id
    server = env.sim.servers[0]
    assert export_id is not None
    assert server.export_store.get(export_id) is not None
    folder = desk.evidence_dir(request)
    assert await hass.async_add_executor_job(folder.is_dir)
    await call(hass, "release_legal_hold", {"request_id": request_id, "reason": "Perkara selesai"}, env.admin)
    (released,) = (await env.city.audit.async_query(AuditQuery(action="footage.legal_hold_release"))).entries
    assert (released.target_id, released.user_id) == (request_id, env.admin.id)
    assert released.reason == "Perkara selesai"
    assert released.seq > held.seq
    await wait_until(lambda: desk.book.get(request_id).expired_at is not None)
    await hass.async_block_till_done()
    assert server.export_store.get(export_id) is None
    assert not await hass.async_add_executor_job(folder.exists)
    assert request.requester.identity_number == ""
    assert request.requester.phone == ""
    assert NIK not in str(hass.data)  # nothing left anywhere in memory either
    gone = await http.get(fresh["path"])
    assert gone.status == 410
    assert (await gone.json())["code"] == "evidence_deleted"
    with pytest.raises(ServiceValidationError) as late:
        await call(hass, "decide_footage_request", {
            "request_id": request_id, "part": "P1", "decision": "approve", "reason": "other", "note": "x",
        }, env.kominfo)
    assert late.value.translation_key == "footage_records_expired"
    # the register keeps the release
    register = await call(hass, "export_disclosure_register", {"path": "register.csv"}, env.admin)
    assert register["rows"] == 1
    # with the city unloaded the view says so
    assert await hass.config_entries.async_unload(env.entry.entry_id)
    assert (await http.get(fresh["path"])).status == 503


@pytest.mark.freeze_time(tick=True)
async def test_requests_nobody_finishes_deciding_expire_after_the_open_request_period(
    env: Env, freezer: FrozenDateTimeFactory
) -> None:
    hass = env.hass
    await call(hass, "set_footage_policy", {"open_request_keep_days": 30, "evidence_keep_days": 60},
               env.admin)
    with pytest.raises(ServiceValidationError) as too_short:
        await call(hass, "set_footage_policy", {"open_request_keep_days": 7}, env.admin)
    assert too_short.value.translation_key == "footage_policy_value_invalid"
    desk = env.city.footage
    assert desk.diagnostics()["policy"]["open_request_keep_days"] == 30
    abandoned = (await call(hass, "request_footage", intake([GATE]), env.police))["request_id"]
    held = (await call(hass, "request_footage", intake([HALL]), env.police))["request_id"]
    half = (await call(hass, "request_footage", intake([GATE, HALL]), env.police))["request_id"]
    await preserved(env, abandoned, "P1")
    await preserved(env, held, "P1")
    await preserved(env, half, "P1", "P2")
    await call(hass, "set_legal_hold", {"request_id": held, "reason": "Perkara 9/Pid/2026"}, env.admin)
    await call(hass, "decide_footage_request", {
        "request_id": half, "part": "P1", "decision": "approve", "reason": "data_subject_access",
    }, env.kominfo)
    server = env.sim.servers[0]
    exports: dict[str, str] = {}
    for request_id in (abandoned, held):
        export_id = desk.book.get(request_id).parts[0].export_id
        assert export_id is not None
        exports[request_id] = export_id

    async def on(moment: datetime) -> None:
        freezer.move_to(moment)
        async_fire_time_changed(hass, dt_util.utcnow())
        await hass.async_block_till_done()

    start = dt_util.utcnow()
    await on(start + timedelta(days=29))
    assert all(request.expired_at is None for request in desk.book.requests.values())
    await on(start + timedelta(days=30, minutes=20))
    await wait_until(lambda: desk.book.get(abandoned).expired_at is not None
                     and desk.book.get(half).expired_at is not None)
    await hass.async_block_till_done()
    request = desk.book.get(abandoned)
    assert request.requester.identity_number == ""
    assert server.export_store.get(exports[abandoned]) is None
    # a legal hold still wins
    assert desk.book.get(held).expired_at is None
    assert desk.book.get(held).requester.identity_number == NIK
    assert server.export_store.get(exports[held]) is not None
    # the expiry is audited last, by the housekeeping running in the background
    for _ in range(500):
        expiries = (await env.city.audit.async_query(AuditQuery(action="footage.expire"))).entries
        if len(expiries) == 2:
            break
        await asyncio.sleep(0.02)
    assert sorted((entry.target_id, entry.details["undecided"]) for entry in expiries) == [
        (abandoned, True), (half, True)]


def sensor_state(hass: HomeAssistant, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


@pytest.mark.freeze_time(tick=True)
async def test_deadline_events_and_sensors(env: Env, freezer: FrozenDateTimeFactory) -> None:
    hass = env.hass
    due_events = async_capture_events(hass, "ncc_footage_request_due")
    answer = await call(hass, "request_footage", intake([GATE], legal_basis="public_information"),
                        env.police)
    request_id = answer["request_id"]
    desk = env.city.footage
    request = desk.book.get(request_id)
    calendar = desk.book.policy.calendar()
    assert request.due == calendar.due_date(dt_util.now().date())
    assert answer["due"] == request.due.isoformat()
    await hass.async_block_till_done()
    assert sensor_state(hass, "city_footage_requests_open") == "1"
    assert sensor_state(hass, "agency_diskominfo_footage_requests_open") == "1"
    assert sensor_state(hass, "agency_dishub_footage_requests_open") == "0"
    assert sensor_state(hass, "city_footage_requests_due_soon") == "0"

    async def on(day: datetime) -> None:
        freezer.move_to(day)
        async_fire_time_changed(hass, dt_util.utcnow())
        await hass.async_block_till_done()

    local_noon = dt_util.start_of_local_day(request.due) + timedelta(hours=12)
    await on(local_noon)
    assert [(event.data["state"], event.data["due"]) for event in due_events] == [
        ("due_soon", request.due.isoformat()),
    ]
    assert due_events[0].data["agency_ids"] == ["diskominfo"]
    assert due_events[0].data["request_id"] == request_id
    assert NIK not in str(due_events[0].data)
    assert sensor_state(hass, "city_footage_requests_due_soon") == "1"
    await on(local_noon + timedelta(minutes=30))  # once per state, not every check
    assert len(due_events) == 1
    await on(local_noon + timedelta(days=1))
    assert [event.data["state"] for event in due_events] == ["due_soon", "overdue"]
    assert sensor_state(hass, "city_footage_requests_overdue") == "1"
    assert sensor_state(hass, "agency_diskominfo_footage_requests_overdue") == "1"

    # the one extension: 7 more working days
    with pytest.raises(ServiceValidationError) as not_owner:
        await call(hass, "extend_footage_deadline", {"request_id": request_id, "reason": "x"}, env.police)
    assert not_owner.value.translation_key == "permission_denied_camera"
    old_due = request.due
    extended = await call(hass, "extend_footage_deadline", {
        "request_id": request_id, "reason": "Rekaman perlu disamarkan",
    }, env.kominfo)
    assert extended["due"] == calendar.extended_due_date(old_due).isoformat()
    await on(dt_util.utcnow() + timedelta(minutes=20))
    assert sensor_state(hass, "city_footage_requests_overdue") == "0"
    with pytest.raises(ServiceValidationError) as again:
        await call(hass, "extend_footage_deadline", {"request_id": request_id, "reason": "x"}, env.kominfo)
    assert again.value.translation_key == "footage_deadline_already_extended"
    # answered: no more deadline events
    await call(hass, "decide_footage_request", {
        "request_id": request_id, "part": "P1", "decision": "refuse", "reason": "exempt_information",
    }, env.kominfo)
    await on(dt_util.start_of_local_day(calendar.extended_due_date(old_due)) + timedelta(days=2))
    assert len(due_events) == 2
    assert sensor_state(hass, "city_footage_requests_open") == "0"


async def test_policy_and_diagnostics(env: Env, tmp_path: Path) -> None:
    hass = env.hass
    changed = await call(hass, "set_footage_policy", {
        "max_window_minutes": 30, "extra_days_off": ["2026-12-24"],
    }, env.admin)
    assert changed["policy"]["max_window_minutes"] == 30
    assert changed["policy"]["extra_days_off"] == ["2026-12-24"]
    with pytest.raises(ServiceValidationError) as bad:
        await call(hass, "set_footage_policy", {"max_cameras": 0}, env.admin)
    assert bad.value.translation_key == "footage_policy_value_invalid"
    with pytest.raises(ServiceValidationError) as not_admin:
        await call(hass, "set_footage_policy", {"max_cameras": 3}, env.kominfo)
    assert not_admin.value.translation_key == "permission_denied_city"
    with pytest.raises(ServiceValidationError) as too_long:
        await call(hass, "request_footage", intake([GATE], **window(minutes=45)), env.police)
    assert too_long.value.translation_key == "footage_window_too_long"
    diagnostics = env.city.footage.diagnostics()
    assert diagnostics["policy"]["max_window_minutes"] == 30
    assert diagnostics["public_key_fingerprint"].startswith("SHA256:")
    assert "private" not in str(diagnostics).lower()
    # the key is made once and kept
    assert await hass.config_entries.async_reload(env.entry.entry_id)
    assert env.city.footage.diagnostics()["public_key"] == diagnostics["public_key"]
    assert env.city.footage.book.policy.max_window_minutes == 30
