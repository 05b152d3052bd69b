"""Export lifecycle: the row lag, in_progress, the file name, a real MP4, rename, delete,
restart and persistence."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
from pathlib import Path
import re
import shutil
import subprocess
import time
from typing import Any

import aiohttp
import pytest

from frigate_sim import SimCamera, SimCity, SimServer
from frigate_sim.media import FALLBACK_EXPORT, produce_export_video
from frigate_sim.testing import CityFactory

CSRF = {"X-CSRF-TOKEN": "1"}
VIDEO_PATH = re.compile(
    r"^/media/frigate/exports/(?P<cam>[a-z0-9_]+)_(?P<start>\d{8}_\d{6})-(?P<end>\d{8}_\d{6})"
    r"_(?P<suffix>[a-z0-9]{6})\.mp4$"
)


async def _start(http: aiohttp.ClientSession, srv: SimServer, begin: float, end: float, **body: Any) -> str:
    url = f"{srv.url}/api/export/gate/start/{begin}/end/{end}"
    async with http.post(url, json=body, headers=CSRF) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["export_id"])


async def _row(http: aiohttp.ClientSession, srv: SimServer, export_id: str) -> tuple[int, Any]:
    async with http.get(f"{srv.url}/api/exports/{export_id}") as response:
        return response.status, await response.json()


def _probe(path: Path) -> float:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=20,
    )
    return float(json.loads(result.stdout)["format"]["duration"])


async def test_export_lifecycle(sim_city: CityFactory, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    city = await sim_city(SimCity([SimServer("s", [SimCamera("gate")], export_duration_s=0.4)]))
    srv = city.servers[0]
    now = time.time()
    begin, end = now - 900, now - 600
    started = time.monotonic()
    export_id = await _start(http, srv, begin, end, name="Kejadian simpang")
    assert re.fullmatch(r"gate_[a-z0-9]{6}", export_id)
    status, _ = await _row(http, srv, export_id)
    assert status == 404  # the row appears only after the thumbnail step
    while status != 200:
        await asyncio.sleep(0.02)
        status, row = await _row(http, srv, export_id)
    assert 0.15 <= time.monotonic() - started < 0.4
    assert row["in_progress"] is True
    assert row["name"] == "Kejadian simpang"
    assert row["date"] == int(begin)
    match = VIDEO_PATH.match(row["video_path"])
    assert match is not None
    assert match["cam"] == "gate"
    assert match["suffix"] == export_id.rsplit("_", 1)[1]
    assert match["start"] == datetime.fromtimestamp(begin, UTC).strftime("%Y%m%d_%H%M%S")
    assert match["end"] == datetime.fromtimestamp(end, UTC).strftime("%Y%m%d_%H%M%S")
    file_url = f"{srv.url}/{row['video_path'].replace('/media/frigate/', '')}"
    async with http.get(file_url) as response:
        assert response.status == 404  # not written yet
    while (await _row(http, srv, export_id))[1]["in_progress"]:
        await asyncio.sleep(0.02)
    assert time.monotonic() - started >= 0.4
    async with http.get(file_url) as response:
        assert response.status == 200
        content = await response.read()
    assert content[4:8] == b"ftyp"
    video = tmp_path / "export.mp4"
    video.write_bytes(content)
    if shutil.which("ffprobe"):
        assert 1.0 <= _probe(video) <= 5.0

    async with http.patch(
        f"{srv.url}/api/export/{export_id}/rename", json={"name": "Bukti"}, headers=CSRF
    ) as response:
        assert await response.json() == {"success": True, "message": "Successfully renamed export."}
    assert (await _row(http, srv, export_id))[1]["name"] == "Bukti"
    async with http.patch(
        f"{srv.url}/api/export/{export_id}/rename", json={"name": "x" * 257}, headers=CSRF
    ) as response:
        assert response.status == 422
    async with http.delete(f"{srv.url}/api/export/{export_id}", headers=CSRF) as response:
        assert response.status == 200
    assert (await _row(http, srv, export_id))[0] == 404
    async with http.get(file_url) as response:
        assert response.status == 404
    async with http.delete(f"{srv.url}/api/export/{export_id}", headers=CSRF) as response:
        assert response.status == 404
        assert await response.json() == {"success": False, "message": "Export not found."}


async def test_exports_are_listed_newest_range_first_with_default_names(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    city = await sim_city(
        SimCity([SimServer("s", [SimCamera("gate")], export_duration_s=0, export_row_delay_s=0)])
    )
    srv = city.servers[0]
    now = time.time()
    older = await _start(http, srv, now - 7200, now - 7000)
    newer = await _start(http, srv, now - 600, now - 500)
    for _ in range(100):
        async with http.get(f"{srv.url}/api/exports") as response:
            rows = await response.json()
        if len(rows) == 2:
            break
        await asyncio.sleep(0.02)
    assert [r["id"] for r in rows] == [newer, older]
    assert rows[1]["name"].startswith("Gate ")
    async with http.post(
        f"{srv.url}/api/export/gate/start/{now - 60}/end/{now - 30}",
        json={"playback": "slow"},
        headers=CSRF,
    ) as response:
        assert response.status == 422
    async with http.post(
        f"{srv.url}/api/export/gate/start/{now - 60}/end/{now - 30}", headers=CSRF
    ) as response:
        assert response.status == 422  # the body model is required
    async with http.post(
        f"{srv.url}/api/export/gate/start/soon/end/{now}", json={}, headers=CSRF
    ) as response:
        assert (await response.json())["detail"][0]["loc"] == ["path", "start_time"]


async def test_restart_and_state_dir_keep_exports(
    sim_city: CityFactory, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    def server() -> SimServer:
        return SimServer(
            "keep",
            [SimCamera("gate")],
            state_dir=tmp_path,
            export_duration_s=0,
            export_row_delay_s=0,
        )

    first = (await sim_city(SimCity([server()]))).servers[0]
    now = time.time()
    export_id = await _start(http, first, now - 600, now - 500)
    for _ in range(200):
        status, row = await _row(http, first, export_id)
        if status == 200 and not row["in_progress"]:
            break
        await asyncio.sleep(0.02)
    first.restart()
    assert (await _row(http, first, export_id))[1] == row
    await first.stop()
    assert (tmp_path / "keep" / "exports.json").exists()

    second = (await sim_city(SimCity([server()]))).servers[0]
    assert (await _row(http, second, export_id))[1] == row
    async with http.get(f"{second.url}/{row['video_path'].replace('/media/frigate/', '')}") as r:
        assert r.status == 200


async def test_without_ffmpeg_the_committed_mp4_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert FALLBACK_EXPORT.stat().st_size < 50_000
    monkeypatch.setattr("frigate_sim.media.shutil.which", lambda name: None)
    target = tmp_path / "out" / "x.mp4"
    await produce_export_video(target)
    assert target.read_bytes() == FALLBACK_EXPORT.read_bytes()
    if shutil.which("ffprobe"):
        assert _probe(target) > 1.0
