"""Client for the Frigate NVR HTTP API (0.14+), independent of Home Assistant.

Typed models, typed errors, JWT login; see `FrigateClient`.
"""

from __future__ import annotations

from .client import FrigateClient
from .errors import (
    FrigateAuthError,
    FrigateConnectionError,
    FrigateError,
    FrigateNotFoundError,
    FrigateRequestError,
    FrigateResponseError,
    FrigateUnsupportedVersionError,
)
from .models import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    CameraConfig,
    CameraStats,
    CameraStorage,
    DetectorStats,
    DetectSettings,
    EventQuery,
    FrigateConfig,
    FrigateEvent,
    FrigateExport,
    FrigateStats,
    FrigateVersion,
    MqttSettings,
    RecordingDay,
    RecordingHour,
    RecordingSegment,
    RecordRetention,
    ReviewItem,
    ReviewQuery,
    ReviewSeverity,
    StorageUsage,
    TimeRange,
)

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "CameraConfig",
    "CameraStats",
    "CameraStorage",
    "DetectSettings",
    "DetectorStats",
    "EventQuery",
    "FrigateAuthError",
    "FrigateClient",
    "FrigateConfig",
    "FrigateConnectionError",
    "FrigateError",
    "FrigateEvent",
    "FrigateExport",
    "FrigateNotFoundError",
    "FrigateRequestError",
    "FrigateResponseError",
    "FrigateStats",
    "FrigateUnsupportedVersionError",
    "FrigateVersion",
    "MqttSettings",
    "RecordRetention",
    "RecordingDay",
    "RecordingHour",
    "RecordingSegment",
    "ReviewItem",
    "ReviewQuery",
    "ReviewSeverity",
    "StorageUsage",
    "TimeRange",
]
