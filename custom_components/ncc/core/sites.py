"""Sites ("titik"): named places with coordinates where one or more cameras hang."""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any

from .errors import ErrorKey, ValidationError, check_optional_text, check_slug, check_text


def check_latitude(value: object, field: str = "latitude") -> float:
    """Return the latitude as float; raise unless it is a finite number in [-90, 90]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(ErrorKey.INVALID_LATITUDE, field=field, value=value)
    if not math.isfinite(value) or not -90.0 <= value <= 90.0:
        raise ValidationError(ErrorKey.INVALID_LATITUDE, field=field, value=value)
    return float(value)


def check_longitude(value: object, field: str = "longitude") -> float:
    """Return the longitude as float; raise unless it is a finite number in [-180, 180]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(ErrorKey.INVALID_LONGITUDE, field=field, value=value)
    if not math.isfinite(value) or not -180.0 <= value <= 180.0:
        raise ValidationError(ErrorKey.INVALID_LONGITUDE, field=field, value=value)
    return float(value)


@dataclass(frozen=True, slots=True)
class Site:
    """A place holding cameras, optionally looked after by one agency."""

    id: str
    name: str
    latitude: float
    longitude: float
    address: str = ""
    agency_id: str | None = None

    def __post_init__(self) -> None:
        check_slug(self.id, "site_id")
        object.__setattr__(self, "name", check_text(self.name, "name"))
        object.__setattr__(self, "address", check_optional_text(self.address, "address"))
        object.__setattr__(self, "latitude", check_latitude(self.latitude))
        object.__setattr__(self, "longitude", check_longitude(self.longitude))
        if self.agency_id is not None:
            check_slug(self.agency_id, "agency_id")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "name": self.name,
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "agency_id": self.agency_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Site:
        """Inverse of `to_dict`."""
        agency_id = data.get("agency_id")
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            address=str(data.get("address", "")),
            latitude=data["latitude"],
            longitude=data["longitude"],
            agency_id=None if agency_id is None else str(agency_id),
        )
