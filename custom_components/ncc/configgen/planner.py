"""The storage planner: how many days each server keeps, and what it would take to keep more.

The model (documented in docs/frigate_config.md, "Storage planner"):

- **Bandwidth** B of a camera, in MB per hour (MB = 2^20 bytes, as Frigate reports): Frigate's
  own figure from `/api/recordings/storage` when connected (what it wrote in the last hour);
  otherwise `width x height x fps x bits-per-pixel x 3600 / 8 / 2^20` with 0.07 bits per pixel
  for H.264 and 0.035 for H.265; unknown values are 1920 x 1080 at 15 fps in H.264.
- **Activity**: the share of time with motion `m`, inside alerts `a` and inside detections `d`,
  by camera purpose (`DEFAULT_ACTIVITY`), with a + d <= m <= 1.
- **Retention tiers**: a segment `t` days old is on disk while any tier keeps it: continuous
  (all of it) while t < C, motion (share m) while t < M, alerts (a) while t < A, detections
  (d) while t < D. The disk a camera fills at age t grows at 24 B f(t) MB per day, with
  f(t) = max(1 if t < C, m if t < M, a [t < A] + d [t < D]).
- **Usable disk**: the recordings disk less a 5 % margin (clips, exports, database) and one
  hour of the server's bandwidth (Frigate deletes the oldest hour when less is free).
- **Horizon** H: when the policy needs more than the usable disk, Frigate's emergency cleanup
  deletes the oldest footage regardless of retention, so every tier ends at the age H where
  the cameras' cumulative need reaches the usable disk.
- **Days kept** by a camera: min(H, its footage retention: max(C, M), or A when it records
  only alerts); by a server: the least of its cameras.
- **Detection load** of a camera: detect fps x m inferences per second (Frigate runs the
  detector on frames with motion); a server's capacity: the policy's figure, the measured
  inference speed, or a rough figure per detector type (`DETECTOR_CAPACITY`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
import fnmatch
import math
from types import MappingProxyType
from typing import Any, Final

from ..core.cameras import CameraPurpose
from .model import CityInput, Codec, RecordMode, Retention, ServerPolicy

MB: Final = 2**20  # bytes; Frigate's unit for usage and bandwidth
GB: Final = 10**9  # bytes; how disks are sold
BITS_PER_PIXEL: Final[Mapping[Codec, float]] = MappingProxyType({Codec.H264: 0.07, Codec.H265: 0.035})
ASSUMED_WIDTH: Final = 1920
ASSUMED_HEIGHT: Final = 1080
ASSUMED_FPS: Final = 15
DISK_MARGIN: Final = 0.05
FREE_HOURS: Final = 1.0
# Detector inferences per second: ~1000 ms / a typical inference time (CPU ~100 ms,
# OpenVINO/ONNX on an iGPU ~15 ms, Coral ~10 ms, TensorRT ~8 ms). Rough; measure and override.
DETECTOR_CAPACITY: Final[Mapping[str, float]] = MappingProxyType({
    "cpu": 10.0, "openvino": 60.0, "onnx": 60.0, "edgetpu": 100.0, "tensorrt": 120.0,
})
UNKNOWN_DETECTOR_CAPACITY: Final = 30.0


@dataclass(frozen=True, slots=True)
class ActivityShares:
    """Shares of time a camera sees motion, alerts and detections."""

    motion: float
    alerts: float
    detections: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.alerts + self.detections <= self.motion <= 1.0 or min(
            self.alerts, self.detections
        ) < 0.0:
            raise ValueError("activity shares need 0 <= alerts + detections <= motion <= 1")


DEFAULT_ACTIVITY: Final[Mapping[CameraPurpose, ActivityShares]] = MappingProxyType({
    CameraPurpose.TRAFFIC: ActivityShares(motion=0.7, alerts=0.45, detections=0.15),
    CameraPurpose.PUBLIC_SPACE: ActivityShares(motion=0.5, alerts=0.2, detections=0.05),
    CameraPurpose.GOVERNMENT_BUILDING: ActivityShares(motion=0.3, alerts=0.1, detections=0.05),
    CameraPurpose.PRIVATE_PREMISES: ActivityShares(motion=0.3, alerts=0.1, detections=0.05),
    CameraPurpose.OTHER: ActivityShares(motion=0.4, alerts=0.1, detections=0.05),
})


class BandwidthSource(StrEnum):
    MEASURED = "measured"  # Frigate's /api/recordings/storage
    ESTIMATED = "estimated"  # resolution, fps and codec of the stream
    ASSUMED = "assumed"  # nothing known: 1080p, 15 fps, H.264


def estimate_bandwidth(
    width: int | None, height: int | None, fps: int | None, codec: str | None
) -> tuple[float, BandwidthSource]:
    """MB per hour of a stream from what is known of it, and how much was known."""
    known = width is not None and height is not None and fps is not None
    bits_per_pixel = BITS_PER_PIXEL[Codec(codec) if codec in tuple(Codec) else Codec.H264]
    pixels_per_s = (width or ASSUMED_WIDTH) * (height or ASSUMED_HEIGHT) * (fps or ASSUMED_FPS)
    mb_per_h = pixels_per_s * bits_per_pixel * 3600 / 8 / MB
    return mb_per_h, BandwidthSource.ESTIMATED if known else BandwidthSource.ASSUMED


def bandwidth_for(
    measured_mb_per_h: float | None,
    width: int | None,
    height: int | None,
    fps: int | None,
    codec: str | None,
) -> tuple[float, BandwidthSource]:
    """Frigate's measured figure when it has one (> 0), else the estimate."""
    if measured_mb_per_h is not None and measured_mb_per_h > 0:
        return measured_mb_per_h, BandwidthSource.MEASURED
    return estimate_bandwidth(width, height, fps, codec)


@dataclass(frozen=True, slots=True)
class PlannedCamera:
    """One camera as the planner sees it."""

    camera_id: str
    purpose: CameraPurpose
    bandwidth_mb_per_h: float
    bandwidth_source: BandwidthSource
    server_id: str | None = None  # where it records (or must record when pinned)
    pinned: bool = True  # False: the proposal may move it
    # None: the server's policy for `record_mode`; set: what the running server keeps
    retention: Retention | None = None
    record_mode: RecordMode | None = None
    detect_fps: float = 5.0


@dataclass(frozen=True, slots=True)
class ServerCapacity:
    """One server: its recordings disk, its retention policy and its detector's capacity."""

    server_id: str
    disk_gb: float | None
    retention: Retention = field(default_factory=Retention)
    record_mode: RecordMode = RecordMode.CONTINUOUS
    detection_capacity: float = DETECTOR_CAPACITY["cpu"]

    def retention_of(self, camera: PlannedCamera) -> Retention:
        if camera.retention is not None:
            return camera.retention
        return self.retention.for_mode(camera.record_mode or self.record_mode)


def detector_capacity(detector_type: str, configured: float | None) -> float:
    if configured is not None:
        return configured
    return DETECTOR_CAPACITY.get(detector_type, UNKNOWN_DETECTOR_CAPACITY)


def capacity_for(
    policy: ServerPolicy, *, disk_gb: float | None = None, measured_capacity: float | None = None
) -> ServerCapacity:
    """A server's capacity from its policy; a running server's disk and detector speed win."""
    configured = policy.detection_capacity if policy.detection_capacity is not None else measured_capacity
    return ServerCapacity(
        server_id=policy.server_id,
        disk_gb=disk_gb if disk_gb is not None else policy.disk_gb,
        retention=policy.retention,
        record_mode=policy.record_mode,
        detection_capacity=detector_capacity(policy.detector.type, configured),
    )


def planned_cameras(city: CityInput, measured: Mapping[str, float] | None = None) -> list[PlannedCamera]:
    """The city's streams as the planner sees them.

    A stream naming its server is pinned there, as is one whose camera id names a server of
    the city (it keeps its registry id); the others (registry cameras, cameras of unknown
    servers) are free for the proposal to place.
    """
    measured = measured or {}
    servers = set(city.server_ids)
    cameras = []
    for stream in city.streams:
        origin = stream.camera_id.partition("/")[0]
        home = stream.server_id or (origin if origin in servers else None)
        policy = city.policy(home) if home else city.servers[0]
        bandwidth, source = bandwidth_for(
            measured.get(stream.camera_id), stream.width, stream.height, stream.fps, stream.codec
        )
        cameras.append(
            PlannedCamera(
                camera_id=stream.camera_id,
                purpose=stream.purpose,
                bandwidth_mb_per_h=bandwidth,
                bandwidth_source=source,
                server_id=home,
                pinned=home is not None,
                record_mode=city.record_modes.get(stream.camera_id),
                detect_fps=policy.detect_fps,
            )
        )
    return cameras


def _tiers(retention: Retention, shares: ActivityShares) -> list[tuple[float, float]]:
    """(until day, share of the stream kept) pieces of f(t), in order, shares > 0 only."""
    cuts = sorted({retention.continuous_days, retention.motion_days, retention.alerts_days,
                   retention.detections_days} - {0.0})
    pieces: list[tuple[float, float]] = []
    for until in cuts:
        start = pieces[-1][0] if pieces else 0.0
        middle = (start + until) / 2
        share = max(
            1.0 if middle < retention.continuous_days else 0.0,
            shares.motion if middle < retention.motion_days else 0.0,
            (shares.alerts if middle < retention.alerts_days else 0.0)
            + (shares.detections if middle < retention.detections_days else 0.0),
        )
        pieces.append((until, share))
    return pieces


@dataclass(frozen=True, slots=True)
class _Load:
    """A camera's storage curve: MB per day kept, piece by piece of age."""

    camera_id: str
    mb_per_day: float
    pieces: tuple[tuple[float, float], ...]
    footage_days: float

    def need_mb(self) -> float:
        """Disk the whole retention needs."""
        total, start = 0.0, 0.0
        for until, share in self.pieces:
            total += self.mb_per_day * share * (until - start)
            start = until
        return total


def _load(
    camera: PlannedCamera, server: ServerCapacity, activity: Mapping[CameraPurpose, ActivityShares]
) -> _Load:
    retention = server.retention_of(camera)
    return _Load(
        camera_id=camera.camera_id,
        mb_per_day=24 * camera.bandwidth_mb_per_h,
        pieces=tuple(_tiers(retention, activity[camera.purpose])),
        footage_days=retention.footage_days,
    )


def _horizon(loads: Sequence[_Load], usable_mb: float) -> float:
    """The age at which the cameras' cumulative need reaches `usable_mb` (inf: it never does)."""
    cuts = sorted({until for load in loads for until, _ in load.pieces})
    used, start = 0.0, 0.0
    for until in cuts:
        rate = sum(
            load.mb_per_day * next((share for end, share in load.pieces if end >= until), 0.0)
            for load in loads
        )
        step = rate * (until - start)
        if used + step >= usable_mb and rate > 0:
            return start + (usable_mb - used) / rate
        used += step
        start = until
    return math.inf


def usable_mb(disk_gb: float, bandwidth_mb_per_h: float) -> float:
    """The part of a recordings disk footage may fill (see the module's model)."""
    return max(0.0, disk_gb * GB / MB * (1 - DISK_MARGIN) - FREE_HOURS * bandwidth_mb_per_h)


def disk_gb_for(need_mb: float, bandwidth_mb_per_h: float) -> float:
    """The disk that makes `need_mb` usable: the inverse of `usable_mb`."""
    return (need_mb + FREE_HOURS * bandwidth_mb_per_h) * MB / GB / (1 - DISK_MARGIN)


@dataclass(frozen=True, slots=True)
class ServerPlan:
    """What one server keeps under its policy on its disk."""

    server_id: str
    cameras: tuple[str, ...]
    bandwidth_mb_per_h: float
    disk_gb: float | None
    need_gb: float  # disk the whole policy needs
    horizon_days: float | None  # None: the whole policy fits (or the disk is unknown)
    days_kept: float | None  # None: no cameras or the disk is unknown
    camera_days: Mapping[str, float]
    detection_load: float
    detection_capacity: float
    sources: Mapping[BandwidthSource, int]
    target_days: float | None = None
    disk_for_target_gb: float | None = None

    @property
    def fits(self) -> bool | None:
        return None if self.disk_gb is None else self.need_gb <= self.disk_gb

    @property
    def detection_utilisation(self) -> float:
        return self.detection_load / self.detection_capacity

    def to_dict(self) -> dict[str, Any]:
        return {
            "server_id": self.server_id,
            "cameras": len(self.cameras),
            "bandwidth_mb_per_h": round(self.bandwidth_mb_per_h, 1),
            "bandwidth_mbit_s": round(self.bandwidth_mb_per_h * MB * 8 / 3600 / 10**6, 2),
            "disk_gb": None if self.disk_gb is None else round(self.disk_gb, 1),
            "need_gb": round(self.need_gb, 1),
            "fits": self.fits,
            "horizon_days": _round(self.horizon_days),
            "days_kept": _round(self.days_kept),
            "camera_days": {camera: round(days, 2) for camera, days in sorted(self.camera_days.items())},
            "detection_load": round(self.detection_load, 1),
            "detection_capacity": round(self.detection_capacity, 1),
            "detection_utilisation": round(self.detection_utilisation, 3),
            "bandwidth_sources": {source.value: count for source, count in self.sources.items()},
            "target_days": self.target_days,
            "disk_for_target_gb": _round(self.disk_for_target_gb),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def plan_server(
    server: ServerCapacity,
    cameras: Sequence[PlannedCamera],
    *,
    activity: Mapping[CameraPurpose, ActivityShares] = DEFAULT_ACTIVITY,
    target_days: float | None = None,
) -> ServerPlan:
    """Days kept, disk needed and detection load of `server` recording `cameras`."""
    loads = [_load(camera, server, activity) for camera in cameras]
    bandwidth = sum(camera.bandwidth_mb_per_h for camera in cameras)
    need_mb = sum(load.need_mb() for load in loads)
    horizon: float | None = None
    if server.disk_gb is not None:
        found = _horizon(loads, usable_mb(server.disk_gb, bandwidth))
        horizon = None if math.isinf(found) else found
    camera_days = {
        load.camera_id: load.footage_days if horizon is None else min(horizon, load.footage_days)
        for load in loads
    }
    days_kept = min(camera_days.values()) if camera_days and server.disk_gb is not None else None
    sources = dict.fromkeys(BandwidthSource, 0)
    for camera in cameras:
        sources[camera.bandwidth_source] += 1
    disk_for_target = None
    if target_days is not None:
        extended = replace(server, retention=server.retention.extended_to(target_days))
        target_cameras = [
            replace(camera, retention=camera.retention.extended_to(target_days))
            if camera.retention is not None else camera
            for camera in cameras
        ]
        target_need = sum(_load(camera, extended, activity).need_mb() for camera in target_cameras)
        disk_for_target = disk_gb_for(target_need, bandwidth)
    return ServerPlan(
        server_id=server.server_id,
        cameras=tuple(camera.camera_id for camera in cameras),
        bandwidth_mb_per_h=bandwidth,
        disk_gb=server.disk_gb,
        need_gb=disk_gb_for(need_mb, bandwidth) if cameras else 0.0,
        horizon_days=horizon,
        days_kept=days_kept,
        camera_days=MappingProxyType(camera_days),
        detection_load=sum(
            camera.detect_fps * activity[camera.purpose].motion for camera in cameras
        ),
        detection_capacity=server.detection_capacity,
        sources=MappingProxyType(sources),
        target_days=target_days,
        disk_for_target_gb=disk_for_target,
    )


def apply_record_modes(
    cameras: Iterable[PlannedCamera], modes: Mapping[str, RecordMode]
) -> list[PlannedCamera]:
    """Cameras switched to a record mode where a pattern (a camera id or glob) names them.

    Later patterns win; a running camera's retention is switched as its policy would be.
    """
    switched = []
    for camera in cameras:
        mode = None
        for pattern, candidate in modes.items():
            if fnmatch.fnmatchcase(camera.camera_id, pattern):
                mode = candidate
        if mode is None:
            switched.append(camera)
        elif camera.retention is not None:
            switched.append(replace(camera, retention=camera.retention.for_mode(mode), record_mode=mode))
        else:
            switched.append(replace(camera, record_mode=mode))
    return switched


@dataclass(frozen=True, slots=True)
class CityPlan:
    """Every server's plan, and where each camera records."""

    servers: tuple[ServerPlan, ...]
    placement: Mapping[str, str]
    moved: tuple[str, ...] = ()  # cameras the proposal put on another server than today

    def server(self, server_id: str) -> ServerPlan:
        return next(plan for plan in self.servers if plan.server_id == server_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "servers": [plan.to_dict() for plan in self.servers],
            "placement": dict(sorted(self.placement.items())),
            "moved": list(self.moved),
        }


class _Balancer:
    """Servers' running loads while cameras are placed, moved and scored."""

    def __init__(
        self, servers: Sequence[ServerCapacity], activity: Mapping[CameraPurpose, ActivityShares]
    ) -> None:
        self.servers = {server.server_id: server for server in servers}
        self.activity = activity
        self.placement: dict[str, str] = {}
        self.need = dict.fromkeys(self.servers, 0.0)
        self.bandwidth = dict.fromkeys(self.servers, 0.0)
        self.detect = dict.fromkeys(self.servers, 0.0)
        self.count = dict.fromkeys(self.servers, 0)
        self._needs: dict[tuple[str, str], float] = {}

    def camera_need(self, camera: PlannedCamera, server_id: str) -> float:
        key = (camera.camera_id, server_id)
        if key not in self._needs:
            self._needs[key] = _load(camera, self.servers[server_id], self.activity).need_mb()
        return self._needs[key]

    def _shift(self, camera: PlannedCamera, server_id: str, sign: int) -> None:
        self.need[server_id] += sign * self.camera_need(camera, server_id)
        self.bandwidth[server_id] += sign * camera.bandwidth_mb_per_h
        self.detect[server_id] += sign * camera.detect_fps * self.activity[camera.purpose].motion
        self.count[server_id] += sign

    def add(self, camera: PlannedCamera, server_id: str) -> None:
        self.placement[camera.camera_id] = server_id
        self._shift(camera, server_id, 1)

    def remove(self, camera: PlannedCamera) -> str:
        server_id = self.placement.pop(camera.camera_id)
        self._shift(camera, server_id, -1)
        return server_id

    def score(
        self, server_id: str, camera: PlannedCamera | None = None, sign: int = 1
    ) -> tuple[float, float]:
        """How overloaded a server is, with `camera` added (or taken off: sign -1).

        First how far its footage overflows the disk (the footage the city promises comes
        first), then the busier of disk (need over usable) and detector (load over capacity).
        """
        server = self.servers[server_id]
        need, bandwidth, detect = self.need[server_id], self.bandwidth[server_id], self.detect[server_id]
        if camera is not None:
            need += sign * self.camera_need(camera, server_id)
            bandwidth += sign * camera.bandwidth_mb_per_h
            detect += sign * camera.detect_fps * self.activity[camera.purpose].motion
        storage = 0.0
        if server.disk_gb is not None:
            usable = usable_mb(server.disk_gb, bandwidth)
            storage = need / usable if usable > 0 else math.inf
        return max(0.0, storage - 1.0), max(storage, detect / server.detection_capacity)

    def place(self, camera: PlannedCamera) -> None:
        """Onto the server that stays least loaded; ties: fewer cameras, then the id."""
        best = min(self.servers, key=lambda sid: (self.score(sid, camera), self.count[sid], sid))
        self.add(camera, best)

    def improve(self, cameras: Sequence[PlannedCamera]) -> None:
        """Move cameras off the most loaded server while that lowers the city's peak load.

        Each step takes the one move (a camera of the most loaded server to another server)
        that leaves the lowest peak, so a proposal moves few cameras rather than reshuffling
        all of them; a shortage of disk that no placement avoids ends up shared.
        """
        by_id = {camera.camera_id: camera for camera in cameras}
        for _ in range(len(cameras)):
            worst = max(self.servers, key=lambda sid: (self.score(sid), sid))
            peak = self.score(worst)
            best: tuple[tuple[float, float], str, str] | None = None
            for camera_id, server_id in sorted(self.placement.items()):
                if server_id != worst or camera_id not in by_id:
                    continue
                camera = by_id[camera_id]
                left = self.score(worst, camera, -1)
                for target in sorted(self.servers.keys() - {worst}):
                    after = max(left, self.score(target, camera))
                    if _lower(after, peak) and (best is None or after < best[0]):
                        best = (after, camera_id, target)
            if best is None:
                return
            _, camera_id, target = best
            self.remove(by_id[camera_id])
            self.add(by_id[camera_id], target)


def _lower(score: tuple[float, float], than: tuple[float, float]) -> bool:
    """Lower by more than rounding noise."""
    return score[0] < than[0] - 1e-9 or (abs(score[0] - than[0]) <= 1e-9 and score[1] < than[1] - 1e-9)


def propose_placement(
    servers: Sequence[ServerCapacity],
    cameras: Sequence[PlannedCamera],
    *,
    activity: Mapping[CameraPurpose, ActivityShares] = DEFAULT_ACTIVITY,
    rebalance: bool = False,
) -> dict[str, str]:
    """Where each camera should record.

    Pinned cameras stay on their server; the others, heaviest first, go to the server whose
    busier resource (disk need over usable disk, or detection load over capacity) would stay
    least loaded. `rebalance` then moves cameras, one at a time, off the busiest server while
    that lowers the city's peak load.
    """
    balancer = _Balancer(servers, activity)
    free = []
    for camera in cameras:
        if camera.server_id in balancer.servers and (camera.pinned or rebalance):
            balancer.add(camera, camera.server_id)
        else:
            free.append(camera)
    for camera in sorted(free, key=lambda camera: (-camera.bandwidth_mb_per_h, camera.camera_id)):
        balancer.place(camera)
    if rebalance:
        balancer.improve(cameras)
    return balancer.placement


def plan_city(
    servers: Sequence[ServerCapacity],
    cameras: Sequence[PlannedCamera],
    *,
    activity: Mapping[CameraPurpose, ActivityShares] = DEFAULT_ACTIVITY,
    target_days: float | None = None,
    rebalance: bool = False,
) -> CityPlan:
    """Plan every server; `rebalance` proposes moves that even out the servers' loads."""
    placement = propose_placement(servers, cameras, activity=activity, rebalance=rebalance) if servers else {}
    plans = tuple(
        plan_server(
            server,
            [camera for camera in cameras if placement.get(camera.camera_id) == server.server_id],
            activity=activity,
            target_days=target_days,
        )
        for server in servers
    )
    moved = tuple(
        sorted(
            camera.camera_id for camera in cameras
            if camera.server_id is not None and placement.get(camera.camera_id) != camera.server_id
        )
    )
    return CityPlan(servers=plans, placement=MappingProxyType(placement), moved=moved)


def compare_plans(before: CityPlan, after: CityPlan) -> list[dict[str, Any]]:
    """Per server: days kept and disk needed before and after a change (e.g. record modes)."""
    rows = []
    for old in before.servers:
        new = after.server(old.server_id)
        rows.append({
            "server_id": old.server_id,
            "days_kept_before": _round(old.days_kept),
            "days_kept_after": _round(new.days_kept),
            "need_gb_before": round(old.need_gb, 1),
            "need_gb_after": round(new.need_gb, 1),
            "saved_gb": round(old.need_gb - new.need_gb, 1),
        })
    return rows
