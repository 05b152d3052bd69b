"""Serving the cameras of a Frigate config.yml."""

from __future__ import annotations

from pathlib import Path
import time

import aiohttp
import pytest

from frigate_sim import ConfigFileError, SimCity, SimServer, load_frigate_config
from frigate_sim.testing import CityFactory

CONFIG = """
mqtt:
  enabled: true
  host: "{FRIGATE_MQTT_HOST}"
  topic_prefix: frigate_dishub
  client_id: dishub
  stats_interval: 15
auth:
  enabled: true
detect:
  enabled: true
  fps: 5
record:
  enabled: true
  continuous:
    days: 10
  alerts:
    retain:
      days: 30
      mode: motion
cameras:
  simpang_ijen:
    friendly_name: Simpang Ijen
    ffmpeg:
      inputs:
        - path: rtsp://{FRIGATE_RTSP_USER}:{FRIGATE_RTSP_PASSWORD}@10.0.0.5:554/stream1
          roles: [detect]
        - path: rtsp://admin:rahasia@10.0.0.5:554/stream0
          roles: [record]
    detect:
      width: 640
      height: 360
      fps: 7
    zones:
      road:
        coordinates: 0,0.5,1,0.5,1,1,0,1
      crossing:
        coordinates: [0.1, 0.9, 0.5, 0.9, 0.5, 0.6]
  alun_alun:
    enabled: false
    ffmpeg:
      inputs:
        - path: rtsp://{FRIGATE_ALUN_HOST}:554/live
          roles: [detect, record]
    record:
      continuous:
        days: 3
      detections:
        retain:
          days: 5
  legacy_gate:
    record:
      retain:
        days: 7
        mode: motion
"""


def _write(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "dishub.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_file_cameras_and_settings(tmp_path: Path) -> None:
    parsed = load_frigate_config(_write(tmp_path))
    cameras = {c.name: c for c in parsed.cameras}
    assert list(cameras) == ["simpang_ijen", "alun_alun", "legacy_gate"]
    ijen, alun, legacy = cameras.values()
    assert ijen.friendly_name == "Simpang Ijen"
    assert (ijen.detect_width, ijen.detect_height, ijen.detect_fps) == (640, 360, 7)
    assert ijen.detect_enabled is True
    assert ijen.retention.continuous_days == 10
    assert ijen.retention.alerts.days == 30
    assert ijen.zone_polygons == {
        "road": "0,0.5,1,0.5,1,1,0,1",
        "crossing": "0.1,0.9,0.5,0.9,0.5,0.6",
    }
    assert ijen.stream_url == "rtsp://admin:rahasia@10.0.0.5:554/stream0"  # the record input
    assert alun.enabled is False
    assert alun.retention.continuous_days == 3  # camera override of the global value
    assert alun.retention.detections.days == 5
    assert alun.retention.alerts.days == 30  # global value kept
    # the 0.17 settings (global here) win over a camera's <= 0.16 `retain`
    assert (legacy.retention.continuous_days, legacy.retention.motion_days) == (10, 0)
    assert parsed.topic_prefix == "frigate_dishub"
    assert parsed.client_id == "dishub"
    assert parsed.stats_interval_s == 15
    assert alun.stream_url == "rtsp://{FRIGATE_ALUN_HOST}:554/live"  # placeholders kept as written


def test_legacy_retention_forms(tmp_path: Path) -> None:
    text = """
cameras:
  a:
    record: {enabled: true, retain: {days: 4, mode: all}}
  b:
    record: {enabled: true, events: {retain: {default: 12}}}
  c:
    record: {enabled: true, retain: {days: 6, mode: motion}}
"""
    cameras = {c.name: c for c in load_frigate_config(_write(tmp_path, text)).cameras}
    assert cameras["a"].retention.continuous_days == 4
    assert (cameras["c"].retention.continuous_days, cameras["c"].retention.motion_days) == (0, 6)
    assert cameras["b"].retention.alerts.days == 12
    assert cameras["b"].retention.detections.days == 12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cameras: {}\n", "has no cameras"),
        ("- just\n- a list\n", "not a Frigate config"),
        ("cameras: [\n", "not valid YAML"),
        ("cameras:\n  a:\n    record:\n      continuous: {days: ten}\n", "must be a number"),
        ("cameras:\n  a: 5\n", "must be a mapping"),
        ("cameras:\n  a:\n    ffmpeg: {inputs: nope}\n", "must be a list"),
    ],
)
def test_bad_config_files_are_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigFileError, match=message):
        load_frigate_config(_write(tmp_path, text))
    with pytest.raises(ConfigFileError, match="cannot read"):
        load_frigate_config(tmp_path / "missing.yml")


async def test_a_server_serves_exactly_the_config(
    sim_city: CityFactory, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    server = SimServer.from_config("dishub", _write(tmp_path))
    city = await sim_city(SimCity([server]))
    srv = city.servers[0]
    assert srv.topic_prefix == "frigate_dishub"
    assert srv.client_id == "dishub"
    assert srv.stats_interval_s == 15
    async with http.get(f"{srv.url}/api/config") as response:
        config = await response.json()
    assert list(config["cameras"]) == ["simpang_ijen", "alun_alun", "legacy_gate"]
    ijen = config["cameras"]["simpang_ijen"]
    assert ijen["ffmpeg"]["inputs"][0]["path"] == "rtsp://*:*@10.0.0.5:554/stream0"
    assert "rahasia" not in str(config)
    assert ijen["detect"]["width"] == 640
    assert sorted(ijen["zones"]) == ["crossing", "road"]
    assert config["cameras"]["alun_alun"]["enabled"] is False
    alun_input = config["cameras"]["alun_alun"]["ffmpeg"]["inputs"][0]["path"]
    assert alun_input == "rtsp://{FRIGATE_ALUN_HOST}:554/live"
    async with http.get(f"{srv.url}/api/stats") as response:
        stats = (await response.json())["cameras"]
    assert stats["alun_alun"]["camera_fps"] == 0.0
    assert stats["alun_alun"]["pid"] is None
    assert stats["simpang_ijen"]["camera_fps"] == 7.0
    now = time.time()
    async with http.get(f"{srv.url}/api/alun_alun/recordings?after={now - 600}&before={now}") as r:
        assert await r.json() == []  # a disabled camera records nothing


def test_two_configs_with_the_same_prefix_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(ValueError, match="prefixes must be unique"):
        SimCity([SimServer.from_config("a", path), SimServer.from_config("b", path)])
