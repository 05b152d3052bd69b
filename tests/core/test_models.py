"""The records validate themselves and survive a JSON round trip."""

from __future__ import annotations

from datetime import datetime, timedelta
import json
from typing import Any

import pytest

from custom_components.ncc.core.agencies import (
    Agency,
    AgencyKind,
    Contact,
    agency_id_for_code,
    check_agency_code,
    check_notify_targets,
)
from custom_components.ncc.core.cameras import (
    AreaType,
    CameraPurpose,
    CameraRecord,
    SyncResult,
    check_bearing,
    check_camera_id,
    check_retention_days,
    check_server_id,
    frigate_camera_id,
    registry_camera_id,
)
from custom_components.ncc.core.errors import ErrorKey, ValidationError
from custom_components.ncc.core.grants import Grant, GrantScope, Privilege, check_privileges
from custom_components.ncc.core.operators import Operator, Role
from custom_components.ncc.core.sites import Site, check_latitude, check_longitude

from .factories import T0, assert_error


def _json_round_trip(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


# -------------------------------------------------------------------------------- agencies


def test_agency_normalizes_and_round_trips() -> None:
    agency = Agency(
        id="dishub",
        name="  Dinas Perhubungan ",
        code="dishub",
        kind=AgencyKind.CITY_DEPARTMENT,
        contacts=(Contact(name="Budi", role="Kasi", phone="+62 812-3456-789", email="b@x.id"),),
        notify_targets=("notify.mobile_app_budi", " notify.mobile_app_budi", "notify.dishub"),
    )
    assert agency.name == "Dinas Perhubungan"
    assert agency.code == "DISHUB"
    assert agency.notify_targets == ("notify.mobile_app_budi", "notify.dishub")
    assert Agency.from_dict(_json_round_trip(agency.to_dict())) == agency


@pytest.mark.parametrize(
    ("kwargs", "key", "field"),
    [
        ({"code": "D"}, ErrorKey.INVALID_AGENCY_CODE, "code"),
        ({"code": "DIS HUB"}, ErrorKey.INVALID_AGENCY_CODE, "code"),
        ({"code": " "}, ErrorKey.FIELD_REQUIRED, "code"),
        ({"kind": "ministry"}, ErrorKey.INVALID_CHOICE, "kind"),
        ({"name": ""}, ErrorKey.FIELD_REQUIRED, "name"),
        ({"id": "Dishub"}, ErrorKey.INVALID_ID, "agency_id"),
        ({"notify_targets": ("mobile_app",)}, ErrorKey.INVALID_NOTIFY_TARGET, "notify_targets"),
    ],
)
def test_agency_rejects_bad_fields(kwargs: dict[str, Any], key: ErrorKey, field: str) -> None:
    values: dict[str, Any] = {
        "id": "dishub",
        "name": "Dishub",
        "code": "DISHUB",
        "kind": AgencyKind.CITY_DEPARTMENT,
    }
    with pytest.raises(ValidationError) as info:
        Agency(**{**values, **kwargs})
    assert_error(info.value, key)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"name": ""}, ErrorKey.FIELD_REQUIRED),
        ({"phone": "call me"}, ErrorKey.INVALID_PHONE),
        ({"email": "budi@"}, ErrorKey.INVALID_EMAIL),
    ],
)
def test_contact_rejects_bad_fields(kwargs: dict[str, str], key: ErrorKey) -> None:
    with pytest.raises(ValidationError) as info:
        Contact(**{"name": "Budi", **kwargs})
    assert_error(info.value, key)


def test_contact_optional_fields_default_empty() -> None:
    contact = Contact.from_dict({"name": "Budi"})
    assert (contact.role, contact.phone, contact.email) == ("", "", "")


def test_agency_code_helpers() -> None:
    assert check_agency_code(" satpol_pp ") == "SATPOL_PP"
    assert agency_id_for_code("SATPOL_PP") == "satpol_pp"
    assert check_notify_targets(["notify.a", "notify.a"]) == ("notify.a",)


# ----------------------------------------------------------------------------------- sites


def test_site_round_trip_and_ranges() -> None:
    site = Site(id="alun-alun", name="Alun-alun", latitude=-7, longitude=112.43, agency_id="dishub")
    assert isinstance(site.latitude, float)
    assert Site.from_dict(_json_round_trip(site.to_dict())) == site
    bare = Site.from_dict({"id": "x", "name": "X", "latitude": 0, "longitude": 0})
    assert (bare.address, bare.agency_id) == ("", None)


@pytest.mark.parametrize("value", [90.0001, -91, float("nan"), float("inf"), True, "7"])
def test_latitude_out_of_range(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        check_latitude(value)
    assert_error(info.value, ErrorKey.INVALID_LATITUDE)


@pytest.mark.parametrize("value", [180.5, -181, float("nan"), None])
def test_longitude_out_of_range(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        check_longitude(value)
    assert_error(info.value, ErrorKey.INVALID_LONGITUDE)


def test_site_checks_its_agency_reference_format() -> None:
    with pytest.raises(ValidationError) as info:
        Site(id="a", name="A", latitude=0, longitude=0, agency_id="Not A Slug")
    assert_error(info.value, ErrorKey.INVALID_ID)


# --------------------------------------------------------------------------------- cameras


def test_camera_ids() -> None:
    assert frigate_camera_id("srv1", "Gate_1") == "srv1/Gate_1"
    assert registry_camera_id("kiosk") == "registry/kiosk"
    assert check_camera_id("srv-2/cam") == "srv-2/cam"
    assert check_server_id("srv1") == "srv1"
    for bad in ("nocamera", "srv1/", "/cam", "srv1/cam/x", "SRV/cam", "registry/Kiosk", "a/b c"):
        with pytest.raises(ValidationError) as info:
            check_camera_id(bad)
        assert_error(info.value, ErrorKey.INVALID_CAMERA_ID)
    with pytest.raises(ValidationError) as info:
        check_server_id("registry")
    assert_error(info.value, ErrorKey.INVALID_SERVER_ID)
    with pytest.raises(ValidationError) as info:
        frigate_camera_id("srv1", "gate 1")
    assert_error(info.value, ErrorKey.INVALID_CAMERA_NAME)


def test_camera_record_properties_and_round_trip() -> None:
    frigate = CameraRecord(
        id="srv1/gate",
        name="Gate",
        owner_agency_id="dishub",
        purpose=CameraPurpose.TRAFFIC,
        area_type=AreaType.PUBLIC_ROAD,
        site_id="alun-alun",
        bearing=0,
        retention_days=10,
        latitude=-7.4,
        longitude=112,
        present=False,
        owner_assigned=True,
    )
    assert (frigate.server_id, frigate.frigate_name, frigate.is_registry_only) == (
        "srv1",
        "gate",
        False,
    )
    assert CameraRecord.from_dict(_json_round_trip(frigate.to_dict())) == frigate
    registry_only = CameraRecord(id="registry/kiosk", name="Kiosk", owner_agency_id="mall")
    assert (registry_only.server_id, registry_only.frigate_name) == (None, None)
    assert registry_only.is_registry_only
    assert CameraRecord.from_dict(_json_round_trip(registry_only.to_dict())) == registry_only


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"bearing": 360}, ErrorKey.INVALID_BEARING),
        ({"bearing": -1}, ErrorKey.INVALID_BEARING),
        ({"bearing": 12.5}, ErrorKey.INVALID_BEARING),
        ({"bearing": True}, ErrorKey.INVALID_BEARING),
        ({"retention_days": 3651}, ErrorKey.INVALID_RETENTION_DAYS),
        ({"retention_days": "10"}, ErrorKey.INVALID_RETENTION_DAYS),
        ({"latitude": -7.0}, ErrorKey.COORDINATES_INCOMPLETE),
        ({"latitude": -97.0, "longitude": 112.0}, ErrorKey.INVALID_LATITUDE),
        ({"purpose": "spying"}, ErrorKey.INVALID_CHOICE),
        ({"area_type": "beach"}, ErrorKey.INVALID_CHOICE),
        ({"site_id": "Alun Alun"}, ErrorKey.INVALID_ID),
        ({"name": " "}, ErrorKey.FIELD_REQUIRED),
        ({"id": "gate"}, ErrorKey.INVALID_CAMERA_ID),
    ],
)
def test_camera_record_rejects_bad_fields(kwargs: dict[str, Any], key: ErrorKey) -> None:
    with pytest.raises(ValidationError) as info:
        CameraRecord(**{"id": "srv1/gate", "name": "Gate", "owner_agency_id": "dishub", **kwargs})
    assert_error(info.value, key)


def test_bearing_and_retention_accept_bounds() -> None:
    assert [check_bearing(value) for value in (None, 0, 359)] == [None, 0, 359]
    assert [check_retention_days(value) for value in (None, 0, 3650)] == [None, 0, 3650]


def test_sync_result_changed() -> None:
    assert not SyncResult().changed
    assert SyncResult(missing=("srv1/x",)).changed


# ------------------------------------------------------------------------------- operators


def test_operator_round_trip_and_validation() -> None:
    operator = Operator(user_id="u1", agency_id="dishub", role=Role.VIEWER, name=" Sari ")
    assert operator.name == "Sari"
    assert Operator.from_dict(_json_round_trip(operator.to_dict())) == operator
    with pytest.raises(ValidationError) as info:
        Operator(user_id="u1", agency_id="dishub", role="mayor")  # type: ignore[arg-type]
    assert_error(info.value, ErrorKey.INVALID_CHOICE)
    with pytest.raises(ValidationError) as info:
        Operator(user_id=" ", agency_id="dishub", role=Role.VIEWER)
    assert_error(info.value, ErrorKey.FIELD_REQUIRED)


# ---------------------------------------------------------------------------------- grants


def _grant(**overrides: Any) -> Grant:
    values: dict[str, Any] = {
        "id": "grant-1",
        "owner_agency_id": "dishub",
        "grantee_agency_id": "polres",
        "privileges": frozenset({Privilege.VIEW_LIVE}),
        "scope": GrantScope.CAMERA,
        "scope_id": "srv1/gate",
        "created_by": "u-admin",
        "created_at": T0,
    }
    return Grant(**{**values, **overrides})


def test_grant_round_trip() -> None:
    grant = _grant(
        privileges=frozenset(Privilege),
        until=T0 + timedelta(days=3),
        emergency_only=True,
        reason="Operasi Ketupat",
        revoked_at=T0 + timedelta(days=1),
        revoked_by="u-admin",
        revoke_reason="done",
    )
    assert Grant.from_dict(_json_round_trip(grant.to_dict())) == grant
    plain = _grant(scope=GrantScope.ALL, scope_id=None)
    assert Grant.from_dict(_json_round_trip(plain.to_dict())) == plain


def test_grant_activity() -> None:
    grant = _grant(until=T0 + timedelta(hours=1))
    assert grant.is_live(T0)
    assert grant.applies(T0, emergency_active=False)
    assert grant.is_expired(T0 + timedelta(hours=1))
    assert not grant.applies(T0 + timedelta(hours=2), emergency_active=True)
    emergency = _grant(emergency_only=True)
    assert not emergency.applies(T0, emergency_active=False)
    assert emergency.applies(T0, emergency_active=True)
    revoked = _grant(revoked_at=T0, revoked_by="u-admin")
    assert revoked.is_revoked
    assert not revoked.is_live(T0)


def test_grant_covers_only_owner_cameras_in_scope() -> None:
    gate = CameraRecord(id="srv1/gate", name="Gate", owner_agency_id="dishub", site_id="a")
    road = CameraRecord(id="srv1/road", name="Road", owner_agency_id="dishub", site_id="b")
    foreign = CameraRecord(id="srv2/gate", name="Gate", owner_agency_id="mall", site_id="a")
    camera_grant = _grant()
    site_grant = _grant(scope=GrantScope.SITE, scope_id="a")
    all_grant = _grant(scope=GrantScope.ALL, scope_id=None)
    assert [camera_grant.covers(c) for c in (gate, road, foreign)] == [True, False, False]
    assert [site_grant.covers(c) for c in (gate, road, foreign)] == [True, False, False]
    assert [all_grant.covers(c) for c in (gate, road, foreign)] == [True, True, False]


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"grantee_agency_id": "dishub"}, ErrorKey.GRANT_TO_OWN_AGENCY),
        ({"privileges": frozenset()}, ErrorKey.GRANT_PRIVILEGES_REQUIRED),
        ({"privileges": frozenset({"fly_drone"})}, ErrorKey.INVALID_CHOICE),
        ({"scope": GrantScope.ALL}, ErrorKey.GRANT_SCOPE_TARGET_UNEXPECTED),
        ({"scope_id": None}, ErrorKey.GRANT_SCOPE_TARGET_REQUIRED),
        ({"scope": GrantScope.SITE, "scope_id": ""}, ErrorKey.GRANT_SCOPE_TARGET_REQUIRED),
        ({"created_at": datetime(2025, 1, 1)}, ErrorKey.DATETIME_NOT_AWARE),
        ({"until": datetime(2025, 1, 1)}, ErrorKey.DATETIME_NOT_AWARE),
        ({"revoked_at": datetime(2025, 1, 1)}, ErrorKey.DATETIME_NOT_AWARE),
        ({"created_by": ""}, ErrorKey.FIELD_REQUIRED),
        ({"reason": "x" * 2001}, ErrorKey.TEXT_TOO_LONG),
    ],
)
def test_grant_rejects_bad_fields(overrides: dict[str, Any], key: ErrorKey) -> None:
    with pytest.raises(ValidationError) as info:
        _grant(**overrides)
    assert_error(info.value, key)


def test_check_privileges() -> None:
    assert check_privileges(["view_live", "view_live"]) == {Privilege.VIEW_LIVE}
