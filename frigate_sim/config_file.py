"""Read the parts of a Frigate config.yml the simulator serves.

Kept: camera names, `enabled`, `friendly_name`, detect (enabled/fps/size), record
(enabled, continuous/motion days, alerts/detections retain; the older `retain` and `events`
forms are migrated as Frigate does), zones, the recording ffmpeg input, and
`mqtt.topic_prefix/client_id/stats_interval`. Everything else is ignored. `{FRIGATE_...}`
placeholders are served as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from .model import RetainPolicy, Retention, SimCamera


class ConfigFileError(ValueError):
    """The file is not a Frigate config the simulator can serve."""


@dataclass(frozen=True, slots=True)
class FrigateConfigFile:
    path: Path
    cameras: list[SimCamera]
    topic_prefix: str | None = None
    client_id: str | None = None
    stats_interval_s: float | None = None


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _section(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigFileError(f"{where}.{key} must be a mapping")
    return dict(value)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigFileError(f"{where} must be a number, got {value!r}")
    return float(value)


def _retain(section: Mapping[str, Any], where: str, default: RetainPolicy) -> RetainPolicy:
    retain = _section(section, "retain", where)
    days = _number(retain.get("days", default.days), f"{where}.retain.days")
    return RetainPolicy(days=days, mode=str(retain.get("mode", default.mode)))


def _retention(record: Mapping[str, Any], where: str) -> Retention:
    continuous = _section(record, "continuous", where).get("days")
    motion = _section(record, "motion", where).get("days")
    legacy = _section(record, "retain", where)
    if continuous is None and motion is None and legacy:
        # <= 0.16 `record.retain`: mode "all" kept everything, other modes kept motion.
        days = legacy.get("days", 0)
        if legacy.get("mode", "all") == "all":
            continuous = days
        else:
            motion = days
    defaults = RetainPolicy(days=10.0, mode="motion")
    events = _section(record, "events", where)
    if events:  # 0.13 `record.events.retain.default`
        old = _section(events, "retain", f"{where}.events")
        if "default" in old:
            defaults = RetainPolicy(
                days=_number(old["default"], f"{where}.events.retain.default"),
                mode=str(old.get("mode", "motion")),
            )
    alerts = _section(record, "alerts", where)
    detections = _section(record, "detections", where)
    return Retention(
        continuous_days=_number(continuous or 0, f"{where}.continuous.days"),
        motion_days=_number(motion or 0, f"{where}.motion.days"),
        alerts=_retain(alerts, f"{where}.alerts", defaults),
        detections=_retain(detections, f"{where}.detections", defaults),
        pre_capture_s=int(_number(alerts.get("pre_capture", 5), f"{where}.alerts.pre_capture")),
        post_capture_s=int(_number(alerts.get("post_capture", 5), f"{where}.alerts.post_capture")),
    )


def _zones(camera: Mapping[str, Any], where: str) -> dict[str, str]:
    zones: dict[str, str] = {}
    for name, zone in _section(camera, "zones", where).items():
        coordinates = zone.get("coordinates", "") if isinstance(zone, Mapping) else ""
        if isinstance(coordinates, list):
            coordinates = ",".join(str(c) for c in coordinates)
        zones[str(name)] = str(coordinates)
    return zones


def _stream_url(camera: Mapping[str, Any], where: str) -> str | None:
    inputs = _section(camera, "ffmpeg", where).get("inputs") or []
    if not isinstance(inputs, list):
        raise ConfigFileError(f"{where}.ffmpeg.inputs must be a list")
    paths = [i for i in inputs if isinstance(i, Mapping) and i.get("path")]
    recording = [i for i in paths if "record" in (i.get("roles") or [])]
    candidates = recording or paths
    return str(candidates[0]["path"]) if candidates else None


def _camera(name: str, raw: Any, defaults: Mapping[str, Any]) -> SimCamera:
    where = f"cameras.{name}"
    if not isinstance(raw, Mapping):
        raise ConfigFileError(f"{where} must be a mapping")
    merged = _merge(defaults, raw)
    detect = _section(merged, "detect", where)
    record = _section(merged, "record", where)
    return SimCamera(
        name=name,
        enabled=bool(merged.get("enabled", True)),
        friendly_name=merged.get("friendly_name"),
        record_enabled=bool(record.get("enabled", False)),
        retention=_retention(record, f"{where}.record"),
        detect_enabled=bool(detect.get("enabled", False)),
        detect_width=int(_number(detect.get("width", 1280), f"{where}.detect.width")),
        detect_height=int(_number(detect.get("height", 720), f"{where}.detect.height")),
        detect_fps=int(_number(detect.get("fps", 5), f"{where}.detect.fps")),
        zones=_zones(merged, where),
        stream_url=_stream_url(merged, where),
    )


def load_frigate_config(path: str | Path) -> FrigateConfigFile:
    """Parse `path`; ConfigFileError says what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigFileError(f"cannot read {path}: {err.strerror}") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigFileError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(data, Mapping):
        raise ConfigFileError(f"{path} is not a Frigate config (not a mapping)")
    cameras_raw = _section(data, "cameras", "config")
    if not cameras_raw:
        raise ConfigFileError(f"{path} has no cameras")
    defaults = {key: data[key] for key in ("detect", "record") if isinstance(data.get(key), Mapping)}
    cameras = [_camera(str(name), raw, defaults) for name, raw in cameras_raw.items()]
    mqtt = _section(data, "mqtt", "config")
    interval = mqtt.get("stats_interval")
    prefix, client_id = mqtt.get("topic_prefix"), mqtt.get("client_id")
    return FrigateConfigFile(
        path=path,
        cameras=cameras,
        topic_prefix=None if prefix is None else str(prefix),
        client_id=None if client_id is None else str(client_id),
        stats_interval_s=None if interval is None else _number(interval, "mqtt.stats_interval"),
    )
