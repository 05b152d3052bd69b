"""A camera's video source as the Frigate configuration generator needs it.

City-owned cameras get their stream from the generator's own stream book; approved private
cameras at tier `recorded` get it from their registration. Both hand the generator the same
record, so it never needs to know where a stream came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cameras import AreaType, CameraPurpose


@dataclass(frozen=True, slots=True)
class CameraStream:
    """One camera to record on a city Frigate server; credentials are secrets."""

    camera_id: str  # registry id, e.g. "balaikota/simpang_4" or "registry/mall_lobby"
    name: str  # display name as the owner gave it (may contain anything)
    owner_agency_id: str
    purpose: CameraPurpose
    url: str  # rtsp://host:554/path, without credentials
    site_id: str | None = None
    area_type: AreaType | None = None
    server_id: str | None = None  # the city server that should record it; None: let the planner pick
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    codec: str | None = None  # h264, h265
