"""Checks a Frigate `config.yml` before it leaves NCC.

Three layers, each reported as `Problem`s with the path of the value at fault:

1. YAML that parses, without duplicate keys (PyYAML keeps the last silently).
2. The JSON schema of Frigate 0.17.2's configuration model (`frigate_config.schema.json`, a
   copy of `FrigateConfig.model_json_schema()`), checked by a small validator here so the
   integration needs no extra requirement; the keywords that schema uses are all covered.
3. Rules the schema cannot express, from Frigate's configuration reference and recording docs,
   plus NCC's own (no credentials in clear, every placeholder backed by the .env file).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
import json
import operator
from pathlib import Path
import re
from typing import Any, Final
from urllib.parse import urlsplit

import yaml  # type: ignore[import-untyped,unused-ignore]

from .names import FRIGATE_NAME

SCHEMA_PATH: Final = Path(__file__).parent / "frigate_config.schema.json"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_FRIGATE_VAR = re.compile(r"^FRIGATE_[A-Za-z0-9_]+$")
_RESTREAM = re.compile(r"^rtsp://(?:127\.0\.0\.1|localhost):8554/([^/?#]+)$")
# Labels of Frigate's default model (the labelmap a 0.17.2 server reports in /api/config).
DEFAULT_MODEL_LABELS: Final = frozenset({
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "boat", "traffic light",
    "fire hydrant", "street sign", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "hat", "backpack", "umbrella",
    "shoe", "eye glasses", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard",
    "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "plate", "wine glass", "cup", "fork", "knife", "spoon", "bowl",
    "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
    "cake", "chair", "couch", "potted plant", "bed", "mirror", "dining table", "window", "desk",
    "toilet", "door", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave",
    "oven", "toaster", "sink", "refrigerator", "blender", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush", "hair brush",
})
RECOMMENDED_MAX_DETECT_FPS: Final = 10


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where (a dotted path) and what, in English for logs and the CLI."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class ConfigCheck:
    document: Mapping[str, Any] = field(repr=False)
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


# --------------------------------------------------------------------------------------- YAML


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loading that refuses a key given twice in one mapping."""


def _construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # YAML merge keys (<<) as PyYAML resolves them
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return dict(loader.construct_pairs(node, deep=deep))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str) -> tuple[Any, Problem | None]:
    try:
        return yaml.load(text, Loader=_StrictLoader), None  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "document"
        problem = getattr(err, "problem", None) or str(err)
        return None, Problem(where, f"not valid YAML: {problem}")


# ------------------------------------------------------------------------------------- schema


@cache
def frigate_schema() -> Mapping[str, Any]:
    loaded: Mapping[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


# JSON schema types as Python sees them (a bool is no number in JSON)
_TYPES: Final[Mapping[str, Callable[[Any], bool]]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "null": lambda value: value is None,
}


class _SchemaChecker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def resolve(self, ref: str) -> Mapping[str, Any]:
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        result: Mapping[str, Any] = node
        return result

    def valid(self, value: Any, schema: Mapping[str, Any]) -> bool:
        probe = _SchemaChecker(self.root)
        probe.check(value, schema, "")
        return not probe.problems

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path or "(root)", message))

    def check(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if "$ref" in schema:
            self.check(value, self.resolve(schema["$ref"]), path)
        if "anyOf" in schema:
            if not any(self.valid(value, option) for option in schema["anyOf"]):
                self.fail(path, "matches none of the allowed forms")
            return
        kind = schema.get("type")
        if kind is not None and not _TYPES[kind](value):
            self.fail(path, f"must be of type {kind}")
            return
        if "enum" in schema and value not in schema["enum"]:
            self.fail(path, f"must be one of {', '.join(map(str, schema['enum']))}")
        if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
            self.fail(path, f"must match {schema['pattern']}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.check_range(value, schema, path)
        if isinstance(value, dict):
            self.check_object(value, schema, path)
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                self.check(item, schema["items"], f"{path}[{index}]")

    def check_range(self, value: float, schema: Mapping[str, Any], path: str) -> None:
        bounds = (
            ("minimum", operator.ge, ">="),
            ("maximum", operator.le, "<="),
            ("exclusiveMinimum", operator.gt, ">"),
            ("exclusiveMaximum", operator.lt, "<"),
        )
        for keyword, holds, sign in bounds:
            if keyword in schema and not holds(value, schema[keyword]):
                self.fail(path, f"must be {sign} {schema[keyword]}")

    def check_object(self, value: dict[Any, Any], schema: Mapping[str, Any], path: str) -> None:
        properties = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                self.fail(_join(path, key), "is required")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            where = _join(path, str(key))
            if key in properties:
                self.check(item, properties[key], where)
            elif extra is False:
                self.fail(where, "is not a Frigate option here")
            elif isinstance(extra, Mapping):
                self.check(item, extra, where)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def schema_problems(document: Any) -> list[Problem]:
    checker = _SchemaChecker(frigate_schema())
    checker.check(document, frigate_schema(), "")
    return checker.problems


# ---------------------------------------------------------------------------------- reference


def _merged(base: Any, override: Any) -> Any:
    """Frigate applies the global sections to every camera, the camera's own values winning."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merged(base.get(key), value)
        return out
    return base if override is None else override


def _section(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


class _RuleChecker:
    def __init__(self, document: Mapping[str, Any], env_keys: Collection[str] | None) -> None:
        self.document = document
        self.env_keys = env_keys
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.streams = set(_section(_section(document, "go2rtc"), "streams"))

    def error(self, path: str, message: str) -> None:
        self.errors.append(Problem(path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(path, message))

    def check_secret_value(self, value: str, path: str) -> None:
        """reference.md: variables "must begin with 'FRIGATE_' and be referenced in {}"."""
        for name in _PLACEHOLDER.findall(value):
            if not _FRIGATE_VAR.match(name):
                self.error(path, f"placeholder {{{name}}} must be a FRIGATE_ environment variable")
            elif self.env_keys is not None and name not in self.env_keys:
                self.error(path, f"placeholder {{{name}}} has no value in the .env file")

    def check_url(self, url: str, path: str) -> None:
        self.check_secret_value(url, path)
        try:
            userinfo = urlsplit(url).netloc.rpartition("@")[0]
        except ValueError:
            self.error(path, "is not a valid URL")
            return
        if userinfo and _PLACEHOLDER.sub("", userinfo).strip(":"):
            self.error(path, "holds credentials in clear; use {FRIGATE_...} placeholders")

    def check_mqtt(self) -> None:
        mqtt = _section(self.document, "mqtt")
        if mqtt.get("enabled", True) and not mqtt.get("host"):
            self.error("mqtt.host", "is required while MQTT is enabled")
        for key in ("host", "user", "password"):
            if isinstance(mqtt.get(key), str):
                self.check_secret_value(mqtt[key], f"mqtt.{key}")

    def check_go2rtc(self) -> None:
        for name, sources in _section(_section(self.document, "go2rtc"), "streams").items():
            for index, source in enumerate(sources if isinstance(sources, list) else [sources]):
                if isinstance(source, str):
                    self.check_url(source, f"go2rtc.streams.{name}[{index}]")

    def check_camera(self, name: str, raw: Mapping[str, Any]) -> None:
        where = f"cameras.{name}"
        if not FRIGATE_NAME.match(name):
            self.error(where, "camera names may only hold letters, digits, _ and -")
        camera = _merged({key: self.document.get(key) for key in ("detect", "record", "motion",
                                                                   "audio", "live", "objects")}, raw)
        inputs = _section(camera, "ffmpeg").get("inputs") or []
        roles: list[str] = []
        for index, item in enumerate(inputs):
            if not isinstance(item, dict):
                continue
            roles += item.get("roles") or []
            path = item.get("path")
            if isinstance(path, str):
                self.check_url(path, f"{where}.ffmpeg.inputs[{index}].path")
                restream = _RESTREAM.match(path)
                if restream and restream.group(1) not in self.streams:
                    self.error(f"{where}.ffmpeg.inputs[{index}].path",
                               f"go2rtc has no stream named {restream.group(1)}")
        self.check_roles(where, camera, roles)
        detect, motion, live = _section(camera, "detect"), camera.get("motion"), _section(camera, "live")
        if isinstance(motion, dict) and motion.get("enabled") is False and detect.get("enabled"):
            self.error(f"{where}.motion.enabled", "motion detection is required for object detection")
        if "height" in live and detect.get("height") and live["height"] > detect["height"]:
            self.error(f"{where}.live.height", "must not exceed the detect height")
        if detect.get("fps", 5) > RECOMMENDED_MAX_DETECT_FPS:
            self.warn(f"{where}.detect.fps", "Frigate recommends 5 frames per second for detection")
        zones = set(_section(camera, "zones"))
        required = _section(_section(self.document, "review"), "alerts").get("required_zones")
        for zone in [required] if isinstance(required, str) else required or []:
            if zone not in zones:
                self.error(f"{where}.zones", f"the global required zone {zone} is missing here")
        self.check_retention(where, _section(camera, "record"))
        if "model" not in self.document:
            for label in _section(camera, "objects").get("track") or []:
                if label not in DEFAULT_MODEL_LABELS:
                    self.warn(f"{where}.objects.track", f"{label} is not a label of Frigate's default model")

    def check_roles(self, where: str, camera: Mapping[str, Any], roles: list[str]) -> None:
        """Each role once, detect required, and roles only for what is enabled (reference.md)."""
        if not roles:
            self.error(f"{where}.ffmpeg.inputs", "needs an input")
            return
        if len(roles) != len(set(roles)):
            self.error(f"{where}.ffmpeg.inputs", "each role may be assigned to one input only")
        if "detect" not in roles:
            self.error(f"{where}.ffmpeg.inputs", "one input needs the detect role")
        record_on = bool(_section(camera, "record").get("enabled"))
        if ("record" in roles) != record_on:
            self.error(f"{where}.record.enabled",
                       "recording needs both record.enabled and an input with the record role")
        if "audio" in roles and not _section(camera, "audio").get("enabled"):
            self.error(f"{where}.audio.enabled", "the audio role needs audio enabled")

    def check_retention(self, where: str, record: Mapping[str, Any]) -> None:
        """record.md: a retain mode laxer than what the camera stores keeps nothing more."""
        continuous = _section(record, "continuous").get("days", 0) or 0
        motion = _section(record, "motion").get("days", 0) or 0
        for kind in ("alerts", "detections"):
            retain = _section(_section(record, kind), "retain")
            if retain.get("mode") == "all" and continuous == 0 and motion > 0:
                self.warn(f"{where}.record.{kind}.retain.mode",
                          "'all' keeps nothing more than 'motion' when only motion is recorded")

    def check_zone_names(self, cameras: Mapping[str, Any]) -> None:
        for name, raw in cameras.items():
            for zone in _section(raw, "zones") if isinstance(raw, dict) else {}:
                if zone in cameras:
                    self.error(f"cameras.{name}.zones.{zone}", "a zone may not share a camera's name")


def validate_config(
    text: str,
    *,
    env_keys: Collection[str] | None = None,
    expected_cameras: Collection[str] | None = None,
) -> ConfigCheck:
    """Everything wrong with one server's config (errors) and what is merely unwise (warnings).

    `env_keys`: the variables the .env file defines (placeholders are checked against them);
    `expected_cameras`: the cameras the config must hold, no more and no fewer.
    """
    document, problem = load_yaml(text)
    if problem is not None:
        return ConfigCheck(document={}, errors=(problem,), warnings=())
    if not isinstance(document, dict):
        return ConfigCheck(document={}, errors=(Problem("(root)", "must be a mapping"),), warnings=())
    errors = schema_problems(document)
    rules = _RuleChecker(document, env_keys)
    rules.check_mqtt()
    rules.check_go2rtc()
    cameras = _section(document, "cameras")
    for name, raw in cameras.items():
        if isinstance(raw, dict):
            rules.check_camera(str(name), raw)
    rules.check_zone_names(cameras)
    if expected_cameras is not None and set(map(str, cameras)) != set(expected_cameras):
        rules.error("cameras", "the cameras differ from those the registry places on this server")
    return ConfigCheck(document=document, errors=(*errors, *rules.errors), warnings=tuple(rules.warnings))


def validate_city(documents: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """reference.md: topic prefix and client id "must be unique if you are running multiple
    instances" (all servers share the city's broker)."""
    problems = []
    for key in ("topic_prefix", "client_id"):
        owners: dict[str, str] = {}
        for server_id, document in sorted(documents.items()):
            value = str(_section(document, "mqtt").get(key, "frigate"))
            if value in owners:
                problems.append(
                    Problem(server_id, f"mqtt.{key} {value} is also used by {owners[value]}")
                )
            owners.setdefault(value, server_id)
    return problems
