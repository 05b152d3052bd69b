"""Cities and servers: construction rules, ports, prefixes, bad input, frames, demo activity."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from frigate_sim import SimCamera, SimCity, SimServer
from frigate_sim.activity import run_demo_activity
from frigate_sim.media import render_frame
from frigate_sim.testing import CityFactory


def _free_port_pair() -> int:
    for _ in range(20):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
        try:
            with socket.socket() as second:
                second.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise AssertionError("no free port pair")


async def test_base_port_gives_consecutive_ports(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    city = SimCity.synthetic(servers=2, cameras=1, seed=1)
    base = _free_port_pair()
    await city.start("127.0.0.1", base)
    try:
        assert [s.port for s in city.servers] == [base, base + 1]
        assert city.server("srv2").url == f"http://127.0.0.1:{base + 1}"
        async with http.get(f"{city.servers[1].url}/api/version") as response:
            assert response.status == 200
    finally:
        await city.stop()


def test_topic_prefixes() -> None:
    lone = SimCity.synthetic(servers=1, cameras=1)
    assert lone.servers[0].topic_prefix == "frigate"
    assert lone.servers[0].client_id == "frigate"
    mixed = SimCity(
        [
            SimServer("a", [SimCamera("x")], topic_prefix="frigate_pemkot", client_id="pemkot"),
            SimServer("b", [SimCamera("y")]),
        ]
    )
    assert [s.topic_prefix for s in mixed.servers] == ["frigate_pemkot", "frigate_b"]
    assert [s.client_id for s in mixed.servers] == ["pemkot", "frigate_b"]
    with pytest.raises(KeyError):
        mixed.server("c")


def test_synthetic_camera_names_are_unique_across_the_city() -> None:
    city = SimCity.synthetic(servers=3, cameras=30)
    names = [name for server in city.servers for name in server.cameras]
    assert len(names) == len(set(names)) == 90
    assert all(server.cameras[name].friendly_name for server in city.servers for name in server.cameras)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SimServer("bad name", [SimCamera("a")]), "server name"),
        (lambda: SimServer("s", []), "at least one camera"),
        (lambda: SimServer("s", [SimCamera("a"), SimCamera("a")]), "duplicate camera"),
        (lambda: SimServer("s", [SimCamera("a")], stats_interval_s=0), "must be > 0"),
        (lambda: SimCamera("a/b"), "invalid camera name"),
        (lambda: SimCamera("a", detect_fps=0), "must be positive"),
        (lambda: SimCity([]), "at least one server"),
        (lambda: SimCity([SimServer("s", [SimCamera("a")])] * 2), "unique"),
        (lambda: SimCity.synthetic(servers=0), ">= 1"),
    ],
)
def test_bad_input_is_refused(build: object, message: str) -> None:
    assert callable(build)
    with pytest.raises(ValueError, match=message):
        build()


def test_secrets_stay_out_of_reprs() -> None:
    server = SimServer("s", [SimCamera("a")], auth=True, password="very-secret-password")
    assert "very-secret-password" not in repr(server.authenticator._accounts)


async def test_latest_image_sizes_and_formats(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    city = await sim_city(servers=1, cameras=1)
    srv = city.servers[0]
    async with http.get(f"{srv.url}/api/ijen_01/latest.jpg?height=180") as response:
        assert response.content_type == "image/jpeg"
        jpeg = await response.read()
    assert jpeg[:2] == b"\xff\xd8"
    async with http.get(f"{srv.url}/api/ijen_01/latest.png") as response:
        assert response.content_type == "image/png"
        assert (await response.read())[:4] == b"\x89PNG"
    async with http.get(f"{srv.url}/api/nope/latest.jpg") as response:
        assert response.status == 404
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(jpeg)).size == (320, 180)
    small, _ = render_frame("x", width=64, height=36, online=True, fmt="jpg", quality=50, second=1)
    assert Image.open(BytesIO(small)).size == (64, 36)


async def test_demo_activity_emits_reviews(sim_city: CityFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("frigate_sim.activity.REVIEW_EVERY_S", (0.01, 0.02))
    monkeypatch.setattr("frigate_sim.activity.OUTAGE_CHANCE", 1.0)
    monkeypatch.setattr("frigate_sim.activity.OUTAGE_S", (0.05, 0.06))
    city = await sim_city(servers=1, cameras=3, seed=5)
    srv = city.servers[0]
    before = len(srv.catalog.reviews)
    task = asyncio.create_task(run_demo_activity(srv))
    try:
        for _ in range(100):
            await asyncio.sleep(0.02)
            if len(srv.catalog.reviews) >= before + 3 and any(c.outages for c in srv.cameras.values()):
                break
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(srv.catalog.reviews) >= before + 3
    assert any(c.outages for c in srv.cameras.values())
    assert all(c.online for c in srv.cameras.values())  # outages end, even when cancelled
