"""Private camera registration: a business applies, the city reviews, its cameras join at a tier.

A city operator files the application on the business's behalf (`submit`); a city administrator
starts the review and approves or rejects it; once approved, the Home Assistant layer creates the
owner's agency, site and cameras and the registration becomes `active`. Agreements expire, are
renewed, suspended and resumed, and the owner may withdraw at any time.

Every transition is a pure function taking the registration and an explicit `now`, returning the
new registration or raising an `NccError` with a `RegistrationKey` (or `ErrorKey`) translation key.
Credentials (the owner's Frigate account, RTSP accounts) are secrets: they never appear in a repr,
an error message or the public form `to_dict(secrets=False)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
import re
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

from .agencies import Contact, check_agency_code
from .cameras import AreaType, check_bearing, check_frigate_camera_name, check_retention_days
from .errors import (
    ConflictError,
    ErrorKey,
    NotFoundError,
    ValidationError,
    check_choice,
    check_optional_text,
    check_slug,
    check_text,
    slugify,
)
from .grants import Privilege, check_aware
from .sites import check_latitude, check_longitude

# An agreement longer than this is a typing error, not a plan.
MAX_AGREEMENT_DAYS: Final = 10 * 366
# Days before the agreement's last day when the owner and the city are reminded.
EXPIRY_REMINDER_DAYS: Final = 30
MAX_CAMERAS: Final = 200
_NUMBER = re.compile(r"^REG-(\d{4})-(\d{4,})$")


class SharingTier(StrEnum):
    """How much of a camera the city gets."""

    REGISTRY = "registry"  # where it is and whom to ask; footage only by request to the owner
    ON_REQUEST = "on_request"  # footage requests go through NCC to the owner's own Frigate
    LIVE = "live"  # the city views live through the owner's Frigate
    RECORDED = "recorded"  # a city Frigate server records the camera's stream

    @property
    def uses_owner_server(self) -> bool:
        """True when NCC connects the owner's own Frigate server."""
        return self in (SharingTier.ON_REQUEST, SharingTier.LIVE)

    @property
    def uses_streams(self) -> bool:
        """True when each camera's RTSP stream goes to the Frigate configuration generator."""
        return self is SharingTier.RECORDED


# What the city's operating agency receives on the cameras of a registration at each tier;
# city administrators see everything anyway, other agencies get grants from the city.
TIER_PRIVILEGES: Final[Mapping[SharingTier, frozenset[Privilege]]] = MappingProxyType({
    SharingTier.REGISTRY: frozenset(),
    SharingTier.ON_REQUEST: frozenset({Privilege.REQUEST_EXPORT}),
    SharingTier.LIVE: frozenset({Privilege.VIEW_LIVE, Privilege.REQUEST_EXPORT}),
    SharingTier.RECORDED: frozenset(
        {Privilege.VIEW_LIVE, Privilege.VIEW_RECORDINGS, Privilege.REQUEST_EXPORT}
    ),
})


class RegistrationState(StrEnum):
    """Where a registration stands in its life cycle."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"  # accepted; its cameras are not all in the registry yet
    REJECTED = "rejected"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


# States whose cameras belong in the registry (approved: those that exist already).
JOINED_STATES: Final = frozenset(
    {RegistrationState.APPROVED, RegistrationState.ACTIVE, RegistrationState.SUSPENDED}
)
PENDING_STATES: Final = frozenset({RegistrationState.SUBMITTED, RegistrationState.UNDER_REVIEW})


class Party(StrEnum):
    """Who asked for a suspension."""

    CITY = "city"
    OWNER = "owner"


class ReviewDecision(StrEnum):
    """What a reviewer does with an application."""

    START_REVIEW = "start_review"
    APPROVE = "approve"
    REJECT = "reject"


class Transition(StrEnum):
    """The life-cycle steps, as named in errors and the audit log."""

    SUBMIT = "submit"
    START_REVIEW = "start_review"
    APPROVE = "approve"
    REJECT = "reject"
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXPIRE = "expire"
    RENEW = "renew"
    WITHDRAW = "withdraw"


ALLOWED_FROM: Final[Mapping[Transition, frozenset[RegistrationState]]] = MappingProxyType({
    Transition.START_REVIEW: frozenset({RegistrationState.SUBMITTED}),
    Transition.APPROVE: frozenset({RegistrationState.UNDER_REVIEW}),
    Transition.REJECT: frozenset({RegistrationState.UNDER_REVIEW}),
    Transition.ACTIVATE: frozenset({RegistrationState.APPROVED}),
    Transition.SUSPEND: frozenset({RegistrationState.ACTIVE}),
    Transition.RESUME: frozenset({RegistrationState.SUSPENDED}),
    Transition.EXPIRE: JOINED_STATES,
    Transition.RENEW: JOINED_STATES | {RegistrationState.EXPIRED},
    Transition.WITHDRAW: PENDING_STATES | JOINED_STATES,
})


class RegistrationKey(StrEnum):
    """Translation keys of registration errors (strings.json `exceptions`)."""

    NOT_FOUND = "registration_not_found"
    WRONG_STATE = "registration_wrong_state"
    REASON_REQUIRED = "registration_reason_required"
    NO_CAMERAS = "registration_no_cameras"
    TOO_MANY_CAMERAS = "registration_too_many_cameras"
    DUPLICATE_CAMERA = "registration_duplicate_camera"
    NO_PUBLIC_CAMERA = "registration_no_public_camera"
    AREA_TYPE_NOT_PUBLIC = "registration_area_type_not_public"
    OUTSIDE_CITY = "registration_outside_city"
    INVALID_BOUNDS = "registration_invalid_bounds"
    PERIOD_INVALID = "registration_period_invalid"
    PERIOD_ENDED = "registration_period_ended"
    PERIOD_TOO_LONG = "registration_period_too_long"
    RENEWAL_NOT_LATER = "registration_renewal_not_later"
    SERVER_REQUIRED = "registration_server_required"
    SERVER_NOT_FOR_TIER = "registration_server_not_for_tier"
    FRIGATE_CAMERA_REQUIRED = "registration_frigate_camera_required"
    FRIGATE_CAMERA_NOT_FOR_TIER = "registration_frigate_camera_not_for_tier"
    STREAM_REQUIRED = "registration_stream_required"
    STREAM_NOT_FOR_TIER = "registration_stream_not_for_tier"
    INVALID_URL = "registration_invalid_url"
    CREDENTIALS_IN_URL = "registration_credentials_in_url"
    AGENCY_CODE_TAKEN = "registration_agency_code_taken"
    DESK_NOT_CITY = "registration_desk_not_city"
    CAMERA_NOT_RECORDED = "registration_camera_not_recorded"
    # the owner's Frigate, when NCC connects it on approval
    SERVER_UNREACHABLE = "registration_server_unreachable"
    SERVER_AUTH_FAILED = "registration_server_auth_failed"
    SERVER_UNSUPPORTED = "registration_server_unsupported"
    SERVER_TAKEN = "registration_server_taken"
    STORAGE_INVALID = "registration_storage_invalid"


# ------------------------------------------------------------------------------------ values


def _check_url(url: str, schemes: tuple[str, ...], field: str) -> str:
    """Return `url` stripped; refuse other schemes, no host, or credentials inside it.

    Errors never repeat the URL: a mistyped one may still hold a password.
    """
    text = check_text(url, field, max_length=2000)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValidationError(RegistrationKey.INVALID_URL, field=field) from None
    if "@" in parts.netloc:
        raise ValidationError(RegistrationKey.CREDENTIALS_IN_URL, field=field)
    if parts.scheme.lower() not in schemes or not parts.hostname or any(c.isspace() for c in text):
        raise ValidationError(RegistrationKey.INVALID_URL, field=field)
    return text


@dataclass(frozen=True, slots=True)
class CityBounds:
    """The rectangle (degrees) where the city's cameras may be, when the city set one."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        for name in ("south", "north"):
            object.__setattr__(self, name, check_latitude(getattr(self, name), name))
        for name in ("west", "east"):
            object.__setattr__(self, name, check_longitude(getattr(self, name), name))
        if self.south >= self.north or self.west >= self.east:
            raise ValidationError(RegistrationKey.INVALID_BOUNDS, field="city_bounds")

    def contains(self, latitude: float, longitude: float) -> bool:
        """True when the point lies inside (or on the edge of) the rectangle."""
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east

    @classmethod
    def from_value(cls, value: object) -> CityBounds:
        """From `{"south", "west", "north", "east"}` or `[south, west, north, east]`."""
        try:
            if isinstance(value, Mapping):
                return cls(value["south"], value["west"], value["north"], value["east"])
            if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 4:
                return cls(*value)
        except KeyError:
            pass
        raise ValidationError(RegistrationKey.INVALID_BOUNDS, field="city_bounds")


@dataclass(frozen=True, slots=True)
class OwnerServer:
    """The owner's own Frigate server (tiers `on_request` and `live`); the account is secret."""

    url: str
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    verify_ssl: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _check_url(self.url, ("http", "https"), "frigate_url").rstrip("/"))
        object.__setattr__(self, "username", self.username.strip())

    @property
    def has_credentials(self) -> bool:
        """True when NCC signs in with an account."""
        return bool(self.username or self.password)

    def to_dict(self, *, secrets: bool) -> dict[str, Any]:
        """JSON form; without `secrets` only whether there are credentials."""
        data: dict[str, Any] = {"url": self.url, "verify_ssl": self.verify_ssl}
        if secrets:
            return data | {"username": self.username, "password": self.password}
        return data | {"has_credentials": self.has_credentials}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OwnerServer:
        """Inverse of `to_dict(secrets=True)`."""
        return cls(
            url=str(data["url"]),
            username=str(data.get("username", "")),
            password=str(data.get("password", "")),
            verify_ssl=bool(data.get("verify_ssl", True)),
        )


@dataclass(frozen=True, slots=True)
class StreamSource:
    """A camera's RTSP stream for a city recording server (tier `recorded`); the account is secret."""

    url: str
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _check_url(self.url, ("rtsp", "rtsps"), "stream_url"))
        object.__setattr__(self, "username", self.username.strip())

    @property
    def has_credentials(self) -> bool:
        """True when the stream needs an account."""
        return bool(self.username or self.password)

    def to_dict(self, *, secrets: bool) -> dict[str, Any]:
        """JSON form; without `secrets` only whether there are credentials."""
        if secrets:
            return {"url": self.url, "username": self.username, "password": self.password}
        return {"url": self.url, "has_credentials": self.has_credentials}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StreamSource:
        """Inverse of `to_dict(secrets=True)`."""
        return cls(
            url=str(data["url"]),
            username=str(data.get("username", "")),
            password=str(data.get("password", "")),
        )


@dataclass(frozen=True, slots=True)
class RegisteredCamera:
    """One camera of an application, and the registry record it became (`camera_id`)."""

    name: str
    views: str  # what it looks at, in the owner's words
    covers_public_area: bool
    area_type: AreaType | None = None  # defaults to private_facing_public for public cameras
    bearing: int | None = None
    retention_days: int | None = None
    frigate_camera: str | None = None  # its name on the owner's Frigate (on_request, live)
    stream: StreamSource | None = None  # tier recorded
    camera_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_text(self.name, "camera_name"))
        object.__setattr__(self, "views", check_text(self.views, "views", max_length=500))
        object.__setattr__(self, "covers_public_area", bool(self.covers_public_area))
        area_type = self.area_type
        if area_type is not None:
            area_type = check_choice(AreaType, area_type, "area_type")
            if not self.covers_public_area:
                raise ValidationError(
                    RegistrationKey.AREA_TYPE_NOT_PUBLIC, field="area_type", camera=self.name
                )
        elif self.covers_public_area:
            area_type = AreaType.PRIVATE_FACING_PUBLIC
        object.__setattr__(self, "area_type", area_type)
        object.__setattr__(self, "bearing", check_bearing(self.bearing))
        object.__setattr__(self, "retention_days", check_retention_days(self.retention_days))
        if self.frigate_camera is not None:
            name = self.frigate_camera.strip()
            object.__setattr__(self, "frigate_camera", check_frigate_camera_name(name) if name else None)
        if self.camera_id is not None:
            check_text(self.camera_id, "camera_id")

    def to_dict(self, *, secrets: bool) -> dict[str, Any]:
        """JSON form; stream credentials only with `secrets`."""
        return {
            "name": self.name,
            "views": self.views,
            "covers_public_area": self.covers_public_area,
            "area_type": None if self.area_type is None else self.area_type.value,
            "bearing": self.bearing,
            "retention_days": self.retention_days,
            "frigate_camera": self.frigate_camera,
            "stream": None if self.stream is None else self.stream.to_dict(secrets=secrets),
            "camera_id": self.camera_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegisteredCamera:
        """Inverse of `to_dict(secrets=True)`."""
        area_type = data.get("area_type")
        stream = data.get("stream")
        return cls(
            name=str(data["name"]),
            views=str(data["views"]),
            covers_public_area=bool(data["covers_public_area"]),
            area_type=None if area_type is None else AreaType(area_type),
            bearing=data.get("bearing"),
            retention_days=data.get("retention_days"),
            frigate_camera=data.get("frigate_camera"),
            stream=None if stream is None else StreamSource.from_dict(stream),
            camera_id=data.get("camera_id"),
        )


def default_agency_code(business_name: str) -> str:
    """The private agency's code from the business name ("Mall Sunrise" -> MALL_SUNRISE)."""
    code = slugify(business_name).replace("-", "_").upper()
    if not code[:1].isalpha() or len(code) < 2:
        code = f"P_{code}"
    return code[:24].rstrip("_")


@dataclass(frozen=True, slots=True)
class Application:
    """What a business applies with; every field checks itself on construction."""

    business_name: str
    legal_entity: str
    contact: Contact  # the person in charge; phone and e-mail required
    address: str
    latitude: float
    longitude: float
    cameras: tuple[RegisteredCamera, ...]
    tier: SharingTier
    valid_from: date
    valid_until: date  # the agreement's last day
    consent_version: str
    owner_server: OwnerServer | None = None
    agency_code: str = ""  # the private agency's code; derived from the name when empty
    received_by: str | None = None  # the city agency whose front desk took the application

    def __post_init__(self) -> None:
        object.__setattr__(self, "business_name", check_text(self.business_name, "business_name"))
        object.__setattr__(self, "legal_entity", check_text(self.legal_entity, "legal_entity"))
        if not self.contact.phone:
            raise ValidationError(ErrorKey.FIELD_REQUIRED, field="contact_phone")
        if not self.contact.email:
            raise ValidationError(ErrorKey.FIELD_REQUIRED, field="contact_email")
        object.__setattr__(self, "address", check_text(self.address, "address", max_length=500))
        object.__setattr__(self, "latitude", check_latitude(self.latitude))
        object.__setattr__(self, "longitude", check_longitude(self.longitude))
        object.__setattr__(self, "tier", check_choice(SharingTier, self.tier, "tier"))
        consent = check_text(self.consent_version, "consent_version", max_length=64)
        object.__setattr__(self, "consent_version", consent)
        code = self.agency_code.strip() or default_agency_code(self.business_name)
        object.__setattr__(self, "agency_code", check_agency_code(code))
        if self.received_by is not None:
            check_slug(self.received_by, "received_by_agency_id")
        _check_period(self.valid_from, self.valid_until)
        object.__setattr__(self, "cameras", tuple(self.cameras))
        self._check_cameras()
        self._check_tier()

    def _check_cameras(self) -> None:
        if not self.cameras:
            raise ValidationError(RegistrationKey.NO_CAMERAS, field="cameras")
        if len(self.cameras) > MAX_CAMERAS:
            raise ValidationError(RegistrationKey.TOO_MANY_CAMERAS, field="cameras", max_cameras=MAX_CAMERAS)
        seen: set[str] = set()
        for camera in self.cameras:
            key = camera.name.casefold()
            if key in seen:
                raise ValidationError(RegistrationKey.DUPLICATE_CAMERA, field="cameras", camera=camera.name)
            seen.add(key)
        if not any(camera.covers_public_area for camera in self.cameras):
            raise ValidationError(RegistrationKey.NO_PUBLIC_CAMERA, field="cameras")

    def _check_tier(self) -> None:
        tier = self.tier
        if tier.uses_owner_server and self.owner_server is None:
            raise ValidationError(RegistrationKey.SERVER_REQUIRED, field="frigate_url", tier=tier)
        if not tier.uses_owner_server and self.owner_server is not None:
            raise ValidationError(RegistrationKey.SERVER_NOT_FOR_TIER, field="frigate_url", tier=tier)
        frigate_names: set[str] = set()
        for camera in self.cameras:
            if tier.uses_owner_server:
                if camera.frigate_camera is None:
                    raise ValidationError(
                        RegistrationKey.FRIGATE_CAMERA_REQUIRED, field="frigate_camera", camera=camera.name
                    )
                if camera.frigate_camera in frigate_names:
                    raise ValidationError(
                        RegistrationKey.DUPLICATE_CAMERA, field="frigate_camera", camera=camera.frigate_camera
                    )
                frigate_names.add(camera.frigate_camera)
            elif camera.frigate_camera is not None:
                raise ValidationError(
                    RegistrationKey.FRIGATE_CAMERA_NOT_FOR_TIER, field="frigate_camera", tier=tier
                )
            if tier.uses_streams and camera.stream is None:
                raise ValidationError(RegistrationKey.STREAM_REQUIRED, field="stream_url", camera=camera.name)
            if not tier.uses_streams and camera.stream is not None:
                raise ValidationError(RegistrationKey.STREAM_NOT_FOR_TIER, field="stream_url", tier=tier)

    def check_context(self, today: date, bounds: CityBounds | None) -> None:
        """The rules that depend on the day and the city: agreement not over, inside the city."""
        if self.valid_until < today:
            raise ValidationError(
                RegistrationKey.PERIOD_ENDED, field="valid_until", valid_until=self.valid_until.isoformat()
            )
        if bounds is not None and not bounds.contains(self.latitude, self.longitude):
            raise ValidationError(RegistrationKey.OUTSIDE_CITY, field="latitude")

    def to_dict(self, *, secrets: bool) -> dict[str, Any]:
        """JSON form; account details only with `secrets`."""
        return {
            "business_name": self.business_name,
            "legal_entity": self.legal_entity,
            "contact": self.contact.to_dict(),
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "cameras": [camera.to_dict(secrets=secrets) for camera in self.cameras],
            "tier": self.tier.value,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "consent_version": self.consent_version,
            "owner_server": None if self.owner_server is None else self.owner_server.to_dict(secrets=secrets),
            "agency_code": self.agency_code,
            "received_by": self.received_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Application:
        """Inverse of `to_dict(secrets=True)`."""
        server = data.get("owner_server")
        received_by = data.get("received_by")
        return cls(
            business_name=str(data["business_name"]),
            legal_entity=str(data["legal_entity"]),
            contact=Contact.from_dict(dict(data["contact"])),
            address=str(data["address"]),
            latitude=data["latitude"],
            longitude=data["longitude"],
            cameras=tuple(RegisteredCamera.from_dict(item) for item in data["cameras"]),
            tier=SharingTier(data["tier"]),
            valid_from=date.fromisoformat(data["valid_from"]),
            valid_until=date.fromisoformat(data["valid_until"]),
            consent_version=str(data["consent_version"]),
            owner_server=None if server is None else OwnerServer.from_dict(server),
            agency_code=str(data.get("agency_code", "")),
            received_by=None if received_by is None else str(received_by),
        )


def _check_period(valid_from: date, valid_until: date) -> None:
    if valid_until <= valid_from:
        raise ValidationError(
            RegistrationKey.PERIOD_INVALID,
            field="valid_until",
            valid_from=valid_from.isoformat(),
            valid_until=valid_until.isoformat(),
        )
    if (valid_until - valid_from).days > MAX_AGREEMENT_DAYS:
        raise ValidationError(RegistrationKey.PERIOD_TOO_LONG, field="valid_until", max_years=10)


# ------------------------------------------------------------------------------ registration


@dataclass(frozen=True, slots=True)
class Step:
    """One transition in a registration's history."""

    transition: Transition
    state: RegistrationState  # the state it led to
    at: datetime
    by: str  # HA user id, or "system"
    reason: str = ""
    party: Party | None = None  # who asked for a suspension

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "transition": self.transition.value,
            "state": self.state.value,
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "party": None if self.party is None else self.party.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        """Inverse of `to_dict`."""
        party = data.get("party")
        return cls(
            transition=Transition(data["transition"]),
            state=RegistrationState(data["state"]),
            at=datetime.fromisoformat(data["at"]),
            by=str(data["by"]),
            reason=str(data.get("reason", "")),
            party=None if party is None else Party(party),
        )


@dataclass(frozen=True, slots=True)
class Registration:
    """An application and its life: state, history, and what it became in the registry."""

    id: str  # REG-<year>-<seq>
    application: Application
    state: RegistrationState
    history: tuple[Step, ...]
    agency_id: str | None = None  # the private owner agency, once approved
    site_id: str | None = None
    server_id: str | None = None  # the owner's Frigate as an NCC server (on_request, live)
    reminded_until: date | None = None  # the agreement end the 30-day reminder went out for

    def __post_init__(self) -> None:
        if not _NUMBER.match(self.id):
            raise ValidationError(ErrorKey.INVALID_ID, field="registration_id", value=self.id)
        if not self.history:
            raise ValidationError(ErrorKey.FIELD_REQUIRED, field="history")

    @property
    def tier(self) -> SharingTier:
        """The sharing tier applied for."""
        return self.application.tier

    @property
    def cameras(self) -> tuple[RegisteredCamera, ...]:
        """The application's cameras, with their registry ids once they joined."""
        return self.application.cameras

    @property
    def valid_until(self) -> date:
        """The agreement's last day."""
        return self.application.valid_until

    @property
    def camera_ids(self) -> tuple[str, ...]:
        """Registry ids of the cameras that joined."""
        return tuple(camera.camera_id for camera in self.cameras if camera.camera_id)

    @property
    def recorded_by_city(self) -> bool:
        """True while a city Frigate server may record its cameras: active at tier `recorded`."""
        return self.state is RegistrationState.ACTIVE and self.tier.uses_streams

    @property
    def submitted_at(self) -> datetime:
        """When the application was filed."""
        return self.history[0].at

    @property
    def last_step(self) -> Step:
        """The most recent transition."""
        return self.history[-1]

    @property
    def suspended_by(self) -> Party | None:
        """Who suspended the registration, while it is suspended."""
        return self.last_step.party if self.state is RegistrationState.SUSPENDED else None

    def days_left(self, today: date) -> int:
        """Days from `today` to the agreement's last day (0 on that day and after)."""
        return max(0, (self.valid_until - today).days)

    def summary(self) -> dict[str, Any]:
        """What a list shows: no personal data, no secrets."""
        app = self.application
        return {
            "id": self.id,
            "business_name": app.business_name,
            "tier": app.tier.value,
            "state": self.state.value,
            "cameras": len(app.cameras),
            "valid_from": app.valid_from.isoformat(),
            "valid_until": app.valid_until.isoformat(),
            "submitted_at": self.submitted_at.isoformat(),
            "updated_at": self.last_step.at.isoformat(),
            "received_by": app.received_by,
            "agency_id": self.agency_id,
            "latitude": app.latitude,
            "longitude": app.longitude,
        }

    def to_dict(self, *, secrets: bool) -> dict[str, Any]:
        """Full JSON form; secrets only with `secrets` (the store), never for display."""
        return {
            "id": self.id,
            "application": self.application.to_dict(secrets=secrets),
            "state": self.state.value,
            "history": [step.to_dict() for step in self.history],
            "agency_id": self.agency_id,
            "site_id": self.site_id,
            "server_id": self.server_id,
            "reminded_until": None if self.reminded_until is None else self.reminded_until.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Registration:
        """Inverse of `to_dict(secrets=True)`."""
        reminded = data.get("reminded_until")
        return cls(
            id=str(data["id"]),
            application=Application.from_dict(data["application"]),
            state=RegistrationState(data["state"]),
            history=tuple(Step.from_dict(item) for item in data["history"]),
            agency_id=data.get("agency_id"),
            site_id=data.get("site_id"),
            server_id=data.get("server_id"),
            reminded_until=None if reminded is None else date.fromisoformat(reminded),
        )


# ------------------------------------------------------------------------------- transitions


def _wrong_state(registration: Registration, transition: Transition) -> ConflictError:
    return ConflictError(
        RegistrationKey.WRONG_STATE,
        registration=registration.id,
        state=registration.state,
        action=transition,
    )


def _step(
    registration: Registration,
    transition: Transition,
    state: RegistrationState,
    now: datetime,
    by: str,
    *,
    reason: str = "",
    party: Party | None = None,
    **changes: Any,
) -> Registration:
    if registration.state not in ALLOWED_FROM[transition]:
        raise _wrong_state(registration, transition)
    step = Step(
        transition=transition,
        state=state,
        at=check_aware(now, "now"),
        by=check_text(by, "by"),
        reason=check_optional_text(reason, "reason"),
        party=party,
    )
    return replace(registration, state=state, history=(*registration.history, step), **changes)


def _required_reason(reason: str) -> str:
    text = check_optional_text(reason, "reason")
    if not text:
        raise ValidationError(RegistrationKey.REASON_REQUIRED, field="reason")
    return text


def submit(
    application: Application,
    *,
    number: str,
    now: datetime,
    by: str,
    today: date,
    bounds: CityBounds | None,
) -> Registration:
    """A new registration in state `submitted`, after the day- and city-dependent checks."""
    application.check_context(today, bounds)
    step = Step(
        transition=Transition.SUBMIT,
        state=RegistrationState.SUBMITTED,
        at=check_aware(now, "now"),
        by=check_text(by, "by"),
    )
    return Registration(id=number, application=application, state=step.state, history=(step,))


def start_review(registration: Registration, *, now: datetime, by: str) -> Registration:
    """`submitted` -> `under_review`."""
    return _step(registration, Transition.START_REVIEW, RegistrationState.UNDER_REVIEW, now, by)


def approve(registration: Registration, *, now: datetime, by: str, today: date) -> Registration:
    """`under_review` -> `approved`; refused once the agreement is over."""
    if registration.state in ALLOWED_FROM[Transition.APPROVE]:
        registration.application.check_context(today, None)
    return _step(registration, Transition.APPROVE, RegistrationState.APPROVED, now, by)


def reject(registration: Registration, *, now: datetime, by: str, reason: str) -> Registration:
    """`under_review` -> `rejected`, with a reason."""
    text = _required_reason(reason)
    return _step(registration, Transition.REJECT, RegistrationState.REJECTED, now, by, reason=text)


def activate(registration: Registration, *, now: datetime, by: str) -> Registration:
    """`approved` -> `active`: every camera is in the registry."""
    if registration.state is RegistrationState.APPROVED and len(registration.camera_ids) != len(
        registration.cameras
    ):
        raise _wrong_state(registration, Transition.ACTIVATE)
    return _step(registration, Transition.ACTIVATE, RegistrationState.ACTIVE, now, by)


def suspend(
    registration: Registration, *, now: datetime, by: str, reason: str, party: Party
) -> Registration:
    """`active` -> `suspended`, by the city or the owner, with a reason."""
    text = _required_reason(reason)
    return _step(
        registration, Transition.SUSPEND, RegistrationState.SUSPENDED, now, by,
        reason=text, party=check_choice(Party, party, "by"),
    )


def resume(registration: Registration, *, now: datetime, by: str, reason: str = "") -> Registration:
    """`suspended` -> `active`."""
    return _step(registration, Transition.RESUME, RegistrationState.ACTIVE, now, by, reason=reason)


def expire(registration: Registration, *, now: datetime, today: date, by: str = "system") -> Registration:
    """`approved` | `active` | `suspended` -> `expired`, once the agreement's last day has passed."""
    if registration.state in ALLOWED_FROM[Transition.EXPIRE] and not is_over(registration, today):
        raise _wrong_state(registration, Transition.EXPIRE)
    return _step(registration, Transition.EXPIRE, RegistrationState.EXPIRED, now, by)


def renew(
    registration: Registration, *, now: datetime, by: str, valid_until: date, today: date
) -> Registration:
    """Extend the agreement; an expired registration is `approved` again and rejoins."""
    if registration.state in ALLOWED_FROM[Transition.RENEW]:
        if valid_until <= registration.valid_until:
            raise ValidationError(
                RegistrationKey.RENEWAL_NOT_LATER,
                field="valid_until",
                valid_until=registration.valid_until.isoformat(),
            )
        if valid_until < today:
            raise ValidationError(
                RegistrationKey.PERIOD_ENDED, field="valid_until", valid_until=valid_until.isoformat()
            )
        _check_period(registration.application.valid_from, valid_until)
    state = (
        RegistrationState.APPROVED
        if registration.state is RegistrationState.EXPIRED
        else registration.state
    )
    application = replace(registration.application, valid_until=valid_until)
    return _step(
        registration, Transition.RENEW, state, now, by,
        reason=f"{registration.valid_until.isoformat()} -> {valid_until.isoformat()}",
        application=application,
    )


def withdraw(registration: Registration, *, now: datetime, by: str, reason: str = "") -> Registration:
    """The owner leaves: any state before the end -> `withdrawn`."""
    return _step(registration, Transition.WITHDRAW, RegistrationState.WITHDRAWN, now, by, reason=reason)


# --------------------------------------------------------------- links to the registry, reminders


def joined(
    registration: Registration,
    *,
    agency_id: str,
    site_id: str,
    server_id: str | None,
    camera_ids: Sequence[str | None],
) -> Registration:
    """The registration with the registry records it became (one id or None per camera)."""
    if len(camera_ids) != len(registration.cameras):
        raise ValueError("one camera id (or None) per camera")
    cameras = tuple(
        replace(camera, camera_id=camera_id)
        for camera, camera_id in zip(registration.cameras, camera_ids, strict=True)
    )
    return replace(
        registration,
        application=replace(registration.application, cameras=cameras),
        agency_id=check_slug(agency_id, "agency_id"),
        site_id=check_slug(site_id, "site_id"),
        server_id=server_id,
    )


def left(registration: Registration, *, kept_camera_ids: Iterable[str] = ()) -> Registration:
    """The registration once its records left the registry (except `kept_camera_ids`)."""
    kept = set(kept_camera_ids)
    cameras = tuple(
        camera if camera.camera_id in kept else replace(camera, camera_id=None)
        for camera in registration.cameras
    )
    return replace(
        registration,
        application=replace(registration.application, cameras=cameras),
        site_id=registration.site_id if kept else None,
        server_id=None,
    )


def ends_soon(registration: Registration, today: date) -> bool:
    """True when a joined registration's agreement ends within the reminder period."""
    return (
        registration.state in JOINED_STATES
        and 0 <= (registration.valid_until - today).days <= EXPIRY_REMINDER_DAYS
    )


def expiry_reminder_due(registration: Registration, today: date) -> bool:
    """True when the 30-day reminder for the current agreement end has not gone out yet."""
    return registration.reminded_until != registration.valid_until and ends_soon(registration, today)


def reminder_sent(registration: Registration) -> Registration:
    """Note that the reminder for the current agreement end went out."""
    return replace(registration, reminded_until=registration.valid_until)


def is_over(registration: Registration, today: date) -> bool:
    """True when a joined registration's agreement has ended and it should expire."""
    return registration.state in JOINED_STATES and today > registration.valid_until


# ----------------------------------------------------------------------------------- the book


class RegistrationBook:
    """Every registration by number, and the per-year counters that number them."""

    STORAGE_VERSION: Final = 1

    def __init__(self) -> None:
        self._items: dict[str, Registration] = {}
        self._last_seq: dict[int, int] = {}

    @property
    def registrations(self) -> Mapping[str, Registration]:
        """Registrations by number (read-only view)."""
        return MappingProxyType(self._items)

    def get(self, registration_id: str) -> Registration:
        """The registration `registration_id`; NotFoundError if there is none."""
        try:
            return self._items[registration_id]
        except KeyError:
            raise NotFoundError(RegistrationKey.NOT_FOUND, registration=registration_id) from None

    def next_number(self, year: int) -> str:
        """The number the next registration filed in `year` gets."""
        return f"REG-{year:04d}-{self._last_seq.get(year, 0) + 1:04d}"

    def add(self, registration: Registration) -> None:
        """File a new registration under its (fresh) number."""
        match = _NUMBER.match(registration.id)
        assert match is not None  # Registration checked its own id
        if registration.id in self._items:
            raise ValueError("registration number filed twice")
        year, seq = int(match.group(1)), int(match.group(2))
        self._items[registration.id] = registration
        self._last_seq[year] = max(seq, self._last_seq.get(year, 0))

    def put(self, registration: Registration) -> None:
        """Replace a filed registration with its new version."""
        self.get(registration.id)
        self._items[registration.id] = registration

    def to_dict(self) -> dict[str, Any]:
        """The stored form: secrets included (the store is the one place that keeps them)."""
        return {
            "registrations": [self._items[key].to_dict(secrets=True) for key in sorted(self._items)],
            "counters": {str(year): seq for year, seq in sorted(self._last_seq.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegistrationBook:
        """Inverse of `to_dict`; ValidationError on damaged data."""
        book = cls()
        try:
            for item in data["registrations"]:
                book.add(Registration.from_dict(item))
            for year, seq in dict(data.get("counters", {})).items():
                book._last_seq[int(year)] = max(int(seq), book._last_seq.get(int(year), 0))
        except (KeyError, TypeError, ValueError, AttributeError, ValidationError) as err:
            # the error's name only: a repr could carry stored credentials
            raise ValidationError(RegistrationKey.STORAGE_INVALID, detail=type(err).__name__) from err
        return book

