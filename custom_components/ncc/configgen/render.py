"""One Frigate 0.17 `config.yml` per city server, from templates a city can override.

Templates run in Jinja2's immutable sandbox: they can loop and branch over plain data, and
cannot call into Python, read files outside the template directories or change their input.
Every `{{ expression }}` is written as one YAML value (see `names.yaml_scalar`), so a name from
user input can never add keys or lines. Credentials never enter the templates: inputs carry
Frigate's `{FRIGATE_...}` placeholders and the values go to the server's `.env` file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
import re
import tempfile
from typing import Any, Final
from urllib.parse import quote

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    Undefined,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..core.errors import ValidationError
from ..core.streams import CameraStream
from .model import CityInput, ConfigGenKey, Retention, ServerPolicy
from .names import assign_camera_names, clean_text, env_names, frigate_name, yaml_scalar
from .planner import capacity_for, planned_cameras, propose_placement
from .validate import ConfigCheck, validate_city, validate_config

_LOGGER = logging.getLogger(__name__)

DEFAULT_TEMPLATES: Final = Path(__file__).parent / "templates"
ENTRY_TEMPLATE: Final = "config.yml.j2"
CONFIG_FILENAME: Final = "config.yml"
ENV_FILENAME: Final = ".env"
RESTREAM_HOST: Final = "rtsp://127.0.0.1:8554"
MQTT_USER_VAR: Final = "FRIGATE_MQTT_USER"
MQTT_PASSWORD_VAR: Final = "FRIGATE_MQTT_PASSWORD"  # noqa: S105 - a variable name
CAMERA_VAR_PREFIX: Final = "FRIGATE_CAM_"
_ENV_BARE = re.compile(r"^[A-Za-z0-9_./%@:+-]*$")
# A config is a few kilobytes: a template that multiplies text or numbers beyond these is a
# mistake (or an attempt to tie up Home Assistant's executor), not a configuration.
MAX_REPEATED_LENGTH: Final = 100_000
MAX_POWER_BITS: Final = 4096


def _finalize(value: object) -> str:
    if isinstance(value, Undefined):
        return str(value)  # StrictUndefined (and the sandbox's unsafe values) raise here
    return yaml_scalar(value)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with `*` and `**` bounded (the sandbox itself only bounds
    `range`)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if (
                    isinstance(sequence, str | list | tuple)
                    and isinstance(times, int)
                    and len(sequence) * times > MAX_REPEATED_LENGTH
                ):
                    raise SecurityError(f"repeating to more than {MAX_REPEATED_LENGTH} items")
        elif (
            isinstance(left, int)
            and isinstance(right, int)
            and right > 0
            and max(abs(left), 2).bit_length() * right > MAX_POWER_BITS
        ):
            raise SecurityError(f"a power of more than {MAX_POWER_BITS} bits")
        return super().call_binop(context, operator, left, right)


def template_environment(override_dir: Path | None = None) -> ImmutableSandboxedEnvironment:
    """The sandbox the templates run in; a city's directory wins over the defaults by name."""
    loaders = [FileSystemLoader(str(DEFAULT_TEMPLATES))]
    if override_dir is not None:
        loaders.insert(0, FileSystemLoader(str(override_dir)))
    return BoundedSandbox(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True, slots=True)
class GeneratedServer:
    """One server's rendered configuration and the secrets its .env file holds."""

    server_id: str
    config_yaml: str
    env: Mapping[str, str] = field(repr=False)
    cameras: Mapping[str, str]  # camera id -> Frigate camera name
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Generation:
    servers: tuple[GeneratedServer, ...]
    placement: Mapping[str, str]  # camera id -> server id
    empty_servers: tuple[str, ...] = ()  # servers no camera was placed on (no file written)

    def server(self, server_id: str) -> GeneratedServer:
        return next(server for server in self.servers if server.server_id == server_id)


def place_cameras(city: CityInput, measured: Mapping[str, float] | None = None) -> dict[str, str]:
    """Which server records each stream (see `planner.planned_cameras` for who stays put)."""
    return propose_placement(
        [capacity_for(policy) for policy in city.servers], planned_cameras(city, measured)
    )


def _with_credentials(url: str, user_var: str | None, password_var: str | None) -> str:
    if user_var is None:
        return url
    scheme, _, rest = url.partition("://")
    secret = f"{{{user_var}}}" + (f":{{{password_var}}}" if password_var else "")
    return f"{scheme}://{secret}@{rest}"


def _detect_size(stream: CameraStream, policy: ServerPolicy) -> dict[str, int | None]:
    if not stream.width or not stream.height:
        return {"width": None, "height": None}
    height = min(policy.detect_height, stream.height)
    width = max(2, round(stream.width * height / stream.height / 2) * 2)
    return {"width": width, "height": height}


class _ServerBuilder:
    """The template context and .env of one server."""

    def __init__(self, city: CityInput, policy: ServerPolicy, streams: list[CameraStream]) -> None:
        self.city = city
        self.policy = policy
        self.streams = sorted(streams, key=lambda stream: stream.camera_id)
        self.names = assign_camera_names(
            policy.server_id, ((stream.camera_id, stream.name) for stream in self.streams)
        )
        self.stems = env_names(self.names, CAMERA_VAR_PREFIX)
        self.env: dict[str, str] = {}

    def context(self) -> dict[str, Any]:
        policy = self.policy
        mqtt = policy.mqtt_settings
        if mqtt.user:
            self.env[MQTT_USER_VAR] = mqtt.user
        if mqtt.password:
            self.env[MQTT_PASSWORD_VAR] = mqtt.password
        default = policy.retention_for(None)
        cameras = [self._camera(stream, default) for stream in self.streams]
        return {
            "city": self.city.city_name or "the city",
            "server": {
                "id": policy.server_id,
                "name": policy.display_name,
                "mqtt": {
                    "host": mqtt.host,
                    "port": mqtt.port,
                    "topic_prefix": mqtt.topic_prefix,
                    "client_id": mqtt.client_id,
                    "user": f"{{{MQTT_USER_VAR}}}" if mqtt.user else None,
                    "password": f"{{{MQTT_PASSWORD_VAR}}}" if mqtt.password else None,
                },
                "detector": {
                    "name": policy.detector.type,
                    "type": policy.detector.type,
                    "options": dict(policy.detector.options),
                    "model": dict(policy.detector.model),
                },
                "restream": policy.restream,
                "detect_fps": policy.detect_fps,
                "record": default.to_dict()
                | {"alerts_mode": policy.alerts_mode.value, "detections_mode": policy.detections_mode.value},
            },
            "cameras": cameras,
            "groups": self._groups(),
        }

    def _camera(self, stream: CameraStream, default: Retention) -> dict[str, Any]:
        policy = self.policy
        name = self.names[stream.camera_id]
        stem = self.stems[stream.camera_id]
        user_var = password_var = None
        if stream.username:
            user_var = f"{stem}_USER"
            self.env[user_var] = quote(stream.username, safe="")
        if stream.password:
            password_var = f"{stem}_PASSWORD"
            self.env[password_var] = quote(stream.password, safe="")
        source = _with_credentials(stream.url, user_var, password_var)
        roles = ["detect", "record"]
        restream = policy.restream
        inputs: list[dict[str, object]] = [{
            "path": f"{RESTREAM_HOST}/{name}" if restream else source,
            "input_args": "preset-rtsp-restream" if restream else None,
            "roles": roles,
        }]
        mode = self.city.record_modes.get(stream.camera_id)
        retention = policy.retention_for(mode)
        return {
            "name": name,
            "camera_id": stream.camera_id,
            "friendly_name": clean_text(stream.name) or name,
            "owner": stream.owner_agency_id,
            "site": stream.site_id,
            "purpose": stream.purpose.value,
            "objects": list(policy.objects[stream.purpose]),
            "source": source if policy.restream else None,
            "inputs": inputs,
            "detect": _detect_size(stream, policy),
            "record_mode": (mode or policy.record_mode).value,
            "record": None if retention == default else retention.to_dict(),
        }

    def _groups(self) -> list[dict[str, Any]]:
        by_owner: dict[str, list[str]] = {}
        for stream in self.streams:
            by_owner.setdefault(stream.owner_agency_id, []).append(self.names[stream.camera_id])
        taken = {name.lower() for name in self.names.values()}
        groups = []
        for order, (owner, cameras) in enumerate(sorted(by_owner.items())):
            agency = self.city.agencies.get(owner)
            name = frigate_name(agency.code if agency else owner)
            if name.lower() in taken:
                name = f"{name}_group"
            taken.add(name.lower())
            groups.append({"name": name, "cameras": sorted(cameras), "icon": "generic", "order": order})
        return groups


def _render(env: ImmutableSandboxedEnvironment, context: Mapping[str, Any], server_id: str) -> str:
    try:
        return env.get_template(ENTRY_TEMPLATE).render(context)
    except (TemplateError, TypeError, ValueError, OverflowError) as err:
        # the context holds no secrets, so the error text cannot carry one
        detail = f"{type(err).__name__}: {err}"[:300]
        raise ValidationError(
            ConfigGenKey.TEMPLATE_FAILED, field="templates", server=server_id, error=detail
        ) from err


def _refuse(server_id: str, check: ConfigCheck) -> ValidationError:
    first = check.errors[0]
    return ValidationError(
        ConfigGenKey.CONFIG_INVALID, field="templates", server=server_id,
        count=len(check.errors), problem=f"{first.path}: {first.message}",
    )


def generate_configs(
    city: CityInput,
    *,
    templates: Path | None = None,
    measured: Mapping[str, float] | None = None,
    environment: ImmutableSandboxedEnvironment | None = None,
) -> Generation:
    """Render, then check against Frigate's schema and reference, every server's config.

    Raises ValidationError when a template fails or its output is not a valid config: nothing
    is half-generated.
    """
    env = environment or template_environment(templates)
    placement = place_cameras(city, measured)
    servers: list[GeneratedServer] = []
    documents: dict[str, Mapping[str, Any]] = {}
    empty: list[str] = []
    for policy in city.servers:
        streams = [s for s in city.streams if placement[s.camera_id] == policy.server_id]
        if not streams:
            empty.append(policy.server_id)
            continue
        if not policy.mqtt_settings.host:
            raise ValidationError(
                ConfigGenKey.MQTT_HOST_REQUIRED, field="mqtt_host", server=policy.server_id
            )
        builder = _ServerBuilder(city, policy, streams)
        text = _render(env, builder.context(), policy.server_id)
        check = validate_config(
            text, env_keys=frozenset(builder.env), expected_cameras=frozenset(builder.names.values())
        )
        if check.errors:
            raise _refuse(policy.server_id, check)
        documents[policy.server_id] = check.document
        servers.append(
            GeneratedServer(
                server_id=policy.server_id,
                config_yaml=text,
                env=dict(sorted(builder.env.items())),
                cameras=dict(sorted(builder.names.items())),
                warnings=tuple(f"{problem.path}: {problem.message}" for problem in check.warnings),
            )
        )
    city_problems = validate_city(documents)
    if city_problems:
        problem = city_problems[0]
        raise ValidationError(
            ConfigGenKey.CONFIG_INVALID, field="servers", server=problem.path,
            count=len(city_problems), problem=problem.message,
        )
    _LOGGER.debug("Generated Frigate configs for %s servers, %s cameras", len(servers), len(placement))
    return Generation(servers=tuple(servers), placement=placement, empty_servers=tuple(empty))


def env_file_text(server_id: str, env: Mapping[str, str]) -> str:
    """The .env file: one `NAME=value` per secret, single-quoted unless plainly safe."""
    lines = [
        f"# Secrets of Frigate server {server_id}, written by NCC. Keep this file private.",
        "# Camera credentials are percent-encoded: they are substituted into stream URLs.",
    ]
    for key, value in env.items():
        lines.append(f"{key}={value}" if _ENV_BARE.match(value) else f"{key}='{value}'")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str, mode: int) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(path, mode)


def write_generation(generation: Generation, out_dir: Path, *, write_env: bool = True) -> list[Path]:
    """Write `<out_dir>/<server>/config.yml` (0644) and `.env` (0600); the configs' paths."""
    written = []
    for server in generation.servers:
        directory = out_dir / server.server_id
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / CONFIG_FILENAME
        _write_atomic(config, server.config_yaml, 0o644)
        if write_env:
            _write_atomic(directory / ENV_FILENAME, env_file_text(server.server_id, server.env), 0o600)
        written.append(config)
    return written
