"""The footage request domain: intake checks, cameras, permissions, decisions, releases, expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import io
from typing import Any

import pytest

from custom_components.ncc.core.errors import (
    ErrorKey,
    NccError,
    ValidationError,
)
from custom_components.ncc.core.footage import (
    REPAIR_AFTER_ATTEMPTS,
    Availability,
    CameraChoice,
    Decision,
    Download,
    FootageBook,
    FootageKey,
    FootagePolicy,
    FootageRequest,
    IncidentType,
    Intake,
    LegalBasis,
    Link,
    PackageRecord,
    Part,
    Preservation,
    ReleaseOrder,
    Requester,
    RequesterKind,
    RequestState,
    SearchArea,
    TimeWindow,
    assess_footage,
    check_guardrails,
    decide_checks,
    disclosure_register,
    intake_cameras,
    intake_checks,
    manifest_fields,
    mask_email,
    mask_identity,
    mask_phone,
    may_see_personal_data,
    may_see_request,
    migrate,
    requestable_cameras,
    retry_delay,
    suggest_cameras,
    write_register_csv,
)
from custom_components.ncc.core.geo import camera_location
from custom_components.ncc.core.grants import GrantScope, Privilege
from custom_components.ncc.core.operators import Role
from custom_components.ncc.core.permissions import Action, Actor, CameraTarget, actor_for
from custom_components.ncc.core.registry import Registry
from custom_components.ncc.core.workdays import DueState

from ..core.factories import T0, Clock, small_city

NOW = T0 + timedelta(hours=2)
WINDOW = TimeWindow(NOW - timedelta(hours=1), NOW - timedelta(minutes=30))
NIK = "3507 1234 5678 9012"
# a point at the Alun-alun site of the small city
ALUN_ALUN = (-7.4722, 112.4338)


def requester(**changes: Any) -> Requester:
    fields: dict[str, Any] = {
        "name": "Budi Santoso", "kind": RequesterKind.CITIZEN, "identity_number": NIK,
        "organisation": "", "phone": "+62 812-3456-7890", "email": "budi@example.id",
    }
    return Requester(**(fields | changes))


def intake(**changes: Any) -> Intake:
    fields: dict[str, Any] = {
        "requester": requester(), "purpose": "Kecelakaan motor di simpang",
        "incident_type": IncidentType.TRAFFIC_ACCIDENT, "legal_basis": LegalBasis.DATA_SUBJECT,
        "window": WINDOW, "camera_ids": ("srv1/gate",),
    }
    return Intake(**(fields | changes))


def error_key(call: Any) -> str:
    with pytest.raises(NccError) as caught:
        call()
    return str(caught.value.key)


@pytest.fixture
def city() -> Registry:
    registry = small_city(Clock(NOW))
    registry.set_operator("ani", agency_id="dishub", role=Role.AGENCY_ADMIN, name="Ani")
    registry.set_operator("dedi", agency_id="dishub", role=Role.OPERATOR, name="Dedi")
    registry.set_operator("polisi", agency_id="polres", role=Role.OPERATOR, name="Bripka Agus")
    registry.set_operator("mall", agency_id="mall", role=Role.AGENCY_ADMIN, name="Mall admin")
    registry.add_registry_camera(
        name="Mall Lobby", owner_agency_id="mall", purpose="private_premises",  # type: ignore[arg-type]
        area_type="private_facing_public", site_id="alun-alun",  # type: ignore[arg-type]
    )
    return registry


def actor(registry: Registry, user_id: str) -> Actor:
    return actor_for(registry, user_id, user_id == "admin", user_id.title())


# ------------------------------------------------------------------------------- intake


def test_requester_checks_and_normalises_personal_data() -> None:
    person = requester()
    assert person.identity_number == "3507123456789012"
    assert NIK.replace(" ", "") not in repr(person)
    assert "example.id" not in repr(person)
    assert error_key(lambda: requester(identity_number="")) == ErrorKey.FIELD_REQUIRED
    assert error_key(lambda: requester(identity_number="12")) == FootageKey.INVALID_IDENTITY_NUMBER
    assert error_key(lambda: requester(phone="call me")) == FootageKey.INVALID_PHONE
    assert error_key(lambda: requester(email="nope")) == FootageKey.INVALID_EMAIL
    assert error_key(lambda: requester(phone="", email="")) == FootageKey.CONTACT_REQUIRED
    assert error_key(lambda: requester(name=" ")) == ErrorKey.FIELD_REQUIRED
    assert error_key(lambda: requester(kind="alien")) == ErrorKey.INVALID_CHOICE
    # the refusal never repeats the personal data it refused
    with pytest.raises(ValidationError) as caught:
        requester(phone="0812-INVALID")
    assert "0812" not in str(caught.value)


def test_masking_keeps_only_a_hint() -> None:
    assert mask_identity("3507123456789012") == "************9012"
    assert mask_identity("AB12") == "****"
    assert mask_phone("+62 812-3456-7890") == "+** ***-****-**90"
    assert mask_email("budi@example.id") == "b***@example.id"
    assert mask_email("") == ""
    assert mask_email("odd") == "***"
    view = requester().view(reveal=False)
    assert view["masked"] is True
    assert view["identity_number"] == "************9012"
    assert "3456" not in view["phone"]
    assert requester().view(reveal=True)["identity_number"] == "3507123456789012"
    erased = requester().erase()
    assert erased.erased
    assert erased.identity_number == erased.phone == erased.email == erased.name == ""
    assert erased.view(reveal=False)["masked"] is False


def test_intake_checks_its_fields() -> None:
    assert error_key(lambda: intake(purpose="")) == ErrorKey.FIELD_REQUIRED
    assert error_key(lambda: intake(legal_basis="magic")) == ErrorKey.INVALID_CHOICE
    assert error_key(lambda: intake(legal_basis=LegalBasis.LAW_ENFORCEMENT)) == FootageKey.REFERENCE_REQUIRED
    court = intake(legal_basis=LegalBasis.COURT_ORDER, reference=" 12/Pid.B/2026 ")
    assert court.reference == "12/Pid.B/2026"
    assert error_key(lambda: intake(camera_ids=())) == FootageKey.CAMERAS_OR_AREA
    assert error_key(lambda: intake(camera_ids=("nope",))) == ErrorKey.INVALID_CAMERA_ID
    assert intake(camera_ids=("srv1/gate", "srv1/gate", "srv1/road")).camera_ids == ("srv1/gate", "srv1/road")
    naive = datetime(2025, 8, 17, 8, 0)
    assert error_key(lambda: TimeWindow(naive, naive + timedelta(hours=1))) == ErrorKey.DATETIME_NOT_AWARE
    assert error_key(lambda: TimeWindow(NOW, NOW)) == FootageKey.WINDOW_ORDER
    assert error_key(lambda: SearchArea(-7.4, 112.4, 0)) == ErrorKey.INVALID_RADIUS
    assert error_key(lambda: SearchArea(-97, 112.4, 10)) == ErrorKey.INVALID_LATITUDE


def test_guardrails_follow_the_city_policy() -> None:
    policy = FootagePolicy()
    check_guardrails(intake(), policy, NOW)
    future = TimeWindow(NOW, NOW + timedelta(minutes=5))
    assert error_key(lambda: check_guardrails(intake(window=future), policy, NOW)) == (
        FootageKey.WINDOW_IN_FUTURE
    )
    # a device clock a little ahead is tolerated
    ahead = TimeWindow(NOW - timedelta(minutes=5), NOW + timedelta(seconds=30))
    check_guardrails(intake(window=ahead), policy, NOW)
    long = TimeWindow(NOW - timedelta(hours=3), NOW)
    assert error_key(lambda: check_guardrails(intake(window=long), policy, NOW)) == FootageKey.WINDOW_TOO_LONG
    check_guardrails(intake(window=long), FootagePolicy(max_window_minutes=180), NOW)
    wide = intake(camera_ids=(), area=SearchArea(*ALUN_ALUN, 800))
    assert error_key(lambda: check_guardrails(wide, policy, NOW)) == FootageKey.RADIUS_TOO_LARGE


def test_policy_values_are_bounded_and_round_trip() -> None:
    assert error_key(lambda: FootagePolicy(max_window_minutes=0)) == FootageKey.POLICY_VALUE_INVALID
    assert error_key(lambda: FootagePolicy(link_valid_hours=True)) == FootageKey.POLICY_VALUE_INVALID  # type: ignore[arg-type]
    policy = FootagePolicy(max_radius_m=300, extra_days_off=(date(2026, 3, 20), date(2026, 3, 20)))
    assert policy.extra_days_off == (date(2026, 3, 20),)
    assert FootagePolicy.from_dict(policy.to_dict()) == policy
    assert not policy.calendar().is_working_day(date(2026, 3, 20))


# ------------------------------------------------------------------------------- cameras


def test_requestable_cameras_follow_roles_and_grants(city: Registry) -> None:
    assert {camera.id for camera in requestable_cameras(city, actor(city, "admin"), NOW)} == set(city.cameras)
    assert {camera.id for camera in requestable_cameras(city, actor(city, "dedi"), NOW)} == {
        "srv1/gate", "srv1/road", "registry/kiosk",
    }
    police = actor(city, "polisi")
    assert requestable_cameras(city, police, NOW) == []
    city.create_grant(owner_agency_id="dishub", grantee_agency_id="polres",
                      privileges=[Privilege.REQUEST_EXPORT], scope=GrantScope.CAMERA,
                      scope_id="srv1/gate", created_by="ani")
    assert [camera.id for camera in requestable_cameras(city, police, NOW)] == ["srv1/gate"]


def test_cameras_near_a_place_are_those_the_caller_may_request(city: Registry) -> None:
    area = SearchArea(*ALUN_ALUN, 300)
    found = suggest_cameras(city, actor(city, "admin"), area, NOW)
    # the registry-only cameras at the same site come too
    assert {camera.id for camera, _ in found} == {"srv1/gate", "registry/kiosk", "registry/mall-lobby"}
    assert all(distance < 1 for _, distance in found)
    mine = intake_cameras(city, actor(city, "dedi"), intake(camera_ids=(), area=area), FootagePolicy(), NOW)
    assert {choice.camera_id for choice in mine} == {"srv1/gate", "registry/kiosk"}
    assert all(choice.distance_m is not None for choice in mine)
    assert intake_checks(mine) == [(Action.REQUEST_EXPORT, CameraTarget(c.camera_id)) for c in mine]
    nothing = intake(camera_ids=(), area=area)
    assert error_key(lambda: intake_cameras(city, actor(city, "polisi"), nothing, FootagePolicy(), NOW)) == (
        FootageKey.NO_CAMERAS_IN_AREA
    )
    few = FootagePolicy(max_cameras=1)
    assert error_key(lambda: intake_cameras(city, actor(city, "dedi"), nothing, few, NOW)) == (
        FootageKey.TOO_MANY_CAMERAS
    )
    named = intake_cameras(city, actor(city, "polisi"), intake(), FootagePolicy(), NOW)
    assert named == [CameraChoice("srv1/gate")]
    # cameras ticked around a place keep their distance from it; one with no known place has none
    north = SearchArea(ALUN_ALUN[0] + 0.01, ALUN_ALUN[1], 300)
    ticked = intake(camera_ids=("srv1/gate", "registry/kiosk"), area=north)
    admin = actor(city, "admin")
    distances = [choice.distance_m for choice in intake_cameras(city, admin, ticked, FootagePolicy(), NOW)]
    assert distances[0] is not None
    assert 1_100 < distances[0] < 1_125  # 0.01° of latitude
    assert distances[1] == distances[0]  # the same site
    placeless = city.add_registry_camera(
        name="Warung", owner_agency_id="mall", purpose="private_premises",  # type: ignore[arg-type]
        area_type="private_facing_public",  # type: ignore[arg-type]
    ).id
    assert camera_location(city, city.cameras[placeless]) is None
    far = intake(camera_ids=(placeless,), area=SearchArea(*ALUN_ALUN, 300))
    assert intake_cameras(city, actor(city, "admin"), far, FootagePolicy(), NOW) == [CameraChoice(placeless)]


# --------------------------------------------------------------------------- preservation


def test_assessing_the_footage_of_a_window() -> None:
    start, end = WINDOW.start.timestamp(), WINDOW.end.timestamp()
    full = assess_footage(WINDOW, NOW, 10, [])
    assert full.availability is Availability.AVAILABLE
    assert full.recorded_s == 1800
    assert full.overwrite_at == WINDOW.start + timedelta(days=10)
    # less than one 30 s bucket missing counts as all there
    assert assess_footage(WINDOW, NOW, 10, [(start, start + 20)]).availability is Availability.AVAILABLE
    partial = assess_footage(WINDOW, NOW, 10, [(start - 100, start + 600), (start + 300, start + 900)])
    assert partial.availability is Availability.PARTIAL
    assert partial.recorded_s == 900
    gap = assess_footage(WINDOW, NOW, 10, [(start - 60, end + 60)])
    assert gap.availability is Availability.NO_RECORDINGS
    old = TimeWindow(NOW - timedelta(days=11), NOW - timedelta(days=11) + timedelta(minutes=30))
    gone = assess_footage(old, NOW, 10, [(old.start.timestamp(), old.end.timestamp())])
    assert gone.availability is Availability.OVERWRITTEN
    unknown = assess_footage(old, NOW, None, [(old.start.timestamp(), old.end.timestamp())])
    assert unknown.availability is Availability.NO_RECORDINGS
    assert unknown.overwrite_at is None


def test_retry_delays_grow_to_a_cap() -> None:
    base, cap = timedelta(seconds=30), timedelta(minutes=30)
    assert [retry_delay(n, base, cap).total_seconds() for n in (0, 1, 2, 3, 7, 60)] == [
        30, 30, 60, 120, 1800, 1800,
    ]


# ------------------------------------------------------------------------------- requests


def open_request(
    book: FootageBook, city: Registry, camera_ids: tuple[str, ...], **changes: Any
) -> FootageRequest:
    cameras = [(city.get_camera(camera_id), None) for camera_id in camera_ids]
    return book.open(intake(camera_ids=camera_ids, **changes), cameras, actor=actor(city, "polisi"),
                     now=NOW, today=NOW.date())


def test_opening_numbers_per_year_and_splits_per_camera(city: Registry) -> None:
    book = FootageBook()
    first = open_request(book, city, ("srv1/gate", "registry/mall-lobby"))
    assert first.id == "FR-2025-0001"
    assert first.requesting_agency_id == "polres"
    assert [(part.id, part.owner_agency_id, part.preservation) for part in first.parts] == [
        ("P1", "dishub", Preservation.PENDING), ("P2", "mall", Preservation.OWNER_CONTACTED),
    ]
    assert first.parts[1].availability is Availability.NO_FEED
    assert first.owner_agency_ids == ["dishub", "mall"]
    assert first.due is None
    assert first.state is RequestState.OPEN
    assert open_request(book, city, ("srv1/road",)).id == "FR-2025-0002"
    next_year = book.open(intake(), [(city.get_camera("srv1/gate"), None)], actor=actor(city, "admin"),
                          now=NOW, today=date(2026, 1, 2))
    assert next_year.id == "FR-2026-0001"
    assert next_year.requesting_agency_id is None
    public = open_request(book, city, ("srv1/gate",), legal_basis=LegalBasis.PUBLIC_INFORMATION)
    assert public.due == FootagePolicy().calendar().due_date(NOW.date())
    assert public.part("srv1/gate") is public.parts[0]
    assert error_key(lambda: public.part("P9")) == FootageKey.PART_NOT_FOUND
    assert error_key(lambda: book.get("FR-1999-0001")) == FootageKey.REQUEST_NOT_FOUND


def test_decisions_per_part_and_who_may_make_them(city: Registry) -> None:
    book = FootageBook()
    request = open_request(book, city, ("srv1/gate", "registry/mall-lobby"))
    ani, mall, dedi = actor(city, "ani"), actor(city, "mall"), actor(city, "dedi")
    assert decide_checks([request.parts[0]]) == [(Action.DECIDE_FOOTAGE, CameraTarget("srv1/gate"))]
    assert may_see_personal_data(city, ani, request, NOW)
    assert may_see_personal_data(city, mall, request, NOW)
    assert not may_see_personal_data(city, dedi, request, NOW)
    assert not may_see_personal_data(city, actor(city, "polisi"), request, NOW)
    assert may_see_request(city, dedi, request, NOW)  # an owner agency's operator
    assert may_see_request(city, actor(city, "polisi"), request, NOW)  # the requesting agency
    assert may_see_request(city, actor(city, "admin"), request, NOW)
    city.create_agency(code="DINKES", name="Dinas Kesehatan", kind="city_department")  # type: ignore[arg-type]
    city.set_operator("nurse", agency_id="dinkes", role=Role.AGENCY_ADMIN)
    assert not may_see_request(city, actor(city, "nurse"), request, NOW)
    assert not may_see_request(city, Actor(user_id="nobody"), request, NOW)

    refuse = Decision.REFUSE.value
    def decide(decision: str, reason: str, note: str = "") -> Part:
        return book.decide(request.id, "P1", decision, reason, note, actor=ani, now=NOW)

    assert error_key(lambda: decide(refuse, "legal_obligation")) == FootageKey.REASON_NOT_FOR_DECISION
    assert error_key(lambda: decide(refuse, "other")) == FootageKey.NOTE_REQUIRED
    assert error_key(lambda: decide("maybe", "other", "x")) == ErrorKey.INVALID_CHOICE
    assert request.parts[0].decision is None
    part = book.decide(request.id, "srv1/gate", "approve", "legal_obligation", "LP/123", actor=ani, now=NOW)
    assert part.approved
    assert part.decision is not None
    assert part.decision.agency_id == "dishub"
    assert request.decided_at is None
    assert request.state is RequestState.OPEN
    assert error_key(lambda: decide(refuse, "not_relevant")) == FootageKey.PART_ALREADY_DECIDED
    later = NOW + timedelta(hours=1)
    book.decide(request.id, "P2", refuse, "third_party_privacy", "", actor=mall, now=later)
    assert request.decided_at == later
    assert request.keep_until == later + timedelta(days=30)
    # approved, but its footage is not preserved by export yet: nothing to hand over
    assert request.state is RequestState.CLOSED
    request.parts[0].preservation = Preservation.PRESERVED
    assert request.state is RequestState.DECIDED


def test_deadlines_extend_once_and_only_while_open(city: Registry) -> None:
    book = FootageBook()
    plain = open_request(book, city, ("srv1/gate",))
    assert error_key(lambda: book.extend_deadline(plain.id, "x")) == FootageKey.NO_DEADLINE
    assert error_key(lambda: book.extend_deadline(plain.id, " ")) == ErrorKey.FIELD_REQUIRED
    public = open_request(book, city, ("srv1/gate",), legal_basis=LegalBasis.PUBLIC_INFORMATION)
    due = public.due
    assert due is not None
    calendar = book.policy.calendar()
    assert public.due_state(calendar, NOW.date(), 2) is DueState.ON_TIME
    assert public.due_state(calendar, due + timedelta(days=1), 2) is DueState.OVERDUE
    public.due_notice = "overdue:x"
    book.extend_deadline(public.id, "Rekaman perlu disamarkan")
    assert public.due == calendar.extended_due_date(due)
    assert public.extended
    assert public.due_notice == ""
    assert error_key(lambda: book.extend_deadline(public.id, "x")) == FootageKey.DEADLINE_ALREADY_EXTENDED
    other = open_request(book, city, ("srv1/gate",), legal_basis=LegalBasis.PUBLIC_INFORMATION)
    book.decide(other.id, "P1", "refuse", "exempt_information", "", actor=actor(city, "ani"), now=NOW)
    assert other.due_state(calendar, NOW.date(), 2) is None
    assert error_key(lambda: book.extend_deadline(other.id, "x")) == FootageKey.REQUEST_ALREADY_ANSWERED


def test_what_a_release_may_hand_over(city: Registry) -> None:
    book = FootageBook()
    request = open_request(book, city, ("srv1/gate", "srv1/road"))
    ani = actor(city, "ani")
    assert error_key(lambda: book.release_parts(request.id, [])) == FootageKey.NOTHING_TO_RELEASE
    assert error_key(lambda: book.release_parts(request.id, ["P1"])) == FootageKey.PART_NOT_APPROVED
    book.decide(request.id, "P1", "approve", "legal_obligation", "", actor=ani, now=NOW)
    assert error_key(lambda: book.release_parts(request.id, ["P1"])) == FootageKey.PART_NOT_PRESERVED
    request.parts[0].preservation = Preservation.PRESERVED
    assert book.release_parts(request.id, []) == [request.parts[0]]
    assert book.release_parts(request.id, ["P1", "srv1/gate"]) == [request.parts[0]]
    package = PackageRecord("FR-2025-0001-E1", ("P1",), "FR-2025-0001-E1.zip", "ab" * 32, 10, NOW)
    request.packages.append(package)
    assert error_key(lambda: ReleaseOrder(recipient=" ")) == ErrorKey.FIELD_REQUIRED
    assert error_key(lambda: ReleaseOrder(recipient="x", valid_hours=0)) == FootageKey.LINK_HOURS_INVALID
    release = book.add_release(request, package, ReleaseOrder("AKP Sari", "Satlantas"), actor=ani, now=NOW)
    assert release.id == "R1"
    assert release.part_ids == ("P1",)
    assert request.release("R1") is release
    assert error_key(lambda: request.release("R9")) == FootageKey.RELEASE_NOT_FOUND


def test_holds_objections_and_expiry(city: Registry) -> None:
    book = FootageBook(FootagePolicy(evidence_keep_days=1))
    request = open_request(book, city, ("srv1/gate",))
    admin, ani = actor(city, "admin"), actor(city, "ani")
    assert error_key(lambda: book.release_hold(request.id)) == FootageKey.NOT_ON_HOLD
    assert error_key(lambda: book.release_hold(request.id, "x" * 2001)) == ErrorKey.TEXT_TOO_LONG
    book.set_hold(request.id, "Perkara 12/Pid/2026", actor=admin, now=NOW)
    again = FootageKey.ALREADY_ON_HOLD
    assert error_key(lambda: book.set_hold(request.id, "again", actor=admin, now=NOW)) == again
    book.decide(request.id, "P1", "refuse", "no_legal_basis", "", actor=ani, now=NOW)
    objection = book.add_objection(request.id, "against_refusal", "srv1/gate", "Keberatan pemohon",
                                   "LBH", actor=ani, now=NOW)
    assert objection.id == "O1"
    assert objection.part_id == "P1"
    assert error_key(lambda: book.add_objection(request.id, "nope", None, "x", "", actor=ani, now=NOW)) == (
        ErrorKey.INVALID_CHOICE
    )
    after = NOW + timedelta(days=2)
    assert book.expiring(after) == []  # on hold
    book.release_hold(request.id)
    assert book.expiring(after) == [request]
    book.expire(request, after)
    assert request.state is RequestState.EXPIRED
    assert request.requester.identity_number == ""
    assert request.requester.phone == ""
    assert request.requester.kind is RequesterKind.CITIZEN
    assert book.expiring(after) == []
    late = lambda: book.decide(request.id, "P1", "approve", "other", "x", actor=ani, now=after)  # noqa: E731
    assert error_key(late) == FootageKey.RECORDS_EXPIRED


def test_requests_never_fully_decided_expire_after_the_open_request_period(city: Registry) -> None:
    assert FootagePolicy().open_request_keep_days == 90
    assert error_key(lambda: FootagePolicy(open_request_keep_days=29)) == FootageKey.POLICY_VALUE_INVALID
    book = FootageBook(FootagePolicy(open_request_keep_days=30, evidence_keep_days=60))
    abandoned = open_request(book, city, ("srv1/gate",))
    half = open_request(book, city, ("srv1/gate", "registry/kiosk"))
    held = open_request(book, city, ("srv1/gate",))
    decided = open_request(book, city, ("srv1/gate",))
    ani, admin = actor(city, "ani"), actor(city, "admin")
    book.decide(half.id, "P1", "approve", "legal_obligation", "", actor=ani, now=NOW)
    book.set_hold(held.id, "Perkara 7/Pid/2026", actor=admin, now=NOW)
    book.decide(decided.id, "P1", "refuse", "not_relevant", "", actor=ani, now=NOW + timedelta(days=1))
    assert book.expiring(NOW + timedelta(days=30) - timedelta(seconds=1)) == []
    # undecided (in full or in part) and not on hold: gone after 30 days; a decided request
    # keeps its own keep-until date
    assert book.expiring(NOW + timedelta(days=30)) == [abandoned, half]
    assert book.expiring(NOW + timedelta(days=61)) == [abandoned, half, decided]
    book.release_hold(held.id)
    assert held in book.expiring(NOW + timedelta(days=30))


def test_the_book_round_trips_and_refuses_damaged_data(city: Registry) -> None:
    book = FootageBook(FootagePolicy(max_cameras=5))
    request = open_request(book, city, ("srv1/gate", "registry/kiosk"), area=SearchArea(*ALUN_ALUN, 100),
                           legal_basis=LegalBasis.PUBLIC_INFORMATION)
    ani = actor(city, "ani")
    book.decide(request.id, "P1", "approve", "public_interest", "", actor=ani, now=NOW)
    request.parts[0].preservation = Preservation.PRESERVED
    request.parts[0].export_id = "gate_abc123"
    request.parts[0].retained_event_ids = ("1.0-abc",)
    package = PackageRecord(f"{request.id}-E1", ("P1",), "x.zip", "00" * 32, 1, NOW)
    request.packages.append(package)
    release = book.add_release(request, package, ReleaseOrder("AKP Sari"), actor=ani, now=NOW)
    release.links.append(Link("secret-link-id-123456", NOW, NOW + timedelta(hours=1), "ani"))
    release.downloads.append(Download(NOW, "secret-link-id-123456", "127.0.0.1"))
    book.set_hold(request.id, "perkara", actor=ani, now=NOW)
    book.add_objection(request.id, "data_subject", None, "Saya keberatan", "", actor=ani, now=NOW)
    data = book.to_dict()
    again = FootageBook.from_dict(migrate(1, data))
    assert again.to_dict() == data
    # the numbering continues from the stored ids even without the sequence table
    data.pop("sequences")
    assert FootageBook.from_dict(data).sequences == {2025: 1}
    view = again.get(request.id).view(reveal=False, due_state=DueState.ON_TIME)
    assert view["requester"]["identity_number"].endswith("9012")
    assert view["requester"]["masked"]
    assert view["due_state"] == "on_time"
    assert "secret-link-id" not in str(view)
    with pytest.raises(ValidationError) as damaged:
        FootageBook.from_dict({"requests": [{"id": "FR-2025-0001"}]})
    assert damaged.value.key is FootageKey.STORAGE_DAMAGED
    broken = book.to_dict()
    broken["requests"][0]["id"] = "bad-id"
    with pytest.raises(ValidationError):
        FootageBook.from_dict(broken)
    with pytest.raises(ValidationError) as version:
        migrate(7, data)
    assert version.value.key is FootageKey.STORAGE_VERSION


def test_part_flags() -> None:
    part = Part("P1", "srv1/gate", "Gate", "dishub", registry_only=False)
    assert part.server_id == "srv1"
    assert part.frigate_name == "gate"
    assert not part.failing
    assert not part.needs_cleanup
    part.attempts = REPAIR_AFTER_ATTEMPTS
    assert part.failing
    assert part.view()["failing"]
    part.export_id = "gate_x"
    assert part.needs_cleanup
    part.cleaned_up = True
    assert not part.needs_cleanup
    assert Part("P2", "registry/kiosk", "Kiosk", "dishub", registry_only=True).server_id is None


# ---------------------------------------------------------------------- evidence, register


def test_the_manifest_and_the_register_carry_no_identity_numbers_or_contacts(city: Registry) -> None:
    book = FootageBook()
    request = open_request(book, city, ("srv1/gate", "srv1/road"), legal_basis=LegalBasis.COURT_ORDER,
                           reference="=HYPERLINK(1)", requester=requester(organisation="PN Mojokerto"))
    ani = actor(city, "ani")
    book.decide(request.id, "P1", "approve", "legal_obligation", "", actor=ani, now=NOW)
    book.decide(request.id, "P2", "refuse", "not_relevant", "arah kamera", actor=ani,
                now=NOW + timedelta(minutes=1))
    request.parts[0].preservation = Preservation.PRESERVED
    request.parts[0].export_id = "gate_x"
    manifest = manifest_fields(request, [request.parts[0]], package_id="E1", city="Kota Mojokerto",
                               agency_names={"dishub": "Dinas Perhubungan"}, created_at=NOW)
    text = str(manifest)
    for secret in ("3507123456789012", "812", "budi@example.id", "Budi"):
        assert secret not in text
    assert manifest["parts"][0]["frigate_export_id"] == "gate_x"
    assert manifest["parts"][0]["owner_agency"] == "Dinas Perhubungan"
    assert manifest["parts"][0]["file"] == "files/FR-2025-0001_P1_srv1_gate.mp4"
    package = PackageRecord("E1", ("P1",), "E1.zip", "cd" * 32, 5, NOW)
    request.packages.append(package)
    book.add_release(request, package, ReleaseOrder("-AKP Sari", "Satlantas"), actor=ani,
                     now=NOW + timedelta(minutes=2))
    book.add_objection(request.id, "against_refusal", "P2", "Minta ditinjau", "PN", actor=ani,
                       now=NOW + timedelta(minutes=3))
    entries = disclosure_register(book.requests.values())
    assert [entry.entry for entry in entries] == ["refusal", "release", "objection:against_refusal"]
    assert disclosure_register(book.requests.values(), since=NOW + timedelta(minutes=2),
                               until=NOW + timedelta(minutes=3))[0].entry == "release"
    out = io.StringIO()
    assert write_register_csv(entries, out) == 3
    csv_text = out.getvalue()
    assert "3507123456789012" not in csv_text
    assert "budi@" not in csv_text
    assert "'-AKP Sari" in csv_text
    assert "'=HYPERLINK(1)" in csv_text
    assert csv_text.splitlines()[0].startswith("request_id,entry,date,recipient")
    assert datetime.fromisoformat(entries[0].values["window_start"]).tzinfo == UTC
