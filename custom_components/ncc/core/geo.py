"""Where cameras are: their coordinates and which ones are near a point."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import math
from typing import Final
import weakref

from .cameras import CameraRecord
from .errors import ErrorKey, ValidationError
from .registry import Registry
from .sites import check_latitude, check_longitude

EARTH_RADIUS_M: Final = 6_371_008.8
MAX_RADIUS_M: Final = 100_000.0


def haversine_m(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    half_dphi = (phi_b - phi_a) / 2
    half_dlambda = math.radians(longitude_b - longitude_a) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def camera_location(registry: Registry, camera: CameraRecord) -> tuple[float, float] | None:
    """The camera's own coordinates, else its site's, else None."""
    if camera.latitude is not None and camera.longitude is not None:
        return camera.latitude, camera.longitude
    site = None if camera.site_id is None else registry.sites.get(camera.site_id)
    return None if site is None else (site.latitude, site.longitude)


@dataclass(frozen=True, slots=True)
class _LocationIndex:
    """Every located camera's coordinates, for one registry revision."""

    revision: int
    points: tuple[tuple[float, float, CameraRecord], ...]
    by_id: Mapping[str, tuple[float, float]]


_INDEXES: weakref.WeakKeyDictionary[Registry, _LocationIndex] = weakref.WeakKeyDictionary()


def _locations(registry: Registry) -> _LocationIndex:
    index = _INDEXES.get(registry)
    if index is None or index.revision != registry.revision:
        points = []
        for camera in registry.cameras.values():
            location = camera_location(registry, camera)
            if location is not None:
                points.append((location[0], location[1], camera))
        index = _LocationIndex(
            revision=registry.revision,
            points=tuple(points),
            by_id={camera.id: (latitude, longitude) for latitude, longitude, camera in points},
        )
        _INDEXES[registry] = index
    return index


def cameras_near(
    registry: Registry,
    latitude: float,
    longitude: float,
    radius_m: float,
    *,
    among: Iterable[CameraRecord] | None = None,
) -> list[tuple[CameraRecord, float]]:
    """Cameras within `radius_m` metres of a point, nearest first, with their distance.

    Registry-only cameras are included. Pass `among` (e.g. `visible_cameras(...)`) to search
    only those cameras.
    """
    latitude = check_latitude(latitude)
    longitude = check_longitude(longitude)
    if (
        isinstance(radius_m, bool)
        or not isinstance(radius_m, int | float)
        or not 0 < radius_m <= MAX_RADIUS_M
    ):
        raise ValidationError(
            ErrorKey.INVALID_RADIUS, field="radius_m", value=radius_m, max_m=int(MAX_RADIUS_M)
        )
    # A bounding box in degrees skips most cameras before the trigonometry.
    delta_latitude = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_latitude = math.cos(math.radians(latitude))
    delta_longitude = 360.0 if cos_latitude < 1e-6 else min(360.0, delta_latitude / cos_latitude)
    wraps = abs(longitude) + delta_longitude > 180.0
    index = _locations(registry)
    if among is None:
        points: Iterable[tuple[float, float, CameraRecord]] = index.points
    else:
        points = ((*index.by_id[camera.id], camera) for camera in among if camera.id in index.by_id)
    found: list[tuple[CameraRecord, float]] = []
    for point_latitude, point_longitude, camera in points:
        if abs(point_latitude - latitude) > delta_latitude:
            continue
        if not wraps and abs(point_longitude - longitude) > delta_longitude:
            continue
        distance = haversine_m(latitude, longitude, point_latitude, point_longitude)
        if distance <= radius_m:
            found.append((camera, distance))
    found.sort(key=lambda item: (item[1], item[0].id))
    return found
