"""The simulator's plain data: cameras, retention, time ranges, faults."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_VERSION = "0.17.2-sim"
DEFAULT_USER = "admin"
DEFAULT_PASSWORD = "frigate-sim-password"  # noqa: S105  (simulator default; >= 12 chars like Frigate)
VIEWER_USER = "viewer"


class Severity(StrEnum):
    """Review item severity, as Frigate's SeverityEnum."""

    ALERT = "alert"
    DETECTION = "detection"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A closed-open span of epoch seconds."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time range ends before it starts: {self.start} > {self.end}")

    @property
    def duration(self) -> float:
        return self.end - self.start

    def contains(self, instant: float) -> bool:
        return self.start <= instant < self.end


@dataclass(frozen=True, slots=True)
class RetainPolicy:
    """`record.alerts.retain` / `record.detections.retain`."""

    days: float = 10.0
    mode: str = "motion"


@dataclass(frozen=True, slots=True)
class Retention:
    """A camera's `record` retention (Frigate 0.17 names)."""

    continuous_days: float = 10.0
    motion_days: float = 0.0
    alerts: RetainPolicy = RetainPolicy()
    detections: RetainPolicy = RetainPolicy()
    pre_capture_s: int = 5
    post_capture_s: int = 5

    @property
    def footage_days(self) -> float:
        """Days of round-the-clock footage (motion mode is simulated as continuous)."""
        return max(self.continuous_days, self.motion_days)

    @property
    def longest_days(self) -> float:
        return max(self.footage_days, self.alerts.days, self.detections.days)

    def review_days(self, severity: Severity) -> float:
        return self.alerts.days if severity is Severity.ALERT else self.detections.days


@dataclass(slots=True)
class Outage:
    """A span with no frames from the camera; `end` is None while it lasts."""

    start: float
    end: float | None = None


@dataclass(eq=False)
class SimCamera:
    """One simulated camera.

    `gaps` are spans without recordings. Left as None, the owning server derives them from its
    seed (see README "Recording gaps"); pass a list to pin them.
    """

    name: str
    online: bool = True
    enabled: bool = True
    friendly_name: str | None = None
    record_enabled: bool = True
    retention: Retention = field(default_factory=Retention)
    detect_enabled: bool = True
    detect_width: int = 1280
    detect_height: int = 720
    detect_fps: int = 5
    zones: Mapping[str, str] | Sequence[str] = field(default_factory=dict)
    stream_url: str | None = None
    gaps: list[TimeRange] | None = None
    outages: list[Outage] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ValueError(f"invalid camera name: {self.name!r}")
        if self.detect_width <= 0 or self.detect_height <= 0 or self.detect_fps <= 0:
            raise ValueError(f"camera {self.name}: detect size and fps must be positive")
        if not isinstance(self.zones, Mapping):
            self.zones = {zone: _default_zone_polygon(i) for i, zone in enumerate(self.zones)}
        if self.stream_url is None:
            self.stream_url = f"rtsp://127.0.0.1:8554/{self.name}"

    @property
    def zone_names(self) -> list[str]:
        return list(self.zones)

    @property
    def zone_polygons(self) -> dict[str, str]:
        assert isinstance(self.zones, Mapping)
        return dict(self.zones)

    @property
    def display_name(self) -> str:
        return self.friendly_name or self.name

    @property
    def streaming(self) -> bool:
        """Frames are arriving (enabled and online)."""
        return self.enabled and self.online

    def holes(self, now: float) -> list[TimeRange]:
        """Gaps and outages (an ongoing outage closed at `now`)."""
        spans = list(self.gaps or [])
        for outage in self.outages:
            end = now if outage.end is None else outage.end
            if end > outage.start:
                spans.append(TimeRange(outage.start, end))
        return spans


def _default_zone_polygon(index: int) -> str:
    top = round(0.5 + 0.1 * (index % 4), 2)
    return f"0.0,{top},1.0,{top},1.0,1.0,0.0,1.0"


class Faults:
    """Run-time failure knobs of one server.

    Setting `down` acts at once (the listening socket is closed or re-bound before the setter
    returns), so a test may connect right after setting it.
    """

    def __init__(self, on_down_change: Callable[[bool], None]) -> None:
        self._down = False
        self._on_down_change = on_down_change
        self.slow_s: float = 0.0
        self.http_500: bool = False
        self.malformed_json: bool = False

    @property
    def down(self) -> bool:
        return self._down

    @down.setter
    def down(self, value: bool) -> None:
        value = bool(value)
        if value == self._down:
            return
        self._on_down_change(value)
        self._down = value

    def as_dict(self) -> dict[str, object]:
        return {
            "down": self._down,
            "slow_s": self.slow_s,
            "http_500": self.http_500,
            "malformed_json": self.malformed_json,
        }

    def clear(self) -> None:
        self.down = False
        self.slow_s = 0.0
        self.http_500 = False
        self.malformed_json = False
