"""Footage requests: intake, preservation state, decisions per camera owner, releases, expiry.

A request (``FR-<year>-<seq>``) asks for one time window on some cameras. It is split into one
part per camera; each part is preserved on its own (a Frigate export started at intake, or the
overlapping events retained, or, for a registry-only camera, a request to its owner) and
decided by the camera's owner agency. A request split across owners completes part by part.

Who may do what is `permissions`' decision, asked through the check lists below:

- opening a request needs ``request_export`` on every camera in it (`intake_checks`);
- deciding, releasing, extending and recording objections need ``decide_footage`` on the
  cameras concerned (`decide_checks`);
- personal data (identity number, phone, e-mail; UU PDP) is shown only to those who may decide
  some part of the request, and city administrators (`may_see_personal_data`); it never goes
  into events, logs, audit details or diagnostics, and is erased when the request's records
  expire.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
import csv
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
import math
import re
from typing import IO, Any, Final

from .cameras import CameraRecord, check_camera_id
from .errors import (
    ConflictError,
    ErrorKey,
    NotFoundError,
    ValidationError,
    check_choice,
    check_optional_text,
    check_text,
)
from .geo import MAX_RADIUS_M, camera_location, cameras_near, haversine_m
from .grants import check_aware
from .permissions import (
    Action,
    Actor,
    CameraTarget,
    Target,
    authorize,
    privileges_for,
    visible_cameras,
)
from .registry import Registry
from .sites import check_latitude, check_longitude
from .workdays import DueState, WorkdayCalendar

STORAGE_VERSION: Final = 1
# a window ending this close after "now" is the clock skew of the requester's device
FUTURE_TOLERANCE: Final = timedelta(minutes=1)
# Frigate reports missing footage in 30 s buckets; less than one bucket missing is all there
COVERAGE_TOLERANCE_S: Final = 30.0
# gap edges come in whole seconds: this little recorded is nothing at all
ROUNDING_TOLERANCE_S: Final = 2.0
# after this many failed preservation attempts a part is raised as a repair issue
REPAIR_AFTER_ATTEMPTS: Final = 5
MAX_LINK_HOURS: Final = 30 * 24


class FootageKey(StrEnum):
    """Translation keys of the footage workflow's errors."""

    WINDOW_ORDER = "footage_window_order"
    WINDOW_TOO_LONG = "footage_window_too_long"
    WINDOW_IN_FUTURE = "footage_window_in_future"
    RADIUS_TOO_LARGE = "footage_radius_too_large"
    CAMERAS_OR_AREA = "footage_cameras_or_area"
    NO_CAMERAS_IN_AREA = "footage_no_cameras_in_area"
    TOO_MANY_CAMERAS = "footage_too_many_cameras"
    REFERENCE_REQUIRED = "footage_reference_required"
    CONTACT_REQUIRED = "footage_contact_required"
    INVALID_IDENTITY_NUMBER = "footage_invalid_identity_number"
    INVALID_PHONE = "footage_invalid_phone"
    INVALID_EMAIL = "footage_invalid_email"
    REQUEST_NOT_FOUND = "footage_request_not_found"
    PART_NOT_FOUND = "footage_part_not_found"
    PART_ALREADY_DECIDED = "footage_part_already_decided"
    REASON_NOT_FOR_DECISION = "footage_reason_not_for_decision"
    NOTE_REQUIRED = "footage_note_required"
    PART_NOT_APPROVED = "footage_part_not_approved"
    PART_NOT_PRESERVED = "footage_part_not_preserved"
    NOTHING_TO_RELEASE = "footage_nothing_to_release"
    RELEASE_NOT_FOUND = "footage_release_not_found"
    LINK_HOURS_INVALID = "footage_link_hours_invalid"
    NO_DEADLINE = "footage_no_deadline"
    DEADLINE_ALREADY_EXTENDED = "footage_deadline_already_extended"
    REQUEST_ALREADY_ANSWERED = "footage_request_already_answered"
    ALREADY_ON_HOLD = "footage_already_on_hold"
    NOT_ON_HOLD = "footage_not_on_hold"
    RECORDS_EXPIRED = "footage_records_expired"
    POLICY_VALUE_INVALID = "footage_policy_value_invalid"
    EVIDENCE_UNAVAILABLE = "footage_evidence_unavailable"
    STORAGE_DAMAGED = "footage_storage_damaged"
    REGISTER_UNWRITABLE = "footage_register_unwritable"
    SIGNING_KEY_DAMAGED = "footage_signing_key_damaged"
    STORAGE_VERSION = "footage_storage_version"


class RequesterKind(StrEnum):
    CITIZEN = "citizen"
    POLICE = "police"
    AGENCY = "agency"
    COURT = "court"
    INSURER = "insurer"
    MEDIA = "media"


class LegalBasis(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    COURT_ORDER = "court_order"
    ADMINISTRATIVE_INVESTIGATION = "administrative_investigation"
    DATA_SUBJECT = "data_subject"
    PUBLIC_INFORMATION = "public_information"


# a police letter number or a court case number must back these
REFERENCE_BASES: Final = frozenset({LegalBasis.LAW_ENFORCEMENT, LegalBasis.COURT_ORDER})


class IncidentType(StrEnum):
    TRAFFIC_ACCIDENT = "traffic_accident"
    CRIME = "crime"
    LOST_PROPERTY = "lost_property"
    PUBLIC_ORDER = "public_order"
    DISASTER = "disaster"
    OTHER = "other"


class Decision(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"


class ReasonCode(StrEnum):
    """Why a part was approved or refused; `OTHER` needs a note."""

    LEGAL_OBLIGATION = "legal_obligation"
    DATA_SUBJECT_ACCESS = "data_subject_access"
    PUBLIC_INTEREST = "public_interest"
    NO_LEGAL_BASIS = "no_legal_basis"
    REFERENCE_NOT_VERIFIED = "reference_not_verified"
    THIRD_PARTY_PRIVACY = "third_party_privacy"
    EXEMPT_INFORMATION = "exempt_information"
    NOT_RELEVANT = "not_relevant"
    FOOTAGE_UNAVAILABLE = "footage_unavailable"
    OTHER = "other"


REASONS: Final[Mapping[Decision, frozenset[ReasonCode]]] = {
    Decision.APPROVE: frozenset({
        ReasonCode.LEGAL_OBLIGATION, ReasonCode.DATA_SUBJECT_ACCESS, ReasonCode.PUBLIC_INTEREST,
        ReasonCode.OTHER,
    }),
    Decision.REFUSE: frozenset({
        ReasonCode.NO_LEGAL_BASIS, ReasonCode.REFERENCE_NOT_VERIFIED,
        ReasonCode.THIRD_PARTY_PRIVACY, ReasonCode.EXEMPT_INFORMATION, ReasonCode.NOT_RELEVANT,
        ReasonCode.FOOTAGE_UNAVAILABLE, ReasonCode.OTHER,
    }),
}


class Availability(StrEnum):
    """Whether a part's window is recorded, as far as its server tells."""

    AVAILABLE = "available"
    PARTIAL = "partial"
    NO_RECORDINGS = "no_recordings"  # a gap or an outage inside the retention
    OVERWRITTEN = "overwritten"  # older than the server keeps footage
    UNKNOWN = "unknown"  # the server did not answer (yet)
    NO_FEED = "no_feed"  # a registry-only camera


class Preservation(StrEnum):
    """How a part's footage is kept while the request waits."""

    PENDING = "pending"  # not started yet, or waiting to retry
    EXPORTING = "exporting"
    PRESERVED = "preserved"
    EVENTS_RETAINED = "events_retained"  # no export possible; overlapping events kept instead
    NO_FOOTAGE = "no_footage"
    NOT_POSSIBLE = "not_possible"  # no export and no event to retain
    OWNER_CONTACTED = "owner_contacted"  # registry-only camera: the owner is asked


# states after which preservation needs no more work
SETTLED: Final = frozenset({
    Preservation.PRESERVED, Preservation.EVENTS_RETAINED, Preservation.NO_FOOTAGE,
    Preservation.NOT_POSSIBLE, Preservation.OWNER_CONTACTED,
})


class RequestState(StrEnum):
    OPEN = "open"  # some part undecided
    DECIDED = "decided"  # every part decided; approved footage not yet all released
    CLOSED = "closed"
    EXPIRED = "expired"  # evidence deleted, personal data erased


class ObjectionKind(StrEnum):
    AGAINST_REFUSAL = "against_refusal"
    AGAINST_RELEASE = "against_release"
    DATA_SUBJECT = "data_subject"


_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# NIK (16 digits), police NRP, passport numbers: letters and digits
_IDENTITY = re.compile(r"^[A-Z0-9]{5,32}$")
_IDENTITY_SEPARATORS = re.compile(r"[\s.\-/]")
_REQUEST_ID = re.compile(r"^FR-(\d{4})-(\d{4,})$")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _required_dt(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


# ------------------------------------------------------------------------------------ policy


@lru_cache(maxsize=8)
def _calendar(extra_days_off: tuple[date, ...]) -> WorkdayCalendar:
    """One calendar per set of extra days off: it learns each year's holidays once."""
    return WorkdayCalendar(extra_days_off=extra_days_off)


# field of `FootagePolicy` -> (minimum, maximum)
POLICY_LIMITS: Final[Mapping[str, tuple[int, int]]] = {
    "max_window_minutes": (1, 24 * 60),
    "max_radius_m": (1, int(MAX_RADIUS_M)),
    "max_cameras": (1, 50),
    "evidence_keep_days": (1, 3650),
    # at least a month: a public information request may take 17 working days to answer
    "open_request_keep_days": (30, 3650),
    "link_valid_hours": (1, MAX_LINK_HOURS),
    "due_soon_working_days": (0, 10),
}


@dataclass(frozen=True, slots=True)
class FootagePolicy:
    """The city's guardrails and periods for footage requests."""

    max_window_minutes: int = 120
    max_radius_m: int = 500
    max_cameras: int = 20
    evidence_keep_days: int = 30
    # a request nobody finishes deciding is not kept forever
    open_request_keep_days: int = 90
    link_valid_hours: int = 72
    due_soon_working_days: int = 2
    extra_days_off: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        for name, (minimum, maximum) in POLICY_LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
                raise ValidationError(
                    FootageKey.POLICY_VALUE_INVALID, field=name, minimum=minimum, maximum=maximum
                )
        object.__setattr__(self, "extra_days_off", tuple(sorted(set(self.extra_days_off))))

    @property
    def max_window(self) -> timedelta:
        return timedelta(minutes=self.max_window_minutes)

    def calendar(self) -> WorkdayCalendar:
        return _calendar(self.extra_days_off)

    def to_dict(self) -> dict[str, Any]:
        return {
            **{name: getattr(self, name) for name in POLICY_LIMITS},
            "extra_days_off": [day.isoformat() for day in self.extra_days_off],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FootagePolicy:
        values = {name: data[name] for name in POLICY_LIMITS if name in data}
        days = tuple(date.fromisoformat(str(day)) for day in data.get("extra_days_off", ()))
        return cls(**values, extra_days_off=days)


# ------------------------------------------------------------------------------------ intake


def _check_contact(phone: str, email: str) -> tuple[str, str]:
    # the messages never echo the value: contacts are personal data
    phone = check_optional_text(phone, "requester_phone", max_length=32)
    email = check_optional_text(email, "requester_email", max_length=254)
    if phone and not _PHONE.match(phone):
        raise ValidationError(FootageKey.INVALID_PHONE, field="requester_phone")
    if email and not _EMAIL.match(email):
        raise ValidationError(FootageKey.INVALID_EMAIL, field="requester_email")
    if not phone and not email:
        raise ValidationError(FootageKey.CONTACT_REQUIRED, field="requester_phone")
    return phone, email


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks. Identity number, phone and e-mail are personal data and never shown in reprs."""

    name: str
    kind: RequesterKind
    identity_number: str = field(default="", repr=False)
    organisation: str = ""
    phone: str = field(default="", repr=False)
    email: str = field(default="", repr=False)
    erased: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", check_choice(RequesterKind, self.kind, "requester_kind"))
        organisation = check_optional_text(self.organisation, "requester_organisation", max_length=200)
        object.__setattr__(self, "organisation", organisation)
        if self.erased:
            return
        object.__setattr__(self, "name", check_text(self.name, "requester_name"))
        number = _IDENTITY_SEPARATORS.sub("", self.identity_number).upper()
        if not number:
            raise ValidationError(ErrorKey.FIELD_REQUIRED, field="requester_identity_number")
        if not _IDENTITY.match(number):
            raise ValidationError(FootageKey.INVALID_IDENTITY_NUMBER, field="requester_identity_number")
        object.__setattr__(self, "identity_number", number)
        phone, email = _check_contact(self.phone, self.email)
        object.__setattr__(self, "phone", phone)
        object.__setattr__(self, "email", email)

    def erase(self) -> Requester:
        """What is kept once the records expire: the kind and organisation of the requester."""
        return Requester(name="", kind=self.kind, organisation=self.organisation, erased=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind.value, "identity_number": self.identity_number,
            "organisation": self.organisation, "phone": self.phone, "email": self.email,
            "erased": self.erased,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Requester:
        return cls(
            name=str(data["name"]), kind=RequesterKind(data["kind"]),
            identity_number=str(data.get("identity_number", "")),
            organisation=str(data.get("organisation", "")), phone=str(data.get("phone", "")),
            email=str(data.get("email", "")), erased=bool(data.get("erased", False)),
        )

    def view(self, *, reveal: bool) -> dict[str, Any]:
        """For lists and cards: personal data masked unless `reveal`."""
        if reveal or self.erased:
            data = self.to_dict()
        else:
            data = self.to_dict() | {
                "identity_number": mask_identity(self.identity_number),
                "phone": mask_phone(self.phone),
                "email": mask_email(self.email),
            }
        data["masked"] = not reveal and not self.erased
        return data


def mask_identity(number: str) -> str:
    """All but the last four characters hidden."""
    return "*" * len(number) if len(number) <= 4 else "*" * (len(number) - 4) + number[-4:]


def mask_phone(phone: str) -> str:
    """Digits hidden except the last two; separators kept."""
    digits = sum(char.isdigit() for char in phone)
    seen = 0
    out = []
    for char in phone:
        if char.isdigit():
            seen += 1
            out.append(char if seen > digits - 2 else "*")
        else:
            out.append(char)
    return "".join(out)


def mask_email(email: str) -> str:
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else ("***" if email else "")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The footage asked for: [start, end), timezone-aware, kept in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        check_aware(self.start, "start")
        check_aware(self.end, "end")
        if self.end <= self.start:
            raise ValidationError(FootageKey.WINDOW_ORDER, field="end")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimeWindow:
        return cls(_required_dt(data["start"]), _required_dt(data["end"]))


@dataclass(frozen=True, slots=True)
class SearchArea:
    """A place and radius to find cameras around."""

    latitude: float
    longitude: float
    radius_m: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "latitude", check_latitude(self.latitude))
        object.__setattr__(self, "longitude", check_longitude(self.longitude))
        radius = self.radius_m
        if isinstance(radius, bool) or not isinstance(radius, int | float) or not (
            math.isfinite(radius) and 0 < radius <= MAX_RADIUS_M
        ):
            raise ValidationError(
                ErrorKey.INVALID_RADIUS, field="radius_m", value=radius, max_m=int(MAX_RADIUS_M)
            )

    def to_dict(self) -> dict[str, float]:
        return {"latitude": self.latitude, "longitude": self.longitude, "radius_m": self.radius_m}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchArea:
        return cls(float(data["latitude"]), float(data["longitude"]), float(data["radius_m"]))


@dataclass(frozen=True, slots=True)
class Intake:
    """A request as entered: checked on construction, before anything is stored."""

    requester: Requester
    purpose: str
    incident_type: IncidentType
    legal_basis: LegalBasis
    window: TimeWindow
    reference: str = ""
    camera_ids: tuple[str, ...] = ()
    area: SearchArea | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "purpose", check_text(self.purpose, "purpose", max_length=2000))
        object.__setattr__(
            self, "incident_type", check_choice(IncidentType, self.incident_type, "incident_type")
        )
        basis = check_choice(LegalBasis, self.legal_basis, "legal_basis")
        object.__setattr__(self, "legal_basis", basis)
        reference = check_optional_text(self.reference, "reference", max_length=200)
        if basis in REFERENCE_BASES and not reference:
            raise ValidationError(FootageKey.REFERENCE_REQUIRED, field="reference", basis=basis.value)
        object.__setattr__(self, "reference", reference)
        unique = tuple(dict.fromkeys(check_camera_id(camera_id) for camera_id in self.camera_ids))
        object.__setattr__(self, "camera_ids", unique)
        if not unique and self.area is None:
            raise ValidationError(FootageKey.CAMERAS_OR_AREA, field="camera_ids")


def check_guardrails(intake: Intake, policy: FootagePolicy, now: datetime) -> None:
    """The city's limits: window length, not in the future, radius."""
    window = intake.window
    if window.end > now + FUTURE_TOLERANCE:
        raise ValidationError(FootageKey.WINDOW_IN_FUTURE, field="end")
    if window.duration > policy.max_window:
        raise ValidationError(
            FootageKey.WINDOW_TOO_LONG, field="end", max_minutes=policy.max_window_minutes
        )
    if intake.area is not None:
        check_search_radius(intake.area, policy)


def check_search_radius(area: SearchArea, policy: FootagePolicy) -> None:
    if area.radius_m > policy.max_radius_m:
        raise ValidationError(FootageKey.RADIUS_TOO_LARGE, field="radius_m", max_m=policy.max_radius_m)


def requestable_cameras(registry: Registry, actor: Actor, now: datetime) -> list[CameraRecord]:
    """Cameras `actor` may ask footage of (request_export), registry-only ones included."""
    return [
        camera for camera in visible_cameras(registry, actor, now)
        if Action.REQUEST_EXPORT in privileges_for(registry, actor, camera.id, now)
    ]


def suggest_cameras(
    registry: Registry, actor: Actor, area: SearchArea, now: datetime
) -> list[tuple[CameraRecord, float]]:
    """Cameras `actor` may request within the area, nearest first, with their distance."""
    return cameras_near(
        registry, area.latitude, area.longitude, area.radius_m,
        among=requestable_cameras(registry, actor, now),
    )


@dataclass(frozen=True, slots=True)
class CameraChoice:
    camera_id: str
    distance_m: float | None = None


def intake_cameras(
    registry: Registry, actor: Actor, intake: Intake, policy: FootagePolicy, now: datetime
) -> list[CameraChoice]:
    """The cameras of a new request: those named, or those `actor` may request in the area."""
    if intake.camera_ids:
        choices = [
            CameraChoice(camera_id, _distance_from(registry, camera_id, intake.area))
            for camera_id in intake.camera_ids
        ]
    else:
        assert intake.area is not None
        found = suggest_cameras(registry, actor, intake.area, now)
        if not found:
            raise ValidationError(
                FootageKey.NO_CAMERAS_IN_AREA, field="radius_m", radius_m=int(intake.area.radius_m)
            )
        choices = [CameraChoice(camera.id, round(distance, 1)) for camera, distance in found]
    if len(choices) > policy.max_cameras:
        raise ValidationError(
            FootageKey.TOO_MANY_CAMERAS, field="camera_ids", count=len(choices), max=policy.max_cameras
        )
    return choices


def _distance_from(registry: Registry, camera_id: str, area: SearchArea | None) -> float | None:
    """How far a named camera is from the request's place, when both are known (the card sends
    the place alongside the cameras the operator ticked around it)."""
    camera = registry.cameras.get(camera_id)
    location = None if area is None or camera is None else camera_location(registry, camera)
    if location is None or area is None:
        return None
    return round(haversine_m(area.latitude, area.longitude, *location), 1)


def intake_checks(choices: Iterable[CameraChoice]) -> list[tuple[Action, Target]]:
    """Opening a request needs request_export on each of its cameras."""
    return [(Action.REQUEST_EXPORT, CameraTarget(choice.camera_id)) for choice in choices]


# ----------------------------------------------------------------------------- preservation


@dataclass(frozen=True, slots=True)
class FootageAssessment:
    availability: Availability
    recorded_s: float
    overwrite_at: datetime | None


def assess_footage(
    window: TimeWindow,
    now: datetime,
    retention_days: float | None,
    missing: Iterable[tuple[float, float]],
) -> FootageAssessment:
    """What the server's answers mean for a window.

    `missing` are the spans (epoch seconds) without recordings; `retention_days` is how long the
    server keeps round-the-clock footage (None when unknown). The footage of the window starts
    being overwritten at window start + retention.
    """
    start, end = window.start.timestamp(), window.end.timestamp()
    gaps = sorted((max(a, start), min(b, end)) for a, b in missing if b > start and a < end)
    covered_gap = 0.0
    cursor = start
    for gap_start, gap_end in gaps:
        lo = max(gap_start, cursor)
        if gap_end > lo:
            covered_gap += gap_end - lo
            cursor = gap_end
    recorded = max(end - start - covered_gap, 0.0)
    overwrite_at = None if retention_days is None else window.start + timedelta(days=retention_days)
    if recorded < ROUNDING_TOLERANCE_S:
        overwritten = overwrite_at is not None and overwrite_at <= now
        availability = Availability.OVERWRITTEN if overwritten else Availability.NO_RECORDINGS
    elif recorded >= end - start - COVERAGE_TOLERANCE_S:
        availability = Availability.AVAILABLE
    else:
        availability = Availability.PARTIAL
    if availability in (Availability.OVERWRITTEN, Availability.NO_RECORDINGS):
        recorded = 0.0
    return FootageAssessment(availability, round(recorded, 1), overwrite_at)


def retry_delay(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Back-off after `attempts` failures: base, 2x, 4x ... at most `cap`."""
    return min(base * (1 << min(max(attempts - 1, 0), 20)), cap)


# --------------------------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class PartDecision:
    decision: Decision
    reason: ReasonCode
    note: str
    decided_by: str
    decided_by_name: str
    agency_id: str | None
    decided_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value, "reason": self.reason.value, "note": self.note,
            "decided_by": self.decided_by, "decided_by_name": self.decided_by_name,
            "agency_id": self.agency_id, "decided_at": self.decided_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PartDecision:
        return cls(
            decision=Decision(data["decision"]), reason=ReasonCode(data["reason"]),
            note=str(data.get("note", "")), decided_by=str(data["decided_by"]),
            decided_by_name=str(data.get("decided_by_name", "")), agency_id=data.get("agency_id"),
            decided_at=_required_dt(data["decided_at"]),
        )


@dataclass(slots=True)
class Part:
    """One camera of a request: its footage, its preservation and its owner's decision."""

    id: str
    camera_id: str
    camera_name: str
    owner_agency_id: str
    registry_only: bool
    distance_m: float | None = None
    availability: Availability = Availability.UNKNOWN
    recorded_s: float | None = None
    overwrite_at: datetime | None = None
    preservation: Preservation = Preservation.PENDING
    export_id: str | None = None
    export_started_at: datetime | None = None
    attempts: int = 0
    poll_errors: int = 0
    next_check_at: datetime | None = None
    last_error: str = ""
    preserved_at: datetime | None = None
    retained_event_ids: tuple[str, ...] = ()
    decision: PartDecision | None = None
    cleaned_up: bool = False

    @property
    def server_id(self) -> str | None:
        return None if self.registry_only else self.camera_id.partition("/")[0]

    @property
    def frigate_name(self) -> str:
        return self.camera_id.partition("/")[2]

    @property
    def approved(self) -> bool:
        return self.decision is not None and self.decision.decision is Decision.APPROVE

    @property
    def failing(self) -> bool:
        """Preservation keeps failing: worth a repair issue. Exports that cannot be started, or
        one under way whose server stays unreachable."""
        if self.preservation is Preservation.EXPORTING:
            return self.poll_errors >= REPAIR_AFTER_ATTEMPTS
        return self.preservation is Preservation.PENDING and self.attempts >= REPAIR_AFTER_ATTEMPTS

    @property
    def needs_cleanup(self) -> bool:
        """Something is kept in Frigate on this part's behalf."""
        return not self.cleaned_up and (self.export_id is not None or bool(self.retained_event_ids))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "camera_id": self.camera_id, "camera_name": self.camera_name,
            "owner_agency_id": self.owner_agency_id, "registry_only": self.registry_only,
            "distance_m": self.distance_m, "availability": self.availability.value,
            "recorded_s": self.recorded_s, "overwrite_at": _iso(self.overwrite_at),
            "preservation": self.preservation.value, "export_id": self.export_id,
            "export_started_at": _iso(self.export_started_at), "attempts": self.attempts,
            "poll_errors": self.poll_errors, "next_check_at": _iso(self.next_check_at),
            "last_error": self.last_error, "preserved_at": _iso(self.preserved_at),
            "retained_event_ids": list(self.retained_event_ids),
            "decision": None if self.decision is None else self.decision.to_dict(),
            "cleaned_up": self.cleaned_up,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Part:
        decision = data.get("decision")
        return cls(
            id=str(data["id"]), camera_id=str(data["camera_id"]),
            camera_name=str(data["camera_name"]), owner_agency_id=str(data["owner_agency_id"]),
            registry_only=bool(data["registry_only"]), distance_m=data.get("distance_m"),
            availability=Availability(data["availability"]), recorded_s=data.get("recorded_s"),
            overwrite_at=_dt(data.get("overwrite_at")),
            preservation=Preservation(data["preservation"]), export_id=data.get("export_id"),
            export_started_at=_dt(data.get("export_started_at")),
            attempts=int(data.get("attempts", 0)), poll_errors=int(data.get("poll_errors", 0)),
            next_check_at=_dt(data.get("next_check_at")), last_error=str(data.get("last_error", "")),
            preserved_at=_dt(data.get("preserved_at")),
            retained_event_ids=tuple(str(item) for item in data.get("retained_event_ids", ())),
            decision=None if decision is None else PartDecision.from_dict(decision),
            cleaned_up=bool(data.get("cleaned_up", False)),
        )

    def view(self) -> dict[str, Any]:
        data = self.to_dict()
        data["failing"] = self.failing
        return data


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """An evidence package built for some approved parts."""

    id: str
    part_ids: tuple[str, ...]
    file_name: str
    sha256: str
    size: int
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "part_ids": list(self.part_ids), "file_name": self.file_name,
            "sha256": self.sha256, "size": self.size, "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PackageRecord:
        return cls(
            id=str(data["id"]), part_ids=tuple(data["part_ids"]), file_name=str(data["file_name"]),
            sha256=str(data["sha256"]), size=int(data["size"]),
            created_at=_required_dt(data["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class Link:
    """A signed download link; `id` is the secret part of its path."""

    id: str
    created_at: datetime
    expires_at: datetime
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(), "created_by": self.created_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Link:
        return cls(
            id=str(data["id"]), created_at=_required_dt(data["created_at"]),
            expires_at=_required_dt(data["expires_at"]), created_by=str(data["created_by"]),
        )


@dataclass(frozen=True, slots=True)
class Download:
    at: datetime
    link_id: str
    remote: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "link_id": self.link_id, "remote": self.remote}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Download:
        return cls(at=_required_dt(data["at"]), link_id=str(data["link_id"]), remote=str(data["remote"]))


@dataclass(slots=True)
class Release:
    """Footage handed to a named recipient: an entry of the disclosure register."""

    id: str
    package_id: str
    part_ids: tuple[str, ...]
    recipient: str
    organisation: str
    released_by: str
    released_by_name: str
    released_at: datetime
    note: str = ""
    links: list[Link] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "package_id": self.package_id, "part_ids": list(self.part_ids),
            "recipient": self.recipient, "organisation": self.organisation,
            "released_by": self.released_by, "released_by_name": self.released_by_name,
            "released_at": self.released_at.isoformat(), "note": self.note,
            "links": [link.to_dict() for link in self.links],
            "downloads": [download.to_dict() for download in self.downloads],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Release:
        return cls(
            id=str(data["id"]), package_id=str(data["package_id"]), part_ids=tuple(data["part_ids"]),
            recipient=str(data["recipient"]), organisation=str(data.get("organisation", "")),
            released_by=str(data["released_by"]), released_by_name=str(data.get("released_by_name", "")),
            released_at=_required_dt(data["released_at"]), note=str(data.get("note", "")),
            links=[Link.from_dict(item) for item in data.get("links", ())],
            downloads=[Download.from_dict(item) for item in data.get("downloads", ())],
        )

    def view(self) -> dict[str, Any]:
        """Without the links' secret ids."""
        data = self.to_dict()
        data["links"] = [
            {"created_at": link.created_at.isoformat(), "expires_at": link.expires_at.isoformat()}
            for link in self.links
        ]
        data["downloads"] = [
            {"at": download.at.isoformat(), "remote": download.remote} for download in self.downloads
        ]
        return data


@dataclass(frozen=True, slots=True)
class ReleaseOrder:
    """Who receives footage and for how long the link works; checked before anything is built."""

    recipient: str
    organisation: str = ""
    note: str = ""
    valid_hours: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipient", check_text(self.recipient, "recipient_name"))
        object.__setattr__(
            self, "organisation",
            check_optional_text(self.organisation, "recipient_organisation", max_length=200),
        )
        object.__setattr__(self, "note", check_optional_text(self.note, "note"))
        check_link_hours(self.valid_hours)


def check_link_hours(hours: int | None) -> None:
    if hours is not None and (isinstance(hours, bool) or not 1 <= hours <= MAX_LINK_HOURS):
        raise ValidationError(FootageKey.LINK_HOURS_INVALID, field="valid_hours", max_hours=MAX_LINK_HOURS)


@dataclass(frozen=True, slots=True)
class Objection:
    id: str
    kind: ObjectionKind
    part_id: str | None
    text: str
    organisation: str
    recorded_by: str
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind.value, "part_id": self.part_id, "text": self.text,
            "organisation": self.organisation, "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Objection:
        return cls(
            id=str(data["id"]), kind=ObjectionKind(data["kind"]), part_id=data.get("part_id"),
            text=str(data["text"]), organisation=str(data.get("organisation", "")),
            recorded_by=str(data["recorded_by"]), recorded_at=_required_dt(data["recorded_at"]),
        )


@dataclass(frozen=True, slots=True)
class LegalHold:
    reason: str
    set_by: str
    set_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "set_by": self.set_by, "set_at": self.set_at.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LegalHold:
        return cls(
            reason=str(data["reason"]), set_by=str(data["set_by"]), set_at=_required_dt(data["set_at"])
        )


@dataclass(slots=True)
class FootageRequest:
    """A footage request and everything that happened to it."""

    id: str
    created_at: datetime
    created_by: str
    created_by_name: str
    requesting_agency_id: str | None
    requester: Requester
    purpose: str
    incident_type: IncidentType
    legal_basis: LegalBasis
    reference: str
    window: TimeWindow
    area: SearchArea | None
    parts: list[Part]
    due: date | None = None
    extended: bool = False
    due_notice: str = ""
    decided_at: datetime | None = None
    keep_until: datetime | None = None
    legal_hold: LegalHold | None = None
    packages: list[PackageRecord] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    expired_at: datetime | None = None

    # ---- derived state

    @property
    def released_part_ids(self) -> set[str]:
        return {part_id for release in self.releases for part_id in release.part_ids}

    @property
    def state(self) -> RequestState:
        if self.expired_at is not None:
            return RequestState.EXPIRED
        if any(part.decision is None for part in self.parts):
            return RequestState.OPEN
        released = self.released_part_ids
        pending = [
            part for part in self.parts
            if part.approved and part.preservation is Preservation.PRESERVED and part.id not in released
        ]
        return RequestState.DECIDED if pending else RequestState.CLOSED

    @property
    def owner_agency_ids(self) -> list[str]:
        return sorted({part.owner_agency_id for part in self.parts})

    @property
    def camera_ids(self) -> list[str]:
        return [part.camera_id for part in self.parts]

    def involves_agency(self, agency_id: str) -> bool:
        """`agency_id` asked for the footage or owns one of its cameras."""
        return agency_id == self.requesting_agency_id or agency_id in self.owner_agency_ids

    def undecided_owner_ids(self) -> list[str]:
        return sorted({part.owner_agency_id for part in self.parts if part.decision is None})

    def due_state(self, calendar: WorkdayCalendar, today: date, soon_working_days: int) -> DueState | None:
        """Against its due date; None when it has none or is answered."""
        if self.due is None or self.state is not RequestState.OPEN:
            return None
        return calendar.due_state(self.due, today, soon_working_days)

    def part(self, reference: str) -> Part:
        """A part by its id (P1) or its camera's id."""
        for part in self.parts:
            if reference in (part.id, part.camera_id):
                return part
        raise NotFoundError(FootageKey.PART_NOT_FOUND, request=self.id, part=reference)

    def package(self, package_id: str) -> PackageRecord | None:
        """A package by its id; None if the request has no such package."""
        return next((package for package in self.packages if package.id == package_id), None)

    def release(self, release_id: str) -> Release:
        for release in self.releases:
            if release.id == release_id:
                return release
        raise NotFoundError(FootageKey.RELEASE_NOT_FOUND, request=self.id, release=release_id)

    def check_not_expired(self) -> None:
        if self.expired_at is not None:
            raise ConflictError(FootageKey.RECORDS_EXPIRED, request=self.id)

    # ---- serialization

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "created_at": self.created_at.isoformat(), "created_by": self.created_by,
            "created_by_name": self.created_by_name, "requesting_agency_id": self.requesting_agency_id,
            "requester": self.requester.to_dict(), "purpose": self.purpose,
            "incident_type": self.incident_type.value, "legal_basis": self.legal_basis.value,
            "reference": self.reference, "window": self.window.to_dict(),
            "area": None if self.area is None else self.area.to_dict(),
            "parts": [part.to_dict() for part in self.parts],
            "due": None if self.due is None else self.due.isoformat(), "extended": self.extended,
            "due_notice": self.due_notice, "decided_at": _iso(self.decided_at),
            "keep_until": _iso(self.keep_until),
            "legal_hold": None if self.legal_hold is None else self.legal_hold.to_dict(),
            "packages": [package.to_dict() for package in self.packages],
            "releases": [release.to_dict() for release in self.releases],
            "objections": [objection.to_dict() for objection in self.objections],
            "expired_at": _iso(self.expired_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FootageRequest:
        area = data.get("area")
        due = data.get("due")
        hold = data.get("legal_hold")
        return cls(
            id=str(data["id"]), created_at=_required_dt(data["created_at"]),
            created_by=str(data["created_by"]), created_by_name=str(data.get("created_by_name", "")),
            requesting_agency_id=data.get("requesting_agency_id"),
            requester=Requester.from_dict(data["requester"]), purpose=str(data["purpose"]),
            incident_type=IncidentType(data["incident_type"]),
            legal_basis=LegalBasis(data["legal_basis"]), reference=str(data.get("reference", "")),
            window=TimeWindow.from_dict(data["window"]),
            area=None if area is None else SearchArea.from_dict(area),
            parts=[Part.from_dict(item) for item in data["parts"]],
            due=None if due is None else date.fromisoformat(str(due)),
            extended=bool(data.get("extended", False)), due_notice=str(data.get("due_notice", "")),
            decided_at=_dt(data.get("decided_at")), keep_until=_dt(data.get("keep_until")),
            legal_hold=None if hold is None else LegalHold.from_dict(hold),
            packages=[PackageRecord.from_dict(item) for item in data.get("packages", ())],
            releases=[Release.from_dict(item) for item in data.get("releases", ())],
            objections=[Objection.from_dict(item) for item in data.get("objections", ())],
            expired_at=_dt(data.get("expired_at")),
        )

    def view(self, *, reveal: bool, due_state: DueState | None) -> dict[str, Any]:
        """For websocket answers and cards; personal data masked unless `reveal`."""
        return {
            "id": self.id, "state": self.state.value, "created_at": self.created_at.isoformat(),
            "created_by_name": self.created_by_name, "requesting_agency_id": self.requesting_agency_id,
            "requester": self.requester.view(reveal=reveal), "purpose": self.purpose,
            "incident_type": self.incident_type.value, "legal_basis": self.legal_basis.value,
            "reference": self.reference, "window": self.window.to_dict(),
            "area": None if self.area is None else self.area.to_dict(),
            "parts": [part.view() for part in self.parts],
            "due": None if self.due is None else self.due.isoformat(), "extended": self.extended,
            "due_state": None if due_state is None else due_state.value,
            "decided_at": _iso(self.decided_at), "keep_until": _iso(self.keep_until),
            "legal_hold": None if self.legal_hold is None else self.legal_hold.to_dict(),
            "packages": [package.to_dict() for package in self.packages],
            "releases": [release.view() for release in self.releases],
            "objections": [objection.to_dict() for objection in self.objections],
            "expired_at": _iso(self.expired_at),
            "personal_data_visible": reveal,
        }


# ---------------------------------------------------------------------------- permissions


def decide_checks(parts: Iterable[Part]) -> list[tuple[Action, Target]]:
    """Deciding, releasing, extending: decide_footage on the camera of every part concerned."""
    return [(Action.DECIDE_FOOTAGE, CameraTarget(part.camera_id)) for part in parts]


def may_see_personal_data(registry: Registry, actor: Actor, request: FootageRequest, now: datetime) -> bool:
    """City administrators and whoever may decide some part of the request."""
    return actor.is_city_admin or any(
        authorize(registry, actor, Action.DECIDE_FOOTAGE, CameraTarget(part.camera_id), now).allowed
        for part in request.parts
    )


def may_see_request(registry: Registry, actor: Actor, request: FootageRequest, now: datetime) -> bool:
    """The requesting agency, the cameras' owner agencies, deciders and city administrators."""
    if actor.role is None:
        return False
    if actor.is_city_admin:
        return True
    if actor.agency_id is not None and request.involves_agency(actor.agency_id):
        return True
    return may_see_personal_data(registry, actor, request, now)


# ------------------------------------------------------------------------------------- book


def _keep_until(decided_at: datetime, policy: FootagePolicy) -> datetime:
    return decided_at + timedelta(days=policy.evidence_keep_days)


class FootageBook:
    """Every footage request, the yearly numbering and the city's policy."""

    def __init__(self, policy: FootagePolicy | None = None) -> None:
        self.requests: dict[str, FootageRequest] = {}
        self.sequences: dict[int, int] = {}
        self.policy = policy or FootagePolicy()

    def get(self, request_id: str) -> FootageRequest:
        request = self.requests.get(request_id)
        if request is None:
            raise NotFoundError(FootageKey.REQUEST_NOT_FOUND, request=request_id)
        return request

    def open(
        self,
        intake: Intake,
        cameras: Sequence[tuple[CameraRecord, float | None]],
        *,
        actor: Actor,
        now: datetime,
        today: date,
    ) -> FootageRequest:
        """Register a checked intake with its cameras; numbered in the year of `today`."""
        sequence = self.sequences.get(today.year, 0) + 1
        request_id = f"FR-{today.year}-{sequence:04d}"
        parts = [
            Part(
                id=f"P{index}", camera_id=camera.id, camera_name=camera.name,
                owner_agency_id=camera.owner_agency_id, registry_only=camera.is_registry_only,
                distance_m=distance,
                availability=Availability.NO_FEED if camera.is_registry_only else Availability.UNKNOWN,
                preservation=(
                    Preservation.OWNER_CONTACTED if camera.is_registry_only else Preservation.PENDING
                ),
                next_check_at=None if camera.is_registry_only else now,
            )
            for index, (camera, distance) in enumerate(cameras, start=1)
        ]
        due = None
        if intake.legal_basis is LegalBasis.PUBLIC_INFORMATION:
            due = self.policy.calendar().due_date(today)
        request = FootageRequest(
            id=request_id, created_at=now, created_by=actor.user_id,
            created_by_name=actor.name or actor.user_id, requesting_agency_id=actor.agency_id,
            requester=intake.requester, purpose=intake.purpose, incident_type=intake.incident_type,
            legal_basis=intake.legal_basis, reference=intake.reference, window=intake.window,
            area=intake.area, parts=parts, due=due,
        )
        self.sequences[today.year] = sequence
        self.requests[request_id] = request
        return request

    def decide(
        self,
        request_id: str,
        part_ref: str,
        decision: str,
        reason: str,
        note: str,
        *,
        actor: Actor,
        now: datetime,
    ) -> Part:
        request = self.get(request_id)
        request.check_not_expired()
        part = request.part(part_ref)
        outcome = check_choice(Decision, decision, "decision")
        code = check_choice(ReasonCode, reason, "reason")
        note = check_optional_text(note, "note")
        if code not in REASONS[outcome]:
            raise ValidationError(
                FootageKey.REASON_NOT_FOR_DECISION, field="reason", reason=code.value,
                decision=outcome.value,
            )
        if code is ReasonCode.OTHER and not note:
            raise ValidationError(FootageKey.NOTE_REQUIRED, field="note")
        if part.decision is not None:
            raise ConflictError(FootageKey.PART_ALREADY_DECIDED, request=request.id, part=part.id)
        part.decision = PartDecision(
            decision=outcome, reason=code, note=note, decided_by=actor.user_id,
            decided_by_name=actor.name or actor.user_id, agency_id=actor.agency_id, decided_at=now,
        )
        if request.decided_at is None and all(item.decision is not None for item in request.parts):
            request.decided_at = now
            request.keep_until = _keep_until(now, self.policy)
        return part

    def extend_deadline(self, request_id: str, reason: str) -> FootageRequest:
        """The one extension the law allows: 7 more working days, with the reason for it."""
        check_text(reason, "reason", max_length=2000)
        request = self.get(request_id)
        request.check_not_expired()
        if request.due is None:
            raise ConflictError(FootageKey.NO_DEADLINE, request=request.id)
        if request.state is not RequestState.OPEN:
            raise ConflictError(FootageKey.REQUEST_ALREADY_ANSWERED, request=request.id)
        if request.extended:
            raise ConflictError(FootageKey.DEADLINE_ALREADY_EXTENDED, request=request.id)
        request.due = self.policy.calendar().extended_due_date(request.due)
        request.extended = True
        request.due_notice = ""
        return request

    def release_parts(self, request_id: str, part_refs: Sequence[str]) -> list[Part]:
        """The parts a release hands over: those named, else every approved preserved part.

        Each must be approved and preserved by export.
        """
        request = self.get(request_id)
        request.check_not_expired()
        if part_refs:
            parts = list({part.id: part for part in map(request.part, part_refs)}.values())
            for part in parts:
                if not part.approved:
                    raise ConflictError(FootageKey.PART_NOT_APPROVED, part=f"{request.id}/{part.id}")
                if part.preservation is not Preservation.PRESERVED:
                    raise ConflictError(
                        FootageKey.PART_NOT_PRESERVED, part=f"{request.id}/{part.id}",
                        state=part.preservation.value,
                    )
            return parts
        parts = [
            part for part in request.parts
            if part.approved and part.preservation is Preservation.PRESERVED
        ]
        if not parts:
            raise ConflictError(FootageKey.NOTHING_TO_RELEASE, request=request.id)
        return parts

    def add_release(
        self,
        request: FootageRequest,
        package: PackageRecord,
        order: ReleaseOrder,
        *,
        actor: Actor,
        now: datetime,
    ) -> Release:
        release = Release(
            id=f"R{len(request.releases) + 1}", package_id=package.id, part_ids=package.part_ids,
            recipient=order.recipient, organisation=order.organisation,
            released_by=actor.user_id, released_by_name=actor.name or actor.user_id,
            released_at=now, note=order.note,
        )
        request.releases.append(release)
        return release

    def set_hold(self, request_id: str, reason: str, *, actor: Actor, now: datetime) -> FootageRequest:
        request = self.get(request_id)
        request.check_not_expired()
        if request.legal_hold is not None:
            raise ConflictError(FootageKey.ALREADY_ON_HOLD, request=request.id)
        request.legal_hold = LegalHold(check_text(reason, "reason", max_length=2000), actor.user_id, now)
        return request

    def release_hold(self, request_id: str, reason: str = "") -> FootageRequest:
        check_optional_text(reason, "reason", max_length=2000)
        request = self.get(request_id)
        if request.legal_hold is None:
            raise ConflictError(FootageKey.NOT_ON_HOLD, request=request.id)
        request.legal_hold = None
        return request

    def add_objection(
        self,
        request_id: str,
        kind: str,
        part_ref: str | None,
        text: str,
        organisation: str,
        *,
        actor: Actor,
        now: datetime,
    ) -> Objection:
        request = self.get(request_id)
        part_id = None if part_ref is None else request.part(part_ref).id
        objection = Objection(
            id=f"O{len(request.objections) + 1}", kind=check_choice(ObjectionKind, kind, "kind"),
            part_id=part_id, text=check_text(text, "text", max_length=2000),
            organisation=check_optional_text(organisation, "organisation", max_length=200),
            recorded_by=actor.user_id, recorded_at=now,
        )
        request.objections.append(objection)
        return objection

    def expiring(self, now: datetime) -> list[FootageRequest]:
        """Requests due for deletion, unless on legal hold or already expired: those whose
        keep-until date passed, and those never fully decided, `open_request_keep_days` after
        they were made."""
        abandoned_before = now - timedelta(days=self.policy.open_request_keep_days)
        return [
            request for request in self.requests.values()
            if request.expired_at is None and request.legal_hold is None and (
                request.keep_until <= now if request.keep_until is not None
                else request.created_at <= abandoned_before
            )
        ]

    @staticmethod
    def expire(request: FootageRequest, now: datetime) -> None:
        """Erase the personal data; the register entries stay."""
        request.requester = request.requester.erase()
        request.expired_at = now

    def set_policy(self, **changes: Any) -> FootagePolicy:
        self.policy = replace(self.policy, **changes)
        return self.policy

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": [request.to_dict() for request in self.requests.values()],
            "sequences": {str(year): value for year, value in self.sequences.items()},
            "policy": self.policy.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FootageBook:
        try:
            book = cls(FootagePolicy.from_dict(data.get("policy", {})))
            for item in data.get("requests", ()):
                request = FootageRequest.from_dict(item)
                book.requests[request.id] = request
            book.sequences = {int(year): int(value) for year, value in data.get("sequences", {}).items()}
        except (KeyError, TypeError, ValueError, ValidationError) as err:
            raise ValidationError(FootageKey.STORAGE_DAMAGED, detail=repr(err)) from err
        for request_id in book.requests:
            match = _REQUEST_ID.match(request_id)
            if match is None:
                raise ValidationError(FootageKey.STORAGE_DAMAGED, detail=f"request id {request_id}")
            year, sequence = int(match.group(1)), int(match.group(2))
            book.sequences[year] = max(book.sequences.get(year, 0), sequence)
        return book


def migrate(version: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored data of an older version in today's form."""
    if version != STORAGE_VERSION:
        raise ValidationError(FootageKey.STORAGE_VERSION, version=version)
    return dict(data)


# --------------------------------------------------------------------------------- evidence


def part_file_name(request: FootageRequest, part: Part) -> str:
    """The footage file's name inside the package and on disk."""
    return f"{request.id}_{part.id}_{part.camera_id.replace('/', '_')}.mp4"


def manifest_fields(
    request: FootageRequest,
    parts: Sequence[Part],
    *,
    package_id: str,
    city: str,
    agency_names: Mapping[str, str],
    created_at: datetime,
) -> dict[str, Any]:
    """What an evidence package says about itself; personal data stays out."""
    return {
        "package_id": package_id,
        "created_at": created_at.isoformat(),
        "city": city,
        "request": {
            "id": request.id,
            "received_at": request.created_at.isoformat(),
            "legal_basis": request.legal_basis.value,
            "reference": request.reference,
            "incident_type": request.incident_type.value,
            "purpose": request.purpose,
            "requester_kind": request.requester.kind.value,
            "requester_organisation": request.requester.organisation,
            "window": request.window.to_dict(),
        },
        "parts": [
            {
                "part_id": part.id,
                "camera_id": part.camera_id,
                "camera_name": part.camera_name,
                "owner_agency_id": part.owner_agency_id,
                "owner_agency": agency_names.get(part.owner_agency_id, part.owner_agency_id),
                "window": request.window.to_dict(),
                "frigate_server": part.server_id,
                "frigate_export_id": part.export_id,
                "preserved_at": _iso(part.preserved_at),
                "decision": None if part.decision is None else {
                    "decision": part.decision.decision.value,
                    "reason": part.decision.reason.value,
                    "note": part.decision.note,
                    "decided_by": part.decision.decided_by_name,
                    "agency_id": part.decision.agency_id,
                    "decided_at": part.decision.decided_at.isoformat(),
                },
                "file": "files/" + part_file_name(request, part),
            }
            for part in parts
        ],
    }


# --------------------------------------------------------------------------------- register


REGISTER_COLUMNS: Final = (
    "request_id", "entry", "date", "recipient", "organisation", "requester_kind", "legal_basis",
    "reference", "cameras", "window_start", "window_end", "package_id", "package_sha256",
    "by", "reason", "text", "downloads",
)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One line of the disclosure register: a release, a refusal or an objection."""

    request_id: str
    entry: str
    at: datetime
    values: Mapping[str, str]


def disclosure_register(
    requests: Iterable[FootageRequest], since: datetime | None = None, until: datetime | None = None
) -> list[RegisterEntry]:
    """Releases, refusals and objections, oldest first; no identity numbers or contacts."""
    entries: list[RegisterEntry] = []
    for request in requests:
        common = {
            "requester_kind": request.requester.kind.value, "legal_basis": request.legal_basis.value,
            "reference": request.reference, "window_start": request.window.start.isoformat(),
            "window_end": request.window.end.isoformat(),
        }
        packages = {package.id: package for package in request.packages}
        for release in request.releases:
            package = packages.get(release.package_id)
            cameras = [request.part(part_id).camera_id for part_id in release.part_ids]
            entries.append(RegisterEntry(request.id, "release", release.released_at, common | {
                "recipient": release.recipient, "organisation": release.organisation,
                "cameras": " ".join(cameras), "package_id": release.package_id,
                "package_sha256": "" if package is None else package.sha256,
                "by": release.released_by_name, "text": release.note,
                "downloads": str(len(release.downloads)),
            }))
        for part in request.parts:
            if part.decision is not None and part.decision.decision is Decision.REFUSE:
                entries.append(RegisterEntry(request.id, "refusal", part.decision.decided_at, common | {
                    "organisation": request.requester.organisation, "cameras": part.camera_id,
                    "by": part.decision.decided_by_name, "reason": part.decision.reason.value,
                    "text": part.decision.note,
                }))
        for objection in request.objections:
            camera = "" if objection.part_id is None else request.part(objection.part_id).camera_id
            entries.append(RegisterEntry(request.id, f"objection:{objection.kind.value}",
                                         objection.recorded_at, common | {
                "organisation": objection.organisation, "cameras": camera,
                "by": objection.recorded_by, "text": objection.text,
            }))
    entries = [
        entry for entry in entries
        if (since is None or entry.at >= since) and (until is None or entry.at < until)
    ]
    entries.sort(key=lambda entry: (entry.at, entry.request_id))
    return entries


def _cell(value: str) -> str:
    """A spreadsheet must show text, never run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_register_csv(entries: Sequence[RegisterEntry], out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(REGISTER_COLUMNS)
    for entry in entries:
        row = {"request_id": entry.request_id, "entry": entry.entry, "date": entry.at.isoformat()}
        row |= {key: _cell(value) for key, value in entry.values.items()}
        writer.writerow([row.get(column, "") for column in REGISTER_COLUMNS])
    return len(entries)
