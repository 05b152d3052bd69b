"""Random registries never let anyone do more (or less) than role and grants allow.

The oracle below re-derives every decision from the records with plain loops, sharing no code
with `permissions.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.cameras import AreaType, CameraPurpose, CameraRecord
from custom_components.ncc.core.grants import GrantScope, Privilege
from custom_components.ncc.core.operators import Role
from custom_components.ncc.core.permissions import (
    AGENCY_ACTIONS,
    CAMERA_ACTIONS,
    CITY,
    CITY_ACTIONS,
    AgencyTarget,
    CameraTarget,
    actor_for,
    authorize,
    privileges_for,
    visible_cameras,
)
from custom_components.ncc.core.registry import Registry

from .factories import T0, Clock

AGENCIES = ("a0", "a1", "a2", "a3")
SITES = ("s0", "s1")
USERS = ("u0", "u1", "u2", "u3", "u4")

OWNER_ALLOWS = {
    "agency_admin": {
        "view_camera",
        "view_live",
        "view_recordings",
        "request_export",
        "receive_alerts",
        "decide_footage",
        "assign_camera",
        "acknowledge_incident",
    },
    "operator": {
        "view_camera",
        "view_live",
        "view_recordings",
        "request_export",
        "receive_alerts",
        "acknowledge_incident",
    },
    "viewer": {"view_camera", "view_live", "receive_alerts"},
}


def oracle_role(registry: Registry, user: str, is_ha_admin: bool) -> tuple[str | None, str | None]:
    operator = registry.operators.get(user)
    agency = None if operator is None else operator.agency_id
    if is_ha_admin:
        return "city_admin", agency
    return (None, None) if operator is None else (operator.role.value, agency)


def oracle_camera(
    registry: Registry,
    user: str,
    is_ha_admin: bool,
    camera: CameraRecord,
    action: str,
    now: datetime,
) -> bool:
    role, agency = oracle_role(registry, user, is_ha_admin)
    if role is None:
        return False
    if camera.id.startswith("registry/") and action in ("view_live", "view_recordings"):
        return False
    if role == "city_admin":
        return True
    if camera.owner_agency_id == agency:
        return action in OWNER_ALLOWS[role]
    shared: set[str] = set()
    any_grant = False
    for grant in registry.grants.values():
        if grant.grantee_agency_id != agency or grant.owner_agency_id != camera.owner_agency_id:
            continue
        if grant.revoked_at is not None or (grant.until is not None and now >= grant.until):
            continue
        if grant.emergency_only and not registry.emergency.active:
            continue
        if grant.scope == "camera" and grant.scope_id != camera.id:
            continue
        if grant.scope == "site" and grant.scope_id != camera.site_id:
            continue
        any_grant = True
        shared |= {privilege.value for privilege in grant.privileges}
    if not any_grant:
        return False
    if action == "view_camera":
        return True
    if action in ("view_live", "receive_alerts"):
        return action in shared
    if action in ("view_recordings", "request_export"):
        return role != "viewer" and action in shared
    if action == "acknowledge_incident":
        return role != "viewer" and "receive_alerts" in shared
    return False


def oracle_agency(registry: Registry, user: str, is_ha_admin: bool, agency_id: str, action: str) -> bool:
    role, agency = oracle_role(registry, user, is_ha_admin)
    if role == "city_admin":
        return True
    if role is None or agency != agency_id:
        return False
    if action == "submit_registration":  # filing applications at the agency's front desk
        return role in ("agency_admin", "operator")
    return role == "agency_admin" or action == "view_agency"


@st.composite
def city(draw: st.DrawFn) -> tuple[Registry, datetime]:
    registry = Registry(clock=Clock())
    for agency in AGENCIES:
        registry.create_agency(code=agency.upper(), name=agency, kind=AgencyKind.OTHER)
    for site in SITES:
        registry.create_site(name=site, latitude=0, longitude=0)
    cameras = draw(
        st.lists(
            st.tuples(st.booleans(), st.sampled_from(AGENCIES), st.sampled_from((*SITES, None))),
            min_size=1,
            max_size=8,
        )
    )
    for number, (registry_only, owner, site_id) in enumerate(cameras):
        if registry_only:
            registry.add_registry_camera(
                name=f"r{number}",
                owner_agency_id=owner,
                purpose=CameraPurpose.OTHER,
                area_type=AreaType.PUBLIC_SPACE,
                site_id=site_id,
            )
        else:
            registry.sync_server_cameras("srv", owner, [f"c{number}"])
            registry.assign_camera(f"srv/c{number}", site_id=site_id, owner_agency_id=owner)
    for user in USERS:
        role = draw(st.sampled_from((*Role, None)))
        if role is not None:
            registry.set_operator(user, agency_id=draw(st.sampled_from(AGENCIES)), role=role)
    for _ in range(draw(st.integers(0, 7))):
        owner, grantee = draw(st.lists(st.sampled_from(AGENCIES), min_size=2, max_size=2, unique=True))
        owned = [c.id for c in registry.cameras.values() if c.owner_agency_id == owner]
        scope = draw(st.sampled_from(list(GrantScope)))
        if scope is GrantScope.CAMERA and not owned:
            scope = GrantScope.ALL
        scope_id = {
            GrantScope.CAMERA: draw(st.sampled_from(owned)) if owned else None,
            GrantScope.SITE: draw(st.sampled_from(SITES)),
            GrantScope.ALL: None,
        }[scope]
        hours = draw(st.none() | st.integers(1, 48))
        grant = registry.create_grant(
            owner_agency_id=owner,
            grantee_agency_id=grantee,
            privileges=draw(st.sets(st.sampled_from(list(Privilege)), min_size=1)),
            scope=scope,
            scope_id=scope_id,
            until=None if hours is None else T0 + timedelta(hours=hours),
            emergency_only=draw(st.booleans()),
            created_by="u-admin",
        )
        if draw(st.integers(0, 3)) == 0:
            registry.revoke_grant(grant.id, revoked_by="u-admin")
    camera_ids = sorted(registry.cameras)
    for _ in range(draw(st.integers(0, 4))):
        registry.assign_camera(
            draw(st.sampled_from(camera_ids)), owner_agency_id=draw(st.sampled_from(AGENCIES))
        )
    registry.set_emergency(draw(st.booleans()), changed_by="u-admin")
    now = T0 + timedelta(hours=draw(st.integers(0, 72)))
    return registry, now


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(city())
def test_decisions_match_the_oracle(case: tuple[Registry, datetime]) -> None:
    registry, now = case
    for user in USERS:
        _check_user(registry, user, False, now)
    _check_user(registry, "u-ha-admin", True, now)


def _check_user(registry: Registry, user: str, is_ha_admin: bool, now: datetime) -> None:
    actor = actor_for(registry, user, is_ha_admin)
    for camera in registry.cameras.values():
        expected = {
            action
            for action in CAMERA_ACTIONS
            if oracle_camera(registry, user, is_ha_admin, camera, action, now)
        }
        for action in CAMERA_ACTIONS:
            decision = authorize(registry, actor, action, CameraTarget(camera.id), now)
            assert decision.allowed == (action in expected), (camera.id, action, decision)
        assert privileges_for(registry, actor, camera.id, now) == expected
    expected_visible = {
        camera.id
        for camera in registry.cameras.values()
        if oracle_camera(registry, user, is_ha_admin, camera, "view_camera", now)
    }
    assert {camera.id for camera in visible_cameras(registry, actor, now)} == expected_visible
    for agency in AGENCIES:
        for action in AGENCY_ACTIONS:
            decision = authorize(registry, actor, action, AgencyTarget(agency), now)
            assert decision.allowed == oracle_agency(registry, user, is_ha_admin, agency, action)
    for action in CITY_ACTIONS:
        role, _ = oracle_role(registry, user, is_ha_admin)
        assert authorize(registry, actor, action, CITY, now).allowed == (role == "city_admin")
