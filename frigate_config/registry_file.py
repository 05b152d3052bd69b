"""The city registry file the command line reads.

It is the YAML inventory NCC exports (`agencies`, `sites`, `cameras`; read by
`core/inventory.py`, the same parser `ncc.import_inventory` uses) with three more top-level
keys: `city` (its name), `servers` (one policy per recording server) and `streams` (each
recorded camera's video source). Credentials may be written as `${NAME}` and are then read
from the environment when the .env files are written, so the file itself can be shared.
See frigate_config/README.md for every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from custom_components.ncc.configgen import (
    CityInput,
    RecordMode,
    ServerPolicy,
    check_stream,
)
from custom_components.ncc.configgen.model import agency_labels
from custom_components.ncc.core.errors import ErrorKey, NccError, ValidationError, check_choice
from custom_components.ncc.core.inventory import (
    InventoryError,
    InventoryFormat,
    RowError,
    parse_inventory,
)
from custom_components.ncc.core.registry import Registry
from custom_components.ncc.core.streams import CameraStream

EXTRA_SECTIONS = ("city", "servers", "streams")
SERVER_KEYS = frozenset({
    "id", "name", "disk_gb", "retention", "alerts_mode", "detections_mode", "record_mode",
    "objects", "mqtt", "detector", "restream", "detect_fps", "detect_height", "detection_capacity",
})
STREAM_KEYS = frozenset({
    "camera", "url", "username", "password", "width", "height", "fps", "codec", "server",
    "record_mode",
})
_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass(frozen=True, slots=True)
class RegistryFile:
    """A parsed registry file: the registry, the servers' policies and the streams."""

    city_name: str
    registry: Registry
    servers: tuple[ServerPolicy, ...]
    streams: tuple[CameraStream, ...]
    record_modes: Mapping[str, RecordMode]
    # ${NAME} references the environment given to `load_registry` did not define
    missing_secrets: frozenset[str] = field(default_factory=frozenset)

    def city_input(self) -> CityInput:
        return CityInput(
            servers=self.servers,
            streams=self.streams,
            agencies=agency_labels(self.registry.agencies.values()),
            record_modes=self.record_modes,
            city_name=self.city_name,
        )


class _Sections:
    """The extra sections' nodes, and the inventory text with their lines blanked."""

    def __init__(self, text: str) -> None:
        self.errors: list[RowError] = []
        self.nodes: dict[str, Any] = {}
        lines = text.split("\n")
        try:
            document = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as err:
            line = 1 if err.problem_mark is None else err.problem_mark.line + 1
            self._error(line, "", ErrorKey.INVENTORY_SYNTAX, detail=err.problem or "")
            self.inventory_text = ""
            return
        if isinstance(document, yaml.MappingNode):
            for key_node, value_node in document.value:
                if key_node.value not in EXTRA_SECTIONS:
                    continue
                self.nodes[key_node.value] = value_node
                # blank the section's lines, keeping the line numbers of everything else
                end = value_node.end_mark.line + (1 if value_node.end_mark.column else 0)
                for number in range(key_node.start_mark.line, max(end, key_node.start_mark.line + 1)):
                    lines[number] = ""
        self.inventory_text = "\n".join(lines)

    def _error(self, line: int, column: str, key: ErrorKey, **placeholders: object) -> None:
        self.errors.append(
            RowError(line, column, key, {name: str(value) for name, value in placeholders.items()})
        )

    def items(self, section: str) -> list[tuple[int, dict[str, Any]]]:
        node = self.nodes.get(section)
        if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~")):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self._error(node.start_mark.line + 1, section, ErrorKey.INVENTORY_NOT_A_LIST, field=section)
            return []
        items = []
        for item in node.value:
            value = yaml.constructor.SafeConstructor().construct_document(item)
            if isinstance(value, dict):
                items.append((item.start_mark.line + 1, {str(key): val for key, val in value.items()}))
            else:
                self._error(item.start_mark.line + 1, section, ErrorKey.INVENTORY_NOT_A_MAPPING,
                            field=section)
        return items

    def city_name(self) -> str:
        node = self.nodes.get("city")
        return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


class _Secrets:
    """`${NAME}` references resolved from an environment, remembering those it lacks."""

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        self.environ = environ
        self.missing: set[str] = set()

    def resolve(self, value: object) -> str:
        text = "" if value is None else str(value)
        reference = _REFERENCE.match(text)
        if reference is None:
            return text
        name = reference.group(1)
        if self.environ is not None and name in self.environ:
            return self.environ[name]
        self.missing.add(name)
        return text


def _unknown(line: int, values: Mapping[str, Any], keys: frozenset[str], errors: list[RowError]) -> bool:
    unknown = sorted(set(values) - keys)
    for key in unknown:
        errors.append(RowError(line, key, ErrorKey.INVENTORY_UNKNOWN_FIELD, {"field": key}))
    return bool(unknown)


def _duplicate(line: int, column: str, value: str, first_line: int) -> RowError:
    return RowError(
        line, column, ErrorKey.INVENTORY_DUPLICATE,
        {"field": column, "value": value, "first_line": str(first_line)},
    )


def _row_error(line: int, err: NccError) -> RowError:
    field_name = err.placeholders.get("field", "")
    return RowError(line, field_name, err.key, dict(err.placeholders))


def _server(
    line: int, values: dict[str, Any], secrets: _Secrets, errors: list[RowError]
) -> ServerPolicy | None:
    if _unknown(line, values, SERVER_KEYS, errors):
        return None
    data = dict(values)
    data["server_id"] = str(data.pop("id", "") or "")
    mqtt = data.get("mqtt")
    if isinstance(mqtt, dict):
        credentials = {key: secrets.resolve(mqtt[key]) for key in ("user", "password") if key in mqtt}
        data["mqtt"] = mqtt | credentials
    try:
        return ServerPolicy.from_dict(data)
    except NccError as err:
        errors.append(_row_error(line, err))
    return None


def _stream(
    line: int, values: dict[str, Any], registry: Registry, secrets: _Secrets, errors: list[RowError]
) -> tuple[CameraStream, RecordMode | None] | None:
    if _unknown(line, values, STREAM_KEYS, errors):
        return None
    camera_id = str(values.get("camera") or "")
    camera = registry.cameras.get(camera_id)
    if camera is None:
        errors.append(RowError(line, "camera", ErrorKey.CAMERA_NOT_FOUND, {"camera": camera_id}))
        return None
    try:
        mode = values.get("record_mode")
        stream = check_stream(
            CameraStream(
                camera_id=camera.id,
                name=camera.name,
                owner_agency_id=camera.owner_agency_id,
                purpose=camera.purpose,
                url=str(values.get("url") or ""),
                site_id=camera.site_id,
                area_type=camera.area_type,
                server_id=values.get("server"),
                username=secrets.resolve(values.get("username")),
                password=secrets.resolve(values.get("password")),
                width=values.get("width"),
                height=values.get("height"),
                fps=values.get("fps"),
                codec=values.get("codec"),
            )
        )
        return stream, None if mode is None else check_choice(RecordMode, mode, "record_mode")
    except NccError as err:
        errors.append(_row_error(line, err))
    return None


def load_registry(text: str, environ: Mapping[str, str] | None = None) -> RegistryFile:
    """Parse a registry file; InventoryError lists every problem with its line.

    `environ`: where `${NAME}` credentials are looked up; None leaves them unresolved (enough
    to render configs, which only hold placeholders; `missing_secrets` names them).
    """
    sections = _Sections(text)
    errors = sections.errors
    if errors:
        raise InventoryError(errors)
    plan = parse_inventory(sections.inventory_text, InventoryFormat.YAML)
    if plan.errors:
        raise InventoryError(plan.errors)
    registry = Registry()
    registry.apply_inventory(plan)
    secrets = _Secrets(environ)
    servers: list[ServerPolicy] = []
    server_lines: dict[str, int] = {}
    for line, values in sections.items("servers"):
        server = _server(line, values, secrets, errors)
        if server is None:
            continue
        if server.server_id in server_lines:
            errors.append(_duplicate(line, "id", server.server_id, server_lines[server.server_id]))
            continue
        server_lines[server.server_id] = line
        servers.append(server)
    streams: list[CameraStream] = []
    stream_lines: dict[str, int] = {}
    modes: dict[str, RecordMode] = {}
    for line, values in sections.items("streams"):
        parsed = _stream(line, values, registry, secrets, errors)
        if parsed is None:
            continue
        stream, mode = parsed
        if stream.camera_id in stream_lines:
            errors.append(_duplicate(line, "camera", stream.camera_id, stream_lines[stream.camera_id]))
            continue
        stream_lines[stream.camera_id] = line
        streams.append(stream)
        if mode is not None:
            modes[stream.camera_id] = mode
    if errors:
        raise InventoryError(errors)
    result = RegistryFile(
        city_name=sections.city_name(),
        registry=registry,
        servers=tuple(servers),
        streams=tuple(streams),
        record_modes=modes,
        missing_secrets=frozenset(secrets.missing),
    )
    try:
        result.city_input()
    except ValidationError as err:
        # a clash between servers (MQTT names) or a stream naming an unknown server
        line = server_lines.get(err.placeholders.get("server", ""), 1)
        raise InventoryError([_row_error(line, err)]) from err
    return result


def inventory_text(text: str) -> str:
    """The registry file without its `city`, `servers` and `streams` sections: what
    `ncc.import_inventory` accepts."""
    return _Sections(text).inventory_text
