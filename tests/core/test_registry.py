"""Registry mutations: validated, atomic, observable, persistable."""

from __future__ import annotations

import copy
from datetime import timedelta
import json
import logging
from typing import Any

import pytest

from custom_components.ncc.core.agencies import AgencyKind, Contact
from custom_components.ncc.core.cameras import AreaType, CameraPurpose
from custom_components.ncc.core.errors import (
    ErrorKey,
    NccError,
    NotFoundError,
    ValidationError,
)
from custom_components.ncc.core.grants import GrantScope, Privilege
from custom_components.ncc.core.operators import Role
from custom_components.ncc.core.registry import (
    STORAGE_VERSION,
    Change,
    Operation,
    Registry,
    migrate,
)

from .factories import T0, Clock, assert_error, small_city


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def city(clock: Clock) -> Registry:
    return small_city(clock)


def _grant(registry: Registry, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "owner_agency_id": "dishub",
        "grantee_agency_id": "polres",
        "privileges": {Privilege.VIEW_LIVE},
        "scope": GrantScope.CAMERA,
        "scope_id": "srv1/gate",
        "created_by": "u-admin",
    }
    return registry.create_grant(**{**values, **overrides}).id


def _unchanged_after(registry: Registry, key: ErrorKey, mutation: Any) -> NccError:
    """Run a failing mutation; assert the error and that nothing changed."""
    before, revision = copy.deepcopy(registry.to_dict()), registry.revision
    with pytest.raises(NccError) as info:
        mutation()
    assert_error(info.value, key)
    assert registry.to_dict() == before
    assert registry.revision == revision
    return info.value


# ------------------------------------------------------------------------------------ reads


def test_reads(city: Registry) -> None:
    assert city.get_agency("dishub").code == "DISHUB"
    assert city.find_agency_by_code(" polres") is not None
    assert city.find_agency_by_code("NOPE") is None
    assert [c.id for c in city.cameras_of("dishub")] == ["registry/kiosk", "srv1/gate", "srv1/road"]
    assert [c.id for c in city.cameras_at("alun-alun")] == ["registry/kiosk", "srv1/gate"]
    assert city.now() == T0
    for getter, key in (
        (city.get_agency, ErrorKey.AGENCY_NOT_FOUND),
        (city.get_site, ErrorKey.SITE_NOT_FOUND),
        (city.get_camera, ErrorKey.CAMERA_NOT_FOUND),
        (city.get_operator, ErrorKey.OPERATOR_NOT_FOUND),
        (city.get_grant, ErrorKey.GRANT_NOT_FOUND),
    ):
        with pytest.raises(NotFoundError) as info:
            getter("nope")
        assert_error(info.value, key)


def test_read_views_are_read_only(city: Registry) -> None:
    with pytest.raises(TypeError):
        city.agencies["x"] = city.agencies["dishub"]  # type: ignore[index]


def test_default_clock_is_aware() -> None:
    assert Registry().now().tzinfo is not None


# --------------------------------------------------------------------------------- agencies


def test_create_agency_ids(city: Registry) -> None:
    assert city.create_agency(code="bpbd", name="BPBD", kind=AgencyKind.OTHER).id == "bpbd"
    city.create_agency(code="AAA", name="A", kind=AgencyKind.OTHER, agency_id="zzz")
    assert city.create_agency(code="ZZZ", name="Z", kind=AgencyKind.OTHER).id == "zzz_2"
    _unchanged_after(
        city,
        ErrorKey.AGENCY_ID_TAKEN,
        lambda: city.create_agency(code="NEW", name="N", kind=AgencyKind.OTHER, agency_id="dishub"),
    )
    error = _unchanged_after(
        city,
        ErrorKey.AGENCY_CODE_TAKEN,
        lambda: city.create_agency(code="dishub", name="Copy", kind=AgencyKind.OTHER),
    )
    assert error.placeholders["agency"] == "Dinas Perhubungan"
    _unchanged_after(
        city,
        ErrorKey.INVALID_CHOICE,
        lambda: city.create_agency(code="NEW", name="N", kind="ministry"),  # type: ignore[arg-type]
    )
    _unchanged_after(
        city,
        ErrorKey.INVALID_AGENCY_CODE,
        lambda: city.create_agency(code="N", name="N", kind=AgencyKind.OTHER),
    )


def test_update_agency(city: Registry) -> None:
    changes: list[Change] = []
    city.add_listener(changes.append)
    contact = Contact(name="Budi", phone="0812345678")
    updated = city.update_agency(
        "dishub", name="Dishub Kota", contacts=[contact], notify_targets=["notify.dishub"]
    )
    assert (updated.name, updated.code, updated.contacts) == ("Dishub Kota", "DISHUB", (contact,))
    assert city.get_agency("dishub") == updated
    assert changes == [Change(Operation.UPDATE_AGENCY, agencies=frozenset({"dishub"}))]
    city.update_agency("dishub", name="Dishub Kota")
    assert len(changes) == 1, "an update that changes nothing is not reported"
    city.update_agency("dishub", code="dishub")  # its own code stays allowed
    _unchanged_after(city, ErrorKey.AGENCY_CODE_TAKEN, lambda: city.update_agency("dishub", code="POLRES"))
    _unchanged_after(city, ErrorKey.FIELD_REQUIRED, lambda: city.update_agency("dishub", name=""))
    _unchanged_after(city, ErrorKey.AGENCY_NOT_FOUND, lambda: city.update_agency("x", name="X"))


def test_delete_agency_blockers(city: Registry, clock: Clock) -> None:
    error = _unchanged_after(city, ErrorKey.AGENCY_IN_USE, lambda: city.delete_agency("dishub"))
    assert error.placeholders["cameras"] == "3"
    city.set_operator("u1", agency_id="polres", role=Role.OPERATOR)
    error = _unchanged_after(city, ErrorKey.AGENCY_IN_USE, lambda: city.delete_agency("polres"))
    assert (error.placeholders["operators"], error.placeholders["cameras"]) == ("1", "0")
    city.remove_operator("u1")
    grant_id = _grant(city, until=T0 + timedelta(hours=1))
    error = _unchanged_after(city, ErrorKey.AGENCY_IN_USE, lambda: city.delete_agency("polres"))
    assert error.placeholders["grants"] == "1"
    clock.advance(hours=2)  # the grant expired: no longer a blocker, kept as history
    city.update_site("simpang-empat", agency_id="polres")
    error = _unchanged_after(city, ErrorKey.AGENCY_IN_USE, lambda: city.delete_agency("polres"))
    assert (error.placeholders["sites"], error.placeholders["grants"]) == ("1", "0")
    city.update_site("simpang-empat", agency_id=None)
    error = _unchanged_after(
        city,
        ErrorKey.OPEN_WORK,
        lambda: city.delete_agency("polres", open_work=("2 open footage requests", " ")),
    )
    assert error.placeholders["open_work"] == "2 open footage requests"
    deleted = city.delete_agency("polres", open_work=(" ",))
    assert deleted.code == "POLRES"
    assert "polres" not in city.agencies
    assert city.get_grant(grant_id).grantee_agency_id == "polres"
    assert Registry.from_dict(city.to_dict()).grants[grant_id].grantee_agency_id == "polres"


def test_revoked_grant_does_not_block_deletion(city: Registry) -> None:
    grant_id = _grant(city)
    city.revoke_grant(grant_id, revoked_by="u-admin")
    city.delete_agency("polres")
    assert "polres" not in city.agencies


# ------------------------------------------------------------------------------------ sites


def test_sites(city: Registry) -> None:
    assert city.create_site(name="Alun-alun", latitude=0, longitude=0).id == "alun-alun-2"
    assert city.create_site(name="!!!", latitude=0, longitude=0).id == "site"
    site = city.create_site(name="Pos", latitude=1, longitude=2, agency_id="polres", site_id="pos-1")
    assert site.agency_id == "polres"
    _unchanged_after(
        city,
        ErrorKey.SITE_ID_TAKEN,
        lambda: city.create_site(name="X", latitude=0, longitude=0, site_id="pos-1"),
    )
    _unchanged_after(
        city,
        ErrorKey.AGENCY_NOT_FOUND,
        lambda: city.create_site(name="X", latitude=0, longitude=0, agency_id="nope"),
    )
    _unchanged_after(
        city,
        ErrorKey.INVALID_LATITUDE,
        lambda: city.create_site(name="X", latitude=100, longitude=0),
    )
    updated = city.update_site("pos-1", name="Pos Polisi", agency_id=None, latitude=-7.5)
    assert (updated.name, updated.agency_id, updated.latitude, updated.longitude) == (
        "Pos Polisi",
        None,
        -7.5,
        2.0,
    )
    revision = city.revision
    city.update_site("pos-1", name="Pos Polisi")
    assert city.revision == revision
    _unchanged_after(city, ErrorKey.AGENCY_NOT_FOUND, lambda: city.update_site("pos-1", agency_id="nope"))
    _unchanged_after(city, ErrorKey.INVALID_LONGITUDE, lambda: city.update_site("pos-1", longitude=500))


def test_delete_site_blockers(city: Registry) -> None:
    error = _unchanged_after(city, ErrorKey.SITE_IN_USE, lambda: city.delete_site("alun-alun"))
    assert (error.placeholders["cameras"], error.placeholders["site"]) == ("2", "Alun-alun")
    city.create_site(name="Empty", latitude=0, longitude=0)
    grant_id = _grant(city, scope=GrantScope.SITE, scope_id="empty")
    error = _unchanged_after(city, ErrorKey.SITE_IN_USE, lambda: city.delete_site("empty"))
    assert error.placeholders["grants"] == "1"
    city.revoke_grant(grant_id, revoked_by="u-admin")
    _unchanged_after(city, ErrorKey.OPEN_WORK, lambda: city.delete_site("empty", open_work=["an incident"]))
    assert city.delete_site("empty").name == "Empty"
    assert "empty" not in city.sites


# ---------------------------------------------------------------------------------- cameras


def test_sync_server_cameras(city: Registry) -> None:
    changes: list[Change] = []
    city.add_listener(changes.append)
    city.assign_camera("srv1/road", owner_agency_id="dishub")  # pinned explicitly
    result = city.sync_server_cameras("srv1", "diskominfo", ["gate", "plaza"])
    assert result.added == ("srv1/plaza",)
    assert result.missing == ("srv1/road",)
    assert result.reassigned == ("srv1/gate",)
    assert result.returned == ()
    assert city.get_camera("srv1/plaza").owner_agency_id == "diskominfo"
    road = city.get_camera("srv1/road")
    assert (road.present, road.owner_agency_id, road.site_id) == (False, "dishub", "simpang-empat")
    gate = city.get_camera("srv1/gate")
    assert (gate.owner_agency_id, gate.site_id) == ("diskominfo", "alun-alun")
    assert changes[-1] == Change(
        Operation.SYNC_SERVER_CAMERAS,
        cameras=frozenset({"srv1/plaza", "srv1/road", "srv1/gate"}),
    )
    back = city.sync_server_cameras("srv1", "diskominfo", ["gate", "plaza", "road"])
    assert back.returned == ("srv1/road",)
    assert city.get_camera("srv1/road").present
    revision = city.revision
    assert not city.sync_server_cameras("srv1", "diskominfo", ["gate", "plaza", "road"]).changed
    assert city.revision == revision


def test_sync_keeps_servers_apart(city: Registry) -> None:
    city.sync_server_cameras("srv2", "mall", ["gate"])
    assert city.get_camera("srv2/gate").owner_agency_id == "mall"
    assert city.get_camera("srv1/gate").owner_agency_id == "dishub"
    assert city.get_camera("srv1/gate").present
    assert city.get_camera("registry/kiosk").present


def test_sync_validates_first(city: Registry) -> None:
    _unchanged_after(
        city, ErrorKey.INVALID_SERVER_ID, lambda: city.sync_server_cameras("registry", "mall", [])
    )
    _unchanged_after(city, ErrorKey.AGENCY_NOT_FOUND, lambda: city.sync_server_cameras("srv3", "nope", ["a"]))
    _unchanged_after(
        city,
        ErrorKey.INVALID_CAMERA_NAME,
        lambda: city.sync_server_cameras("srv3", "mall", ["ok", "not ok"]),
    )


def test_assign_camera(city: Registry) -> None:
    camera = city.assign_camera(
        "srv1/gate",
        owner_agency_id="mall",
        site_id=None,
        name="Gerbang",
        purpose=CameraPurpose.PRIVATE_PREMISES,
        area_type=AreaType.PRIVATE_FACING_PUBLIC,
        bearing=270,
        retention_days=30,
        latitude=-7.47,
        longitude=112.43,
    )
    assert camera.owner_assigned
    assert (camera.owner_agency_id, camera.site_id, camera.name, camera.bearing) == (
        "mall",
        None,
        "Gerbang",
        270,
    )
    city.sync_server_cameras("srv1", "dishub", ["gate", "road"])
    assert city.get_camera("srv1/gate").owner_agency_id == "mall", "explicit owner kept"
    revision = city.revision
    city.assign_camera("srv1/gate", bearing=270)
    assert city.revision == revision
    _unchanged_after(city, ErrorKey.SITE_NOT_FOUND, lambda: city.assign_camera("srv1/gate", site_id="nope"))
    _unchanged_after(
        city,
        ErrorKey.AGENCY_NOT_FOUND,
        lambda: city.assign_camera("srv1/gate", owner_agency_id="nope"),
    )
    _unchanged_after(city, ErrorKey.INVALID_BEARING, lambda: city.assign_camera("srv1/gate", bearing=360))
    _unchanged_after(
        city,
        ErrorKey.COORDINATES_INCOMPLETE,
        lambda: city.assign_camera("srv1/gate", latitude=None),
    )
    _unchanged_after(city, ErrorKey.CAMERA_NOT_FOUND, lambda: city.assign_camera("srv9/x", bearing=1))


def test_add_registry_camera(city: Registry) -> None:
    kwargs: dict[str, Any] = {
        "owner_agency_id": "mall",
        "purpose": CameraPurpose.PRIVATE_PREMISES,
        "area_type": AreaType.PRIVATE_FACING_PUBLIC,
    }
    first = city.add_registry_camera(name="Lobby Cam", **kwargs)
    second = city.add_registry_camera(name="Lobby cam!", **kwargs)
    assert (first.id, second.id) == ("registry/lobby-cam", "registry/lobby-cam-2")
    assert first.owner_assigned
    assert first.is_registry_only
    assert city.add_registry_camera(name="***", **kwargs).id == "registry/camera"
    assert city.add_registry_camera(name="Parkir", slug="parkir-1", **kwargs).id == ("registry/parkir-1")
    _unchanged_after(
        city,
        ErrorKey.CAMERA_ID_TAKEN,
        lambda: city.add_registry_camera(name="Parkir", slug="parkir-1", **kwargs),
    )
    _unchanged_after(
        city,
        ErrorKey.AGENCY_NOT_FOUND,
        lambda: city.add_registry_camera(name="X", **{**kwargs, "owner_agency_id": "nope"}),
    )
    _unchanged_after(
        city,
        ErrorKey.SITE_NOT_FOUND,
        lambda: city.add_registry_camera(name="X", site_id="nope", **kwargs),
    )
    _unchanged_after(
        city,
        ErrorKey.INVALID_ID,
        lambda: city.add_registry_camera(name="X", slug="Bad Slug", **kwargs),
    )


def test_remove_camera(city: Registry) -> None:
    _unchanged_after(city, ErrorKey.CAMERA_STILL_REPORTED, lambda: city.remove_camera("srv1/gate"))
    city.sync_server_cameras("srv1", "dishub", ["road"])
    grant_id = _grant(city)
    error = _unchanged_after(city, ErrorKey.CAMERA_IN_USE, lambda: city.remove_camera("srv1/gate"))
    assert error.placeholders["grants"] == "1"
    city.revoke_grant(grant_id, revoked_by="u-admin")
    _unchanged_after(city, ErrorKey.OPEN_WORK, lambda: city.remove_camera("srv1/gate", open_work=["request"]))
    assert city.remove_camera("srv1/gate").id == "srv1/gate"
    assert city.remove_camera("registry/kiosk").id == "registry/kiosk"
    assert set(city.cameras) == {"srv1/road"}


# -------------------------------------------------------------------------------- operators


def test_operators(city: Registry) -> None:
    operator = city.set_operator("u1", agency_id="dishub", role=Role.OPERATOR, name="Sari")
    assert city.get_operator("u1") == operator
    revision = city.revision
    city.set_operator("u1", agency_id="dishub", role=Role.OPERATOR, name="Sari")
    assert city.revision == revision
    city.set_operator("u1", agency_id="polres", role=Role.VIEWER)
    assert [o.user_id for o in city.operators_of("polres")] == ["u1"]
    assert city.operators_of("dishub") == []
    _unchanged_after(
        city,
        ErrorKey.AGENCY_NOT_FOUND,
        lambda: city.set_operator("u2", agency_id="nope", role=Role.VIEWER),
    )
    _unchanged_after(
        city,
        ErrorKey.INVALID_CHOICE,
        lambda: city.set_operator("u2", agency_id="dishub", role="mayor"),  # type: ignore[arg-type]
    )
    assert city.remove_operator("u1").agency_id == "polres"
    _unchanged_after(city, ErrorKey.OPERATOR_NOT_FOUND, lambda: city.remove_operator("u1"))


# ----------------------------------------------------------------------------------- grants


def test_create_and_revoke_grant(city: Registry, clock: Clock) -> None:
    grant = city.create_grant(
        owner_agency_id="dishub",
        grantee_agency_id="polres",
        privileges=[Privilege.VIEW_LIVE, Privilege.RECEIVE_ALERTS],
        scope=GrantScope.SITE,
        scope_id="alun-alun",
        until=T0 + timedelta(days=2),
        emergency_only=True,
        created_by="u-admin",
        reason="Lebaran",
    )
    assert (grant.id, grant.created_at, grant.emergency_only) == ("grant-1", T0, True)
    assert _grant(city, scope=GrantScope.ALL, scope_id=None) == "grant-2"
    assert [g.id for g in city.grants_involving("polres")] == ["grant-1", "grant-2"]
    assert city.grants_involving("mall") == []
    clock.advance(hours=1)
    revoked = city.revoke_grant("grant-1", revoked_by="u-admin", reason="selesai")
    assert (revoked.revoked_at, revoked.revoked_by, revoked.revoke_reason) == (
        clock.now,
        "u-admin",
        "selesai",
    )
    _unchanged_after(
        city,
        ErrorKey.GRANT_ALREADY_REVOKED,
        lambda: city.revoke_grant("grant-1", revoked_by="u-admin"),
    )
    _unchanged_after(city, ErrorKey.FIELD_REQUIRED, lambda: city.revoke_grant("grant-2", revoked_by=" "))
    _unchanged_after(city, ErrorKey.GRANT_NOT_FOUND, lambda: city.revoke_grant("grant-9", revoked_by="u"))


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"owner_agency_id": "nope"}, ErrorKey.AGENCY_NOT_FOUND),
        ({"grantee_agency_id": "nope"}, ErrorKey.AGENCY_NOT_FOUND),
        ({"grantee_agency_id": "dishub"}, ErrorKey.GRANT_TO_OWN_AGENCY),
        ({"until": T0}, ErrorKey.GRANT_UNTIL_PASSED),
        ({"scope_id": "srv9/none"}, ErrorKey.CAMERA_NOT_FOUND),
        ({"owner_agency_id": "mall"}, ErrorKey.GRANT_CAMERA_NOT_OWNED),
        ({"scope": GrantScope.SITE, "scope_id": "nope"}, ErrorKey.SITE_NOT_FOUND),
        ({"privileges": []}, ErrorKey.GRANT_PRIVILEGES_REQUIRED),
    ],
)
def test_create_grant_validates_first(city: Registry, overrides: dict[str, Any], key: ErrorKey) -> None:
    _unchanged_after(city, key, lambda: _grant(city, **overrides))
    assert _grant(city) == "grant-1", "a refused grant does not use up a number"


# -------------------------------------------------------------------------------- emergency


def test_emergency(city: Registry, clock: Clock) -> None:
    changes: list[Change] = []
    city.add_listener(changes.append)
    assert not city.emergency.active
    state = city.set_emergency(True, changed_by="u-admin", reason="banjir")
    assert (state.active, state.changed_at, state.reason) == (True, T0, "banjir")
    assert changes == [Change(Operation.SET_EMERGENCY, emergency=True)]
    clock.advance(minutes=5)
    assert city.set_emergency(True, changed_by="u-admin").changed_at == T0, "no-op keeps state"
    assert len(changes) == 1
    _unchanged_after(city, ErrorKey.FIELD_REQUIRED, lambda: city.set_emergency(False, changed_by=""))
    assert not city.set_emergency(False, changed_by="u-admin").active


# -------------------------------------------------------------------------------- listeners


def test_listeners(city: Registry, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def broken(change: Change) -> None:
        raise RuntimeError("listener bug")

    remove_broken = city.add_listener(broken)
    remove = city.add_listener(lambda change: seen.append(change.operation))
    with caplog.at_level(logging.ERROR):
        city.create_agency(code="BPBD", name="BPBD", kind=AgencyKind.OTHER)
    assert seen == ["create_agency"]
    assert "listener failed" in caplog.text
    remove()
    remove()  # removing twice is harmless
    remove_broken()
    city.delete_agency("bpbd")
    assert seen == ["create_agency"]


# ---------------------------------------------------------------------------------- storage


def test_storage_round_trip(city: Registry, clock: Clock) -> None:
    city.set_operator("u1", agency_id="polres", role=Role.AGENCY_ADMIN, name="Andi")
    _grant(city, until=T0 + timedelta(days=1))
    city.revoke_grant(_grant(city, scope=GrantScope.ALL, scope_id=None), revoked_by="u-admin")
    city.set_emergency(True, changed_by="u-admin")
    city.update_agency("mall", contacts=[Contact(name="Satpam", phone="031 123456")])
    data = json.loads(json.dumps(city.to_dict()))
    restored = Registry.from_dict(data, clock=clock)
    assert restored.to_dict() == city.to_dict()
    assert restored.emergency == city.emergency
    assert _grant(restored) == "grant-3", "the grant counter survives"


def _damage(data: dict[str, Any], how: str) -> None:
    if how == "missing_section":
        del data["sites"]
    elif how == "bad_record":
        data["cameras"][0]["bearing"] = 720
    elif how == "duplicate_code":
        data["agencies"][1]["code"] = data["agencies"][0]["code"]
    elif how == "site_agency":
        data["sites"][0]["agency_id"] = "ghost"
    elif how == "camera_owner":
        data["cameras"][0]["owner_agency_id"] = "ghost"
    elif how == "camera_site":
        data["cameras"][0]["site_id"] = "ghost"
    elif how == "operator_agency":
        data["operators"] = [{"user_id": "u", "agency_id": "ghost", "role": "viewer"}]
    elif how == "bad_enum":
        data["agencies"][0]["kind"] = "ministry"


@pytest.mark.parametrize(
    "how",
    [
        "missing_section",
        "bad_record",
        "duplicate_code",
        "site_agency",
        "camera_owner",
        "camera_site",
        "operator_agency",
        "bad_enum",
    ],
)
def test_damaged_storage_is_refused(city: Registry, how: str) -> None:
    data = city.to_dict()
    _damage(data, how)
    with pytest.raises(ValidationError) as info:
        Registry.from_dict(data)
    assert_error(info.value, ErrorKey.STORAGE_INVALID)
    assert info.value.placeholders["detail"]


VERSION_1: dict[str, Any] = {
    "agencies": [
        {
            "id": "dishub",
            "name": "Dinas Perhubungan",
            "code": "DISHUB",
            "kind": "city_department",
            "contact": {"name": "Budi", "phone": "0812345678"},
        },
        {"id": "polres", "name": "Polres", "code": "POLRES", "kind": "vertical_agency"},
    ],
    "sites": [{"id": "alun-alun", "name": "Alun-alun", "latitude": -7.47, "longitude": 112.43}],
    "cameras": [
        {
            "id": "srv1/gate",
            "name": "Gate",
            "agency": "dishub",
            "purpose": "traffic",
            "site_id": "alun-alun",
        },
        {"id": "registry/kiosk", "name": "Kiosk", "agency": "dishub", "purpose": "other"},
    ],
    "operators": [{"user_id": "u1", "agency_id": "polres", "role": "operator"}],
    "grants": [
        {
            "id": "grant-7",
            "owner_agency_id": "dishub",
            "grantee_agency_id": "polres",
            "privileges": "view_live,receive_alerts",
            "scope": "all",
            "scope_id": None,
            "created_by": "u-admin",
            "created_at": "2025-01-01T00:00:00+07:00",
        }
    ],
    "emergency_mode": True,
}


def test_migrate_from_version_1() -> None:
    original = copy.deepcopy(VERSION_1)
    migrated = migrate(1, VERSION_1)
    assert original == VERSION_1, "the input is left untouched"
    registry = Registry.from_dict(migrated)
    assert registry.get_agency("dishub").contacts == (Contact(name="Budi", phone="0812345678"),)
    assert registry.get_agency("polres").contacts == ()
    gate = registry.get_camera("srv1/gate")
    assert (gate.owner_agency_id, gate.area_type, gate.present, gate.owner_assigned) == (
        "dishub",
        AreaType.PUBLIC_ROAD,
        True,
        True,
    )
    assert registry.get_camera("registry/kiosk").area_type is None
    grant = registry.get_grant("grant-7")
    assert grant.privileges == {Privilege.VIEW_LIVE, Privilege.RECEIVE_ALERTS}
    assert not grant.emergency_only
    assert registry.emergency.active
    assert _grant(registry, scope_id="srv1/gate") == "grant-8"
    assert migrate(STORAGE_VERSION, registry.to_dict()) == registry.to_dict()


def test_migrate_refuses_unknown_versions_and_damage() -> None:
    for version in (0, STORAGE_VERSION + 1):
        with pytest.raises(ValidationError) as info:
            migrate(version, {})
        assert_error(info.value, ErrorKey.STORAGE_VERSION_UNSUPPORTED)
    damaged = copy.deepcopy(VERSION_1)
    del damaged["cameras"][0]["agency"]
    with pytest.raises(ValidationError) as info:
        migrate(1, damaged)
    assert_error(info.value, ErrorKey.STORAGE_INVALID)


def test_version_1_without_emergency_or_numbered_grants() -> None:
    data = copy.deepcopy(VERSION_1)
    data["grants"][0]["id"] = "legacy"
    del data["emergency_mode"]
    registry = Registry.from_dict(migrate(1, data))
    assert not registry.emergency.active
    assert "legacy" in registry.grants
    assert _grant(registry, scope_id="srv1/gate") == "grant-1"
