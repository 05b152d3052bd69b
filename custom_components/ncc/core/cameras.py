"""Camera records: Frigate cameras and registry-only cameras, with owner, site and purpose.

A Frigate camera's id is `<server_id>/<frigate_camera>`, so equal camera names on two servers
never collide. A camera NCC only knows about (no feed, e.g. a mall's own system) has the id
`registry/<slug>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Any

from .errors import ErrorKey, ValidationError, check_choice, check_slug, check_text
from .sites import check_latitude, check_longitude

REGISTRY_SERVER = "registry"
# Frigate's own rule for camera names (config.schema.json, cameras.<name>).
_FRIGATE_CAMERA_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
MAX_RETENTION_DAYS = 3650


class CameraPurpose(StrEnum):
    """What a camera is for."""

    TRAFFIC = "traffic"
    PUBLIC_SPACE = "public_space"
    GOVERNMENT_BUILDING = "government_building"
    PRIVATE_PREMISES = "private_premises"
    OTHER = "other"


class AreaType(StrEnum):
    """What kind of area a camera looks at (drives privacy rules for recordings)."""

    PUBLIC_ROAD = "public_road"
    PUBLIC_SPACE = "public_space"
    GOVERNMENT_BUILDING = "government_building"
    PRIVATE_FACING_PUBLIC = "private_facing_public"


def check_server_id(server_id: str) -> str:
    """Return `server_id` if it can prefix camera ids; "registry" is reserved."""
    check_slug(server_id, "server_id")
    if server_id == REGISTRY_SERVER:
        raise ValidationError(ErrorKey.INVALID_SERVER_ID, field="server_id", value=server_id)
    return server_id


def check_frigate_camera_name(name: str) -> str:
    """Return `name` if Frigate would accept it as a camera name."""
    if not _FRIGATE_CAMERA_NAME.match(name):
        raise ValidationError(ErrorKey.INVALID_CAMERA_NAME, field="camera", value=name)
    return name


def frigate_camera_id(server_id: str, camera_name: str) -> str:
    """The record id of Frigate camera `camera_name` on server `server_id`."""
    return f"{check_server_id(server_id)}/{check_frigate_camera_name(camera_name)}"


def registry_camera_id(slug: str) -> str:
    """The record id of a registry-only camera."""
    return f"{REGISTRY_SERVER}/{check_slug(slug, 'camera_id')}"


def check_camera_id(camera_id: str) -> str:
    """Return `camera_id` if it is `<server>/<camera>` or `registry/<slug>`."""
    server_id, separator, name = camera_id.partition("/")
    if not separator or not server_id or not name:
        raise ValidationError(ErrorKey.INVALID_CAMERA_ID, field="camera_id", value=camera_id)
    try:
        if server_id == REGISTRY_SERVER:
            return registry_camera_id(name)
        return frigate_camera_id(server_id, name)
    except ValidationError:
        raise ValidationError(ErrorKey.INVALID_CAMERA_ID, field="camera_id", value=camera_id) from None


def check_bearing(value: object) -> int | None:
    """Return the view bearing in whole degrees (0-359), or None when not given."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 359:
        raise ValidationError(ErrorKey.INVALID_BEARING, field="bearing", value=value)
    return value


def check_retention_days(value: object) -> int | None:
    """Return the retention in days (0 = the owner keeps nothing), or None when unknown."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETENTION_DAYS:
        raise ValidationError(
            ErrorKey.INVALID_RETENTION_DAYS,
            field="retention_days",
            value=value,
            max_days=MAX_RETENTION_DAYS,
        )
    return value


@dataclass(frozen=True, slots=True)
class CameraRecord:
    """What NCC knows about one camera besides its feed."""

    id: str
    name: str
    owner_agency_id: str
    purpose: CameraPurpose = CameraPurpose.OTHER
    area_type: AreaType | None = None
    site_id: str | None = None
    bearing: int | None = None
    retention_days: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    present: bool = True
    # True once someone assigned the owner explicitly; server syncs then leave the owner alone.
    owner_assigned: bool = False

    def __post_init__(self) -> None:
        check_camera_id(self.id)
        object.__setattr__(self, "name", check_text(self.name, "name"))
        check_slug(self.owner_agency_id, "owner_agency_id")
        object.__setattr__(self, "purpose", check_choice(CameraPurpose, self.purpose, "purpose"))
        if self.area_type is not None:
            area_type = check_choice(AreaType, self.area_type, "area_type")
            object.__setattr__(self, "area_type", area_type)
        if self.site_id is not None:
            check_slug(self.site_id, "site_id")
        object.__setattr__(self, "bearing", check_bearing(self.bearing))
        object.__setattr__(self, "retention_days", check_retention_days(self.retention_days))
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(ErrorKey.COORDINATES_INCOMPLETE, field="latitude")
        if self.latitude is not None and self.longitude is not None:
            object.__setattr__(self, "latitude", check_latitude(self.latitude))
            object.__setattr__(self, "longitude", check_longitude(self.longitude))

    @property
    def server_id(self) -> str | None:
        """The Frigate server reporting this camera, None for a registry-only camera."""
        server_id = self.id.partition("/")[0]
        return None if server_id == REGISTRY_SERVER else server_id

    @property
    def frigate_name(self) -> str | None:
        """The camera's name in Frigate, None for a registry-only camera."""
        return None if self.is_registry_only else self.id.partition("/")[2]

    @property
    def is_registry_only(self) -> bool:
        """True for a camera NCC only records facts about (no video feed)."""
        return self.id.startswith(f"{REGISTRY_SERVER}/")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "name": self.name,
            "owner_agency_id": self.owner_agency_id,
            "purpose": self.purpose.value,
            "area_type": None if self.area_type is None else self.area_type.value,
            "site_id": self.site_id,
            "bearing": self.bearing,
            "retention_days": self.retention_days,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "present": self.present,
            "owner_assigned": self.owner_assigned,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CameraRecord:
        """Inverse of `to_dict`."""
        area_type = data.get("area_type")
        site_id = data.get("site_id")
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            owner_agency_id=str(data["owner_agency_id"]),
            purpose=CameraPurpose(data["purpose"]),
            area_type=None if area_type is None else AreaType(area_type),
            site_id=None if site_id is None else str(site_id),
            bearing=data.get("bearing"),
            retention_days=data.get("retention_days"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            present=bool(data.get("present", True)),
            owner_assigned=bool(data.get("owner_assigned", False)),
        )


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What `Registry.sync_server_cameras` changed, as camera ids."""

    added: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    returned: tuple[str, ...] = ()
    reassigned: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when the sync changed any record."""
        return bool(self.added or self.missing or self.returned or self.reassigned)
