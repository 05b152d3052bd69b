"""Fault knobs, set in-process and through the /_sim control endpoints; camera outages;
restarts."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from frigate_sim import SimServer
from frigate_sim.testing import CityFactory


async def _server(sim_city: CityFactory, **options: Any) -> SimServer:
    city = await sim_city(servers=1, cameras=2, seed=7, **options)
    return city.servers[0]


async def _refused(url: str) -> bool:
    async with aiohttp.ClientSession() as session:
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=1)):
                return False
        except aiohttp.ClientConnectorError:
            return True


async def test_down_refuses_connections_and_comes_back_on_the_same_port(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _server(sim_city)
    port = srv.port
    async with http.get(f"{srv.url}/api/stats") as response:  # a pooled keep-alive connection
        assert response.status == 200
    srv.faults.down = True
    assert await _refused(f"{srv.url}/api/")
    with pytest.raises(aiohttp.ClientError):
        async with http.get(f"{srv.url}/api/stats"):
            pass
    srv.faults.down = False
    assert srv.port == port
    async with http.get(f"{srv.url}/api/") as response:  # served at once: no wait needed
        assert response.status == 200


async def test_down_for_s_through_the_control_endpoint_recovers_by_itself(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _server(sim_city)
    async with http.post(f"{srv.url}/_sim/faults", json={"down_for_s": 0.4}) as response:
        assert response.status == 200
    await asyncio.sleep(0.15)
    assert srv.describe()["faults"] == {**srv.faults.as_dict(), "down": True}
    assert await _refused(f"{srv.url}/api/")
    for _ in range(50):
        await asyncio.sleep(0.05)
        if not srv.faults.as_dict()["down"]:
            break
    assert srv.faults.as_dict()["down"] is False
    async with http.get(f"{srv.url}/api/version") as response:
        assert response.status == 200


async def test_slow_s_delays_every_response(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    srv.faults.slow_s = 0.3
    started = time.monotonic()
    async with http.get(f"{srv.url}/api/version") as response:
        assert response.status == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    async with http.get(f"{srv.url}/_sim/faults") as response:  # control stays fast
        assert (await response.json())["slow_s"] == 0.3
    assert time.monotonic() - started < 0.3


async def test_http_500_and_malformed_json(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    srv.faults.http_500 = True
    for path in ("/api/stats", "/api/config", "/api/", "/api/no/such/route"):
        async with http.get(srv.url + path) as response:
            assert response.status == 500, path
    srv.faults.http_500 = False
    srv.faults.malformed_json = True
    async with http.get(f"{srv.url}/api/stats") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        text = await response.text()
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    async with http.get(f"{srv.url}/api/version") as response:  # text endpoints are untouched
        assert await response.text() == srv.version
    srv.faults.clear()
    async with http.get(f"{srv.url}/api/stats") as response:
        assert set((await response.json())["cameras"]) == set(srv.cameras)


async def test_control_endpoint_sets_and_validates_faults(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _server(sim_city)
    body = {"slow_s": 0.0, "http_500": True, "malformed_json": False}
    async with http.post(f"{srv.url}/_sim/faults", json=body) as response:
        assert response.status == 200
        assert (await response.json())["http_500"] is True
    assert srv.faults.http_500 is True
    for bad in ({"http_500": "yes"}, {"slow_s": -1}, {"explode": True}, {"down_for_s": "x"}):
        async with http.post(f"{srv.url}/_sim/faults", json={**bad, "malformed_json": True}) as r:
            assert r.status == 400, bad
            assert "error" in await r.json()
    assert srv.faults.malformed_json is False  # a refused request changes nothing
    async with http.post(f"{srv.url}/_sim/faults", data=b"[1") as response:
        assert response.status == 400


async def test_camera_outage_shows_in_stats_and_leaves_a_recording_gap(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _server(sim_city)
    camera, other = srv.cameras
    srv.set_camera_online(camera, False)
    async with http.get(f"{srv.url}/api/stats") as response:
        stats = (await response.json())["cameras"]
    assert stats[camera]["camera_fps"] == 0.0
    assert stats[camera]["capture_pid"] is None
    assert stats[camera]["ffmpeg_pid"] is None
    assert stats[other]["camera_fps"] > 0
    async with http.get(f"{srv.url}/api/{camera}/latest.jpg?height=90") as response:
        assert response.status == 200  # Frigate serves a placeholder, not an error
        assert response.content_type == "image/jpeg"
        assert (await response.read())[:2] == b"\xff\xd8"
    went_offline = srv.cameras[camera].outages[-1].start
    await asyncio.sleep(0.05)
    async with http.post(f"{srv.url}/_sim/camera/{camera}/online", json={"online": True}) as r:
        assert r.status == 200
    outage = srv.cameras[camera].outages[-1]
    assert outage.start == went_offline
    assert outage.end is not None
    assert outage.end > outage.start
    async with http.get(f"{srv.url}/api/stats") as response:
        assert (await response.json())["cameras"][camera]["camera_fps"] > 0
    async with http.post(f"{srv.url}/_sim/camera/{camera}/online", json={"online": "no"}) as r:
        assert r.status == 400
    async with http.post(f"{srv.url}/_sim/camera/ghost/online", json={"online": True}) as r:
        assert r.status == 404
    with pytest.raises(ValueError, match="no camera"):
        srv.set_camera_online("ghost", False)


async def test_a_camera_created_offline_went_dark_before_start(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    from frigate_sim import SimCamera, SimCity

    city = await sim_city(SimCity([SimServer("s", [SimCamera("lobby", online=False)])]))
    srv = city.servers[0]
    now = time.time()
    async with http.get(f"{srv.url}/api/lobby/recordings?after={now - 60}&before={now}") as r:
        assert await r.json() == []
    async with http.get(f"{srv.url}/api/lobby/recordings?after={now - 7200}&before={now - 3600}") as r:
        assert len(await r.json()) > 300


async def test_restart_resets_uptime_and_pids_but_keeps_state(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _server(sim_city, export_duration_s=0.0, export_row_delay_s=0.0)
    srv.started_at -= 3600
    now = time.time()
    async with http.post(f"{srv.url}/api/export/ijen_01/start/{now - 300}/end/{now - 240}", json={}) as r:
        export_id = (await r.json())["export_id"]
    async with http.get(f"{srv.url}/api/stats") as response:
        before = await response.json()
    assert before["service"]["uptime"] >= 3600
    async with http.post(f"{srv.url}/_sim/restart") as response:
        assert response.status == 200
    async with http.get(f"{srv.url}/api/stats") as response:
        after = await response.json()
    assert after["service"]["uptime"] < 5
    assert after["cameras"]["ijen_01"]["pid"] != before["cameras"]["ijen_01"]["pid"]
    for _ in range(100):
        async with http.get(f"{srv.url}/api/exports/{export_id}") as response:
            if response.status == 200:
                break
        await asyncio.sleep(0.02)
    async with http.get(f"{srv.url}/api/exports") as response:
        assert export_id in [e["id"] for e in await response.json()]


async def test_review_through_the_control_endpoint(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _server(sim_city)
    body = {"camera": "ijen_01", "label": "car", "severity": "detection", "zones": ["road"]}
    async with http.post(f"{srv.url}/_sim/review", json=body) as response:
        assert response.status == 200
        created = await response.json()
    async with http.get(f"{srv.url}/api/review/{created['review_id']}") as response:
        review = await response.json()
    assert review["severity"] == "detection"
    assert review["data"]["detections"] == created["event_ids"]
    for bad in ({"camera": "ghost"}, {"label": "car"}, {"camera": "ijen_01", "severity": "loud"}):
        async with http.post(f"{srv.url}/_sim/review", json=bad) as response:
            assert response.status == 400, bad
    async with http.get(f"{srv.url}/_sim/state") as response:
        state = await response.json()
    assert state["cameras"]["ijen_01"]["gaps"] == [
        [g.start, g.end] for g in srv.cameras["ijen_01"].gaps or []
    ]
