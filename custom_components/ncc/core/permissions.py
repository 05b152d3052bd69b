"""Who may do what: the one place NCC decides permissions.

Every service, websocket command and HTTP view builds an `Actor` with `actor_for` and asks
`authorize` (or `require`, which raises `PermissionDenied`). Rules, in short:

- city_admin (HA administrators too): everything, except live/recorded video of registry-only
  cameras, which have no feed.
- agency_admin, operator and viewer of agency A act on the cameras A owns according to their
  role, and on cameras shared with A by an applying grant: `view_camera` plus the granted
  privileges their role can use. A grant applies while it is neither revoked nor expired (and,
  if emergency-only, while emergency mode is on), and only to cameras its owner owns now.
- agency_admin of A manages A, its operators (never as city_admin), its grants and reads its
  audit log; operators and agency_admins of A file private camera registrations at A's front
  desk (`submit_registration`); viewers may only view A.
- users without a role may do nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final
import weakref

from .cameras import CameraRecord
from .errors import ErrorKey, NotFoundError, PermissionDenied
from .grants import Grant, GrantScope, Privilege
from .operators import Role
from .registry import Registry


class Action(StrEnum):
    """Everything NCC guards; see `ACTION_SCOPES` for the target each one takes."""

    # Camera-scoped
    VIEW_CAMERA = "view_camera"
    VIEW_LIVE = "view_live"
    VIEW_RECORDINGS = "view_recordings"
    REQUEST_EXPORT = "request_export"
    RECEIVE_ALERTS = "receive_alerts"
    DECIDE_FOOTAGE = "decide_footage"
    ASSIGN_CAMERA = "assign_camera"
    TRANSFER_CAMERA = "transfer_camera"
    ACKNOWLEDGE_INCIDENT = "acknowledge_incident"
    # Agency-scoped
    VIEW_AGENCY = "view_agency"
    MANAGE_AGENCY = "manage_agency"
    MANAGE_OPERATORS = "manage_operators"
    MANAGE_GRANTS = "manage_grants"
    VIEW_AUDIT = "view_audit"
    SUBMIT_REGISTRATION = "submit_registration"
    # City-scoped
    CREATE_AGENCY = "create_agency"
    DELETE_AGENCY = "delete_agency"
    APPOINT_CITY_ADMIN = "appoint_city_admin"
    MANAGE_SITES = "manage_sites"
    IMPORT_INVENTORY = "import_inventory"
    EXPORT_INVENTORY = "export_inventory"
    SET_EMERGENCY = "set_emergency"
    VERIFY_AUDIT = "verify_audit"
    REVIEW_REGISTRATION = "review_registration"
    MANAGE_SERVERS = "manage_servers"
    MANAGE_ROUTING = "manage_routing"
    LEGAL_HOLD = "legal_hold"
    MANAGE_FOOTAGE_POLICY = "manage_footage_policy"


class ActionScope(StrEnum):
    """The kind of target an action applies to."""

    CAMERA = "camera"
    AGENCY = "agency"
    CITY = "city"


CAMERA_ACTIONS: Final = frozenset(
    {
        Action.VIEW_CAMERA,
        Action.VIEW_LIVE,
        Action.VIEW_RECORDINGS,
        Action.REQUEST_EXPORT,
        Action.RECEIVE_ALERTS,
        Action.DECIDE_FOOTAGE,
        Action.ASSIGN_CAMERA,
        Action.TRANSFER_CAMERA,
        Action.ACKNOWLEDGE_INCIDENT,
    }
)
AGENCY_ACTIONS: Final = frozenset(
    {
        Action.VIEW_AGENCY,
        Action.MANAGE_AGENCY,
        Action.MANAGE_OPERATORS,
        Action.MANAGE_GRANTS,
        Action.VIEW_AUDIT,
        Action.SUBMIT_REGISTRATION,
    }
)
CITY_ACTIONS: Final = frozenset(Action) - CAMERA_ACTIONS - AGENCY_ACTIONS
ACTION_SCOPES: Final[Mapping[Action, ActionScope]] = {
    **dict.fromkeys(CAMERA_ACTIONS, ActionScope.CAMERA),
    **dict.fromkeys(AGENCY_ACTIONS, ActionScope.AGENCY),
    **dict.fromkeys(CITY_ACTIONS, ActionScope.CITY),
}

# Camera actions per role on cameras the actor's agency owns.
OWNER_ACTIONS: Final[Mapping[Role, frozenset[Action]]] = {
    Role.AGENCY_ADMIN: frozenset(
        {
            Action.VIEW_CAMERA,
            Action.VIEW_LIVE,
            Action.VIEW_RECORDINGS,
            Action.REQUEST_EXPORT,
            Action.RECEIVE_ALERTS,
            Action.DECIDE_FOOTAGE,
            Action.ASSIGN_CAMERA,
            Action.ACKNOWLEDGE_INCIDENT,
        }
    ),
    Role.OPERATOR: frozenset(
        {
            Action.VIEW_CAMERA,
            Action.VIEW_LIVE,
            Action.VIEW_RECORDINGS,
            Action.REQUEST_EXPORT,
            Action.RECEIVE_ALERTS,
            Action.ACKNOWLEDGE_INCIDENT,
        }
    ),
    Role.VIEWER: frozenset({Action.VIEW_CAMERA, Action.VIEW_LIVE, Action.RECEIVE_ALERTS}),
}
# Granted privileges each role can use on cameras shared with its agency.
USABLE_PRIVILEGES: Final[Mapping[Role, frozenset[Privilege]]] = {
    Role.AGENCY_ADMIN: frozenset(Privilege),
    Role.OPERATOR: frozenset(Privilege),
    Role.VIEWER: frozenset({Privilege.VIEW_LIVE, Privilege.RECEIVE_ALERTS}),
}
# Roles that may acknowledge incidents on cameras whose alerts were shared with them.
ACKNOWLEDGING_ROLES: Final = frozenset({Role.AGENCY_ADMIN, Role.OPERATOR})
# Agency actions per role on the actor's own agency.
OWN_AGENCY_ACTIONS: Final[Mapping[Role, frozenset[Action]]] = {
    Role.AGENCY_ADMIN: AGENCY_ACTIONS,
    Role.OPERATOR: frozenset({Action.VIEW_AGENCY, Action.SUBMIT_REGISTRATION}),
    Role.VIEWER: frozenset({Action.VIEW_AGENCY}),
}
FEED_ACTIONS: Final = frozenset({Action.VIEW_LIVE, Action.VIEW_RECORDINGS})


@dataclass(frozen=True, slots=True)
class Actor:
    """The user behind a request, as NCC sees them; build one per request with `actor_for`."""

    user_id: str
    name: str = ""
    is_ha_admin: bool = False
    role: Role | None = None
    agency_id: str | None = None

    @property
    def is_city_admin(self) -> bool:
        """True for city administrators and HA administrators."""
        return self.role is Role.CITY_ADMIN


def actor_for(registry: Registry, user_id: str, is_ha_admin: bool, name: str = "") -> Actor:
    """The actor for HA user `user_id` (HA administrators act as city_admin)."""
    operator = registry.operators.get(user_id)
    role = Role.CITY_ADMIN if is_ha_admin else (None if operator is None else operator.role)
    return Actor(
        user_id=user_id,
        name=name or ("" if operator is None else operator.name),
        is_ha_admin=is_ha_admin,
        role=role,
        agency_id=None if operator is None else operator.agency_id,
    )


@dataclass(frozen=True, slots=True)
class CameraTarget:
    """A camera, for camera-scoped actions."""

    camera_id: str


@dataclass(frozen=True, slots=True)
class AgencyTarget:
    """An agency, for agency-scoped actions."""

    agency_id: str


@dataclass(frozen=True, slots=True)
class CityTarget:
    """The whole city, for city-scoped actions (use `CITY`)."""


CITY: Final = CityTarget()

type Target = CameraTarget | AgencyTarget | CityTarget


class DecisionReason(StrEnum):
    """Why `authorize` allowed or refused."""

    CITY_ADMIN = "city_admin"
    OWNER = "owner"
    GRANT = "grant"
    OWN_AGENCY = "own_agency"
    NO_ROLE = "no_role"
    UNKNOWN_TARGET = "unknown_target"
    NO_FEED = "no_feed"
    ROLE_LACKS_ACTION = "role_lacks_action"
    NOT_GRANTED = "not_granted"
    NOT_RELATED = "not_related"
    OTHER_AGENCY = "other_agency"
    CITY_ONLY = "city_only"
    ROUTED = "routed"


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer of `authorize`; `via_grant_id` names the grant that allowed a shared camera."""

    allowed: bool
    reason: DecisionReason
    via_grant_id: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


# ------------------------------------------------------------------------------- access index


@dataclass(frozen=True, slots=True)
class _AccessIndex:
    """Who owns what and which unrevoked grant covers which camera, for one registry revision."""

    revision: int
    owned: Mapping[str, tuple[str, ...]]
    grants_by_grantee: Mapping[str, tuple[tuple[Grant, tuple[str, ...]], ...]]
    grants_by_camera: Mapping[str, tuple[Grant, ...]]


_INDEXES: weakref.WeakKeyDictionary[Registry, _AccessIndex] = weakref.WeakKeyDictionary()


def _index(registry: Registry) -> _AccessIndex:
    index = _INDEXES.get(registry)
    if index is None or index.revision != registry.revision:
        index = _build_index(registry)
        _INDEXES[registry] = index
    return index


def _build_index(registry: Registry) -> _AccessIndex:
    owned: dict[str, list[str]] = {}
    by_owner_site: dict[tuple[str, str], list[str]] = {}
    for camera in sorted(registry.cameras.values(), key=lambda item: item.id):
        owned.setdefault(camera.owner_agency_id, []).append(camera.id)
        if camera.site_id is not None:
            by_owner_site.setdefault((camera.owner_agency_id, camera.site_id), []).append(camera.id)
    by_grantee: dict[str, list[tuple[Grant, tuple[str, ...]]]] = {}
    by_camera: dict[str, list[Grant]] = {}
    for grant in sorted(registry.grants.values(), key=lambda item: item.id):
        if grant.is_revoked:
            continue
        if grant.scope is GrantScope.ALL:
            covered = owned.get(grant.owner_agency_id, [])
        elif grant.scope is GrantScope.SITE:
            covered = by_owner_site.get((grant.owner_agency_id, grant.scope_id or ""), [])
        else:
            scoped = registry.cameras.get(grant.scope_id or "")
            covered = [scoped.id] if scoped is not None and grant.covers(scoped) else []
        by_grantee.setdefault(grant.grantee_agency_id, []).append((grant, tuple(covered)))
        for camera_id in covered:
            by_camera.setdefault(camera_id, []).append(grant)
    return _AccessIndex(
        revision=registry.revision,
        owned={agency: tuple(ids) for agency, ids in owned.items()},
        grants_by_grantee={agency: tuple(items) for agency, items in by_grantee.items()},
        grants_by_camera={camera: tuple(grants) for camera, grants in by_camera.items()},
    )


def _applying_grants(registry: Registry, actor: Actor, camera: CameraRecord, now: datetime) -> list[Grant]:
    emergency = registry.emergency.active
    return [
        grant
        for grant in _index(registry).grants_by_camera.get(camera.id, ())
        if grant.grantee_agency_id == actor.agency_id and grant.applies(now, emergency)
    ]


# ------------------------------------------------------------------------------ camera access


def _camera_access(
    registry: Registry, actor: Actor, camera: CameraRecord, now: datetime
) -> tuple[dict[Action, Decision], DecisionReason]:
    """Allowed camera actions (before the no-feed rule) and the reason for the rest."""
    if actor.is_city_admin:
        allowed = dict.fromkeys(CAMERA_ACTIONS, Decision(True, DecisionReason.CITY_ADMIN))
        return allowed, DecisionReason.CITY_ADMIN
    assert actor.role is not None
    if camera.owner_agency_id == actor.agency_id:
        owner = Decision(True, DecisionReason.OWNER)
        return dict.fromkeys(OWNER_ACTIONS[actor.role], owner), DecisionReason.ROLE_LACKS_ACTION
    decisions: dict[Action, Decision] = {}
    usable = USABLE_PRIVILEGES[actor.role]
    for grant in _applying_grants(registry, actor, camera, now):
        via = Decision(True, DecisionReason.GRANT, grant.id)
        actions = {Action.VIEW_CAMERA} | {Action(p.value) for p in grant.privileges & usable}
        if Privilege.RECEIVE_ALERTS in grant.privileges and actor.role in ACKNOWLEDGING_ROLES:
            actions.add(Action.ACKNOWLEDGE_INCIDENT)
        for action in actions:
            decisions.setdefault(action, via)
    return decisions, DecisionReason.NOT_GRANTED if decisions else DecisionReason.NOT_RELATED


def _authorize_camera(
    registry: Registry, actor: Actor, action: Action, camera_id: str, now: datetime
) -> Decision:
    camera = registry.cameras.get(camera_id)
    if camera is None:
        return Decision(False, DecisionReason.UNKNOWN_TARGET)
    allowed, denial = _camera_access(registry, actor, camera, now)
    decision = allowed.get(action)
    if decision is None:
        return Decision(False, denial)
    if action in FEED_ACTIONS and camera.is_registry_only:
        return Decision(False, DecisionReason.NO_FEED)
    return decision


def _authorize_agency(actor: Actor, action: Action, agency_id: str, registry: Registry) -> Decision:
    if agency_id not in registry.agencies:
        return Decision(False, DecisionReason.UNKNOWN_TARGET)
    if actor.is_city_admin:
        return Decision(True, DecisionReason.CITY_ADMIN)
    assert actor.role is not None
    if agency_id != actor.agency_id:
        return Decision(False, DecisionReason.OTHER_AGENCY)
    if action in OWN_AGENCY_ACTIONS[actor.role]:
        return Decision(True, DecisionReason.OWN_AGENCY)
    return Decision(False, DecisionReason.ROLE_LACKS_ACTION)


def authorize(registry: Registry, actor: Actor, action: Action, target: Target, now: datetime) -> Decision:
    """Decide whether `actor` may do `action` on `target` at `now`.

    Raises ValueError when the target does not fit the action (a programming error).
    """
    scope = ACTION_SCOPES[action]
    if not _target_fits(scope, target):
        raise ValueError(f"{action} needs a {scope} target, got {target!r}")
    if actor.role is None:
        return Decision(False, DecisionReason.NO_ROLE)
    if isinstance(target, CameraTarget):
        return _authorize_camera(registry, actor, action, target.camera_id, now)
    if isinstance(target, AgencyTarget):
        return _authorize_agency(actor, action, target.agency_id, registry)
    if actor.is_city_admin:
        return Decision(True, DecisionReason.CITY_ADMIN)
    return Decision(False, DecisionReason.CITY_ONLY)


def _target_fits(scope: ActionScope, target: Target) -> bool:
    if scope is ActionScope.CAMERA:
        return isinstance(target, CameraTarget)
    if scope is ActionScope.AGENCY:
        return isinstance(target, AgencyTarget)
    return isinstance(target, CityTarget)


def require(registry: Registry, actor: Actor, action: Action, target: Target, now: datetime) -> Decision:
    """Like `authorize`, but raise `PermissionDenied` (or `NotFoundError`) when refused.

    Only city administrators learn that a target does not exist; others are just refused,
    so ids of cameras they may not see stay unconfirmed.
    """
    decision = authorize(registry, actor, action, target, now)
    if decision.allowed:
        return decision
    if decision.reason is DecisionReason.NO_ROLE:
        raise PermissionDenied(ErrorKey.NO_ROLE)
    if isinstance(target, CameraTarget):
        camera = registry.cameras.get(target.camera_id)
        if camera is None and actor.is_city_admin:
            raise NotFoundError(ErrorKey.CAMERA_NOT_FOUND, camera=target.camera_id)
        label = target.camera_id if camera is None else camera.name
        if decision.reason is DecisionReason.NO_FEED:
            raise PermissionDenied(ErrorKey.CAMERA_HAS_NO_FEED, camera=label)
        raise PermissionDenied(ErrorKey.PERMISSION_DENIED_CAMERA, action=action, camera=label)
    if isinstance(target, AgencyTarget):
        agency = registry.agencies.get(target.agency_id)
        if agency is None and actor.is_city_admin:
            raise NotFoundError(ErrorKey.AGENCY_NOT_FOUND, agency=target.agency_id)
        label = target.agency_id if agency is None else agency.name
        raise PermissionDenied(ErrorKey.PERMISSION_DENIED_AGENCY, action=action, agency=label)
    raise PermissionDenied(ErrorKey.PERMISSION_DENIED_CITY, action=action)


# -------------------------------------------------------------------------- composite checks


def require_incident_action(
    registry: Registry,
    actor: Actor,
    camera_id: str,
    routed_agency_ids: Iterable[str],
    now: datetime,
) -> Decision:
    """Acknowledging or closing an incident.

    Allowed to those who may `acknowledge_incident` on its camera, and to operators and agency
    administrators of every agency the incident was routed to (a fire seen by a Dishub camera
    is the fire service's to acknowledge, grant or not). Raises like `require` otherwise.
    """
    target = CameraTarget(camera_id)
    decision = authorize(registry, actor, Action.ACKNOWLEDGE_INCIDENT, target, now)
    if decision.allowed:
        return decision
    if actor.role in ACKNOWLEDGING_ROLES and actor.agency_id in set(routed_agency_ids):
        return Decision(True, DecisionReason.ROUTED)
    return require(registry, actor, Action.ACKNOWLEDGE_INCIDENT, target, now)


def operator_change_checks(
    registry: Registry, user_id: str, *, agency_id: str | None, role: Role | None
) -> list[tuple[Action, Target]]:
    """What giving `user_id` `role` in `agency_id` takes (both None: removing their role).

    manage_operators on the new agency and on the user's current one, and appoint_city_admin
    whenever a city_admin role is given or taken away.
    """
    if (agency_id is None) != (role is None):
        raise ValueError("give both agency_id and role, or neither to remove the role")
    checks: list[tuple[Action, Target]] = []
    if agency_id is not None:
        checks.append((Action.MANAGE_OPERATORS, AgencyTarget(agency_id)))
    if role is Role.CITY_ADMIN:
        checks.append((Action.APPOINT_CITY_ADMIN, CITY))
    current = registry.operators.get(user_id)
    if current is not None:
        if current.agency_id != agency_id:
            checks.append((Action.MANAGE_OPERATORS, AgencyTarget(current.agency_id)))
        if current.role is Role.CITY_ADMIN and role is not Role.CITY_ADMIN:
            checks.append((Action.APPOINT_CITY_ADMIN, CITY))
    # Removing a role nobody has: only city administrators get to hear that.
    return checks or [(Action.APPOINT_CITY_ADMIN, CITY)]


def camera_assignment_checks(
    registry: Registry, camera_id: str, *, owner_agency_id: str | None
) -> list[tuple[Action, Target]]:
    """What reassigning `camera_id` takes: assign_camera, plus transfer_camera to move owner."""
    target = CameraTarget(camera_id)
    checks: list[tuple[Action, Target]] = [(Action.ASSIGN_CAMERA, target)]
    camera = registry.cameras.get(camera_id)
    if camera is not None and owner_agency_id not in (None, camera.owner_agency_id):
        checks.append((Action.TRANSFER_CAMERA, target))
    return checks


def authorize_all(
    registry: Registry, actor: Actor, checks: list[tuple[Action, Target]], now: datetime
) -> Decision:
    """The first refusal among `checks`, or the last approval when all pass."""
    if not checks:
        raise ValueError("no checks given")
    for action, target in checks:
        decision = authorize(registry, actor, action, target, now)
        if not decision.allowed:
            return decision
    return decision


def require_all(registry: Registry, actor: Actor, checks: list[tuple[Action, Target]], now: datetime) -> None:
    """`require` each of `checks` in turn (raising on the first refusal)."""
    if not checks:
        raise ValueError("no checks given")
    for action, target in checks:
        require(registry, actor, action, target, now)


# ------------------------------------------------------------------------------ camera lists


def privileges_for(registry: Registry, actor: Actor, camera_id: str, now: datetime) -> frozenset[Action]:
    """The camera actions `actor` may do on `camera_id` now (empty for an unknown camera)."""
    camera = registry.cameras.get(camera_id)
    if camera is None or actor.role is None:
        return frozenset()
    allowed = frozenset(_camera_access(registry, actor, camera, now)[0])
    return allowed - FEED_ACTIONS if camera.is_registry_only else allowed


def visible_cameras(registry: Registry, actor: Actor, now: datetime) -> list[CameraRecord]:
    """The cameras `actor` may see listed (view_camera), by id."""
    if actor.role is None:
        return []
    cameras = registry.cameras
    if actor.is_city_admin:
        return [cameras[camera_id] for camera_id in sorted(cameras)]
    index = _index(registry)
    agency_id = actor.agency_id or ""
    visible = set(index.owned.get(agency_id, ()))
    emergency = registry.emergency.active
    for grant, covered in index.grants_by_grantee.get(agency_id, ()):
        if grant.applies(now, emergency):
            visible.update(covered)
    return [cameras[camera_id] for camera_id in sorted(visible)]
