"""A Frigate server going down and up every few seconds for a minute.

HA's clock is frozen and moved in 2 s steps (a minute of flapping takes about a second); the
faults are real: the simulator refuses connections while down and listens again on the same
port when up, so every poll meets the server as it is at that moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
import logging
import random
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.ncc.const import DOMAIN, EVENT_INCIDENT, STATS_INTERVAL
from custom_components.ncc.coordinator import ServerCoordinator
from custom_components.ncc.data import async_get_city
from frigate_sim import SimCity, SimServer

from .conftest import advance

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]

STEP = timedelta(seconds=2)
FLAPPING_FOR = timedelta(minutes=1)


def flap_schedule(seed: int) -> list[bool]:
    """Up (True) or down per 2 s step: each phase lasts 2 to 8 s, for a minute."""
    rng = random.Random(seed)
    steps = int(FLAPPING_FOR / STEP)
    schedule: list[bool] = []
    up = False
    while len(schedule) < steps:
        schedule += [up] * rng.randint(1, 4)
        up = not up
    return schedule[:steps]


async def set_up(server: SimServer, up: bool) -> None:
    """Take the server down or bring it back, and let it finish re-listening.

    Going back up starts serving in a task; the simulator leaks the listening socket if it
    goes down again before that task has run (reported to its owner), so give it the three
    loop turns it needs.
    """
    server.faults.down = not up
    for _ in range(3):
        await asyncio.sleep(0)


def camera_entities(entity_registry: er.EntityRegistry, entry: MockConfigEntry) -> list[str]:
    return [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if "/" in entity.unique_id and entity.disabled_by is None
    ]


@pytest.mark.parametrize("seed", [1, 2])
async def test_flapping_server_never_crashes_and_entities_follow_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_city: SetupCity,
    add_server: AddServer,
    one_server: SimCity,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    seed: int,
) -> None:
    await setup_city()
    entry = await add_server(one_server.servers[0].url, "balaikota")
    server = one_server.servers[0]
    coordinator: ServerCoordinator = entry.runtime_data
    city = async_get_city(hass)
    assert city is not None
    cameras_before = {cam_id: cam.present for cam_id, cam in city.registry.cameras.items()}
    entities = camera_entities(entity_registry, entry)
    assert len(entities) == 2 * len(server.cameras)
    online_sensor = "sensor.dinas_komunikasi_dan_informatika_cameras_online"

    polls: list[tuple[bool, bool]] = []  # (server up at the poll, the poll succeeded)
    up_now = True

    def on_poll() -> None:
        polls.append((up_now, coordinator.last_update_success))

    remove = coordinator.async_add_listener(on_poll)
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    outages = recoveries = 0
    was_unavailable = False
    for up in flap_schedule(seed):
        up_now = up
        await set_up(server, up)
        await advance(hass, freezer, STEP)
        states = {entity_id: hass.states.get(entity_id) for entity_id in entities}
        assert all(state is not None for state in states.values())
        unavailable = {entity_id for entity_id, state in states.items()
                       if state is not None and state.state == STATE_UNAVAILABLE}
        # entities follow the last poll, all of them together
        if coordinator.last_update_success:
            assert not unavailable
            recoveries += was_unavailable
            was_unavailable = False
        else:
            assert unavailable == set(entities)
            outages += not was_unavailable
            was_unavailable = True
        assert entry.state is ConfigEntryState.LOADED
    remove()

    # every poll saw the server as it was (listeners hear each success and each new failure),
    # and the minute exercised both sides more than once
    assert all(up == succeeded for up, succeeded in polls)
    assert sum(ok for _, ok in polls) >= 2
    assert outages >= 2
    assert recoveries >= 1

    # back up for good: everything returns without a reload
    await set_up(server, True)
    await advance(hass, freezer, STATS_INTERVAL)
    assert coordinator.last_update_success
    assert all(hass.states.get(entity_id).state != STATE_UNAVAILABLE for entity_id in entities)
    assert hass.states.get(online_sensor).state == str(len(server.cameras))

    # a flapping server is not a lost server: cameras stay, no repair issue, no tracebacks
    assert {cam_id: cam.present for cam_id, cam in city.registry.cameras.items()} == cameras_before
    assert issue_registry.async_get_issue(DOMAIN, coordinator.repair_issue_id) is None
    # the coordinator's own "Error fetching" lines (with a traceback at debug level) are expected
    assert not [record for record in caplog.records
                if record.levelno >= logging.WARNING and record.exc_info]
    assert not [record for record in caplog.records
                if record.levelno >= logging.ERROR and not record.name.startswith(
                    "custom_components.ncc.coordinator")]


@pytest.fixture
async def busy_server() -> AsyncIterator[SimCity]:
    """One server whose exports finish in half a second."""
    city = SimCity.synthetic(servers=1, cameras=4, seed=6, auth=False,
                             export_duration_s=0.5, export_row_delay_s=0.05)
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


def footage_request(camera_id: str, minutes_ago: int) -> dict[str, Any]:
    end = dt_util.utcnow() - timedelta(minutes=minutes_ago)
    return {
        "requester_name": "Budi Santoso", "requester_identity_number": "3507123456789012",
        "requester_kind": "citizen", "requester_phone": "+62 812-3456-7890",
        "purpose": "Tabrakan motor", "incident_type": "traffic_accident",
        "legal_basis": "data_subject", "camera_ids": [camera_id],
        "start": (end - timedelta(minutes=5)).isoformat(), "end": end.isoformat(),
    }


async def test_flapping_loses_no_footage_request_and_duplicates_no_incident(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_city: SetupCity,
    add_server: AddServer,
    busy_server: SimCity,
    hass_admin_user: User,
    hass_storage: dict[str, Any],
) -> None:
    await setup_city()
    await add_server(busy_server.servers[0].url, "balaikota")
    server = busy_server.servers[0]
    cameras = sorted(server.cameras)
    city = async_get_city(hass)
    assert city is not None
    context = Context(user_id=hass_admin_user.id)
    # every review item its own incident, so duplicates cannot hide in a merged one
    await hass.services.async_call(DOMAIN, "set_routing_rule",
                                   {"rule_id": "default", "cooldown_seconds": 0},
                                   blocking=True, context=context)
    incidents = async_capture_events(hass, EVENT_INCIDENT)
    rng = random.Random(11)
    emitted: list[str] = []
    requests: list[str] = []
    for step, up in enumerate(flap_schedule(3)):
        await set_up(server, up)
        if rng.random() < 0.4:  # the camera sees something, whether NCC can reach Frigate or not
            emitted.append(await server.emit_review(rng.choice(cameras), label="person"))
        if step % 6 == 0:  # a request now and then, also while the server is unreachable
            answer = await hass.services.async_call(
                DOMAIN, "request_footage", footage_request(f"balaikota/{rng.choice(cameras)}", 10 + step),
                blocking=True, context=context, return_response=True,
            )
            requests.append(answer["request_id"])
        await advance(hass, freezer, STEP)
    await set_up(server, True)
    # up for good: retries and catch-up polls run their course
    book = city.footage.book
    for _ in range(int(timedelta(minutes=40) / STATS_INTERVAL)):
        await advance(hass, freezer, STATS_INTERVAL)
        if all(part.preservation.value == "preserved" for request_id in requests
               for part in book.get(request_id).parts):
            break

    new = [event.data["review_id"] for event in incidents if event.data["type"] == "new"]
    assert sorted(new) == sorted(emitted), "a review item was lost or opened two incidents"
    assert len(city.alerts.book.incidents) == len(emitted)
    assert emitted
    assert len(requests) >= 3

    stored = {request["id"] for request in hass_storage["ncc.footage"]["data"]["requests"]}
    assert set(requests) <= stored
    for request_id in requests:
        parts = book.get(request_id).parts
        assert [part.preservation.value for part in parts] == ["preserved"] * len(parts), request_id
    exports = [export.name for export in server.export_store.visible()]
    assert len(exports) == len(set(exports)) == len(requests), "an export was made twice"
