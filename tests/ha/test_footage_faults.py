"""Footage requests when things go wrong: damaged storage, slow or missing servers, Frigate
refusing or forgetting exports, and evidence Frigate must still delete."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.ncc import footage as footage_module
from custom_components.ncc.const import DOMAIN
from custom_components.ncc.core.footage import REPAIR_AFTER_ATTEMPTS
from custom_components.ncc.data import async_get_data
from custom_components.ncc.frigate import (
    MAX_LIMIT,
    FrigateAuthError,
    FrigateError,
    FrigateRequestError,
    FrigateResponseError,
)
from frigate_sim import Severity

from .conftest import city_entry
from .test_footage import (
    GATE,
    HALL,
    TERMINAL,
    Env,
    call,
    footage_env_fixture,
    intake,
    preserved,
    wait_until,
    window,
)

env = footage_env_fixture()


def server_entry_id(env: Env, server_id: str) -> str:
    return async_get_data(env.hass).servers[server_id].config_entry.entry_id


# The city's earlier features are not stopped when a later one fails to start (city.py):
# their timers outlive the failed set-up.
@pytest.mark.parametrize("expected_lingering_timers", [True])
@pytest.mark.parametrize(
    "stored",
    [
        {"version": 1, "minor_version": 1, "key": "ncc.footage", "data": {"requests": [{"id": "FR-2026-1"}]}},
        {"version": 0, "minor_version": 1, "key": "ncc.footage", "data": {}},
    ],
    ids=["damaged", "unknown-version"],
)
async def test_damaged_footage_storage_keeps_the_city_from_starting(
    hass: HomeAssistant, audit_db_url: str, hass_storage: dict[str, Any], stored: dict[str, Any]
) -> None:
    hass_storage["ncc.footage"] = stored
    await _city_fails(hass, audit_db_url)
    # left as it was, for a backup to be restored
    assert hass_storage["ncc.footage"] == stored


@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_a_damaged_signing_key_is_never_replaced(
    hass: HomeAssistant, audit_db_url: str, hass_storage: dict[str, Any]
) -> None:
    damaged = {"version": 1, "minor_version": 1, "key": "ncc.footage_signing_key",
               "data": {"private_key": "not a key"}}
    hass_storage["ncc.footage_signing_key"] = damaged
    entry = await _city_fails(hass, audit_db_url)
    assert entry.reason is not None
    assert "signing key" in entry.reason
    assert hass_storage["ncc.footage_signing_key"] == damaged


async def _city_fails(hass: HomeAssistant, audit_db_url: str) -> MockConfigEntry:
    entry = city_entry(audit_db_url)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert "footage" in entry.reason
    return entry


async def test_open_requests_keep_their_cameras_and_agencies(env: Env) -> None:
    hass = env.hass
    shop = await call(hass, "add_registry_camera", {
        "name": "Toko Emas", "owner_agency_id": "mall", "purpose": "private_premises",
        "area_type": "private_facing_public",
    }, env.admin)
    await call(hass, "request_footage", intake([shop["camera"]["id"]]), env.admin)
    with pytest.raises(ServiceValidationError) as held:
        await call(hass, "remove_camera", {"camera_id": shop["camera"]["id"]}, env.admin)
    assert held.value.translation_key == "open_work"
    assert "footage request FR-" in str(held.value.translation_placeholders)
    assert env.city.open_work_for_agency("mall")
    assert env.city.open_work_for_agency("dishub") == ()


async def test_a_slow_server_answers_later_and_a_reload_mid_step_loses_nothing(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    hass = env.hass
    monkeypatch.setattr(footage_module, "INTAKE_WAIT_S", 0.05)
    server = env.sim.servers[0]
    server.faults.slow_s = 0.3
    started = time.monotonic()
    answer = await call(hass, "request_footage", intake([GATE]), env.police)
    assert answer["parts"][0]["preservation"] == "pending"
    # the city stops while the step is still waiting for Frigate
    assert await hass.config_entries.async_unload(env.entry.entry_id)
    server.faults.slow_s = 0.0
    assert await hass.config_entries.async_setup(env.entry.entry_id)
    await preserved(env, answer["request_id"], "P1")
    # the abandoned slow answer finishes inside the simulator
    await asyncio.sleep(max(0.0, 0.35 - (time.monotonic() - started)))


async def test_parts_wait_for_a_server_entry_and_exports_outlive_its_absence(env: Env) -> None:
    hass = env.hass
    entry_id = server_entry_id(env, "balaikota")
    assert await hass.config_entries.async_unload(entry_id)
    answer = await call(hass, "request_footage", intake([GATE]), env.police)
    assert answer["parts"][0]["preservation"] == "pending"
    assert answer["parts"][0]["problem"] == "server not loaded in Home Assistant"
    assert await hass.config_entries.async_setup(entry_id)
    await preserved(env, answer["request_id"], "P1")

    # an export under way while its server goes down, then while its entry is unloaded
    server = env.sim.servers[0]
    server.export_duration_s = 1.0
    answer = await call(hass, "request_footage", intake([HALL]), env.police)
    assert answer["parts"][0]["preservation"] == "exporting"
    part = env.city.footage.book.get(answer["request_id"]).parts[0]
    server.faults.down = True
    await wait_until(lambda: part.poll_errors >= 1)
    assert part.preservation.value == "exporting"
    server.faults.down = False
    assert await hass.config_entries.async_unload(entry_id)
    await wait_until(lambda: part.last_error == "server not loaded in Home Assistant")
    assert await hass.config_entries.async_setup(entry_id)
    await preserved(env, answer["request_id"], "P1")
    assert part.attempts == 0


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (FrigateRequestError("Frigate refused the request: invalid camera", status=400), False),
        (FrigateAuthError("Frigate refused the request even after a fresh login", status=401), True),
    ],
)
async def test_refused_exports_fall_back_or_retry(
    env: Env, monkeypatch: pytest.MonkeyPatch, error: FrigateError, retried: bool
) -> None:
    client = async_get_data(env.hass).servers["balaikota"].client
    original = client.async_start_export
    calls = 0

    async def flaky(*args: Any, **kwargs: Any) -> str | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise error
        return await original(*args, **kwargs)

    monkeypatch.setattr(client, "async_start_export", flaky)
    answer = await call(env.hass, "request_footage", intake([GATE]), env.police)
    part = env.city.footage.book.get(answer["request_id"]).parts[0]
    if retried:
        assert answer["parts"][0]["preservation"] == "pending"
        await preserved(env, answer["request_id"], "P1")
        assert part.attempts == 1
    else:
        # no export possible: the overlapping events (none in this window) would be kept
        assert answer["parts"][0]["preservation"] == "not_possible"
        assert "invalid camera" in part.last_error


async def test_footage_that_cannot_be_assessed_is_exported_all_the_same(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = async_get_data(env.hass).servers["balaikota"].client

    async def broken(*_: Any, **__: Any) -> list[Any]:
        raise FrigateResponseError("Frigate failed with HTTP 500", status=500)

    monkeypatch.setattr(client, "async_get_unavailable", broken)
    answer = await call(env.hass, "request_footage", intake([GATE]), env.police)
    (part,) = answer["parts"]
    assert part["footage"] == "unknown"
    assert part["preservation"] == "exporting"
    await preserved(env, answer["request_id"], "P1")


async def test_frigate_0_14_exports_are_found_by_their_name(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = async_get_data(env.hass).servers["balaikota"].client
    original = client.async_start_export

    async def without_id(*args: Any, **kwargs: Any) -> str | None:
        await original(*args, **kwargs)
        return None

    monkeypatch.setattr(client, "async_start_export", without_id)
    answer = await call(env.hass, "request_footage", intake([GATE]), env.police)
    assert answer["parts"][0]["export_id"] is None
    await preserved(env, answer["request_id"], "P1")
    export_id = env.city.footage.book.get(answer["request_id"]).parts[0].export_id
    assert export_id is not None
    assert env.sim.servers[0].export_store.get(export_id) is not None


async def test_a_release_needs_the_footage_from_frigate(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    hass = env.hass
    answer = await call(hass, "request_footage", intake([TERMINAL]), env.police)
    request_id = answer["request_id"]
    await preserved(env, request_id, "P1")
    await call(hass, "decide_footage_request", {
        "request_id": request_id, "part": "P1", "decision": "approve", "reason": "legal_obligation",
    }, env.dishub)
    release = {"request_id": request_id, "recipient_name": "AKP Sari"}
    entry_id = server_entry_id(env, "terminal")
    assert await hass.config_entries.async_unload(entry_id)
    with pytest.raises(ServiceValidationError) as missing:
        await call(hass, "release_footage", release, env.dishub)
    assert missing.value.translation_key == "footage_evidence_unavailable"
    assert await hass.config_entries.async_setup(entry_id)
    env.sim.servers[1].faults.down = True
    with pytest.raises(ServiceValidationError) as down:
        await call(hass, "release_footage", release, env.dishub)
    assert down.value.translation_key == "footage_evidence_unavailable"
    request = env.city.footage.book.get(request_id)
    assert request.releases == []
    assert request.packages == []
    env.sim.servers[1].faults.down = False
    first = await call(hass, "release_footage", release, env.dishub)

    def no_url(*_: Any, **__: Any) -> str:
        raise NoURLAvailableError

    monkeypatch.setattr(footage_module, "get_url", no_url)
    second = await call(hass, "release_footage", {**release, "recipient_name": "Kompol Dwi"}, env.dishub)
    assert second["url"] == second["path"]
    assert first["url"].startswith("http")
    assert first["url"].endswith(first["path"])
    # the same footage for a second recipient: the same package, a second register entry
    assert (second["package_id"], second["sha256"]) == (first["package_id"], first["sha256"])
    assert [item.id for item in request.releases] == ["R1", "R2"]


async def test_expired_evidence_waits_for_frigate_to_delete_it(env: Env) -> None:
    hass = env.hass
    desk = env.city.footage
    answer = await call(hass, "request_footage", intake([GATE, HALL]), env.police)
    request_id = answer["request_id"]
    await preserved(env, request_id, "P1", "P2")
    for part in ("P1", "P2"):
        await call(hass, "decide_footage_request", {
            "request_id": request_id, "part": part, "decision": "refuse", "reason": "no_legal_basis",
        }, env.kominfo)
    request = desk.book.get(request_id)
    server = env.sim.servers[0]
    # one export is already gone from Frigate; the server is down for the other
    first, second = (part.export_id for part in request.parts)
    assert first is not None
    assert second is not None
    assert server.export_store.delete(first)
    server.faults.down = True
    request.keep_until = dt_util.utcnow() - timedelta(minutes=1)
    await desk.async_housekeeping()
    assert request.expired_at is not None
    assert [part.cleaned_up for part in request.parts] == [False, False]
    server.faults.down = False
    await desk.async_housekeeping()
    assert [part.cleaned_up for part in request.parts] == [True, True]
    assert server.export_store.get(second) is None


async def test_an_export_whose_server_stays_unreachable_becomes_a_repair_issue(
    env: Env, issue_registry: ir.IssueRegistry
) -> None:
    hass = env.hass
    desk = env.city.footage
    server = env.sim.servers[0]
    server.export_duration_s = 1.0
    answer = await call(hass, "request_footage", intake([GATE]), env.police)
    assert answer["parts"][0]["preservation"] == "exporting"
    request_id = answer["request_id"]
    part = desk.book.get(request_id).parts[0]
    issue_id = f"footage_preservation_{request_id}_P1"
    events = async_capture_events(hass, "ncc_footage_request")

    server.faults.down = True
    await wait_until(lambda: part.poll_errors == REPAIR_AFTER_ATTEMPTS - 1)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    await wait_until(lambda: part.poll_errors >= REPAIR_AFTER_ATTEMPTS)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "footage_preservation_failing"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["attempts"] == str(REPAIR_AFTER_ATTEMPTS)
    assert "Cannot connect" in issue.translation_placeholders["error"]
    # the export was started: it is still the one awaited, not started again
    assert part.preservation.value == "exporting"
    assert part.attempts == 0
    assert desk.diagnostics()["failing_parts"] == 1
    failed = [event.data for event in events if event.data["type"] == "preservation_failed"]
    assert [data["part_ids"] for data in failed] == [["P1"]]

    server.faults.down = False
    await preserved(env, request_id, "P1")
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert desk.diagnostics()["failing_parts"] == 0


async def test_an_export_still_written_when_its_server_returns_clears_the_repair_issue(
    env: Env, issue_registry: ir.IssueRegistry
) -> None:
    server = env.sim.servers[0]
    server.export_duration_s = 30.0
    answer = await call(env.hass, "request_footage", intake([GATE]), env.police)
    request_id = answer["request_id"]
    part = env.city.footage.book.get(request_id).parts[0]
    issue_id = f"footage_preservation_{request_id}_P1"
    server.faults.down = True
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None)
    server.faults.down = False
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)
    assert part.preservation.value == "exporting"
    assert part.poll_errors == 0


async def test_every_event_of_a_busy_window_is_retained(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """More events than Frigate gives in one answer: all of them are kept, the oldest too."""
    hass = env.hass
    server = env.sim.servers[0]
    camera = server.camera("ijen_01")
    span = window(end_minutes_ago=10, minutes=60)
    start = dt_util.parse_datetime(span["start"])
    end = dt_util.parse_datetime(span["end"])
    assert start is not None
    assert end is not None
    first, last = start.timestamp(), end.timestamp()
    count = MAX_LIMIT + 5
    for n in range(count):
        at = first + (last - first) * n / count
        server.catalog.create(server.rng, camera, label="car", severity=Severity.DETECTION,
                              start_time=at, end_time=at + 20.0, zones=[])
    expected = {
        event.id for event in server.catalog.events.values()
        if event.camera == "ijen_01" and first - 3600 < event.start_time < last
        and (event.end_time is None or event.end_time >= first)
    }
    assert len(expected) > MAX_LIMIT
    client = async_get_data(hass).servers["balaikota"].client

    async def refuse(*_: Any, **__: Any) -> str:
        raise FrigateAuthError("Frigate denied access", status=403)

    monkeypatch.setattr(client, "async_start_export", refuse)
    answer = await call(hass, "request_footage", intake([GATE], **span), env.police)

    part = env.city.footage.book.get(answer["request_id"]).parts[0]
    await wait_until(lambda: part.preservation.value == "events_retained")
    assert set(part.retained_event_ids) == expected
    assert len(part.retained_event_ids) == len(expected)
    assert all(server.catalog.events[event_id].retain_indefinitely for event_id in expected)

