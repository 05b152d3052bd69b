"""Every client call against the Frigate simulator (frigate_sim): both auth modes, all faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
import math
from pathlib import Path
import time

import aiohttp
import pytest

from custom_components.ncc.frigate import (
    EventQuery,
    FrigateAuthError,
    FrigateClient,
    FrigateConnectionError,
    FrigateError,
    FrigateExport,
    FrigateNotFoundError,
    FrigateRequestError,
    FrigateResponseError,
    ReviewQuery,
    TimeRange,
)
from frigate_sim import SimCamera, SimCity, SimServer, TimeRange as SimRange

SIM_PASSWORD = "sim-password-for-tests"
# the MP4 `ftyp` box sits right after the 4-byte size of the first box
MP4_SIGNATURE = b"ftyp"
SLOW_S = 0.4


@pytest.fixture(params=[False, True], ids=["open_port", "auth_port"])
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[SimServer]:
    city = SimCity.synthetic(
        servers=1,
        cameras=3,
        seed=1,
        auth=request.param,
        password=SIM_PASSWORD,
        export_duration_s=0.2,
        export_row_delay_s=0.05,
    )
    await city.start(host="127.0.0.1", base_port=0)
    try:
        yield city.servers[0]
    finally:
        await city.stop()


def connect(
    server: SimServer,
    session: aiohttp.ClientSession,
    *,
    user: str = "admin",
    timeout: float = 10.0,
    max_concurrency: int = 4,
) -> FrigateClient:
    """A client as NCC configures it: credentials only for the authenticated port."""
    return FrigateClient(
        session,
        server.url,
        username=user if server.auth_enabled else None,
        password=SIM_PASSWORD if server.auth_enabled else None,
        timeout=timeout,
        max_concurrency=max_concurrency,
    )


async def test_every_read_call(sim: SimServer, session: aiohttp.ClientSession) -> None:
    client = connect(sim, session)
    version = await client.async_validate()
    assert (version.major, version.minor) == (0, 17)

    config = await client.async_get_config()
    assert set(config.cameras) == set(sim.cameras)
    camera = next(iter(config.cameras.values()))
    assert camera.friendly_name == sim.cameras[camera.name].friendly_name
    assert config.auth_enabled is sim.auth_enabled
    assert config.mqtt.topic_prefix == sim.topic_prefix

    stats = await client.async_get_stats()
    assert set(stats.cameras) == set(sim.cameras)
    assert all(cam.online for cam in stats.cameras.values())
    assert stats.version == sim.version
    assert stats.recordings_storage is not None

    events = await client.async_get_events(EventQuery(limit=5))
    assert 0 < len(events) <= 5
    assert await client.async_get_event(events[0].id) == events[0]
    named = await client.async_get_events(EventQuery(cameras=(camera.name,), limit=1000))
    assert {event.camera for event in named} == {camera.name}

    now = time.time()
    reviews = await client.async_get_reviews(ReviewQuery(after=now - 7 * 86400, limit=3))
    assert 0 < len(reviews) <= 3
    assert await client.async_get_review(reviews[0].id) == reviews[0]

    days = await client.async_get_recordings_summary(camera.name, "Asia/Jakarta")
    assert days
    assert all(0 <= hour.hour <= 23 for day in days for hour in day.hours)
    assert days[0].recorded_s > 0

    segments = await client.async_get_recording_segments(camera.name, now - 3600, now)
    assert segments
    assert all(s.end_time >= now - 3600 and s.start_time <= now for s in segments)
    assert [s.start_time for s in segments] == sorted(s.start_time for s in segments)

    gaps = await client.async_get_unavailable([camera.name], now - 86400, now)
    assert all(isinstance(gap, TimeRange) and gap.duration_s > 0 for gap in gaps)

    storage = await client.async_get_recordings_storage()
    assert set(storage) == set(sim.cameras)
    assert all(usage.usage_mb >= 0 for usage in storage.values())

    image = await client.async_get_latest_image(camera.name, height=180)
    assert image[:2] == b"\xff\xd8"


async def test_retain_round_trip(sim: SimServer, session: aiohttp.ClientSession) -> None:
    client = connect(sim, session)
    event = (await client.async_get_events(EventQuery(limit=1)))[0]
    await client.async_retain_event(event.id)
    assert (await client.async_get_event(event.id)).retain_indefinitely is True
    await client.async_unretain_event(event.id)
    assert (await client.async_get_event(event.id)).retain_indefinitely is False
    with pytest.raises(FrigateNotFoundError):
        await client.async_retain_event("no-such-event")


async def _wait_for_export(client: FrigateClient, export_id: str) -> FrigateExport:
    """Poll as Frigate's UI does: the row shows up a moment after the start call."""
    deadline = time.monotonic() + 15
    while True:
        try:
            export = await client.async_get_export(export_id)
        except FrigateNotFoundError:
            export = None
        if export is not None and not export.in_progress:
            return export
        assert time.monotonic() < deadline, "export never finished"
        await asyncio.sleep(0.05)


async def test_export_start_poll_download(
    sim: SimServer, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    client = connect(sim, session)
    camera = next(iter(sim.cameras))
    now = time.time()
    segment = (await client.async_get_recording_segments(camera, now - 3600, now))[-1]
    export_id = await client.async_start_export(
        camera, segment.start_time - 20, segment.end_time, name="Bukti kejadian"
    )
    assert export_id is not None
    export = await _wait_for_export(client, export_id)
    assert export.camera == camera
    assert export.name == "Bukti kejadian"
    assert export in await client.async_get_exports()

    target = tmp_path / "bukti.mp4"
    size = await client.async_download_export(export, target)
    content = target.read_bytes()
    assert size == len(content) > 1000
    assert content[4:8] == MP4_SIGNATURE
    streamed = [chunk async for chunk in client.async_iter_export(export, chunk_size=8192)]
    assert b"".join(streamed) == content

    await client.async_rename_export(export_id, "Bukti 2")
    assert (await client.async_get_export(export_id)).name == "Bukti 2"
    await client.async_delete_export(export_id)
    with pytest.raises(FrigateNotFoundError):
        await client.async_get_export(export_id)


async def test_export_refusals(sim: SimServer, session: aiohttp.ClientSession) -> None:
    client = connect(sim, session)
    camera = next(iter(sim.cameras))
    with pytest.raises(FrigateRequestError, match="No recordings found"):
        await client.async_start_export(camera, 1_000_000.0, 1_000_060.0)
    with pytest.raises(FrigateNotFoundError, match="not a valid camera"):
        await client.async_start_export("nope", time.time() - 120, time.time() - 60)


@pytest.mark.parametrize(
    ("knob", "error"),
    [
        ("down", FrigateConnectionError),
        ("slow_s", FrigateConnectionError),
        ("http_500", FrigateResponseError),
        ("malformed_json", FrigateResponseError),
    ],
)
async def test_fault_then_recovery(
    sim: SimServer, session: aiohttp.ClientSession, knob: str, error: type[FrigateError]
) -> None:
    client = connect(sim, session, timeout=0.2)
    await client.async_get_stats()
    if knob == "down":
        sim.faults.down = True
    elif knob == "slow_s":
        sim.faults.slow_s = SLOW_S
    else:
        setattr(sim.faults, knob, True)
    with pytest.raises(error) as caught:
        await client.async_get_stats()
    if knob == "http_500":
        assert caught.value.status == 500
    # a fresh client (login included) meets the same fault
    with pytest.raises(error):
        await connect(sim, session, timeout=0.2).async_get_config()
    sim.faults.clear()
    stats = await client.async_get_stats()
    assert set(stats.cameras) == set(sim.cameras)
    if knob == "slow_s":
        # the simulator still sleeps in the requests the client gave up on; let them end
        await asyncio.sleep(SLOW_S)


async def test_camera_going_offline_shows_in_stats(sim: SimServer, session: aiohttp.ClientSession) -> None:
    client = connect(sim, session)
    camera, *others = sim.cameras
    sim.set_camera_online(camera, False)
    stats = await client.async_get_stats()
    assert stats.cameras[camera].online is False
    assert all(stats.cameras[name].online for name in others)
    sim.set_camera_online(camera, True)
    assert (await client.async_get_stats()).cameras[camera].online is True


@pytest.fixture
async def secured_sim() -> AsyncIterator[SimServer]:
    city = SimCity.synthetic(servers=1, cameras=2, seed=2, auth=True, password=SIM_PASSWORD)
    await city.start(host="127.0.0.1", base_port=0)
    try:
        yield city.servers[0]
    finally:
        await city.stop()


async def test_expired_tokens_are_renewed(secured_sim: SimServer, session: aiohttp.ClientSession) -> None:
    client = connect(secured_sim, session)
    await client.async_validate()
    secured_sim.expire_tokens()
    assert set((await client.async_get_stats()).cameras) == set(secured_sim.cameras)


async def test_secured_sim_refuses_bad_or_missing_credentials(
    secured_sim: SimServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FrigateAuthError, match="requires a login"):
        await FrigateClient(session, secured_sim.url).async_validate()
    wrong = FrigateClient(session, secured_sim.url, username="admin", password="not it at all")
    with pytest.raises(FrigateAuthError) as caught:
        await wrong.async_validate()
    assert caught.value.status == 401


async def test_viewer_may_read_but_not_delete(secured_sim: SimServer, session: aiohttp.ClientSession) -> None:
    viewer = connect(secured_sim, session, user="viewer")
    exports = await viewer.async_get_exports()
    assert isinstance(exports, list)
    with pytest.raises(FrigateAuthError, match="denied"):
        await viewer.async_delete_export("anything")


async def test_0_14_server(session: aiohttp.ClientSession) -> None:
    city = SimCity.synthetic(servers=1, cameras=1, seed=3, auth=True, password=SIM_PASSWORD, version="0.14.1")
    await city.start(host="127.0.0.1", base_port=0)
    try:
        server = city.servers[0]
        wrong = FrigateClient(session, server.url, username="admin", password="wrong password")
        with pytest.raises(FrigateAuthError) as caught:
            await wrong.async_validate()
        assert caught.value.status == 400
        client = connect(server, session)
        assert (await client.async_validate()).minor == 14
        camera = next(iter(server.cameras))
        now = time.time()
        assert await client.async_start_export(camera, now - 120, now - 60) is None
    finally:
        await city.stop()


async def test_gaps_derived_on_0_16_match_0_17s_answer(session: aiohttp.ClientSession) -> None:
    base = math.floor(time.time() / 600) * 600
    pinned = [SimRange(base - 1800, base - 1500), SimRange(base - 1230, base - 1200)]

    def server(name: str, version: str) -> SimServer:
        camera = SimCamera("gate_01", gaps=list(pinned))
        return SimServer(name, [camera], version=version, seed=4)

    city = SimCity([server("v16", "0.16.1"), server("v17", "0.17.2")])
    await city.start(host="127.0.0.1", base_port=0)
    try:
        window = (base - 3600.0, base - 600.0)
        answers = []
        for sim_server in city.servers:
            client = FrigateClient(session, sim_server.url)
            answers.append(await client.async_get_unavailable(["gate_01"], *window))
        derived, served = answers
        assert served == [TimeRange(base - 1800, base - 1500), TimeRange(base - 1230, base - 1200)]
        assert derived == served
    finally:
        await city.stop()


async def test_stream_closed_early_against_the_sim(sim: SimServer, session: aiohttp.ClientSession) -> None:
    client = connect(sim, session, max_concurrency=1)
    camera = next(iter(sim.cameras))
    now = time.time()
    export_id = await client.async_start_export(camera, now - 300, now - 240)
    assert export_id is not None
    export = await _wait_for_export(client, export_id)
    async with aclosing(client.async_iter_export(export, chunk_size=512)) as chunks:
        first = await anext(chunks)
    assert first[4:8] == MP4_SIGNATURE
    assert await client.async_get_export(export_id) == export
