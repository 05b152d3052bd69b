"""Footage intake through the websocket command `ncc/footage/request` (the intake card's way in):
guarded, checked and answered exactly like the `ncc.request_footage` action, but without HA's
`call_service` event, so the requester's personal data never reaches HA's recorder."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.auth.models import User
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.db_schema import Base
from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.recorder import session_scope
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from sqlalchemy import select

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
    window,
    ws,
)

PHONE_DIGITS = "3456-7890"  # a piece of test_footage.PHONE, as the requester typed it


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """The recorder's database is prepared before `hass` starts, as `recorder_mock` needs."""


env = footage_env_fixture()


async def client_for(env: Env, hass_ws_client: WebSocketGenerator, user: User) -> Any:
    return await hass_ws_client(env.hass, await token_for(env.hass, user))


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """An intake's answer without what differs from one request to the next."""
    return {
        **answer, "request_id": None,
        "parts": [{**part, "export_id": None, "problem": None} for part in answer["parts"]],
    }


async def test_the_command_answers_like_the_action_and_fires_no_call_service_event(
    env: Env, hass_ws_client: WebSocketGenerator
) -> None:
    hass = env.hass
    service_calls = async_capture_events(hass, EVENT_CALL_SERVICE)
    client = await client_for(env, hass_ws_client, env.police)
    data = intake([GATE, HALL])
    reply = await ws(client, "ncc/footage/request", **data)
    assert reply["success"], reply
    answer = reply["result"]
    assert answer["request_id"].startswith("FR-")
    assert [part["footage"] for part in answer["parts"]] == ["available", "available"]
    assert all(part["overwrite_at"] for part in answer["parts"])
    assert service_calls == []
    await preserved(env, answer["request_id"], "P1", "P2")
    request = env.city.footage.book.get(answer["request_id"])
    assert request.requester.identity_number == NIK
    assert request.created_by == env.police.id

    # the same intake through the action: the same answer, and HA's event with everything in it
    by_action = await call(hass, "request_footage", data, env.police)
    assert comparable(by_action) == comparable(answer)
    (event,) = service_calls
    assert event.data["service_data"]["requester_identity_number"] == NIK


async def test_the_command_refuses_what_the_action_refuses_and_stores_nothing(
    env: Env, hass_ws_client: WebSocketGenerator
) -> None:
    hass = env.hass
    book = env.city.footage.book
    police = await client_for(env, hass_ws_client, env.police)
    here = {"latitude": -7.0, "longitude": 112.0}
    await call(hass, "assign_camera", {"camera_id": GATE, **here}, env.admin)
    cases = [
        (env.police, intake([GATE], **window(end_minutes_ago=-10)), "footage_window_in_future"),
        (env.police, intake([GATE], **window(minutes=180)), "footage_window_too_long"),
        (env.police, intake([GATE], legal_basis="law_enforcement"), "footage_reference_required"),
        (env.police, intake([GATE], requester_phone=""), "footage_contact_required"),
        (env.police, intake([GATE], requester_identity_number="12"), "footage_invalid_identity_number"),
        (env.police, intake([GATE], requester_name=" "), "field_required"),
        (env.police, intake([], latitude=-7.47), "field_required"),
        (env.police, intake([]), "footage_cameras_or_area"),
        (env.police, intake([], radius_m=5000, **here), "footage_radius_too_large"),
        (env.police, intake([], radius_m=50, latitude=-6.0, longitude=110.0), "footage_no_cameras_in_area"),
        (env.viewer, intake([GATE]), "permission_denied_camera"),
    ]
    for user, data, key in cases:
        with pytest.raises(ServiceValidationError) as by_action:
            await call(hass, "request_footage", data, user)
        assert by_action.value.translation_key == key, key
        client = police if user is env.police else await client_for(env, hass_ws_client, user)
        reply = await ws(client, "ncc/footage/request", **data)
        assert reply["success"] is False, key
        assert reply["error"]["translation_key"] == key
        expected = "unauthorized" if key.startswith("permission_denied") else "invalid_format"
        assert reply["error"]["code"] == expected, key
    # what the schema refuses: unknown choices, unknown fields, missing fields, bad times
    for bad in (intake([GATE], requester_kind="alien"), intake([GATE], surprise=1),
                {key: value for key, value in intake([GATE]).items() if key != "purpose"},
                intake([GATE], start="yesterday")):
        reply = await ws(police, "ncc/footage/request", **bad)
        assert reply["error"]["code"] == "invalid_format", bad
    assert book.requests == {}
    stranger = await hass.auth.async_create_user("Stranger", group_ids=["system-users"])
    reply = await ws(await client_for(env, hass_ws_client, stranger), "ncc/footage/request",
                     **intake([GATE]))
    assert reply["error"]["translation_key"] == "no_role"
    assert book.requests == {}


def recorded(hass: HomeAssistant) -> str:
    """Every row of every table of HA's recorder database, as text."""
    with session_scope(hass=hass, read_only=True) as session:
        return repr([session.execute(select(table)).all() for table in Base.metadata.sorted_tables])


async def test_personal_data_of_an_intake_by_the_card_stays_out_of_the_recorder(
    recorder_mock: Recorder, env: Env, hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the test plugin logs every SQL statement; the recorder's thread would flood the output
    caplog.set_level(logging.WARNING, logger="sqlalchemy.engine")
    hass = env.hass
    client = await client_for(env, hass_ws_client, env.police)
    reply = await ws(client, "ncc/footage/request", **intake([GATE]))
    assert reply["success"], reply
    await preserved(env, reply["result"]["request_id"], "P1")
    await async_wait_recording_done(hass)
    database = await recorder_mock.async_add_executor_job(recorded, hass)
    assert "ncc_footage_request" in database  # NCC's own events are recorded, without personal data
    assert NIK not in database
    assert PHONE_DIGITS not in database
    # what docs/footage_requests.md warns of: an action call lands in the recorder in full
    await call(hass, "request_footage", intake([GATE]), env.police)
    await async_wait_recording_done(hass)
    database = await recorder_mock.async_add_executor_job(recorded, hass)
    assert NIK in database
