"""What the Frigate configuration generator and the storage planner work from.

A city records its cameras on its own Frigate servers. Each server has a `ServerPolicy`: how long
footage is kept (continuous, motion, alerts, detections), what each kind of camera tracks, its
MQTT identity, its detector and whether go2rtc restreams. Cameras come in as `CameraStream`s
(`core/streams.py`), whatever their origin. Everything here is plain, validated data; secrets
(camera and MQTT credentials) are kept out of reprs and error messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
import math
import re
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

from ..core.agencies import Agency
from ..core.cameras import MAX_RETENTION_DAYS, AreaType, CameraPurpose, check_server_id
from ..core.errors import ErrorKey, ValidationError, check_choice, check_optional_text
from ..core.streams import CameraStream


class ConfigGenKey(StrEnum):
    """Translation keys of the generator's and planner's errors (strings.json `exceptions`)."""

    STREAM_URL_INVALID = "frigate_stream_url_invalid"
    STREAM_URL_HAS_CREDENTIALS = "frigate_stream_url_has_credentials"
    SECRET_INVALID = "frigate_secret_invalid"  # noqa: S105 - a translation key
    NUMBER_OUT_OF_RANGE = "frigate_number_out_of_range"
    LABEL_INVALID = "frigate_label_invalid"
    DETECTOR_INVALID = "frigate_detector_invalid"
    MQTT_HOST_REQUIRED = "frigate_mqtt_host_required"
    MQTT_HOST_INVALID = "frigate_mqtt_host_invalid"
    MQTT_NAME_INVALID = "frigate_mqtt_name_invalid"
    TOPIC_PREFIX_TAKEN = "frigate_topic_prefix_taken"
    CLIENT_ID_TAKEN = "frigate_client_id_taken"
    SERVER_UNKNOWN = "frigate_server_unknown"
    SERVER_DUPLICATE = "frigate_server_duplicate"
    STREAM_DUPLICATE = "frigate_stream_duplicate"
    NO_SERVERS = "frigate_no_servers"
    TEMPLATE_FAILED = "frigate_template_failed"
    CONFIG_INVALID = "frigate_config_invalid"
    STREAM_NOT_FOUND = "frigate_stream_not_found"
    STORE_DAMAGED = "frigate_store_damaged"


class RecordMode(StrEnum):
    """What a camera's recording keeps (the planner's what-if switches these per camera)."""

    CONTINUOUS = "continuous"  # everything, for the policy's continuous days
    MOTION = "motion"  # only segments with motion
    ALERTS = "alerts"  # only segments inside alerts


class RetainMode(StrEnum):
    """Frigate's `record.alerts|detections.retain.mode`."""

    ALL = "all"
    MOTION = "motion"
    ACTIVE_OBJECTS = "active_objects"


class Codec(StrEnum):
    H264 = "h264"
    H265 = "h265"


MAX_DISK_GB: Final = 10_000_000.0  # 10 EB: anything larger is a typo
MAX_STREAM_PIXELS: Final = 8192
MAX_FPS: Final = 120
MAX_DETECT_FPS: Final = 30
MAX_SECRET_LENGTH: Final = 256
DEFAULT_MQTT_PORT: Final = 1883

# Objects to track by camera purpose: traffic cameras follow vehicles and people, public spaces
# people. All are labels of Frigate's default model (its labelmap maps "truck" to "car").
DEFAULT_OBJECTS: Final[Mapping[CameraPurpose, tuple[str, ...]]] = MappingProxyType({
    CameraPurpose.TRAFFIC: ("person", "bicycle", "car", "motorcycle", "bus"),
    CameraPurpose.PUBLIC_SPACE: ("person",),
    CameraPurpose.GOVERNMENT_BUILDING: ("person", "car", "motorcycle"),
    CameraPurpose.PRIVATE_PREMISES: ("person",),
    CameraPurpose.OTHER: ("person",),
})

_LABEL = re.compile(r"^[a-z][a-z0-9_ ]{0,39}$")
# MQTT topic prefixes and client ids: one topic level, nothing MQTT treats specially.
_MQTT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_DETECTOR_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_OPTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_OPTION_TEXT = re.compile(r"^[A-Za-z0-9./:_\-\[\]]{1,200}$")
_HOST = re.compile(r"^[A-Za-z0-9.:\[\]_-]{1,253}$")
# RFC 3986 characters minus quotes, braces and backslashes: Frigate formats input paths with
# Python's str.format (`{FRIGATE_...}`), so a literal brace would break it.
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+$")
STREAM_SCHEMES: Final = frozenset({"rtsp", "rtsps", "rtmp", "rtmps", "http", "https"})
_CREDENTIAL_PARAMS = frozenset({"user", "username", "usr", "password", "pass", "pwd", "passwd"})


def check_number(value: object, field: str, low: float, high: float) -> float:
    """`value` as a finite float in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(ConfigGenKey.NUMBER_OUT_OF_RANGE, field=field, min=low, max=high)
    if not low <= value <= high:
        raise ValidationError(ConfigGenKey.NUMBER_OUT_OF_RANGE, field=field, min=low, max=high)
    return float(value)


def check_int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(ConfigGenKey.NUMBER_OUT_OF_RANGE, field=field, min=low, max=high)
    return value


def _check_days(value: object, field: str) -> float:
    return check_number(value, field, 0.0, float(MAX_RETENTION_DAYS))


def check_secret(value: str, field: str, *, literal: bool = False) -> str:
    """A credential as given; it never appears in the message when refused.

    `literal`: the value goes into the .env file as is (MQTT), so it may not hold a quote;
    camera credentials are percent-encoded there and may hold anything printable.
    """
    unprintable = any(ord(char) < 32 or ord(char) == 127 for char in value)
    if len(value) > MAX_SECRET_LENGTH or unprintable or (literal and "'" in value):
        raise ValidationError(ConfigGenKey.SECRET_INVALID, field=field, max_length=MAX_SECRET_LENGTH)
    return value


def check_stream_url(url: str, field: str = "url") -> str:
    """An RTSP/RTMP/HTTP address without credentials; errors never echo it (it may hold one)."""
    text = url.strip()
    if not text or len(text) > 2000 or not _URL_CHARS.match(text):
        raise ValidationError(ConfigGenKey.STREAM_URL_INVALID, field=field)
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        raise ValidationError(ConfigGenKey.STREAM_URL_INVALID, field=field) from None
    if parts.scheme.lower() not in STREAM_SCHEMES or not hostname:
        raise ValidationError(ConfigGenKey.STREAM_URL_INVALID, field=field)
    query_keys = {pair.partition("=")[0].lower() for pair in parts.query.split("&") if pair}
    if "@" in parts.netloc or query_keys & _CREDENTIAL_PARAMS:
        raise ValidationError(ConfigGenKey.STREAM_URL_HAS_CREDENTIALS, field=field)
    return text


def check_label(label: str, field: str = "objects") -> str:
    if not _LABEL.match(label):
        raise ValidationError(ConfigGenKey.LABEL_INVALID, field=field, value=label)
    return label


def check_mqtt_name(value: str, field: str) -> str:
    if not _MQTT_NAME.match(value):
        raise ValidationError(ConfigGenKey.MQTT_NAME_INVALID, field=field, value=value)
    return value


def check_stream(stream: CameraStream) -> CameraStream:
    """Refuse a stream the generator could not turn into a working, secret-free config."""
    check_stream_url(stream.url)
    check_secret(stream.username, "username")
    check_secret(stream.password, "password")
    if stream.password and not stream.username:
        raise ValidationError(ConfigGenKey.SECRET_INVALID, field="username", max_length=MAX_SECRET_LENGTH)
    for name, value in (("width", stream.width), ("height", stream.height)):
        if value is not None:
            check_int(value, name, 16, MAX_STREAM_PIXELS)
    if stream.fps is not None:
        check_int(stream.fps, "fps", 1, MAX_FPS)
    if stream.codec is not None:
        check_choice(Codec, stream.codec, "codec")
    if stream.server_id is not None:
        check_server_id(stream.server_id)
    return stream


@dataclass(frozen=True, slots=True)
class Retention:
    """Days Frigate keeps each kind of footage (fractions allowed, as in Frigate)."""

    continuous_days: float = 10.0
    motion_days: float = 0.0
    alerts_days: float = 30.0
    detections_days: float = 10.0

    def __post_init__(self) -> None:
        for name in ("continuous_days", "motion_days", "alerts_days", "detections_days"):
            object.__setattr__(self, name, _check_days(getattr(self, name), name))

    def for_mode(self, mode: RecordMode) -> Retention:
        """This retention for a camera recording in `mode`.

        Motion-only keeps motion for as long as anything was kept; alerts-only keeps alert
        segments and nothing else.
        """
        footage = max(self.continuous_days, self.motion_days)
        if mode is RecordMode.CONTINUOUS:
            return replace(self, continuous_days=footage)
        if mode is RecordMode.MOTION:
            return replace(self, continuous_days=0.0, motion_days=footage)
        return replace(self, continuous_days=0.0, motion_days=0.0, detections_days=0.0)

    @property
    def footage_days(self) -> float:
        """How far back the camera's footage reaches (alerts only when it records nothing else)."""
        return max(self.continuous_days, self.motion_days) or self.alerts_days

    def extended_to(self, days: float) -> Retention:
        """The same retention, keeping its footage for at least `days`."""
        if self.continuous_days == self.motion_days == 0.0:
            return replace(self, alerts_days=max(self.alerts_days, days))
        if self.motion_days > self.continuous_days:
            return replace(self, motion_days=max(self.motion_days, days))
        return replace(self, continuous_days=max(self.continuous_days, days))

    def to_dict(self) -> dict[str, float]:
        return {
            "continuous_days": self.continuous_days,
            "motion_days": self.motion_days,
            "alerts_days": self.alerts_days,
            "detections_days": self.detections_days,
        }


@dataclass(frozen=True, slots=True)
class MqttPolicy:
    """How a server reaches the city's broker; topic prefix and client id unique per server."""

    topic_prefix: str
    client_id: str
    host: str = ""
    port: int = DEFAULT_MQTT_PORT
    user: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        check_mqtt_name(self.topic_prefix, "topic_prefix")
        check_mqtt_name(self.client_id, "client_id")
        host = self.host.strip()
        if host and not _HOST.match(host):
            raise ValidationError(ConfigGenKey.MQTT_HOST_INVALID, field="mqtt_host", value=host)
        object.__setattr__(self, "host", host)
        check_int(self.port, "mqtt_port", 1, 65535)
        check_secret(self.user, "mqtt_user", literal=True)
        check_secret(self.password, "mqtt_password", literal=True)


type OptionValue = str | int | float | bool


def _options(values: Mapping[str, object], field: str, reserved: frozenset[str]) -> Mapping[str, OptionValue]:
    options: dict[str, OptionValue] = {}
    for key, value in values.items():
        simple = isinstance(value, str | int | float) and (
            not isinstance(value, str) or bool(_OPTION_TEXT.match(value))
        )
        if not isinstance(key, str) or not _OPTION_KEY.match(key) or key in reserved or not simple:
            raise ValidationError(ConfigGenKey.DETECTOR_INVALID, field=field, value=str(key))
        options[key] = value  # type: ignore[assignment]  # checked just above
    return MappingProxyType(options)


@dataclass(frozen=True, slots=True)
class DetectorPolicy:
    """One Frigate detector: its type, the options that type takes (e.g. `device: GPU`), and
    the model it runs when not Frigate's default (Frigate's top-level `model:` section)."""

    type: str = "cpu"
    options: Mapping[str, OptionValue] = field(default_factory=dict)
    model: Mapping[str, OptionValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _DETECTOR_TYPE.match(self.type):
            raise ValidationError(ConfigGenKey.DETECTOR_INVALID, field="detector_type", value=self.type)
        object.__setattr__(self, "options", _options(self.options, "detector_options", frozenset({"type"})))
        object.__setattr__(self, "model", _options(self.model, "detector_model", frozenset()))


@dataclass(frozen=True, slots=True)
class ServerPolicy:
    """How one city Frigate server records, detects and talks to the broker."""

    server_id: str
    name: str = ""
    disk_gb: float | None = None  # the recordings disk; None: read it from the running server
    retention: Retention = field(default_factory=Retention)
    alerts_mode: RetainMode = RetainMode.MOTION
    detections_mode: RetainMode = RetainMode.MOTION
    record_mode: RecordMode = RecordMode.CONTINUOUS
    objects: Mapping[CameraPurpose, tuple[str, ...]] = DEFAULT_OBJECTS
    mqtt: MqttPolicy | None = None  # None: prefix and client id `frigate_<server_id>`, no host
    detector: DetectorPolicy = field(default_factory=DetectorPolicy)
    restream: bool = True  # go2rtc restreams each camera (live view) and Frigate records from it
    detect_fps: int = 5
    detect_height: int = 720
    detection_capacity: float | None = None  # detector inferences per second; None: by type

    def __post_init__(self) -> None:
        check_server_id(self.server_id)
        object.__setattr__(self, "name", check_optional_text(self.name, "name", max_length=100))
        if self.disk_gb is not None:
            object.__setattr__(self, "disk_gb", check_number(self.disk_gb, "disk_gb", 1.0, MAX_DISK_GB))
        object.__setattr__(self, "alerts_mode", check_choice(RetainMode, self.alerts_mode, "alerts_mode"))
        object.__setattr__(
            self, "detections_mode", check_choice(RetainMode, self.detections_mode, "detections_mode")
        )
        object.__setattr__(self, "record_mode", check_choice(RecordMode, self.record_mode, "record_mode"))
        objects = {purpose: DEFAULT_OBJECTS[purpose] for purpose in CameraPurpose}
        for purpose, labels in self.objects.items():
            checked = tuple(dict.fromkeys(check_label(label) for label in labels))
            if not checked:
                raise ValidationError(ConfigGenKey.LABEL_INVALID, field="objects", value=purpose)
            objects[check_choice(CameraPurpose, purpose, "objects")] = checked
        object.__setattr__(self, "objects", MappingProxyType(objects))
        if self.mqtt is None:
            default = f"frigate_{self.server_id}"
            object.__setattr__(self, "mqtt", MqttPolicy(topic_prefix=default, client_id=default))
        check_int(self.detect_fps, "detect_fps", 1, MAX_DETECT_FPS)
        check_int(self.detect_height, "detect_height", 144, 2160)
        if self.detection_capacity is not None:
            capacity = check_number(self.detection_capacity, "detection_capacity", 0.1, 100_000.0)
            object.__setattr__(self, "detection_capacity", capacity)

    @property
    def mqtt_settings(self) -> MqttPolicy:
        assert self.mqtt is not None  # set in __post_init__
        return self.mqtt

    @property
    def display_name(self) -> str:
        return self.name or self.server_id

    def retention_for(self, mode: RecordMode | None) -> Retention:
        return self.retention.for_mode(mode or self.record_mode)

    def to_dict(self, *, secrets: bool = False) -> dict[str, Any]:
        """JSON-safe form; credentials only with `secrets` (storage), else whether they are set."""
        mqtt = self.mqtt_settings
        mqtt_data: dict[str, Any] = {
            "host": mqtt.host, "port": mqtt.port, "topic_prefix": mqtt.topic_prefix,
            "client_id": mqtt.client_id,
        }
        if secrets:
            mqtt_data |= {"user": mqtt.user, "password": mqtt.password}
        else:
            mqtt_data |= {"user_set": bool(mqtt.user), "password_set": bool(mqtt.password)}
        return {
            "server_id": self.server_id,
            "name": self.name,
            "disk_gb": self.disk_gb,
            "retention": self.retention.to_dict(),
            "alerts_mode": self.alerts_mode.value,
            "detections_mode": self.detections_mode.value,
            "record_mode": self.record_mode.value,
            "objects": {purpose.value: list(labels) for purpose, labels in self.objects.items()},
            "mqtt": mqtt_data,
            "detector": {
                "type": self.detector.type, "options": dict(self.detector.options),
                "model": dict(self.detector.model),
            },
            "restream": self.restream,
            "detect_fps": self.detect_fps,
            "detect_height": self.detect_height,
            "detection_capacity": self.detection_capacity,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServerPolicy:
        """Inverse of `to_dict(secrets=True)`; also reads partial documents (defaults fill in).

        Unknown keys are refused, so a misspelt setting never silently keeps its default.
        """
        _mapping(data, "server", _POLICY_KEYS)
        server_id = str(data.get("server_id") or "")
        retention = _mapping(data.get("retention"), "retention", frozenset(Retention.__slots__))
        mqtt = _mapping(data.get("mqtt"), "mqtt", _MQTT_KEYS)
        detector = _mapping(data.get("detector"), "detector", frozenset({"type", "options", "model"}))
        objects = _mapping(data.get("objects"), "objects", frozenset(CameraPurpose))
        default_name = f"frigate_{server_id}"
        return cls(
            server_id=server_id,
            name=str(data.get("name") or ""),
            disk_gb=data.get("disk_gb"),
            retention=Retention(**retention),
            alerts_mode=data.get("alerts_mode", RetainMode.MOTION),
            detections_mode=data.get("detections_mode", RetainMode.MOTION),
            record_mode=data.get("record_mode", RecordMode.CONTINUOUS),
            objects={CameraPurpose(purpose): _labels(labels) for purpose, labels in objects.items()},
            mqtt=MqttPolicy(
                topic_prefix=str(mqtt.get("topic_prefix") or default_name),
                client_id=str(mqtt.get("client_id") or default_name),
                host=str(mqtt.get("host") or ""),
                port=mqtt.get("port", DEFAULT_MQTT_PORT),
                user=str(mqtt.get("user") or ""),
                password=str(mqtt.get("password") or ""),
            ),
            detector=DetectorPolicy(
                type=str(detector.get("type") or "cpu"),
                options=_mapping(detector.get("options"), "detector.options", None),
                model=_mapping(detector.get("model"), "detector.model", None),
            ),
            restream=_flag(data.get("restream", True), "restream"),
            detect_fps=data.get("detect_fps", 5),
            detect_height=data.get("detect_height", 720),
            detection_capacity=data.get("detection_capacity"),
        )


_POLICY_KEYS: Final = frozenset({
    "server_id", "name", "disk_gb", "retention", "alerts_mode", "detections_mode", "record_mode",
    "objects", "mqtt", "detector", "restream", "detect_fps", "detect_height", "detection_capacity",
})
_MQTT_KEYS: Final = frozenset({"host", "port", "topic_prefix", "client_id", "user", "password"})


def _mapping(value: object, field: str, allowed: frozenset[str] | None) -> dict[str, Any]:
    """`value` as a mapping of known keys (None: empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(ErrorKey.INVENTORY_NOT_A_MAPPING, field=field)
    for key in value:
        if allowed is not None and key not in allowed:
            raise ValidationError(ErrorKey.INVENTORY_UNKNOWN_FIELD, field=f"{field}.{key}")
    return {str(key): item for key, item in value.items()}


def _labels(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValidationError(ConfigGenKey.LABEL_INVALID, field="objects", value=str(value)[:40])
    return tuple(value)


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(ErrorKey.INVALID_CHOICE, field=field, value=value, allowed="true, false")
    return value


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """A city camera's video source as the stream book keeps it (the registry has the rest)."""

    camera_id: str
    url: str
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    codec: str | None = None
    server_id: str | None = None
    record_mode: RecordMode | None = None

    def __post_init__(self) -> None:
        if self.record_mode is not None:
            object.__setattr__(self, "record_mode", check_choice(RecordMode, self.record_mode, "record_mode"))
        check_stream(self.stream(name=self.camera_id, owner_agency_id="check", purpose=CameraPurpose.OTHER))

    def stream(
        self,
        *,
        name: str,
        owner_agency_id: str,
        purpose: CameraPurpose,
        site_id: str | None = None,
        area_type: AreaType | None = None,
    ) -> CameraStream:
        """The generator's record of this camera, with what the registry knows of it."""
        return CameraStream(
            camera_id=self.camera_id, name=name, owner_agency_id=owner_agency_id, purpose=purpose,
            url=self.url, site_id=site_id, area_type=area_type, server_id=self.server_id,
            username=self.username, password=self.password, width=self.width, height=self.height,
            fps=self.fps, codec=self.codec,
        )

    def to_dict(self, *, secrets: bool = False) -> dict[str, Any]:
        """JSON-safe form; credentials only with `secrets` (storage), else whether they are set."""
        data: dict[str, Any] = {
            "camera_id": self.camera_id, "url": self.url, "width": self.width, "height": self.height,
            "fps": self.fps, "codec": self.codec, "server_id": self.server_id,
            "record_mode": None if self.record_mode is None else self.record_mode.value,
        }
        if secrets:
            return data | {"username": self.username, "password": self.password}
        return data | {"username_set": bool(self.username), "password_set": bool(self.password)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StreamEntry:
        """Inverse of `to_dict(secrets=True)`."""
        return cls(
            camera_id=str(data["camera_id"]), url=str(data["url"]),
            username=str(data.get("username") or ""), password=str(data.get("password") or ""),
            width=data.get("width"), height=data.get("height"), fps=data.get("fps"),
            codec=data.get("codec"), server_id=data.get("server_id"),
            record_mode=data.get("record_mode"),
        )


def check_unique_servers(policies: Iterable[ServerPolicy]) -> dict[str, ServerPolicy]:
    """Servers by id; ids, MQTT topic prefixes and client ids must be unique across the city."""
    by_id: dict[str, ServerPolicy] = {}
    prefixes: dict[str, str] = {}
    clients: dict[str, str] = {}
    for policy in policies:
        if policy.server_id in by_id:
            raise ValidationError(ConfigGenKey.SERVER_DUPLICATE, field="server_id", server=policy.server_id)
        mqtt = policy.mqtt_settings
        if (other := prefixes.get(mqtt.topic_prefix)) is not None:
            raise ValidationError(
                ConfigGenKey.TOPIC_PREFIX_TAKEN, field="topic_prefix", value=mqtt.topic_prefix,
                server=policy.server_id, other=other,
            )
        if (other := clients.get(mqtt.client_id)) is not None:
            raise ValidationError(
                ConfigGenKey.CLIENT_ID_TAKEN, field="client_id", value=mqtt.client_id,
                server=policy.server_id, other=other,
            )
        by_id[policy.server_id] = policy
        prefixes[mqtt.topic_prefix] = policy.server_id
        clients[mqtt.client_id] = policy.server_id
    if not by_id:
        raise ValidationError(ConfigGenKey.NO_SERVERS, field="servers")
    return by_id


@dataclass(frozen=True, slots=True)
class AgencyLabel:
    """What a generated config shows of an agency: Frigate camera groups per owner."""

    id: str
    code: str
    name: str


def agency_labels(agencies: Iterable[Agency]) -> dict[str, AgencyLabel]:
    """The labels of a registry's agencies, by agency id."""
    return {agency.id: AgencyLabel(agency.id, agency.code, agency.name) for agency in agencies}


@dataclass(frozen=True, slots=True)
class CityInput:
    """Everything one generation or plan starts from."""

    servers: tuple[ServerPolicy, ...]
    streams: tuple[CameraStream, ...]
    agencies: Mapping[str, AgencyLabel] = field(default_factory=dict)
    # camera id -> record mode; cameras not listed record as their server's policy says
    record_modes: Mapping[str, RecordMode] = field(default_factory=dict)
    city_name: str = ""

    def __post_init__(self) -> None:
        check_unique_servers(self.servers)
        seen: set[str] = set()
        for stream in self.streams:
            check_stream(stream)
            if stream.camera_id in seen:
                raise ValidationError(
                    ConfigGenKey.STREAM_DUPLICATE, field="camera_id", camera=stream.camera_id
                )
            seen.add(stream.camera_id)
            if stream.server_id is not None and stream.server_id not in self.server_ids:
                raise ValidationError(
                    ConfigGenKey.SERVER_UNKNOWN, field="server_id", server=stream.server_id
                )
        for camera_id, mode in self.record_modes.items():
            check_choice(RecordMode, mode, f"record_modes.{camera_id}")

    @property
    def server_ids(self) -> tuple[str, ...]:
        return tuple(policy.server_id for policy in self.servers)

    def policy(self, server_id: str) -> ServerPolicy:
        for policy in self.servers:
            if policy.server_id == server_id:
                return policy
        raise ValidationError(ConfigGenKey.SERVER_UNKNOWN, field="server_id", server=server_id)
