"""The command line and the registry file it reads."""

from __future__ import annotations

import io
import json
from pathlib import Path
import stat
import subprocess
import sys

import pytest
import yaml

from custom_components.ncc.core.errors import ErrorKey
from custom_components.ncc.core.inventory import InventoryError, InventoryFormat, parse_inventory
from frigate_config.__main__ import describe, main
from frigate_config.demo import DEMO_INVENTORY, write_demo_inventory
from frigate_config.registry_file import inventory_text, load_registry

from .conftest import ROOT

DEMO = DEMO_INVENTORY.read_text(encoding="utf-8")
SMALL = """\
city: Kota Uji
agencies:
  - {code: DISHUB, name: Dinas Perhubungan, kind: city_department}
sites:
  - {id: simpang, name: Simpang, latitude: -7.47, longitude: 112.43}
cameras:
  - {id: dishub/a, name: Simpang A, agency: DISHUB, site: simpang, purpose: traffic}
  - {id: dishub/b, name: Simpang B, agency: DISHUB, site: simpang, purpose: traffic}
servers:
  - id: dishub
    disk_gb: 20
    mqtt: {host: 10.0.0.2, user: "${MQ_USER}", password: "${MQ_PASSWORD}"}
streams:
  - {camera: dishub/a, url: "rtsp://10.1.1.1/s", username: "${CAM_USER}", password: "${CAM_PASSWORD}",
     width: 1920, height: 1080, fps: 15, codec: h264}
  - {camera: dishub/b, url: "rtsp://10.1.1.2/s", record_mode: motion}
"""
ENV = {"MQ_USER": "mq", "MQ_PASSWORD": "mq pass", "CAM_USER": "admin", "CAM_PASSWORD": "p@ss"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_registry_file_is_the_inventory_plus_servers_and_streams() -> None:
    registry = load_registry(SMALL, ENV)
    assert registry.city_name == "Kota Uji"
    assert set(registry.registry.cameras) == {"dishub/a", "dishub/b"}
    assert registry.servers[0].mqtt_settings.password == "mq pass"
    assert registry.streams[0].password == "p@ss"
    assert registry.record_modes == {"dishub/b": "motion"}
    assert registry.missing_secrets == frozenset()
    unresolved = load_registry(SMALL)
    assert unresolved.missing_secrets == {"MQ_USER", "MQ_PASSWORD", "CAM_USER", "CAM_PASSWORD"}
    # the inventory part is what ncc.import_inventory accepts, line numbers unchanged
    plan = parse_inventory(inventory_text(SMALL), InventoryFormat.YAML)
    assert plan.ok
    assert len(plan.cameras) == 2
    assert inventory_text(SMALL).count("\n") == SMALL.count("\n")


@pytest.mark.parametrize(
    ("change", "line", "key"),
    [
        (("  - id: dishub\n", "  - id: dishub\n    colour: red\n"), 10, ErrorKey.INVENTORY_UNKNOWN_FIELD),
        (("disk_gb: 20", "disk_gb: lots"), 10, "frigate_number_out_of_range"),
        (("{camera: dishub/b,", "{camera: dishub/zz,"), 16, ErrorKey.CAMERA_NOT_FOUND),
        (("{camera: dishub/b, url: \"rtsp://10.1.1.2/s\"", "{camera: dishub/a, url: \"rtsp://10.1.1.2/s\""),
         16, ErrorKey.INVENTORY_DUPLICATE),
        (("url: \"rtsp://10.1.1.2/s\"", "url: \"rtsp://u:p@10.1.1.2/s\""), 16,
         "frigate_stream_url_has_credentials"),
        (("record_mode: motion", "record_mode: sometimes"), 16, ErrorKey.INVALID_CHOICE),
        (("record_mode: motion", "wibble: 1"), 16, ErrorKey.INVENTORY_UNKNOWN_FIELD),
        (("purpose: traffic}\n  - {id: dishub/b", "purpose: trafic}\n  - {id: dishub/b"), 7,
         ErrorKey.INVALID_CHOICE),
        ((SMALL[SMALL.index("streams:"):], "streams: 5\n"), 13, ErrorKey.INVENTORY_NOT_A_LIST),
        (("streams:\n  - {camera: dishub/a", "streams:\n  - 5\n  - {camera: dishub/a"), 14,
         ErrorKey.INVENTORY_NOT_A_MAPPING),
        (("servers:\n", "servers:\n  - id: dishub\n"), 11, ErrorKey.INVENTORY_DUPLICATE),
        (("mqtt: {host: 10.0.0.2,", "mqtt: {topic_prefix: frigate_x, host: 10.0.0.2,"), 1, None),
        (("city: Kota Uji", "city: [Kota"), 2, ErrorKey.INVENTORY_SYNTAX),  # seen on the next line
    ],
)
def test_registry_problems_come_with_their_line(change: tuple[str, str], line: int, key: object) -> None:
    text = SMALL.replace(*change)
    assert text != SMALL
    if key is None:  # valid: an explicit prefix
        assert load_registry(text, ENV).servers[0].mqtt_settings.topic_prefix == "frigate_x"
        return
    with pytest.raises(InventoryError) as err:
        load_registry(text, ENV)
    assert (err.value.rows[0].line, str(err.value.rows[0].message_key)) == (line, str(key))


def test_a_clash_between_servers_points_at_the_second_server() -> None:
    text = SMALL.replace("servers:\n", "servers:\n  - {id: other, mqtt: {topic_prefix: frigate_dishub}}\n")
    with pytest.raises(InventoryError) as err:
        load_registry(text, ENV)
    assert err.value.rows[0].message_key == "frigate_topic_prefix_taken"
    assert err.value.rows[0].line == 11  # the dishub entry, which clashes with `other`


def test_generate_writes_configs_and_private_env_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "city.yaml"
    registry.write_text(SMALL)
    code, _, err = run("generate", "--registry", str(registry), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "CAM_PASSWORD" in err
    assert "p@ss" not in err
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    code, out, err = run("generate", "--registry", str(registry), "--out", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    assert "server dishub" in out
    assert "cameras=2" in out
    env = tmp_path / "out" / "dishub" / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert "FRIGATE_CAM_A_PASSWORD=p%40ss" in env.read_text()
    config = (tmp_path / "out" / "dishub" / "config.yml").read_text()
    assert "p@ss" not in config
    assert "mq pass" not in config
    assert yaml.safe_load(config)["cameras"]["b"]["record"]["continuous"]["days"] == 0  # motion only


def test_plan_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    measured = tmp_path / "dishub-storage.json"
    # Frigate keys by friendly name where one is set; one unknown label is ignored
    measured.write_text(json.dumps({"Simpang A": {"usage": 10, "bandwidth": 500.0},
                                    "elsewhere": {"bandwidth": 1}, "b": {"bandwidth": 0}}))
    registry = tmp_path / "city.yaml"
    registry.write_text(SMALL)
    out_json = tmp_path / "plan.json"
    code, out, err = run("plan", "--registry", str(registry), "--json", str(out_json),
                         "--target-days", "30", "--record-mode", "dishub/*=alerts",
                         "--measured", f"dishub={measured}")
    assert (code, err) == (0, "")
    header, row = out.splitlines()[:2]
    assert header.split()[:3] == ["server", "cams", "Mbit/s"]
    assert row.split()[:2] == ["dishub", "2"]
    report = json.loads(out_json.read_text())
    plan = report["plan"]["servers"][0]
    assert plan["bandwidth_sources"] == {"measured": 1, "estimated": 0, "assumed": 1}
    assert plan["target_days"] == 30
    assert report["scenario"]["record_modes"] == {"dishub/*": "alerts"}
    comparison = report["scenario"]["comparison"][0]
    assert comparison["need_gb_after"] < comparison["need_gb_before"]


def test_plan_of_the_demo_city_shows_the_short_server_and_a_remedy() -> None:
    code, out, _ = run("plan", "--registry", str(DEMO_INVENTORY))
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:4]}
    assert float(rows["alun_alun"][6]) < float(rows["alun_alun"][5])  # kept < policy
    assert float(rows["balaikota"][6]) == float(rows["balaikota"][5])
    assert "proposal moves" not in out
    code, out, _ = run("plan", "--registry", str(DEMO_INVENTORY), "--rebalance")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:4]}
    assert float(rows["alun_alun"][6]) == float(rows["alun_alun"][5])  # spread: everyone keeps 14
    assert "proposal moves" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--registry", "missing.yaml"],
        ["plan", "--registry", str(DEMO_INVENTORY), "--record-mode", "x"],
        ["plan", "--registry", str(DEMO_INVENTORY), "--record-mode", "x=sometimes"],
        ["plan", "--registry", str(DEMO_INVENTORY), "--measured", "nowhere=x.json"],
        ["plan", "--registry", str(DEMO_INVENTORY), "--measured", "dishub=missing.json"],
        ["check", "missing.yml"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert err


def test_check_reports_problems_and_invalid_output_exits_1(tmp_path: Path) -> None:
    good = ROOT / "frigate_config/demo_city/generated/dishub/config.yml"
    bad = tmp_path / "bad.yml"
    bad.write_text("mqtt: {host: ''}\ncameras: {}\n")
    code, out, _ = run("check", str(good), str(bad))
    assert code == 1
    assert "0 error(s)" in out
    assert "error: mqtt.host" in out
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "config.yml.j2").write_text("{{ ''.__class__.__mro__ }}")
    code, _, err = run("generate", "--registry", str(DEMO_INVENTORY), "--out", str(tmp_path / "o"),
                       "--no-env", "--templates", str(templates))
    assert code == 1
    assert "template failed for server balaikota" in err
    assert not (tmp_path / "o").exists()


def test_messages_come_from_the_translations() -> None:
    assert describe("camera_not_found", {"camera": "x/y"}).startswith("Camera x/y does not exist")
    assert describe("no_such_key", {"a": "1"}) == "no_such_key (a=1)"
    assert describe("camera_not_found", {}) == "camera_not_found"
    bad_registry = DEMO.replace("disk_gb: 4000", "disk_gb: -1")
    with pytest.raises(InventoryError):
        load_registry(bad_registry)


def test_the_demo_inventory_imports_into_ncc(tmp_path: Path) -> None:
    path = write_demo_inventory(tmp_path / "inventory.yaml")
    plan = parse_inventory(path.read_text(), InventoryFormat.YAML)
    assert plan.ok
    assert len(plan.agencies) == 5
    assert len(plan.sites) == 16
    assert len(plan.cameras) == 60
    latitudes = [site.latitude for site in plan.sites]
    assert all(-7.50 < latitude < -7.45 for latitude in latitudes)


# `python -m frigate_config`, in a Python where Home Assistant cannot be imported at all
WITHOUT_HA = """
import runpy, sys
sys.modules["homeassistant"] = None
sys.argv = ["frigate_config", *sys.argv[1:]]
runpy.run_module("frigate_config", run_name="__main__")
"""


def test_the_command_line_runs_without_home_assistant(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_HA, "generate", "--registry", str(DEMO_INVENTORY),
         "--out", str(tmp_path), "--no-env"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.parent.name for path in tmp_path.glob("*/config.yml")) == [
        "alun_alun", "balaikota", "dishub"]
