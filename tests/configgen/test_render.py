"""Generated Frigate configs: valid for Frigate 0.17, served by the simulator, free of secrets,
safe against hostile names, and rendered by templates that cannot execute anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
import logging
from pathlib import Path
import stat
from typing import Any

import aiohttp
import jsonschema
import pytest
import yaml

from custom_components.ncc.configgen import (
    ConfigGenKey,
    Generation,
    RecordMode,
    generate_configs,
    validate_config,
    write_generation,
)
from custom_components.ncc.configgen.names import FRIGATE_NAME, clean_text
from custom_components.ncc.configgen.render import DEFAULT_TEMPLATES, env_file_text
from custom_components.ncc.configgen.validate import SCHEMA_PATH, frigate_schema
from custom_components.ncc.core.cameras import CameraPurpose
from custom_components.ncc.core.errors import ValidationError
from frigate_config.demo import DEMO_CITY, generate_demo_configs
from frigate_config.registry_file import RegistryFile
from frigate_sim import SimCity, SimServer

from .conftest import city, server, stream

SHARED_SCHEMA = Path("/work/shared/frigate/config.schema.json")


async def served_cameras(paths: Sequence[tuple[str, Path]]) -> dict[str, dict[str, Any]]:
    """Run each config in the simulator; the cameras each one serves at GET /api/config."""
    sim = SimCity([SimServer.from_config(name, path) for name, path in paths])
    await sim.start(host="127.0.0.1", base_port=0)
    try:
        async with aiohttp.ClientSession() as session:
            served = {}
            for srv in sim.servers:
                async with session.get(f"{srv.url}/api/config") as response:
                    served[srv.name] = (await response.json())["cameras"]
            return served
    finally:
        await sim.stop()


def test_the_schema_copy_is_frigates() -> None:
    if not SHARED_SCHEMA.exists():
        pytest.skip("the shared Frigate reference is not mounted here")
    assert SCHEMA_PATH.read_bytes() == SHARED_SCHEMA.read_bytes()


def test_demo_city_configs_pass_the_schema_and_the_reference(demo_generation: Generation) -> None:
    assert [s.server_id for s in demo_generation.servers] == ["balaikota", "dishub", "alun_alun"]
    validator = jsonschema.Draft202012Validator(frigate_schema())
    for generated in demo_generation.servers:
        check = validate_config(generated.config_yaml, env_keys=generated.env)
        assert check.errors == (), generated.server_id
        assert check.warnings == (), generated.server_id
        # an independent validator agrees with NCC's own
        assert list(validator.iter_errors(check.document)) == []
        assert len(generated.cameras) == 20
        mqtt = check.document["mqtt"]
        assert mqtt["topic_prefix"] == mqtt["client_id"] == f"frigate_{generated.server_id}"


async def test_demo_configs_run_in_the_simulator_with_exactly_their_cameras(
    tmp_path: Path, socket_enabled: None, demo_generation: Generation
) -> None:
    paths = generate_demo_configs(tmp_path)
    assert [path.parent.name for path in paths] == ["balaikota", "dishub", "alun_alun"]
    assert not list(tmp_path.rglob(".env"))  # the demo writes no secrets
    served = await served_cameras([(path.parent.name, path) for path in paths])
    for generated in demo_generation.servers:
        cameras = served[generated.server_id]
        assert set(cameras) == set(generated.cameras.values())
        assert all(cam["record"]["enabled"] and cam["detect"]["enabled"] for cam in cameras.values())


def test_committed_examples_are_what_the_generator_writes(tmp_path: Path) -> None:
    written = generate_demo_configs(tmp_path)
    committed = sorted((DEMO_CITY / "generated").glob("*/config.yml"))
    assert [path.parent.name for path in committed] == sorted(path.parent.name for path in written)
    for path in written:
        assert (DEMO_CITY / "generated" / path.parent.name / "config.yml").read_text() == path.read_text()
    assert not list((DEMO_CITY / "generated").rglob(".env"))


HOSTILE_NAMES = [
    'Lobby "Utama": {{x}}',
    "{{ ''.__class__.__mro__ }}",
    "{% for i in range(3) %}loop{% endfor %}",
    "x\nmqtt:\n  host: evil.example",
    "- evil: true",
    "&anchor *alias !!python/object/apply:os.system ['id']",
    "# not a comment",
    "yes",
    "123",
    "{FRIGATE_MQTT_PASSWORD}",
    "Kamera ☕ 東京 é",
    "\u202eexe.gnp",
    "bell\x07 and nul\x00",
    "stats",
    "Lobby",
    "LOBBY",
    "lobby",
    "x" * 300,
    "🎥",
]


async def test_hostile_camera_names_become_safe_names_and_quoted_text(
    tmp_path: Path, socket_enabled: None
) -> None:
    streams = tuple(
        stream(f"registry/cam-{index}", name, purpose=CameraPurpose.PRIVATE_PREMISES)
        for index, name in enumerate(HOSTILE_NAMES)
    )
    generation = generate_configs(city((server("mall"),), streams))
    generated = generation.server("mall")
    check = validate_config(generated.config_yaml, env_keys=generated.env)
    assert check.errors == ()
    document = check.document
    # structure is the template's: user text added no key anywhere
    assert set(document) == {"mqtt", "detectors", "go2rtc", "detect", "record", "cameras",
                             "camera_groups"}
    assert document["mqtt"]["host"] == "10.0.0.2"
    names = list(document["cameras"])
    assert len(names) == len(HOSTILE_NAMES) == len({name.lower() for name in names})
    assert all(FRIGATE_NAME.match(name) for name in names)
    assert "stats" not in names
    for camera_id, name in generated.cameras.items():
        original = HOSTILE_NAMES[int(camera_id.rpartition("-")[2])]
        assert document["cameras"][name]["friendly_name"] == (clean_text(original) or name)
        assert set(document["cameras"][name]) == {"friendly_name", "enabled", "ffmpeg", "objects"}
    paths = write_generation(generation, tmp_path, write_env=False)
    served = await served_cameras([("mall", paths[0])])
    assert set(served["mall"]) == set(names)


SECRETS = {"username": "op$erator", "password": "S3cr3t:P@ss/w0rd'{x}"}


def test_no_secret_in_configs_logs_or_reprs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    mqtt_server = server("dishub")
    mqtt_server = replace(mqtt_server, mqtt=replace(mqtt_server.mqtt_settings, user="mq-user",
                                                   password="Mq Rahasia#1"))
    streams = (stream("dishub/a", **SECRETS), stream("dishub/b", username="viewer"))
    generation = generate_configs(city((mqtt_server,), streams))
    paths = write_generation(generation, tmp_path)
    config = paths[0].read_text()
    secrets = [*SECRETS.values(), "mq-user", "Mq Rahasia#1", "viewer"]
    for secret in secrets:
        assert secret not in config
        assert secret not in caplog.text
        assert secret not in repr(generation)
    assert "@" not in config.replace("}@", "")  # credentials only as placeholders
    env = paths[0].with_name(".env")
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o644
    lines = dict(line.split("=", 1) for line in env.read_text().splitlines() if not line.startswith("#"))
    # camera credentials percent-encoded for the URL, MQTT ones as they are (quoted)
    assert lines["FRIGATE_CAM_A_PASSWORD"] == "S3cr3t%3AP%40ss%2Fw0rd%27%7Bx%7D"
    assert lines["FRIGATE_CAM_A_USER"] == "op%24erator"
    assert lines["FRIGATE_CAM_B_USER"] == "viewer"
    assert "FRIGATE_CAM_B_PASSWORD" not in lines
    assert lines["FRIGATE_MQTT_PASSWORD"] == "'Mq Rahasia#1'"
    assert lines["FRIGATE_MQTT_USER"] == "mq-user"
    # the placeholders the config uses are exactly those the .env file defines
    check = validate_config(config, env_keys=set(lines))
    assert check.errors == ()
    leaky = stream("dishub/c", url="rtsp://admin:S3cr3t@10.0.0.9/s")
    with pytest.raises(ValidationError) as err:
        generate_configs(city((mqtt_server,), (leaky,)))
    assert "S3cr3t" not in str(err.value)


def test_an_existing_env_file_is_replaced_with_private_permissions(tmp_path: Path) -> None:
    generation = generate_configs(city((server("dishub"),), (stream("dishub/a", **SECRETS),)))
    env = tmp_path / "dishub" / ".env"
    env.parent.mkdir()
    env.write_text("OLD=1\n")
    env.chmod(0o644)
    write_generation(generation, tmp_path)
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert "OLD" not in env.read_text()
    lines = env_file_text("x", {"A": "plain", "B": "has space"}).splitlines()
    assert lines[2:] == ["A=plain", "B='has space'"]


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ cameras.append(1) }}",
    "{{ server.update({'id': 'x'}) }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../etc/passwd' %}",
    "{{ self._TemplateReference__context }}",
    "{{ range(10**9)|list }}",
    "{{ 'x' * 10**9 }}",
    "{{ 10**9 * 'x' }}",
    "{{ [1] * 10**9 }}",
    "{{ 10**100**100 }}",
    "{{ (2**4000) ** 100 }}",
    "{{ undefined_variable }}",
    "{{ config }}",
    "{% for x in %}",
]


@pytest.mark.parametrize("template", SANDBOX_ESCAPES)
def test_city_templates_cannot_execute_anything(tmp_path: Path, template: str) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "config.yml.j2").write_text(template.replace("MARKER", str(tmp_path / "pwned")))
    with pytest.raises(ValidationError) as err:
        generate_configs(city((server("dishub"),), (stream("dishub/a"),)), templates=templates)
    assert err.value.key is ConfigGenKey.TEMPLATE_FAILED
    assert err.value.placeholders["server"] == "dishub"
    assert not (tmp_path / "pwned").exists()


def test_ordinary_arithmetic_still_works_in_templates(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    default = (DEFAULT_TEMPLATES / "camera.yml.j2").read_text()
    (templates / "camera.yml.j2").write_text(
        default + "    ui:\n      order: {{ 2 ** 10 * 3 + ('-' * 3)|length }}\n")
    generation = generate_configs(city((server("dishub"),), (stream("dishub/abc"),)), templates=templates)
    document = yaml.safe_load(generation.server("dishub").config_yaml)
    assert document["cameras"]["abc"]["ui"] == {"order": 3075}


def test_a_city_template_can_override_one_part(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    default = (DEFAULT_TEMPLATES / "camera.yml.j2").read_text()
    (templates / "camera.yml.j2").write_text(default + "    ui:\n      order: {{ camera.name|length }}\n")
    generation = generate_configs(city((server("dishub"),), (stream("dishub/abc"),)), templates=templates)
    document = yaml.safe_load(generation.server("dishub").config_yaml)
    assert document["cameras"]["abc"]["ui"] == {"order": 3}


def test_a_template_whose_output_breaks_frigates_rules_writes_nothing(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "camera.yml.j2").write_text("  {{ camera.name }}:\n    ffmpeg:\n      inputs: []\n")
    with pytest.raises(ValidationError) as err:
        generate_configs(city((server("dishub"),), (stream("dishub/a"),)), templates=templates)
    assert err.value.key is ConfigGenKey.CONFIG_INVALID
    assert "cameras.a" in err.value.placeholders["problem"]
    (templates / "camera.yml.j2").write_text("")  # drops every camera
    with pytest.raises(ValidationError) as err:
        generate_configs(city((server("dishub"),), (stream("dishub/a"),)), templates=templates)
    assert err.value.key is ConfigGenKey.CONFIG_INVALID


def test_servers_need_a_broker_and_distinct_mqtt_names(tmp_path: Path) -> None:
    no_host = replace(server("dishub"), mqtt=replace(server("dishub").mqtt_settings, host=""))
    with pytest.raises(ValidationError) as err:
        generate_configs(city((no_host,), (stream("dishub/a"),)))
    assert err.value.key is ConfigGenKey.MQTT_HOST_REQUIRED
    templates = tmp_path / "templates"
    templates.mkdir()
    default_config = (DEFAULT_TEMPLATES / "config.yml.j2").read_text()
    (templates / "config.yml.j2").write_text(
        default_config.replace("{{ server.mqtt.topic_prefix }}", "frigate"))
    with pytest.raises(ValidationError) as err:
        generate_configs(city((server("a"), server("b")), (stream("a/x"), stream("b/y"))),
                         templates=templates)
    assert err.value.key is ConfigGenKey.CONFIG_INVALID
    assert "topic_prefix" in err.value.placeholders["problem"]


def test_record_modes_restream_off_detect_size_and_groups() -> None:
    direct = server("dishub", restream=False, detect_height=720)
    streams = (
        stream("dishub/a", width=2560, height=1440, username="u"),
        stream("dishub/b", width=640, height=360),
        stream("dishub/dishub"),  # a camera named like its owner's group
        stream("registry/shop", server_id="dishub", owner_agency_id="toko_maju"),
    )
    generation = generate_configs(city((direct,), streams, record_modes={"dishub/b": RecordMode.ALERTS}))
    document = yaml.safe_load(generation.server("dishub").config_yaml)
    cameras = document["cameras"]
    assert "go2rtc" not in document
    assert cameras["a"]["ffmpeg"]["inputs"] == [
        {"path": "rtsp://{FRIGATE_CAM_A_USER}@10.1.2.3:554/stream1", "roles": ["detect", "record"]}]
    assert cameras["a"]["detect"] == {"width": 1280, "height": 720}  # scaled to the policy's height
    assert cameras["b"]["detect"] == {"width": 640, "height": 360}  # never scaled up
    assert "detect" not in cameras["dishub"]  # size unknown: Frigate reads it from the stream
    assert cameras["b"]["record"] == {"continuous": {"days": 0}, "motion": {"days": 0},
                                      "alerts": {"retain": {"days": 30}},
                                      "detections": {"retain": {"days": 0}}}
    assert "record" not in cameras["a"]
    assert cameras["a"]["objects"]["track"] == ["person", "bicycle", "car", "motorcycle", "bus"]
    groups = document["camera_groups"]
    assert groups["dishub_group"]["cameras"] == ["a", "b", "dishub"]
    assert groups["toko_maju"]["cameras"] == ["shop"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    generation = generate_configs(city((server("dishub"),), (stream("dishub/a"),)))
    blocked = tmp_path / "dishub" / "config.yml"
    blocked.mkdir(parents=True)
    (blocked / "keep").write_text("x")  # a directory in the way: the rename fails
    with pytest.raises(OSError):
        write_generation(generation, tmp_path)
    assert sorted(path.name for path in (tmp_path / "dishub").iterdir()) == ["config.yml"]


def test_servers_without_cameras_get_no_file(tmp_path: Path) -> None:
    generation = generate_configs(city((server("a"), server("b")), (stream("a/x"),)))
    assert generation.empty_servers == ("b",)
    assert [path.parent.name for path in write_generation(generation, tmp_path)] == ["a"]


def test_registry_cameras_are_placed_where_there_is_room(demo_registry: RegistryFile) -> None:
    base = demo_registry.city_input()
    mall = stream("registry/mall-lobby", 'Mall "Sunrise" Lobby', purpose=CameraPurpose.PRIVATE_PREMISES,
                  owner_agency_id="sunrise", width=1920, height=1080, fps=15)
    generation = generate_configs(replace(base, streams=(*base.streams, mall)))
    # balaikota has the most disk to spare for its policy (see the demo plan)
    assert generation.placement["registry/mall-lobby"] == "balaikota"
    assert generation.server("balaikota").cameras["registry/mall-lobby"] == "mall_sunrise_lobby"
