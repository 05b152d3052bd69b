"""Typed views of what Frigate answers, and of what a caller may ask.

Each model is a frozen dataclass built by `from_api`, which checks every field it keeps and
raises `FrigateResponseError` on a shape it does not understand. Fields NCC has no use for
(camera input paths with their credentials, among others) are not kept at all.
Timestamps are float seconds since the epoch; sizes are in MB as Frigate reports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
import posixpath
import re
from typing import Final, Self
from urllib.parse import quote

from ._parsing import Fields
from .errors import FrigateResponseError

MINIMUM_VERSION: Final = (0, 14)
DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000
DEFAULT_REVIEW_WINDOW_S: Final = 24 * 3600.0

RECORDINGS_MOUNT: Final = "/media/frigate/recordings"
_MEDIA_ROOT: Final = "/media/frigate/"
_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+.~ ]\S*)?\s*$")
# Frigate's own rule for camera names (config validation)
_CAMERA_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")


def _fields(data: object, where: str) -> Fields:
    return data if isinstance(data, Fields) else Fields(data, where)


# ---------------------------------------------------------------------------------------------
# Version


@dataclass(frozen=True, order=True, slots=True)
class FrigateVersion:
    """A Frigate release, e.g. `0.17.2-3d4dd3a`; compares by (major, minor, patch)."""

    major: int
    minor: int
    patch: int
    raw: str = field(compare=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        """Parse the text answer of `GET /api/version`."""
        if not isinstance(data, str):
            raise FrigateResponseError("Frigate's version answer is not text")
        match = _VERSION.match(data)
        if match is None:
            raise FrigateResponseError("Frigate's version answer is not a version number")
        major, minor, patch = match.groups()
        return cls(int(major), int(minor), int(patch or 0), data.strip())

    def __str__(self) -> str:
        return self.raw

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        return (self.major, self.minor, self.patch) >= (major, minor, patch)

    @property
    def is_supported(self) -> bool:
        """0.14 brought auth, review items and database exports; NCC needs all three."""
        return self.at_least(*MINIMUM_VERSION)

    @property
    def login_failure_status(self) -> int:
        """0.14 (Flask) answers a refused login with 400, FastAPI (0.15+) with 401."""
        return 401 if self.at_least(0, 15) else 400

    @property
    def latest_image_height_param(self) -> str:
        """`latest.jpg` takes `height` since 0.15 and `h` before."""
        return "height" if self.at_least(0, 15) else "h"

    @property
    def supports_export_id(self) -> bool:
        """Starting an export returns its id since 0.15."""
        return self.at_least(0, 15)

    @property
    def export_rename_uses_body(self) -> bool:
        """0.16+: `PATCH /export/{id}/rename {name}`; before: `PATCH /export/{id}/{name}`."""
        return self.at_least(0, 16)

    @property
    def supports_roles(self) -> bool:
        """Users have `admin` or `viewer` roles since 0.16 (everyone is admin before)."""
        return self.at_least(0, 16)

    @property
    def per_user_review(self) -> bool:
        """`has_been_reviewed` is tracked per user (the JWT subject) since 0.16."""
        return self.at_least(0, 16)

    @property
    def supports_camera_roles(self) -> bool:
        """Custom roles limited to some cameras, and `allowed_cameras`, since 0.17."""
        return self.at_least(0, 17)

    @property
    def supports_unavailable(self) -> bool:
        """`GET /api/recordings/unavailable` exists since 0.17."""
        return self.at_least(0, 17)


# ---------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True, slots=True)
class RecordRetention:
    """How long footage is kept, in days (fractions allowed), in 0.17 terms.

    0.14–0.16 configure `record.retain {days, mode}`; it is mapped the way 0.17 migrates it:
    mode `all` keeps everything (continuous and motion), `motion` keeps motion only,
    `active_objects` leaves only what alerts and detections keep.
    """

    continuous_days: float
    motion_days: float
    alerts_days: float
    detections_days: float

    @classmethod
    def from_api(cls, data: object) -> Self:
        """Build from a camera's `record` section."""
        record = _fields(data, "record")
        alerts_days = record.child("alerts").child("retain").number("days")
        detections_days = record.child("detections").child("retain").number("days")
        if record.has("continuous") or record.has("motion"):
            continuous = record.optional_child("continuous")
            motion = record.optional_child("motion")
            return cls(
                continuous_days=continuous.number("days") if continuous else 0.0,
                motion_days=motion.number("days") if motion else 0.0,
                alerts_days=alerts_days,
                detections_days=detections_days,
            )
        retain = record.child("retain")
        days = retain.number("days")
        mode = retain.optional_text("mode") or "all"
        if mode not in ("all", "motion", "active_objects"):
            raise FrigateResponseError("Frigate sent an unknown record.retain.mode")
        return cls(
            continuous_days=days if mode == "all" else 0.0,
            motion_days=days if mode in ("all", "motion") else 0.0,
            alerts_days=alerts_days,
            detections_days=detections_days,
        )

    @property
    def longest_days(self) -> float:
        """The oldest footage of any kind the server keeps."""
        return max(self.continuous_days, self.motion_days, self.alerts_days, self.detections_days)


@dataclass(frozen=True, slots=True)
class DetectSettings:
    """Object detection settings of one camera; width/height are None until auto-detected."""

    enabled: bool
    fps: int
    width: int | None
    height: int | None

    @classmethod
    def from_api(cls, data: object) -> Self:
        detect = _fields(data, "detect")
        return cls(
            enabled=detect.flag("enabled"),
            fps=detect.integer("fps"),
            width=detect.optional_integer("width"),
            height=detect.optional_integer("height"),
        )


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """One camera as configured on the server (input paths deliberately not kept)."""

    name: str
    friendly_name: str | None
    enabled: bool
    detect: DetectSettings
    record_enabled: bool
    retention: RecordRetention
    zones: tuple[str, ...]

    @classmethod
    def from_api(cls, data: object) -> Self:
        camera = _fields(data, "camera")
        name = camera.text("name")
        record = _fields(camera.child("record"), f"cameras.{name}.record")
        zones = camera.optional_child("zones")
        return cls(
            name=name,
            friendly_name=camera.optional_text("friendly_name") or None,
            enabled=camera.flag("enabled"),
            detect=DetectSettings.from_api(camera.child("detect")),
            record_enabled=record.flag("enabled"),
            retention=RecordRetention.from_api(record),
            zones=tuple(zones.keys()) if zones else (),
        )

    @property
    def display_name(self) -> str:
        """What Frigate's UI shows: the friendly name (0.17+) or the camera name."""
        return self.friendly_name or self.name


@dataclass(frozen=True, slots=True)
class MqttSettings:
    enabled: bool
    topic_prefix: str
    client_id: str

    @classmethod
    def from_api(cls, data: object) -> Self:
        mqtt = _fields(data, "mqtt")
        return cls(
            # `enabled` is missing on servers where MQTT cannot be switched off
            enabled=mqtt.flag("enabled") if mqtt.has("enabled") else True,
            topic_prefix=mqtt.text("topic_prefix"),
            client_id=mqtt.text("client_id"),
        )


@dataclass(frozen=True, slots=True)
class FrigateConfig:
    """The parts of `GET /api/config` NCC uses."""

    cameras: dict[str, CameraConfig]
    mqtt: MqttSettings
    auth_enabled: bool

    @classmethod
    def from_api(cls, data: object) -> Self:
        config = _fields(data, "config")
        cameras = {key: CameraConfig.from_api(camera) for key, camera in config.children("cameras").items()}
        auth = config.optional_child("auth")
        return cls(
            cameras=cameras,
            mqtt=MqttSettings.from_api(config.child("mqtt")),
            auth_enabled=auth.flag("enabled") if auth is not None else False,
        )

    def camera_by_display_name(self, label: str) -> CameraConfig | None:
        """The camera Frigate labels `label` in its UI and storage report."""
        if label in self.cameras:
            return self.cameras[label]
        return next((cam for cam in self.cameras.values() if cam.friendly_name == label), None)


# ---------------------------------------------------------------------------------------------
# Stats


@dataclass(frozen=True, slots=True)
class CameraStats:
    camera_fps: float
    process_fps: float
    detection_fps: float
    detection_enabled: bool
    capture_pid: int | None
    ffmpeg_pid: int | None

    @classmethod
    def from_api(cls, data: object) -> Self:
        stats = _fields(data, "camera stats")
        return cls(
            camera_fps=stats.number("camera_fps"),
            process_fps=stats.number("process_fps"),
            detection_fps=stats.number("detection_fps"),
            detection_enabled=stats.flag("detection_enabled"),
            capture_pid=stats.optional_integer("capture_pid"),
            ffmpeg_pid=stats.optional_integer("ffmpeg_pid"),
        )

    @property
    def online(self) -> bool:
        """Frames are arriving: ffmpeg and the capture process run and deliver fps."""
        return self.camera_fps > 0 and self.capture_pid is not None and self.ffmpeg_pid is not None


@dataclass(frozen=True, slots=True)
class DetectorStats:
    inference_speed_ms: float
    pid: int | None

    @classmethod
    def from_api(cls, data: object) -> Self:
        detector = _fields(data, "detector stats")
        return cls(
            inference_speed_ms=detector.number("inference_speed"),
            pid=detector.optional_integer("pid"),
        )


@dataclass(frozen=True, slots=True)
class StorageUsage:
    total_mb: float
    used_mb: float
    free_mb: float

    @classmethod
    def from_api(cls, data: object) -> Self:
        usage = _fields(data, "storage")
        return cls(
            total_mb=usage.number("total"),
            used_mb=usage.number("used"),
            free_mb=usage.number("free"),
        )

    @property
    def used_percent(self) -> float | None:
        return 100.0 * self.used_mb / self.total_mb if self.total_mb > 0 else None


@dataclass(frozen=True, slots=True)
class FrigateStats:
    """`GET /api/stats` (the same document Frigate publishes on MQTT `<prefix>/stats`)."""

    cameras: dict[str, CameraStats]
    detectors: dict[str, DetectorStats]
    detection_fps: float
    uptime_s: float
    version: str
    storage: dict[str, StorageUsage]

    @classmethod
    def from_api(cls, data: object) -> Self:
        stats = _fields(data, "stats")
        service = stats.child("service")
        storage = service.optional_child("storage")
        return cls(
            cameras={
                name: CameraStats.from_api(camera) for name, camera in stats.children("cameras").items()
            },
            detectors={
                name: DetectorStats.from_api(detector)
                for name, detector in stats.children("detectors").items()
            },
            detection_fps=stats.number("detection_fps"),
            uptime_s=service.number("uptime"),
            version=service.text("version"),
            storage={
                mount: StorageUsage.from_api(usage)
                for mount, usage in (storage.as_children() if storage else {}).items()
            },
        )

    @property
    def recordings_storage(self) -> StorageUsage | None:
        """Usage of the recordings mount, where footage lives."""
        return self.storage.get(RECORDINGS_MOUNT)


# ---------------------------------------------------------------------------------------------
# Events and review items


class ReviewSeverity(StrEnum):
    ALERT = "alert"
    DETECTION = "detection"


def _severity(value: str, where: str) -> ReviewSeverity:
    try:
        return ReviewSeverity(value)
    except ValueError:
        raise FrigateResponseError(f"Frigate sent an unknown severity for {where}") from None


def _box(values: tuple[float, ...] | None) -> tuple[float, float, float, float] | None:
    if values is None:
        return None
    if len(values) != 4:
        raise FrigateResponseError("Frigate sent a box that is not [x, y, width, height]")
    return (values[0], values[1], values[2], values[3])


@dataclass(frozen=True, slots=True)
class FrigateEvent:
    """A tracked object (`GET /api/events`). `box` is relative (x, y, width, height)."""

    id: str
    camera: str
    label: str
    sub_label: str | None
    zones: tuple[str, ...]
    start_time: float
    end_time: float | None
    has_clip: bool
    has_snapshot: bool
    retain_indefinitely: bool
    false_positive: bool | None
    score: float | None
    top_score: float | None
    box: tuple[float, float, float, float] | None
    max_severity: ReviewSeverity | None
    recognized_license_plate: str | None

    @classmethod
    def from_api(cls, data: object) -> Self:
        event = _fields(data, "event")
        details = event.optional_child("data")
        severity = details.optional_text("max_severity") if details else None
        return cls(
            id=event.text("id"),
            camera=event.text("camera"),
            label=event.text("label"),
            sub_label=event.optional_text("sub_label"),
            zones=event.texts("zones"),
            start_time=event.number("start_time"),
            end_time=event.optional_number("end_time"),
            has_clip=event.flag("has_clip"),
            has_snapshot=event.flag("has_snapshot"),
            retain_indefinitely=event.flag("retain_indefinitely"),
            false_positive=event.optional_flag("false_positive"),
            score=details.optional_number("score") if details else None,
            top_score=details.optional_number("top_score") if details else None,
            box=_box(details.numbers("box")) if details else None,
            max_severity=_severity(severity, "event") if severity else None,
            recognized_license_plate=(details.optional_text("recognized_license_plate") if details else None),
        )

    @property
    def in_progress(self) -> bool:
        return self.end_time is None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """An alert or detection (`GET /api/review`); `detections` are event ids."""

    id: str
    camera: str
    start_time: float
    end_time: float | None
    severity: ReviewSeverity
    objects: tuple[str, ...]
    sub_labels: tuple[str, ...]
    zones: tuple[str, ...]
    detections: tuple[str, ...]
    thumb_path: str
    has_been_reviewed: bool

    @classmethod
    def from_api(cls, data: object) -> Self:
        item = _fields(data, "review item")
        details = item.child("data")
        return cls(
            id=item.text("id"),
            camera=item.text("camera"),
            start_time=item.number("start_time"),
            end_time=item.optional_number("end_time"),
            severity=_severity(item.text("severity"), "review item"),
            objects=details.texts("objects"),
            sub_labels=details.texts("sub_labels"),
            zones=details.texts("zones"),
            detections=details.texts("detections"),
            thumb_path=item.text("thumb_path"),
            has_been_reviewed=item.flag("has_been_reviewed"),
        )

    @property
    def in_progress(self) -> bool:
        return self.end_time is None

    @property
    def thumb_url_path(self) -> str | None:
        """Where the thumbnail is served (outside `/api`), as Frigate's web UI builds it."""
        return _media_url_path(self.thumb_path)


def _media_url_path(file_path: str) -> str | None:
    if not file_path.startswith(_MEDIA_ROOT):
        return None
    return "/" + quote(file_path.removeprefix(_MEDIA_ROOT))


# ---------------------------------------------------------------------------------------------
# Recordings


@dataclass(frozen=True, slots=True)
class RecordingHour:
    """One hour of a day (in the asked time zone) and how much of it is recorded."""

    hour: int
    duration_s: float
    events: int
    motion: int
    objects: int

    @classmethod
    def from_api(cls, data: object) -> Self:
        hour = _fields(data, "recording hour")
        text = hour.text("hour")
        if not (text.isdigit() and 0 <= int(text) <= 23):
            raise FrigateResponseError("Frigate sent an hour outside 00–23")
        return cls(
            hour=int(text),
            duration_s=hour.number("duration"),
            events=hour.optional_integer("events") or 0,
            motion=hour.optional_integer("motion") or 0,
            objects=hour.optional_integer("objects") or 0,
        )

    @property
    def has_footage(self) -> bool:
        return self.duration_s > 0


@dataclass(frozen=True, slots=True)
class RecordingDay:
    """A day with footage and its hours, as `GET /api/{camera}/recordings/summary` lists them."""

    day: date
    events: int
    hours: tuple[RecordingHour, ...]

    @classmethod
    def from_api(cls, data: object) -> Self:
        day = _fields(data, "recording day")
        try:
            parsed = date.fromisoformat(day.text("day"))
        except ValueError:
            raise FrigateResponseError("Frigate sent a day that is not YYYY-MM-DD") from None
        return cls(
            day=parsed,
            events=day.optional_integer("events") or 0,
            hours=tuple(RecordingHour.from_api(hour) for hour in day.objects("hours")),
        )

    @property
    def recorded_s(self) -> float:
        return sum(hour.duration_s for hour in self.hours)


@dataclass(frozen=True, slots=True)
class RecordingSegment:
    """One recording file (about 10 s) of a camera."""

    id: str
    start_time: float
    end_time: float
    segment_size_mb: float
    duration_s: float
    motion: int
    objects: int

    @classmethod
    def from_api(cls, data: object) -> Self:
        segment = _fields(data, "recording segment")
        return cls(
            id=segment.text("id"),
            start_time=segment.number("start_time"),
            end_time=segment.number("end_time"),
            segment_size_mb=segment.optional_number("segment_size") or 0.0,
            duration_s=segment.number("duration"),
            motion=segment.optional_integer("motion") or 0,
            objects=segment.optional_integer("objects") or 0,
        )


@dataclass(frozen=True, slots=True)
class TimeRange:
    start_time: float
    end_time: float

    @classmethod
    def from_api(cls, data: object) -> Self:
        span = _fields(data, "time range")
        return cls(start_time=span.number("start_time"), end_time=span.number("end_time"))

    @property
    def duration_s(self) -> float:
        return self.end_time - self.start_time


@dataclass(frozen=True, slots=True)
class CameraStorage:
    """Disk used by one camera's recordings and the rate it grows (MB per hour)."""

    usage_mb: float
    bandwidth_mb_per_h: float
    usage_percent: float | None

    @classmethod
    def from_api(cls, data: object) -> Self:
        storage = _fields(data, "camera storage")
        return cls(
            # null when the camera has no recordings at all
            usage_mb=storage.optional_number("usage") or 0.0,
            bandwidth_mb_per_h=storage.optional_number("bandwidth") or 0.0,
            usage_percent=storage.optional_number("usage_percent"),
        )


# ---------------------------------------------------------------------------------------------
# Exports


@dataclass(frozen=True, slots=True)
class FrigateExport:
    """An export (`GET /api/exports`). `date` is the start of the exported range."""

    id: str
    camera: str
    name: str
    date: float
    video_path: str
    thumb_path: str
    in_progress: bool

    @classmethod
    def from_api(cls, data: object) -> Self:
        export = _fields(data, "export")
        video_path = export.text("video_path")
        if not posixpath.basename(video_path):
            raise FrigateResponseError("Frigate sent an export without a file name")
        return cls(
            id=export.text("id"),
            camera=export.text("camera"),
            name=export.text("name"),
            date=export.number("date"),
            video_path=video_path,
            thumb_path=export.optional_text("thumb_path") or "",
            in_progress=export.flag("in_progress"),
        )

    @property
    def file_url_path(self) -> str:
        """Where nginx serves the file: `/exports/<file name>`, as Frigate's web UI does."""
        return "/exports/" + quote(posixpath.basename(self.video_path))

    @property
    def thumb_url_path(self) -> str | None:
        return _media_url_path(self.thumb_path)


# ---------------------------------------------------------------------------------------------
# Queries


def _check_names(kind: str, values: object, *, camera: bool = False) -> None:
    if not isinstance(values, tuple):
        raise TypeError(f"{kind} must be a tuple of names")
    for value in values:
        if not isinstance(value, str) or not value or "," in value:
            raise ValueError(f"{kind} must be non-empty names without commas")
        if camera and not _CAMERA_NAME.match(value):
            raise ValueError(f"{kind} may contain only letters, digits, '_' and '-'")


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")


def _check_window(after: float | None, before: float | None) -> None:
    if after is not None and before is not None and after > before:
        raise ValueError("after must not be later than before")


def _filters(**lists: tuple[str, ...]) -> dict[str, str]:
    """Comma lists for the filters in use; Frigate's default for the others is all."""
    return {name: ",".join(values) for name, values in lists.items() if values}


def _as_flag(value: bool) -> str:
    return "1" if value else "0"


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Filters for `GET /api/events`; empty tuples mean all. Newest first, at most `limit`."""

    cameras: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    sub_labels: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    after: float | None = None
    before: float | None = None
    limit: int = DEFAULT_LIMIT
    has_clip: bool | None = None
    has_snapshot: bool | None = None
    in_progress: bool | None = None
    retained: bool | None = None

    def __post_init__(self) -> None:
        _check_names("cameras", self.cameras, camera=True)
        _check_names("labels", self.labels)
        _check_names("sub_labels", self.sub_labels)
        _check_names("zones", self.zones)
        _check_limit(self.limit)
        _check_window(self.after, self.before)

    def to_params(self) -> dict[str, str]:
        params = _filters(
            cameras=self.cameras, labels=self.labels, sub_labels=self.sub_labels, zones=self.zones
        )
        params["limit"] = str(self.limit)
        if self.after is not None:
            params["after"] = repr(float(self.after))
        if self.before is not None:
            params["before"] = repr(float(self.before))
        for key, flag in (
            ("has_clip", self.has_clip),
            ("has_snapshot", self.has_snapshot),
            ("in_progress", self.in_progress),
            ("favorites", self.retained),
        ):
            if flag is not None:
                params[key] = _as_flag(flag)
        return params


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    """Filters for `GET /api/review`. Without a window, the last 24 hours are asked for."""

    cameras: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    severity: ReviewSeverity | None = None
    reviewed: bool | None = None
    after: float | None = None
    before: float | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        _check_names("cameras", self.cameras, camera=True)
        _check_names("labels", self.labels)
        _check_names("zones", self.zones)
        _check_limit(self.limit)
        _check_window(self.after, self.before)

    def to_params(self, now: float) -> dict[str, str]:
        """Query parameters; `now` fills a missing `before` (Frigate's own default has no end)."""
        before = self.before if self.before is not None else now
        after = self.after if self.after is not None else before - DEFAULT_REVIEW_WINDOW_S
        params = _filters(cameras=self.cameras, labels=self.labels, zones=self.zones)
        params |= {
            "after": repr(float(after)),
            "before": repr(float(before)),
            "limit": str(self.limit),
        }
        if self.severity is not None:
            params["severity"] = self.severity.value
        if self.reviewed is not None:
            params["reviewed"] = _as_flag(self.reviewed)
        return params


def check_camera_name(camera: str) -> None:
    """Reject a camera name Frigate could not have (it would also break the URL path)."""
    if not isinstance(camera, str) or not _CAMERA_NAME.match(camera):
        raise ValueError("camera names contain only letters, digits, '_' and '-'")
