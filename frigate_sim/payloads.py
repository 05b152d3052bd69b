"""The JSON documents of /api/config and /api/stats, in Frigate 0.17's shapes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import re

from .catalog import ALERT_LABELS, LABELS
from .model import RetainPolicy, SimCamera

RECORDINGS_MOUNT = "/media/frigate/recordings"
_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
_GENAI_PROMPT = "Describe what the {label} is doing."


def mask_credentials(text: str) -> str:
    """`rtsp://user:pass@host/...` -> `rtsp://*:*@host/...`, as Frigate serves ffmpeg inputs."""
    return _CREDENTIALS.sub(lambda m: f"{m.group('scheme')}*:*@", text)


@dataclass(frozen=True, slots=True)
class MqttSettings:
    enabled: bool
    host: str
    port: int
    topic_prefix: str
    client_id: str
    stats_interval_s: float


@dataclass(frozen=True, slots=True)
class ConfigFacts:
    version: str
    auth_enabled: bool
    tls_enabled: bool
    session_length_s: int
    refresh_time_s: int
    mqtt: MqttSettings


def _filters(*, global_level: bool) -> dict[str, object]:
    """Object filters; the global section also lists `raw_mask` (cameras' do not)."""
    filters: dict[str, object] = {}
    for label in LABELS:
        entry: dict[str, object] = {
            "min_area": 0,
            "max_area": 24000000,
            "min_ratio": 0.0,
            "max_ratio": 24000000.0,
            "threshold": 0.7,
            "min_score": 0.5,
        }
        if global_level:
            entry["raw_mask"] = None
        filters[label] = entry
    return filters


def _retain(policy: RetainPolicy, pre: int, post: int) -> dict[str, object]:
    return {
        "pre_capture": pre,
        "post_capture": post,
        "retain": {"days": policy.days, "mode": policy.mode},
    }


def _ffmpeg_cmd(camera: SimCamera, version: str) -> str:
    url = mask_credentials(camera.stream_url or "")
    return (
        "/usr/lib/ffmpeg/7.0/bin/ffmpeg -hide_banner -loglevel warning -threads 2 "
        f"-user_agent FFmpeg Frigate/{version} -avoid_negative_ts make_zero "
        "-fflags +genpts+discardcorrupt -rtsp_transport tcp -timeout 10000000 "
        f"-use_wallclock_as_timestamps 1 -i {url} -f segment -segment_time 10 "
        "-segment_format mp4 -reset_timestamps 1 -strftime 1 -c:v copy -c:a aac "
        f"/tmp/cache/{camera.name}@%Y%m%d%H%M%S%z.mp4 -r {camera.detect_fps} "  # noqa: S108
        f"-vf fps={camera.detect_fps},scale={camera.detect_width}:{camera.detect_height} "
        "-threads 2 -f rawvideo -pix_fmt yuv420p pipe:"
    )


def camera_config(camera: SimCamera, version: str) -> dict[str, object]:
    r = camera.retention
    zones = {
        name: {
            "filters": {},
            "coordinates": coordinates,
            "distances": [],
            "inertia": 3,
            "loitering_time": 0,
            "objects": [],
            "color": [31, 119, 180],
        }
        for name, coordinates in camera.zone_polygons.items()
    }
    return {
        "name": camera.name,
        "friendly_name": camera.friendly_name,
        "enabled": camera.enabled,
        "audio": {
            "enabled": False,
            "max_not_heard": 30,
            "min_volume": 500,
            "listen": ["bark", "fire_alarm", "scream", "speech", "yell"],
            "enabled_in_config": False,
            "num_threads": 2,
        },
        "audio_transcription": {
            "enabled": False,
            "enabled_in_config": False,
            "live_enabled": False,
        },
        "birdseye": {"enabled": True, "mode": "objects", "order": 0},
        "detect": {
            "enabled": camera.detect_enabled,
            "height": camera.detect_height,
            "width": camera.detect_width,
            "fps": camera.detect_fps,
            "min_initialized": max(camera.detect_fps // 2, 1),
            "max_disappeared": camera.detect_fps * 5,
            "stationary": {
                "interval": camera.detect_fps * 10,
                "threshold": camera.detect_fps * 10,
                "max_frames": {"objects": {}},
                "classifier": True,
            },
            "annotation_offset": 0,
        },
        "face_recognition": {"enabled": False, "min_area": 750},
        "ffmpeg": {
            "path": "default",
            "global_args": ["-hide_banner", "-loglevel", "warning", "-threads", "2"],
            "hwaccel_args": "",
            "input_args": "preset-rtsp-generic",
            "output_args": {
                "detect": ["-threads", "2", "-f", "rawvideo", "-pix_fmt", "yuv420p"],
                "record": "preset-record-generic-audio-aac",
            },
            "retry_interval": 10.0,
            "apple_compatibility": False,
            "gpu": 0,
            "inputs": [
                {
                    "path": mask_credentials(camera.stream_url or ""),
                    "roles": ["record", "detect"],
                    "global_args": [],
                    "hwaccel_args": [],
                    "input_args": [],
                }
            ],
        },
        "live": {"streams": {camera.name: camera.name}, "height": 720, "quality": 8},
        "lpr": {"enabled": False, "expire_time": 3, "min_area": 1000, "enhancement": 0},
        "motion": {
            "enabled": True,
            "threshold": 30,
            "lightning_threshold": 0.8,
            "improve_contrast": True,
            "contour_area": 10,
            "delta_alpha": 0.2,
            "frame_alpha": 0.01,
            "frame_height": 100,
            "mask": "",
            "mqtt_off_delay": 30,
            "enabled_in_config": True,
            "raw_mask": None,
        },
        "objects": {
            "track": list(LABELS),
            "filters": _filters(global_level=False),
            "mask": "",
            "genai": {
                "enabled": False,
                "use_snapshot": False,
                "prompt": _GENAI_PROMPT,
                "object_prompts": {},
                "objects": [],
                "required_zones": [],
                "debug_save_thumbnails": False,
                "send_triggers": {"tracked_object_end": True},
                "enabled_in_config": False,
            },
        },
        "record": {
            "enabled": camera.record_enabled,
            "sync_recordings": False,
            "expire_interval": 60,
            "continuous": {"days": r.continuous_days},
            "motion": {"days": r.motion_days},
            "detections": _retain(r.detections, r.pre_capture_s, r.post_capture_s),
            "alerts": _retain(r.alerts, r.pre_capture_s, r.post_capture_s),
            "export": {"timelapse_args": "-vf setpts=0.04*PTS -r 30", "chapters": "none"},
            "preview": {"quality": "medium"},
            "enabled_in_config": camera.record_enabled,
        },
        "review": {
            "alerts": {
                "enabled": True,
                "labels": list(ALERT_LABELS),
                "required_zones": [],
                "enabled_in_config": True,
                "cutoff_time": 40,
            },
            "detections": {
                "enabled": True,
                "required_zones": [],
                "cutoff_time": 30,
                "enabled_in_config": True,
            },
            "genai": {
                "enabled": False,
                "alerts": True,
                "detections": False,
                "image_source": "preview",
                "additional_concerns": [],
                "debug_save_thumbnails": False,
                "enabled_in_config": False,
                "activity_context_prompt": "",
            },
        },
        "semantic_search": {"triggers": {}},
        "snapshots": {
            "enabled": True,
            "clean_copy": True,
            "timestamp": False,
            "bounding_box": True,
            "crop": False,
            "required_zones": [],
            "retain": {"default": r.alerts.days, "mode": "motion", "objects": {}},
            "quality": 70,
        },
        "timestamp_style": {
            "position": "tl",
            "format": "%m/%d/%Y %H:%M:%S",
            "color": {"red": 255, "green": 255, "blue": 255},
            "thickness": 2,
        },
        "best_image_timeout": 60,
        "mqtt": {
            "enabled": True,
            "timestamp": True,
            "bounding_box": True,
            "crop": True,
            "height": 270,
            "required_zones": [],
            "quality": 70,
        },
        "notifications": {"enabled": False, "cooldown": 0, "enabled_in_config": False},
        "onvif": {
            "host": "",
            "port": 8000,
            "tls_insecure": False,
            "autotracking": {
                "enabled": False,
                "calibrate_on_startup": False,
                "zooming": "disabled",
                "zoom_factor": 0.3,
                "track": ["person"],
                "required_zones": [],
                "return_preset": "home",
                "timeout": 10,
                "movement_weights": [],
                "enabled_in_config": False,
            },
            "ignore_time_mismatch": False,
        },
        "type": "generic",
        "ui": {"order": 0, "dashboard": True},
        "zones": zones,
        "enabled_in_config": camera.enabled,
        "ffmpeg_cmds": [{"roles": ["record", "detect"], "cmd": _ffmpeg_cmd(camera, version)}],
    }


def frigate_config(facts: ConfigFacts, cameras: Sequence[SimCamera]) -> dict[str, object]:
    """The effective config as /api/config serves it (passwords never included)."""
    mqtt = facts.mqtt
    labelmap = {str(i): label for i, label in enumerate(LABELS)}
    attributes_map = {"person": ["face"], "car": ["license_plate"], "motorcycle": ["license_plate"]}
    first = cameras[0].retention if cameras else None
    record_defaults: Mapping[str, object] = {
        "enabled": any(c.record_enabled for c in cameras),
        "sync_recordings": False,
        "expire_interval": 60,
        "continuous": {"days": first.continuous_days if first else 0.0},
        "motion": {"days": first.motion_days if first else 0.0},
        "detections": _retain(first.detections if first else RetainPolicy(), 5, 5),
        "alerts": _retain(first.alerts if first else RetainPolicy(), 5, 5),
        "export": {"timelapse_args": "-vf setpts=0.04*PTS -r 30", "chapters": "none"},
        "preview": {"quality": "medium"},
    }
    return {
        "safe_mode": False,
        "environment_vars": {},
        "logger": {"default": "info", "logs": {}},
        "auth": {
            "enabled": facts.auth_enabled,
            "reset_admin_password": False,
            "cookie_name": "frigate_token",
            "cookie_secure": False,
            "session_length": facts.session_length_s,
            "refresh_time": facts.refresh_time_s,
            "failed_login_rate_limit": None,
            "trusted_proxies": [],
            "hash_iterations": 600000,
            "roles": {"admin": [], "viewer": []},
            "admin_first_time_login": False,
        },
        "database": {"path": "/config/frigate.db"},
        "go2rtc": {},
        "mqtt": {
            "enabled": mqtt.enabled,
            "host": mqtt.host,
            "port": mqtt.port,
            "topic_prefix": mqtt.topic_prefix,
            "client_id": mqtt.client_id,
            "stats_interval": int(mqtt.stats_interval_s),
            "qos": 0,
        },
        "notifications": {"enabled": False, "cooldown": 0, "enabled_in_config": False},
        "networking": {"ipv6": {"enabled": False}},
        "proxy": {"header_map": {"role_map": {}}, "default_role": "viewer", "separator": ","},
        "telemetry": {
            "network_interfaces": [],
            "stats": {"amd_gpu_stats": True, "intel_gpu_stats": True, "network_bandwidth": False},
            "version_check": False,
        },
        "tls": {"enabled": facts.tls_enabled},
        "ui": {
            "time_format": "browser",
            "date_style": "short",
            "time_style": "medium",
            "unit_system": "metric",
        },
        "detectors": {
            "cpu1": {
                "type": "cpu",
                "model": {
                    "path": "/cpu_model.tflite",
                    "width": 320,
                    "height": 320,
                    "labelmap": labelmap,
                    "attributes_map": attributes_map,
                    "input_tensor": "nhwc",
                    "input_pixel_format": "rgb",
                    "input_dtype": "int",
                    "model_type": "ssd",
                },
            }
        },
        "model": {
            "width": 320,
            "height": 320,
            "labelmap": labelmap,
            "attributes_map": attributes_map,
            "input_tensor": "nhwc",
            "input_pixel_format": "rgb",
            "input_dtype": "int",
            "model_type": "ssd",
            "colormap": {"person": [44, 160, 44], "car": [255, 127, 14]},
            "all_attributes": ["face", "license_plate"],
            "non_logo_attributes": ["face", "license_plate"],
        },
        "genai": {"model": "gpt-4o", "provider_options": {}, "runtime_options": {}},
        "cameras": {camera.name: camera_config(camera, facts.version) for camera in cameras},
        "audio": {
            "enabled": False,
            "max_not_heard": 30,
            "min_volume": 500,
            "listen": ["bark", "fire_alarm", "scream", "speech", "yell"],
            "num_threads": 2,
        },
        "birdseye": {
            "enabled": True,
            "mode": "objects",
            "restream": False,
            "width": 1280,
            "height": 720,
            "quality": 8,
            "inactivity_threshold": 30,
            "layout": {"scaling_factor": 2.0},
            "idle_heartbeat_fps": 0.0,
        },
        "detect": {
            "enabled": False,
            "fps": 5,
            "stationary": {"max_frames": {"objects": {}}, "classifier": True},
            "annotation_offset": 0,
        },
        "ffmpeg": {
            "path": "default",
            "global_args": ["-hide_banner", "-loglevel", "warning", "-threads", "2"],
            "hwaccel_args": "",
            "input_args": "preset-rtsp-generic",
            "output_args": {
                "detect": ["-threads", "2", "-f", "rawvideo", "-pix_fmt", "yuv420p"],
                "record": "preset-record-generic-audio-aac",
            },
            "retry_interval": 10.0,
            "apple_compatibility": False,
            "gpu": 0,
        },
        "live": {"streams": [], "height": 720, "quality": 8},
        "objects": {
            "track": ["person"],
            "filters": _filters(global_level=True),
            "mask": "",
            "genai": {
                "enabled": False,
                "use_snapshot": False,
                "prompt": _GENAI_PROMPT,
                "object_prompts": {},
                "objects": [],
                "required_zones": [],
                "debug_save_thumbnails": False,
                "send_triggers": {"tracked_object_end": True},
            },
        },
        "record": dict(record_defaults),
        "review": {
            "alerts": {
                "enabled": True,
                "labels": list(ALERT_LABELS),
                "required_zones": [],
                "cutoff_time": 40,
            },
            "detections": {"enabled": True, "required_zones": [], "cutoff_time": 30},
            "genai": {
                "enabled": False,
                "alerts": True,
                "detections": False,
                "image_source": "preview",
                "additional_concerns": [],
                "debug_save_thumbnails": False,
                "activity_context_prompt": "",
            },
        },
        "snapshots": {
            "enabled": False,
            "clean_copy": True,
            "timestamp": False,
            "bounding_box": True,
            "crop": False,
            "required_zones": [],
            "retain": {"default": 10.0, "mode": "motion", "objects": {}},
            "quality": 70,
        },
        "timestamp_style": {
            "position": "tl",
            "format": "%m/%d/%Y %H:%M:%S",
            "color": {"red": 255, "green": 255, "blue": 255},
            "thickness": 2,
        },
        "audio_transcription": {
            "enabled": False,
            "language": "en",
            "device": "CPU",
            "model_size": "small",
            "live_enabled": False,
        },
        "classification": {"bird": {"enabled": False, "threshold": 0.9}, "custom": {}},
        "semantic_search": {
            "enabled": False,
            "reindex": False,
            "model": "jinav1",
            "model_size": "small",
        },
        "face_recognition": {
            "enabled": False,
            "model_size": "small",
            "unknown_score": 0.8,
            "detection_threshold": 0.7,
            "recognition_threshold": 0.9,
            "min_area": 750,
            "min_faces": 1,
            "save_attempts": 200,
            "blur_confidence_filter": True,
        },
        "lpr": {
            "enabled": False,
            "model_size": "small",
            "detection_threshold": 0.7,
            "min_area": 1000,
            "recognition_threshold": 0.9,
            "min_plate_length": 4,
            "match_distance": 1,
            "known_plates": {},
            "enhancement": 0,
            "debug_save_plates": False,
            "replace_rules": [],
        },
        "camera_groups": {},
        "plus": {"enabled": False},
    }


@dataclass(frozen=True, slots=True)
class DiskUse:
    total_mb: float
    used_mb: float

    @property
    def free_mb(self) -> float:
        return max(self.total_mb - self.used_mb, 0.0)

    def as_dict(self) -> dict[str, object]:
        return {
            "total": round(self.total_mb, 1),
            "used": round(self.used_mb, 1),
            "free": round(self.free_mb, 1),
            "mount_type": "ext4",
        }


def stats(
    *,
    cameras: Sequence[SimCamera],
    pid_base: int,
    version: str,
    uptime_s: int,
    now: float,
    disk: DiskUse,
) -> dict[str, object]:
    """/api/stats (also the MQTT `<prefix>/stats` payload)."""
    per_camera: dict[str, object] = {}
    totals = {"camera_fps": 0.0, "process_fps": 0.0, "skipped_fps": 0.0, "detection_fps": 0.0}
    for index, camera in enumerate(cameras):
        fps = float(camera.detect_fps) if camera.streaming else 0.0
        detection_fps = round(fps * 0.2, 1) if camera.detect_enabled else 0.0
        per_camera[camera.name] = {
            "camera_fps": fps,
            "process_fps": fps,
            "skipped_fps": 0.0,
            "detection_fps": detection_fps,
            "detection_enabled": camera.detect_enabled,
            "pid": pid_base + index if camera.enabled else None,
            "capture_pid": pid_base + 1000 + index if camera.streaming else None,
            "ffmpeg_pid": pid_base + 2000 + index if camera.streaming else None,
            "audio_rms": 0.0,
            "audio_dBFS": 0.0,
        }
        totals["camera_fps"] += fps
        totals["process_fps"] += fps
        totals["detection_fps"] += detection_fps
    shm_total = 24105.6
    return {
        "cameras": per_camera,
        "detectors": {"cpu1": {"inference_speed": 9.8, "detection_start": 0.0, "pid": pid_base - 1}},
        **{key: round(value, 1) for key, value in totals.items()},
        "embeddings": {},
        "cpu_usages": {},
        "service": {
            "uptime": uptime_s,
            "version": version,
            "latest_version": "disabled",
            "storage": {
                RECORDINGS_MOUNT: disk.as_dict(),
                "/media/frigate/clips": disk.as_dict(),
                "/tmp/cache": disk.as_dict(),  # noqa: S108  (a key, as Frigate reports it)
                "/dev/shm": {  # noqa: S108
                    "total": shm_total,
                    "used": 0.0,
                    "free": shm_total,
                    "mount_type": "tmpfs",
                    "available": shm_total - 50.0,
                    "camera_frame_size": 10.3,
                    "shm_frame_count": 50,
                    "min_shm": 256,
                },
            },
            "temperatures": {},
            "last_updated": int(now),
        },
        "processes": {
            "go2rtc": {"pid": 0},
            "recording": {"pid": 0},
            "review_segment": {"pid": 0},
            "embeddings": {"pid": 0},
        },
        "gpu_usages": {},
        "bandwidth_usages": {},
    }
