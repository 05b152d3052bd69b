"""The registration domain: applications, every transition and refusal, numbering, storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
import json
from pathlib import Path
import re
from typing import Any

import pytest

from custom_components.ncc.core.agencies import Contact
from custom_components.ncc.core.cameras import AreaType
from custom_components.ncc.core.errors import (
    ConflictError,
    ErrorKey,
    NccError,
    NotFoundError,
    ValidationError,
)
from custom_components.ncc.core.grants import Privilege
from custom_components.ncc.core.registration import (
    ALLOWED_FROM,
    TIER_PRIVILEGES,
    Application,
    CityBounds,
    OwnerServer,
    Party,
    RegisteredCamera,
    Registration,
    RegistrationBook,
    RegistrationKey,
    RegistrationState,
    SharingTier,
    StreamSource,
    Transition,
    activate,
    approve,
    default_agency_code,
    ends_soon,
    expire,
    expiry_reminder_due,
    is_over,
    joined,
    left,
    reject,
    reminder_sent,
    renew,
    resume,
    start_review,
    submit,
    suspend,
    withdraw,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
MOJOKERTO = CityBounds(south=-7.50, west=112.40, north=-7.44, east=112.46)
SECRET = "s3cret-Pa55"
COMPONENT = Path(__file__).parents[2] / "custom_components" / "ncc"
State = RegistrationState


def camera(name: str = "Parkir Depan", **changes: Any) -> RegisteredCamera:
    values: dict[str, Any] = {
        "name": name, "views": "Jl. Gajah Mada and the car park entrance",
        "covers_public_area": True, "area_type": AreaType.PUBLIC_ROAD, "bearing": 90,
        "retention_days": 14,
    }
    values.update(changes)
    return RegisteredCamera(**values)


def application(tier: SharingTier = SharingTier.REGISTRY, **changes: Any) -> Application:
    cameras = changes.pop("cameras", None)
    if cameras is None:
        if tier.uses_owner_server:
            cameras = (camera(frigate_camera="parkir_depan"), camera("Lobi", covers_public_area=False,
                       area_type=None, frigate_camera="lobi"))
        elif tier.uses_streams:
            cameras = (camera(stream=StreamSource("rtsp://10.0.0.5:554/stream1", "viewer", SECRET)),)
        else:
            cameras = (camera(),)
    values: dict[str, Any] = {
        "business_name": "Sunrise Mall",
        "legal_entity": "PT Sunrise Abadi",
        "contact": Contact(name="Rina Wati", role="Manajer gedung", phone="+62 321 555 123",
                           email="rina@sunrise.co.id"),
        "address": "Jl. Gajah Mada 1",
        "latitude": -7.47,
        "longitude": 112.43,
        "cameras": cameras,
        "tier": tier,
        "valid_from": date(2026, 3, 1),
        "valid_until": date(2027, 2, 28),
        "consent_version": "2026-01",
        "owner_server": OwnerServer("https://10.0.0.9:8971", "ncc", SECRET, verify_ssl=False)
        if isinstance(tier, SharingTier) and tier.uses_owner_server else None,
    }
    values.update(changes)
    return Application(**values)


def filed(tier: SharingTier = SharingTier.REGISTRY, **changes: Any) -> Registration:
    return submit(application(tier, **changes), number="REG-2026-0001", now=NOW, by="desk",
                  today=TODAY, bounds=MOJOKERTO)


def in_state(state: RegistrationState, tier: SharingTier = SharingTier.REGISTRY) -> Registration:
    """A registration walked through the ordinary path to `state`."""
    registration = filed(tier)
    path: list[RegistrationState] = {
        State.SUBMITTED: [],
        State.UNDER_REVIEW: [State.UNDER_REVIEW],
        State.APPROVED: [State.UNDER_REVIEW, State.APPROVED],
        State.REJECTED: [State.UNDER_REVIEW, State.REJECTED],
        State.ACTIVE: [State.UNDER_REVIEW, State.APPROVED, State.ACTIVE],
        State.SUSPENDED: [State.UNDER_REVIEW, State.APPROVED, State.ACTIVE, State.SUSPENDED],
        State.EXPIRED: [State.UNDER_REVIEW, State.APPROVED, State.ACTIVE, State.EXPIRED],
        State.WITHDRAWN: [State.WITHDRAWN],
    }[state]
    for step in path:
        if step is State.UNDER_REVIEW:
            registration = start_review(registration, now=NOW, by="admin")
        elif step is State.APPROVED:
            registration = approve(registration, now=NOW, by="admin", today=TODAY)
            registration = joined(registration, agency_id="sunrise_mall", site_id="sunrise-mall",
                                  server_id=None,
                                  camera_ids=[f"registry/c{n}" for n in range(len(registration.cameras))])
        elif step is State.REJECTED:
            registration = reject(registration, now=NOW, by="admin", reason="blurred")
        elif step is State.ACTIVE:
            registration = activate(registration, now=NOW, by="admin")
        elif step is State.SUSPENDED:
            registration = suspend(registration, now=NOW, by="admin", reason="works", party=Party.OWNER)
        elif step is State.EXPIRED:
            registration = expire(registration, now=NOW, today=date(2027, 3, 1))
        else:
            registration = withdraw(registration, now=NOW, by="owner")
    assert registration.state is state
    return registration


def assert_key(err: pytest.ExceptionInfo[NccError], key: object) -> None:
    assert err.value.key == key, (err.value.key, err.value.placeholders)


# --- applications ------------------------------------------------------------------------------


def test_a_good_application_is_filed_with_its_number_and_history() -> None:
    registration = filed()
    assert registration.id == "REG-2026-0001"
    assert registration.state is State.SUBMITTED
    assert registration.submitted_at == NOW
    assert registration.history[0].transition is Transition.SUBMIT
    assert registration.application.agency_code == "SUNRISE_MALL"
    assert registration.cameras[0].area_type is AreaType.PUBLIC_ROAD


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"business_name": "  "}, ErrorKey.FIELD_REQUIRED),
        ({"legal_entity": ""}, ErrorKey.FIELD_REQUIRED),
        ({"contact": Contact(name="Rina", email="rina@sunrise.co.id")}, ErrorKey.FIELD_REQUIRED),
        ({"contact": Contact(name="Rina", phone="+62 321 555")}, ErrorKey.FIELD_REQUIRED),
        ({"address": ""}, ErrorKey.FIELD_REQUIRED),
        ({"latitude": 91.0}, ErrorKey.INVALID_LATITUDE),
        ({"longitude": float("nan")}, ErrorKey.INVALID_LONGITUDE),
        ({"consent_version": ""}, ErrorKey.FIELD_REQUIRED),
        ({"agency_code": "not a code"}, ErrorKey.INVALID_AGENCY_CODE),
        ({"received_by": "Not A Slug"}, ErrorKey.INVALID_ID),
        ({"tier": "everything", "cameras": (camera(),)}, ErrorKey.INVALID_CHOICE),
        ({"cameras": ()}, RegistrationKey.NO_CAMERAS),
        ({"cameras": tuple(camera(f"c{n}") for n in range(201))}, RegistrationKey.TOO_MANY_CAMERAS),
        ({"cameras": (camera("Gate"), camera("gate"))}, RegistrationKey.DUPLICATE_CAMERA),
        ({"cameras": (camera(covers_public_area=False, area_type=None),)}, RegistrationKey.NO_PUBLIC_CAMERA),
        ({"valid_until": date(2026, 3, 1)}, RegistrationKey.PERIOD_INVALID),
        ({"valid_until": date(2026, 2, 1)}, RegistrationKey.PERIOD_INVALID),
        ({"valid_until": date(2037, 1, 1)}, RegistrationKey.PERIOD_TOO_LONG),
        ({"owner_server": OwnerServer("http://10.0.0.9:5000")}, RegistrationKey.SERVER_NOT_FOR_TIER),
        ({"cameras": (camera(frigate_camera="gate"),)}, RegistrationKey.FRIGATE_CAMERA_NOT_FOR_TIER),
        ({"cameras": (camera(stream=StreamSource("rtsp://h/s")),)}, RegistrationKey.STREAM_NOT_FOR_TIER),
    ],
)
def test_bad_applications_are_refused_with_their_key(changes: dict[str, Any], key: object) -> None:
    with pytest.raises(ValidationError) as err:
        application(**changes)
    assert_key(err, key)


@pytest.mark.parametrize(
    ("tier", "changes", "key"),
    [
        (SharingTier.LIVE, {"owner_server": None}, RegistrationKey.SERVER_REQUIRED),
        (SharingTier.ON_REQUEST, {"cameras": (camera(),)}, RegistrationKey.FRIGATE_CAMERA_REQUIRED),
        (SharingTier.LIVE, {"cameras": (camera("A", frigate_camera="x"), camera("B", frigate_camera="x"))},
         RegistrationKey.DUPLICATE_CAMERA),
        (SharingTier.RECORDED, {"cameras": (camera(),)}, RegistrationKey.STREAM_REQUIRED),
    ],
)
def test_each_tier_needs_its_own_details(tier: SharingTier, changes: dict[str, Any], key: object) -> None:
    with pytest.raises(ValidationError) as err:
        application(tier, **changes)
    assert_key(err, key)


def test_camera_fields_are_checked() -> None:
    with pytest.raises(ValidationError) as err:
        camera(bearing=360)
    assert_key(err, ErrorKey.INVALID_BEARING)
    with pytest.raises(ValidationError) as err:
        camera(retention_days=-1)
    assert_key(err, ErrorKey.INVALID_RETENTION_DAYS)
    with pytest.raises(ValidationError) as err:
        camera(frigate_camera="lobby utama")
    assert_key(err, ErrorKey.INVALID_CAMERA_NAME)
    with pytest.raises(ValidationError) as err:
        camera(views=" ")
    assert_key(err, ErrorKey.FIELD_REQUIRED)
    with pytest.raises(ValidationError) as err:
        camera(covers_public_area=False)  # an area type on a camera that covers no public area
    assert_key(err, RegistrationKey.AREA_TYPE_NOT_PUBLIC)
    assert camera(area_type=None).area_type is AreaType.PRIVATE_FACING_PUBLIC
    assert camera(frigate_camera="  ").frigate_camera is None


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("ftp://10.0.0.9", RegistrationKey.INVALID_URL),
        ("http://", RegistrationKey.INVALID_URL),
        ("http://10.0.0.9:99999", RegistrationKey.INVALID_URL),
        ("http://10.0.0.9/a b", RegistrationKey.INVALID_URL),
        (f"http://admin:{SECRET}@10.0.0.9:5000", RegistrationKey.CREDENTIALS_IN_URL),
        (f"http//admin:{SECRET}@10.0.0.9", RegistrationKey.INVALID_URL),
        ("", ErrorKey.FIELD_REQUIRED),
    ],
)
def test_server_addresses_are_checked_without_repeating_them(url: str, key: object) -> None:
    with pytest.raises(ValidationError) as err:
        OwnerServer(url, "admin", SECRET)
    assert_key(err, key)
    assert SECRET not in str(err.value)
    assert SECRET not in repr(err.value)


def test_stream_addresses_must_be_rtsp_without_credentials() -> None:
    with pytest.raises(ValidationError) as err:
        StreamSource("http://10.0.0.5/stream")
    assert_key(err, RegistrationKey.INVALID_URL)
    with pytest.raises(ValidationError) as err:
        StreamSource(f"rtsp://viewer:{SECRET}@10.0.0.5/stream")
    assert_key(err, RegistrationKey.CREDENTIALS_IN_URL)
    assert SECRET not in str(err.value)
    assert StreamSource("rtsps://cam.local:322/s1").url == "rtsps://cam.local:322/s1"


def test_context_checks_city_bounds_and_an_agreement_already_over() -> None:
    app = application(latitude=-7.30)
    with pytest.raises(ValidationError) as err:
        submit(app, number="REG-2026-0001", now=NOW, by="desk", today=TODAY, bounds=MOJOKERTO)
    assert_key(err, RegistrationKey.OUTSIDE_CITY)
    # without city bounds the same place is fine
    assert submit(app, number="REG-2026-0001", now=NOW, by="desk", today=TODAY, bounds=None)
    late = application(valid_from=date(2025, 1, 1), valid_until=date(2026, 1, 31))
    with pytest.raises(ValidationError) as err:
        submit(late, number="REG-2026-0001", now=NOW, by="desk", today=TODAY, bounds=None)
    assert_key(err, RegistrationKey.PERIOD_ENDED)
    with pytest.raises(ValidationError) as err:
        submit(application(), number="REG-2026-0001", now=NOW.replace(tzinfo=None), by="desk",
               today=TODAY, bounds=None)
    assert_key(err, ErrorKey.DATETIME_NOT_AWARE)


def test_city_bounds_are_validated_and_read_from_both_forms() -> None:
    assert CityBounds.from_value({"south": -7.5, "west": 112.4, "north": -7.44, "east": 112.46}) == MOJOKERTO
    assert CityBounds.from_value([-7.5, 112.4, -7.44, 112.46]) == MOJOKERTO
    assert MOJOKERTO.contains(-7.44, 112.46)
    assert not MOJOKERTO.contains(-7.43, 112.45)
    for bad in ({"south": -7.5}, [1, 2, 3], "north", [-7.4, 112.4, -7.5, 112.46], [-7.5, 112.5, -7.4, 112.4]):
        with pytest.raises(ValidationError) as err:
            CityBounds.from_value(bad)
        assert_key(err, RegistrationKey.INVALID_BOUNDS)
    with pytest.raises(ValidationError) as err:
        CityBounds.from_value([-95, 112.4, -7.4, 112.5])
    assert_key(err, ErrorKey.INVALID_LATITUDE)


def test_agency_codes_derive_from_the_business_name() -> None:
    assert default_agency_code("Sunrise Mall") == "SUNRISE_MALL"
    assert default_agency_code("7-Eleven Gajah Mada") == "P_7_ELEVEN_GAJAH_MADA"
    assert default_agency_code("Toko Émas") == "TOKO_EMAS"
    assert default_agency_code("X") == "P_X"
    assert len(default_agency_code("Pusat Perbelanjaan Modern Kota Mojokerto")) <= 24
    assert application(agency_code=" sunrise ").agency_code == "SUNRISE"


# --- transitions --------------------------------------------------------------------------------


def test_the_ordinary_life_of_a_registration() -> None:
    registration = in_state(State.ACTIVE)
    assert [step.state for step in registration.history] == [
        State.SUBMITTED, State.UNDER_REVIEW, State.APPROVED, State.ACTIVE,
    ]
    suspended = suspend(registration, now=NOW, by="owner-admin", reason="  renovation ", party=Party.OWNER)
    assert suspended.suspended_by is Party.OWNER
    assert suspended.last_step.reason == "renovation"
    resumed = resume(suspended, now=NOW, by="owner-admin")
    assert resumed.state is State.ACTIVE
    assert resumed.suspended_by is None
    renewed = renew(resumed, now=NOW, by="admin", valid_until=date(2028, 2, 29), today=TODAY)
    assert renewed.valid_until == date(2028, 2, 29)
    assert renewed.state is State.ACTIVE
    assert renewed.last_step.reason == "2027-02-28 -> 2028-02-29"
    expired = expire(renewed, now=NOW, today=date(2028, 3, 1))
    assert expired.state is State.EXPIRED
    assert expired.last_step.by == "system"
    again = renew(expired, now=NOW, by="admin", valid_until=date(2029, 2, 28), today=date(2028, 3, 1))
    assert again.state is State.APPROVED
    withdrawn = withdraw(again, now=NOW, by="owner-admin", reason="closing")
    assert withdrawn.state is State.WITHDRAWN
    assert len(withdrawn.history) == 10


def test_rejection_needs_a_reason() -> None:
    registration = in_state(State.UNDER_REVIEW)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as err:
            reject(registration, now=NOW, by="admin", reason=reason)
        assert_key(err, RegistrationKey.REASON_REQUIRED)
    rejected = reject(registration, now=NOW, by="admin", reason="cameras face private homes")
    assert rejected.state is State.REJECTED
    assert rejected.last_step.reason == "cameras face private homes"


def test_suspension_needs_a_reason_and_a_party() -> None:
    active = in_state(State.ACTIVE)
    with pytest.raises(ValidationError) as err:
        suspend(active, now=NOW, by="admin", reason="", party=Party.CITY)
    assert_key(err, RegistrationKey.REASON_REQUIRED)
    with pytest.raises(ValidationError) as err:
        suspend(active, now=NOW, by="admin", reason="misuse", party="mayor")  # type: ignore[arg-type]
    assert_key(err, ErrorKey.INVALID_CHOICE)


TRANSITIONS = {
    Transition.START_REVIEW: lambda reg: start_review(reg, now=NOW, by="admin"),
    Transition.APPROVE: lambda reg: approve(reg, now=NOW, by="admin", today=TODAY),
    Transition.REJECT: lambda reg: reject(reg, now=NOW, by="admin", reason="no"),
    Transition.ACTIVATE: lambda reg: activate(reg, now=NOW, by="admin"),
    Transition.SUSPEND: lambda reg: suspend(reg, now=NOW, by="admin", reason="x", party=Party.CITY),
    Transition.RESUME: lambda reg: resume(reg, now=NOW, by="admin"),
    Transition.EXPIRE: lambda reg: expire(reg, now=NOW, today=date(2030, 1, 1)),
    Transition.RENEW: lambda reg: renew(reg, now=NOW, by="admin", valid_until=date(2029, 1, 1),
                                        today=TODAY),
    Transition.WITHDRAW: lambda reg: withdraw(reg, now=NOW, by="owner"),
}


@pytest.mark.parametrize("transition", list(TRANSITIONS))
@pytest.mark.parametrize("state", list(State))
def test_every_transition_is_refused_from_every_wrong_state(transition: Transition, state: State) -> None:
    registration = in_state(state)
    if state in ALLOWED_FROM[transition]:
        assert TRANSITIONS[transition](registration).history[-1].transition is transition
        return
    with pytest.raises(ConflictError) as err:
        TRANSITIONS[transition](registration)
    assert_key(err, RegistrationKey.WRONG_STATE)
    assert err.value.placeholders == {"registration": "REG-2026-0001", "state": state.value,
                                      "action": transition.value}


def test_final_states_allow_nothing() -> None:
    for state in (State.REJECTED, State.WITHDRAWN):
        assert not any(state in allowed for allowed in ALLOWED_FROM.values())


def test_approval_after_the_agreement_ended_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        approve(in_state(State.UNDER_REVIEW), now=NOW, by="admin", today=date(2027, 3, 1))
    assert_key(err, RegistrationKey.PERIOD_ENDED)


def test_activation_waits_for_every_camera() -> None:
    approved = approve(in_state(State.UNDER_REVIEW, SharingTier.LIVE), now=NOW, by="admin", today=TODAY)
    partly = joined(approved, agency_id="sunrise_mall", site_id="sunrise-mall", server_id="srv",
                    camera_ids=["srv/parkir_depan", None])
    with pytest.raises(ConflictError) as err:
        activate(partly, now=NOW, by="system")
    assert_key(err, RegistrationKey.WRONG_STATE)
    complete = joined(partly, agency_id="sunrise_mall", site_id="sunrise-mall", server_id="srv",
                      camera_ids=["srv/parkir_depan", "srv/lobi"])
    assert activate(complete, now=NOW, by="system").state is State.ACTIVE
    with pytest.raises(ValueError, match="one camera id"):
        joined(approved, agency_id="a", site_id="s", server_id=None, camera_ids=[])


def test_expiry_only_after_the_last_day() -> None:
    active = in_state(State.ACTIVE)
    with pytest.raises(ConflictError) as err:
        expire(active, now=NOW, today=date(2027, 2, 28))
    assert_key(err, RegistrationKey.WRONG_STATE)
    assert not is_over(active, date(2027, 2, 28))
    assert is_over(active, date(2027, 3, 1))
    assert not is_over(in_state(State.UNDER_REVIEW), date(2030, 1, 1))


@pytest.mark.parametrize(
    ("valid_until", "today", "key"),
    [
        (date(2027, 2, 28), TODAY, RegistrationKey.RENEWAL_NOT_LATER),
        (date(2027, 1, 1), TODAY, RegistrationKey.RENEWAL_NOT_LATER),
        (date(2027, 6, 1), date(2027, 7, 1), RegistrationKey.PERIOD_ENDED),
        (date(2040, 1, 1), TODAY, RegistrationKey.PERIOD_TOO_LONG),
    ],
)
def test_renewals_that_make_no_sense_are_refused(valid_until: date, today: date, key: object) -> None:
    with pytest.raises(ValidationError) as err:
        renew(in_state(State.ACTIVE), now=NOW, by="admin", valid_until=valid_until, today=today)
    assert_key(err, key)


def test_reminders_go_out_once_per_agreement_end() -> None:
    active = in_state(State.ACTIVE)
    assert not expiry_reminder_due(active, date(2027, 1, 28))  # 31 days left
    assert expiry_reminder_due(active, date(2027, 1, 29))  # 30 days left
    assert active.days_left(date(2027, 1, 29)) == 30
    reminded = reminder_sent(active)
    assert not expiry_reminder_due(reminded, date(2027, 2, 10))
    renewed = renew(reminded, now=NOW, by="admin", valid_until=date(2028, 2, 29), today=TODAY)
    assert not expiry_reminder_due(renewed, date(2027, 2, 10))
    assert expiry_reminder_due(renewed, date(2028, 2, 1))
    assert not expiry_reminder_due(in_state(State.UNDER_REVIEW), date(2027, 2, 10))
    assert active.days_left(date(2027, 3, 5)) == 0


def test_ending_soon_counts_joined_agreements_whether_reminded_or_not() -> None:
    active = in_state(State.ACTIVE)
    reminded = reminder_sent(active)
    last_day = active.valid_until
    for registration in (active, reminded, in_state(State.SUSPENDED)):
        assert not ends_soon(registration, last_day - timedelta(days=31))
        assert ends_soon(registration, last_day - timedelta(days=30))
        assert ends_soon(registration, last_day)
        assert not ends_soon(registration, last_day + timedelta(days=1))
    assert not ends_soon(in_state(State.UNDER_REVIEW), last_day)
    assert not expiry_reminder_due(reminded, last_day)


def test_leaving_unlinks_all_but_the_cameras_kept() -> None:
    active = in_state(State.ACTIVE)
    gone = left(active)
    assert gone.camera_ids == ()
    assert gone.site_id is None
    assert gone.server_id is None
    kept = left(active, kept_camera_ids=["registry/c0"])
    assert kept.camera_ids == ("registry/c0",)
    assert kept.site_id == "sunrise-mall"


# --- the tier table -----------------------------------------------------------------------------


def test_tiers_grant_more_as_they_go_up() -> None:
    assert TIER_PRIVILEGES[SharingTier.REGISTRY] == frozenset()
    assert TIER_PRIVILEGES[SharingTier.ON_REQUEST] == {Privilege.REQUEST_EXPORT}
    assert TIER_PRIVILEGES[SharingTier.ON_REQUEST] < TIER_PRIVILEGES[SharingTier.LIVE]
    assert Privilege.VIEW_LIVE not in TIER_PRIVILEGES[SharingTier.ON_REQUEST]
    assert Privilege.VIEW_RECORDINGS in TIER_PRIVILEGES[SharingTier.RECORDED]


# --- book, storage, secrets ----------------------------------------------------------------------


def test_numbers_count_per_year_and_survive_storage() -> None:
    book = RegistrationBook()
    assert book.next_number(2026) == "REG-2026-0001"
    first = filed()
    book.add(first)
    assert book.next_number(2026) == "REG-2026-0002"
    assert book.next_number(2027) == "REG-2027-0001"
    book.add(replace(first, id=book.next_number(2026)))
    restored = RegistrationBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert restored.registrations == book.registrations
    assert restored.next_number(2026) == "REG-2026-0003"
    with pytest.raises(NotFoundError) as err:
        book.get("REG-2026-0099")
    assert_key(err, RegistrationKey.NOT_FOUND)
    with pytest.raises(NotFoundError):
        book.put(replace(first, id="REG-2026-0042"))
    with pytest.raises(ValueError, match="twice"):
        book.add(first)


def test_every_state_and_tier_round_trips_through_storage() -> None:
    book = RegistrationBook()
    for number, state in enumerate(State, start=1):
        for index, tier in enumerate(SharingTier):
            registration = replace(in_state(state, tier), id=f"REG-2026-{number * 10 + index:04d}")
            book.add(reminder_sent(registration))
    restored = RegistrationBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert restored.registrations == book.registrations


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.pop("registrations"),
        lambda data: data["registrations"][0].update(state="lost"),
        lambda data: data["registrations"][0].update(id="R-1"),
        lambda data: data["registrations"][0].update(history=[]),
        lambda data: data["registrations"].append(data["registrations"][0]),
        lambda data: data["registrations"][0]["application"]["owner_server"].update(url=f"http://u:{SECRET}@h"),
    ],
)
def test_damaged_storage_is_refused_without_leaking_secrets(damage: Any) -> None:
    book = RegistrationBook()
    book.add(filed(SharingTier.LIVE))
    data = json.loads(json.dumps(book.to_dict()))
    damage(data)
    with pytest.raises(ValidationError) as err:
        RegistrationBook.from_dict(data)
    assert_key(err, RegistrationKey.STORAGE_INVALID)
    assert SECRET not in str(err.value)


@pytest.mark.parametrize("tier", [SharingTier.LIVE, SharingTier.RECORDED])
def test_secrets_stay_out_of_reprs_and_the_public_form(tier: SharingTier) -> None:
    registration = filed(tier)
    public = json.dumps(registration.to_dict(secrets=False))
    assert SECRET not in public
    assert SECRET not in repr(registration)
    assert SECRET not in str(registration)
    assert '"has_credentials": true' in public
    assert "viewer" not in public or tier is not SharingTier.RECORDED
    assert SECRET in json.dumps(registration.to_dict(secrets=True))
    summary = json.dumps(registration.summary())
    assert "rina" not in summary.lower()
    assert "+62" not in summary
    assert SECRET not in summary
    assert not OwnerServer("http://10.0.0.9:5000").has_credentials
    assert not StreamSource("rtsp://10.0.0.5/s").to_dict(secrets=False)["has_credentials"]


# --- translations ------------------------------------------------------------------------------


def _messages(name: str) -> dict[str, str]:
    exceptions = json.loads((COMPONENT / name).read_text(encoding="utf-8"))["exceptions"]
    return {key: value["message"] for key, value in exceptions.items()}


def test_every_registration_key_is_translated_with_the_same_placeholders() -> None:
    english, indonesian = _messages("translations/en.json"), _messages("translations/id.json")
    strings = _messages("strings.json")
    for key in RegistrationKey:
        assert key.value in strings, key
        placeholders = set(re.findall(r"\{(\w+)\}", english[key.value]))
        assert placeholders == set(re.findall(r"\{(\w+)\}", indonesian[key.value])), key
        assert english[key.value] != indonesian[key.value], key


def test_raised_errors_carry_what_their_messages_need() -> None:
    english = _messages("translations/en.json")
    cases: list[NccError] = []
    for build in (
        lambda: application(cameras=(camera("A"), camera("a"))),
        lambda: application(valid_until=date(2026, 1, 1)),
        lambda: application(SharingTier.LIVE, owner_server=None),
        lambda: application(SharingTier.RECORDED, cameras=(camera(),)),
        lambda: reject(in_state(State.SUBMITTED), now=NOW, by="a", reason="x"),
        lambda: renew(in_state(State.ACTIVE), now=NOW, by="a", valid_until=date(2027, 1, 1), today=TODAY),
        lambda: RegistrationBook().get("REG-2026-0009"),
        lambda: OwnerServer(f"http://a:{SECRET}@h"),
    ):
        with pytest.raises(NccError) as err:
            build()
        cases.append(err.value)
    for error in cases:
        needed = set(re.findall(r"\{(\w+)\}", english[str(error.key)]))
        assert needed <= set(error.placeholders), (error.key, error.placeholders)
        english[str(error.key)].format(**error.placeholders)


def test_submit_at_a_later_time_keeps_the_clock_given() -> None:
    later = NOW + timedelta(days=3)
    registration = submit(application(), number="REG-2026-0002", now=later, by="desk", today=TODAY,
                          bounds=None)
    assert registration.submitted_at == later
    assert registration.last_step.by == "desk"
