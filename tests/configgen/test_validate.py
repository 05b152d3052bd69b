"""The checks every generated config passes: YAML, Frigate's schema and the reference's rules."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
import yaml

from custom_components.ncc.configgen import validate_city, validate_config
from custom_components.ncc.configgen.validate import frigate_schema, load_yaml, schema_problems

BASE: dict[str, Any] = {
    "mqtt": {"host": "10.0.0.2", "topic_prefix": "frigate_a", "client_id": "frigate_a",
             "user": "{FRIGATE_MQTT_USER}"},
    "go2rtc": {"streams": {"gate": ["rtsp://{FRIGATE_CAM_GATE_USER}@10.0.0.5/s"]}},
    "record": {"enabled": True, "continuous": {"days": 10}},
    "detect": {"enabled": True},
    "cameras": {
        "gate": {
            "ffmpeg": {"inputs": [{"path": "rtsp://127.0.0.1:8554/gate", "roles": ["detect", "record"]}]},
            "objects": {"track": ["person", "car"]},
        }
    },
}
ENV = {"FRIGATE_MQTT_USER", "FRIGATE_CAM_GATE_USER"}


def check(document: dict[str, Any], **kwargs: Any) -> tuple[list[str], list[str]]:
    result = validate_config(yaml.safe_dump(document), env_keys=ENV, **kwargs)
    return ([f"{p.path}: {p.message}" for p in result.errors],
            [f"{p.path}: {p.message}" for p in result.warnings])


def changed(path: str, value: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return document


DELETE = object()
GATE = "cameras.gate"
INPUT = "cameras.gate.ffmpeg.inputs.0"


def test_the_base_document_is_valid() -> None:
    assert check(BASE) == ([], [])


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        # schema
        ("mqtt.colour", "red", "mqtt.colour: is not a Frigate option here"),
        ("mqtt.port", "1883", "mqtt.port: must be of type integer"),
        ("mqtt.stats_interval", 5, "mqtt.stats_interval: must be >= 15"),
        ("record.alerts", {"pre_capture": 90}, "record.alerts.pre_capture: must be <= 60"),
        ("record.alerts", {"retain": {"mode": "forever"}}, "record.alerts.retain.mode: must be one of"),
        ("ffmpeg", {"retry_interval": 0}, "ffmpeg.retry_interval: must be > 0"),
        ("record.enabled", "yes please", "record.enabled: must be of type boolean"),
        (f"{GATE}.ffmpeg", DELETE, f"{GATE}.ffmpeg: is required"),
        ("detectors", {"coral": {"type": 3}}, "detectors.coral.type: must be of type string"),
        ("cameras.gate.objects.mask", 5, "cameras.gate.objects.mask: matches none of the allowed forms"),
        # the reference's rules
        ("mqtt.host", "", "mqtt.host: is required while MQTT is enabled"),
        ("cameras.bad name", BASE["cameras"]["gate"], "only hold letters"),
        (f"{INPUT}.roles", ["detect", "detect", "record"], "each role may be assigned to one input"),
        (f"{INPUT}.roles", ["record"], "one input needs the detect role"),
        (f"{INPUT}.roles", ["detect"], "recording needs both"),
        (f"{INPUT}.roles", ["detect", "record", "audio"], "the audio role needs audio enabled"),
        (f"{INPUT}.roles", [], "needs an input"),
        (f"{GATE}.motion", {"enabled": False}, "motion detection is required for object detection"),
        (f"{GATE}.live", {"height": 1080}, "must not exceed the detect height"),
        ("review", {"alerts": {"required_zones": "road"}}, "the global required zone road is missing"),
        (f"{GATE}.zones", {"gate": {"coordinates": "0,0,1,1,1,0"}}, "may not share a camera's name"),
        ("mqtt.password", "{MQTT_PASSWORD}", "must be a FRIGATE_ environment variable"),
        ("mqtt.password", "{FRIGATE_NOT_IN_ENV}", "has no value in the .env file"),
        (f"{INPUT}.path", "rtsp://admin:rahasia@10.0.0.5/s", "holds credentials in clear"),
        (f"{INPUT}.path", "rtsp://127.0.0.1:8554/other", "go2rtc has no stream named other"),
        ("go2rtc.streams.gate", "rtsp://admin:pw@10.0.0.5/s", "go2rtc.streams.gate[0]: holds credentials"),
        (f"{INPUT}.path", "rtsp://[::1/s", "is not a valid URL"),
        (f"{GATE}.name", "bad name", f"{GATE}.name: matches none of the allowed forms"),
        ("auth.cookie_name", "Frigate-Token", "auth.cookie_name: must match ^[a-z_]+$"),
    ],
)
def test_each_rule_reports_its_problem(path: str, value: Any, expected: str) -> None:
    document = changed(path, value)
    if path.startswith(f"{GATE}.live"):
        document["cameras"]["gate"]["detect"] = {"height": 720}
    errors, _ = check(document)
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("detect.fps", 15, "Frigate recommends 5"),
        ("record.motion", {"days": 7}, None),
        (f"{GATE}.objects.track", ["person", "truck"], "truck is not a label of Frigate's default model"),
    ],
)
def test_warnings_do_not_block(path: str, value: Any, expected: str | None) -> None:
    document = changed(path, value)
    if expected is None:  # motion-only recording with alerts kept in mode 'all'
        document["record"]["continuous"] = {"days": 0}
        document["record"]["alerts"] = {"retain": {"days": 30, "mode": "all"}}
        expected = "'all' keeps nothing more than 'motion'"
    errors, warnings = check(document)
    assert errors == []
    assert any(expected in warning for warning in warnings), warnings
    document["model"] = {"path": "/custom.tflite"}
    assert not any("default model" in warning for warning in check(document)[1])


def test_yaml_problems_duplicates_and_shapes() -> None:
    assert validate_config("cameras: [").errors[0].message.startswith("not valid YAML")
    duplicated = "mqtt:\n  host: a\nmqtt:\n  host: b\ncameras: {}\n"
    assert "duplicate key 'mqtt'" in validate_config(duplicated).errors[0].message
    assert validate_config("- a list\n").errors[0].message == "must be a mapping"
    merged = "base: &b {host: x}\nmqtt:\n  <<: *b\n"
    assert load_yaml(merged)[0]["mqtt"] == {"host": "x"}
    errors, _ = check(BASE, expected_cameras={"gate", "lobby"})
    assert errors == ["cameras: the cameras differ from those the registry places on this server"]


def test_our_schema_check_agrees_with_jsonschema_on_random_breakage() -> None:
    validator = jsonschema.Draft202012Validator(frigate_schema())
    documents = [
        changed("mqtt.port", "x"), changed("record.continuous.days", -1),
        changed("birdseye", {"mode": "sometimes"}), changed("ui", {"time_format": "24hour"}),
        changed("snapshots", {"quality": 101}), BASE,
    ]
    for document in documents:
        ours = schema_problems(document)
        theirs = list(validator.iter_errors(document))
        assert bool(ours) == bool(theirs), document


def test_mqtt_names_must_differ_between_servers() -> None:
    a = {"mqtt": {"topic_prefix": "frigate", "client_id": "one"}}
    b = {"mqtt": {"topic_prefix": "frigate", "client_id": "two"}}
    c: dict[str, Any] = {}  # Frigate's defaults: prefix and client id "frigate"
    problems = validate_city({"a": a, "b": b, "c": c})
    assert [(p.path, p.message) for p in problems] == [
        ("b", "mqtt.topic_prefix frigate is also used by a"),
        ("c", "mqtt.topic_prefix frigate is also used by a"),
    ]
    assert validate_city({"a": a}) == []
