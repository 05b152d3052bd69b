"""The registry: the aggregate of agencies, sites, cameras, operators, grants and emergency mode.

Every mutation validates first and changes nothing on error, then bumps `revision` and tells
the listeners what changed (the Home Assistant layer saves and refreshes from there).
Mutations are synchronous and in-memory; the HA event loop serializes them. Permission checks
are not made here: callers decide with `permissions.authorize` first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum, StrEnum
import logging
from types import MappingProxyType
from typing import Any, Final

from .agencies import Agency, AgencyKind, Contact, agency_id_for_code, check_agency_code
from .cameras import (
    AreaType,
    CameraPurpose,
    CameraRecord,
    SyncResult,
    check_frigate_camera_name,
    check_server_id,
    frigate_camera_id,
    registry_camera_id,
)
from .errors import (
    ConflictError,
    ErrorKey,
    NotFoundError,
    ValidationError,
    check_optional_text,
    check_text,
    slugify,
    unique_id,
)
from .grants import Grant, GrantScope, Privilege, check_aware
from .inventory import InventoryError, InventoryPlan, InventoryResult, RowError, resolve_inventory
from .operators import Operator, Role
from .sites import Site

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 2


class _Unchanged(Enum):
    UNCHANGED = "unchanged"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""Default of update arguments: keep the current value (None is a value: "clear it")."""

type Maybe[T] = T | _Unchanged


def _pick[T](new: Maybe[T], old: T) -> T:
    return old if isinstance(new, _Unchanged) else new


class Operation(StrEnum):
    """The registry mutation a `Change` reports."""

    CREATE_AGENCY = "create_agency"
    UPDATE_AGENCY = "update_agency"
    DELETE_AGENCY = "delete_agency"
    CREATE_SITE = "create_site"
    UPDATE_SITE = "update_site"
    DELETE_SITE = "delete_site"
    SYNC_SERVER_CAMERAS = "sync_server_cameras"
    ASSIGN_CAMERA = "assign_camera"
    ADD_REGISTRY_CAMERA = "add_registry_camera"
    REMOVE_CAMERA = "remove_camera"
    SET_OPERATOR = "set_operator"
    REMOVE_OPERATOR = "remove_operator"
    CREATE_GRANT = "create_grant"
    REVOKE_GRANT = "revoke_grant"
    SET_EMERGENCY = "set_emergency"
    IMPORT_INVENTORY = "import_inventory"


@dataclass(frozen=True, slots=True)
class Change:
    """What one successful mutation changed: the ids touched per kind of record."""

    operation: Operation
    agencies: frozenset[str] = field(default=frozenset())
    sites: frozenset[str] = field(default=frozenset())
    cameras: frozenset[str] = field(default=frozenset())
    operators: frozenset[str] = field(default=frozenset())
    grants: frozenset[str] = field(default=frozenset())
    emergency: bool = False


type Listener = Callable[[Change], None]


@dataclass(frozen=True, slots=True)
class EmergencyState:
    """The city's emergency mode: while active, emergency-only grants apply."""

    active: bool = False
    changed_at: datetime | None = None
    changed_by: str | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "active": self.active,
            "changed_at": None if self.changed_at is None else self.changed_at.isoformat(),
            "changed_by": self.changed_by,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmergencyState:
        """Inverse of `to_dict`."""
        changed_at = data.get("changed_at")
        changed_by = data.get("changed_by")
        return cls(
            active=bool(data["active"]),
            changed_at=None if changed_at is None else datetime.fromisoformat(changed_at),
            changed_by=None if changed_by is None else str(changed_by),
            reason=str(data.get("reason", "")),
        )


class _InconsistentData(Exception):
    """Stored records are valid one by one but contradict each other."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Registry:
    """All command-center records, with validated, atomic, observable mutations."""

    def __init__(self, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._agencies: dict[str, Agency] = {}
        self._sites: dict[str, Site] = {}
        self._cameras: dict[str, CameraRecord] = {}
        self._operators: dict[str, Operator] = {}
        self._grants: dict[str, Grant] = {}
        self._emergency = EmergencyState()
        self._next_grant_number = 1
        self._revision = 0
        self._listeners: list[Listener] = []

    # ----------------------------------------------------------------------------------- reads

    @property
    def revision(self) -> int:
        """Increases with every successful mutation (caches key on it)."""
        return self._revision

    def now(self) -> datetime:
        """The registry clock's current time (aware)."""
        return self._clock()

    @property
    def agencies(self) -> Mapping[str, Agency]:
        """Agencies by id (read-only view)."""
        return MappingProxyType(self._agencies)

    @property
    def sites(self) -> Mapping[str, Site]:
        """Sites by id (read-only view)."""
        return MappingProxyType(self._sites)

    @property
    def cameras(self) -> Mapping[str, CameraRecord]:
        """Camera records by id (read-only view)."""
        return MappingProxyType(self._cameras)

    @property
    def operators(self) -> Mapping[str, Operator]:
        """Operators by HA user id (read-only view)."""
        return MappingProxyType(self._operators)

    @property
    def grants(self) -> Mapping[str, Grant]:
        """Grants by id, revoked ones included (read-only view)."""
        return MappingProxyType(self._grants)

    @property
    def emergency(self) -> EmergencyState:
        """The city's emergency mode."""
        return self._emergency

    def get_agency(self, agency_id: str) -> Agency:
        """The agency `agency_id`; NotFoundError if there is none."""
        try:
            return self._agencies[agency_id]
        except KeyError:
            raise NotFoundError(ErrorKey.AGENCY_NOT_FOUND, agency=agency_id) from None

    def get_site(self, site_id: str) -> Site:
        """The site `site_id`; NotFoundError if there is none."""
        try:
            return self._sites[site_id]
        except KeyError:
            raise NotFoundError(ErrorKey.SITE_NOT_FOUND, site=site_id) from None

    def get_camera(self, camera_id: str) -> CameraRecord:
        """The camera record `camera_id`; NotFoundError if there is none."""
        try:
            return self._cameras[camera_id]
        except KeyError:
            raise NotFoundError(ErrorKey.CAMERA_NOT_FOUND, camera=camera_id) from None

    def get_operator(self, user_id: str) -> Operator:
        """The operator record of HA user `user_id`; NotFoundError if the user has no role."""
        try:
            return self._operators[user_id]
        except KeyError:
            raise NotFoundError(ErrorKey.OPERATOR_NOT_FOUND, user=user_id) from None

    def get_grant(self, grant_id: str) -> Grant:
        """The grant `grant_id`; NotFoundError if there is none."""
        try:
            return self._grants[grant_id]
        except KeyError:
            raise NotFoundError(ErrorKey.GRANT_NOT_FOUND, grant=grant_id) from None

    def find_agency_by_code(self, code: str) -> Agency | None:
        """The agency with short code `code` (any case), or None."""
        wanted = code.strip().upper()
        return next((a for a in self._agencies.values() if a.code == wanted), None)

    def cameras_of(self, agency_id: str) -> list[CameraRecord]:
        """Cameras `agency_id` owns, by id."""
        return sorted(
            (c for c in self._cameras.values() if c.owner_agency_id == agency_id),
            key=lambda camera: camera.id,
        )

    def cameras_at(self, site_id: str) -> list[CameraRecord]:
        """Cameras at site `site_id`, by id."""
        return sorted(
            (c for c in self._cameras.values() if c.site_id == site_id),
            key=lambda camera: camera.id,
        )

    def operators_of(self, agency_id: str) -> list[Operator]:
        """Operators of `agency_id`, by user id."""
        return sorted(
            (o for o in self._operators.values() if o.agency_id == agency_id),
            key=lambda operator: operator.user_id,
        )

    def grants_involving(self, agency_id: str) -> list[Grant]:
        """Grants (revoked included) where `agency_id` is the owner or the grantee, by id."""
        return sorted(
            (g for g in self._grants.values() if agency_id in (g.owner_agency_id, g.grantee_agency_id)),
            key=lambda grant: grant.id,
        )

    # ------------------------------------------------------------------------------- listeners

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(change)` after each successful mutation; returns the remover."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _commit(self, change: Change) -> None:
        self._revision += 1
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                # The mutation is done; one broken listener must not starve the others.
                _LOGGER.exception("Registry listener failed for %s", change.operation)

    # -------------------------------------------------------------------------------- agencies

    def create_agency(
        self,
        *,
        code: str,
        name: str,
        kind: AgencyKind,
        agency_id: str | None = None,
        contacts: Sequence[Contact] = (),
        notify_targets: Sequence[str] = (),
    ) -> Agency:
        """Create an agency; its id defaults to its code as a slug (DISHUB -> dishub)."""
        normalized_code = check_agency_code(code)
        if agency_id is None:
            agency_id = unique_id(agency_id_for_code(normalized_code), self._agencies, "_")
        elif agency_id in self._agencies:
            raise ConflictError(ErrorKey.AGENCY_ID_TAKEN, agency=agency_id)
        agency = Agency(
            id=agency_id,
            name=name,
            code=normalized_code,
            kind=kind,
            contacts=tuple(contacts),
            notify_targets=tuple(notify_targets),
        )
        self._check_code_free(agency.code, agency.id)
        self._agencies[agency.id] = agency
        self._commit(Change(Operation.CREATE_AGENCY, agencies=frozenset({agency.id})))
        return agency

    def update_agency(
        self,
        agency_id: str,
        *,
        name: Maybe[str] = UNCHANGED,
        code: Maybe[str] = UNCHANGED,
        kind: Maybe[AgencyKind] = UNCHANGED,
        contacts: Maybe[Sequence[Contact]] = UNCHANGED,
        notify_targets: Maybe[Sequence[str]] = UNCHANGED,
    ) -> Agency:
        """Change the given fields of an agency."""
        current = self.get_agency(agency_id)
        updated = replace(
            current,
            name=_pick(name, current.name),
            code=_pick(code, current.code),
            kind=_pick(kind, current.kind),
            contacts=tuple(_pick(contacts, current.contacts)),
            notify_targets=tuple(_pick(notify_targets, current.notify_targets)),
        )
        self._check_code_free(updated.code, agency_id)
        if updated != current:
            self._agencies[agency_id] = updated
            self._commit(Change(Operation.UPDATE_AGENCY, agencies=frozenset({agency_id})))
        return updated

    def delete_agency(self, agency_id: str, *, open_work: Sequence[str] = ()) -> Agency:
        """Delete an agency that owns nothing, has no one and shares or receives nothing.

        `open_work` lists the caller's own blockers (e.g. "2 open footage requests").
        """
        agency = self.get_agency(agency_id)
        now = self.now()
        cameras = sum(1 for c in self._cameras.values() if c.owner_agency_id == agency_id)
        operators = sum(1 for o in self._operators.values() if o.agency_id == agency_id)
        grants = sum(
            1
            for g in self._grants.values()
            if g.is_live(now) and agency_id in (g.owner_agency_id, g.grantee_agency_id)
        )
        sites = sum(1 for s in self._sites.values() if s.agency_id == agency_id)
        if cameras or operators or grants or sites:
            raise ConflictError(
                ErrorKey.AGENCY_IN_USE,
                agency=agency.code,
                cameras=cameras,
                operators=operators,
                grants=grants,
                sites=sites,
            )
        self._check_open_work(agency.code, open_work)
        del self._agencies[agency_id]
        self._commit(Change(Operation.DELETE_AGENCY, agencies=frozenset({agency_id})))
        return agency

    def _check_code_free(self, code: str, agency_id: str) -> None:
        holder = self.find_agency_by_code(code)
        if holder is not None and holder.id != agency_id:
            raise ConflictError(ErrorKey.AGENCY_CODE_TAKEN, code=code, agency=holder.name)

    @staticmethod
    def _check_open_work(target: str, open_work: Sequence[str]) -> None:
        blockers = [item.strip() for item in open_work if item.strip()]
        if blockers:
            raise ConflictError(ErrorKey.OPEN_WORK, target=target, open_work="; ".join(blockers))

    def _check_agency_exists(self, agency_id: str | None) -> None:
        if agency_id is not None:
            self.get_agency(agency_id)

    def _check_site_exists(self, site_id: str | None) -> None:
        if site_id is not None:
            self.get_site(site_id)

    # ----------------------------------------------------------------------------------- sites

    def create_site(
        self,
        *,
        name: str,
        latitude: float,
        longitude: float,
        address: str = "",
        agency_id: str | None = None,
        site_id: str | None = None,
    ) -> Site:
        """Create a site; its id defaults to a slug of its name."""
        if site_id is None:
            site_id = unique_id(slugify(name) or "site", self._sites, "-")
        elif site_id in self._sites:
            raise ConflictError(ErrorKey.SITE_ID_TAKEN, site=site_id)
        site = Site(
            id=site_id,
            name=name,
            address=address,
            latitude=latitude,
            longitude=longitude,
            agency_id=agency_id,
        )
        self._check_agency_exists(agency_id)
        self._sites[site.id] = site
        self._commit(Change(Operation.CREATE_SITE, sites=frozenset({site.id})))
        return site

    def update_site(
        self,
        site_id: str,
        *,
        name: Maybe[str] = UNCHANGED,
        address: Maybe[str] = UNCHANGED,
        latitude: Maybe[float] = UNCHANGED,
        longitude: Maybe[float] = UNCHANGED,
        agency_id: Maybe[str | None] = UNCHANGED,
    ) -> Site:
        """Change the given fields of a site (agency_id=None clears the responsible agency)."""
        current = self.get_site(site_id)
        updated = replace(
            current,
            name=_pick(name, current.name),
            address=_pick(address, current.address),
            latitude=_pick(latitude, current.latitude),
            longitude=_pick(longitude, current.longitude),
            agency_id=_pick(agency_id, current.agency_id),
        )
        self._check_agency_exists(updated.agency_id)
        if updated != current:
            self._sites[site_id] = updated
            self._commit(Change(Operation.UPDATE_SITE, sites=frozenset({site_id})))
        return updated

    def delete_site(self, site_id: str, *, open_work: Sequence[str] = ()) -> Site:
        """Delete a site no camera stands at and no live grant is scoped to."""
        site = self.get_site(site_id)
        now = self.now()
        cameras = sum(1 for c in self._cameras.values() if c.site_id == site_id)
        grants = sum(
            1
            for g in self._grants.values()
            if g.scope is GrantScope.SITE and g.scope_id == site_id and g.is_live(now)
        )
        if cameras or grants:
            raise ConflictError(ErrorKey.SITE_IN_USE, site=site.name, cameras=cameras, grants=grants)
        self._check_open_work(site.name, open_work)
        del self._sites[site_id]
        self._commit(Change(Operation.DELETE_SITE, sites=frozenset({site_id})))
        return site

    # --------------------------------------------------------------------------------- cameras

    def sync_server_cameras(
        self, server_id: str, default_agency_id: str, frigate_names: Iterable[str]
    ) -> SyncResult:
        """Bring a Frigate server's camera list into the registry.

        New names get records owned by `default_agency_id` (the server's agency); cameras the
        server no longer reports are kept (with their assignments) but marked not present;
        cameras whose owner was never assigned explicitly follow the server's agency.
        """
        check_server_id(server_id)
        self.get_agency(default_agency_id)
        reported = {frigate_camera_id(server_id, check_frigate_camera_name(name)) for name in frigate_names}
        prefix = f"{server_id}/"
        updates: dict[str, CameraRecord] = {}
        added: list[str] = []
        missing: list[str] = []
        returned: list[str] = []
        reassigned: list[str] = []
        for camera_id in sorted(reported - self._cameras.keys()):
            updates[camera_id] = CameraRecord(
                id=camera_id,
                name=camera_id.partition("/")[2],
                owner_agency_id=default_agency_id,
            )
            added.append(camera_id)
        for camera in self._cameras.values():
            if not camera.id.startswith(prefix):
                continue
            record = camera
            if camera.id in reported and not camera.present:
                record = replace(record, present=True)
                returned.append(camera.id)
            elif camera.id not in reported and camera.present:
                record = replace(record, present=False)
                missing.append(camera.id)
            if not camera.owner_assigned and camera.owner_agency_id != default_agency_id:
                record = replace(record, owner_agency_id=default_agency_id)
                reassigned.append(camera.id)
            if record is not camera:
                updates[camera.id] = record
        result = SyncResult(
            added=tuple(added),
            missing=tuple(sorted(missing)),
            returned=tuple(sorted(returned)),
            reassigned=tuple(sorted(reassigned)),
        )
        if updates:
            self._cameras.update(updates)
            self._commit(Change(Operation.SYNC_SERVER_CAMERAS, cameras=frozenset(updates)))
        return result

    def assign_camera(
        self,
        camera_id: str,
        *,
        owner_agency_id: Maybe[str] = UNCHANGED,
        site_id: Maybe[str | None] = UNCHANGED,
        name: Maybe[str] = UNCHANGED,
        purpose: Maybe[CameraPurpose] = UNCHANGED,
        area_type: Maybe[AreaType | None] = UNCHANGED,
        bearing: Maybe[int | None] = UNCHANGED,
        retention_days: Maybe[int | None] = UNCHANGED,
        latitude: Maybe[float | None] = UNCHANGED,
        longitude: Maybe[float | None] = UNCHANGED,
    ) -> CameraRecord:
        """Change a camera's owner, site, purpose and other facts.

        Giving `owner_agency_id` (even the current owner) pins the owner: server syncs no longer
        move the camera to the server's agency.
        """
        current = self.get_camera(camera_id)
        updated = replace(
            current,
            owner_agency_id=_pick(owner_agency_id, current.owner_agency_id),
            owner_assigned=current.owner_assigned or not isinstance(owner_agency_id, _Unchanged),
            site_id=_pick(site_id, current.site_id),
            name=_pick(name, current.name),
            purpose=_pick(purpose, current.purpose),
            area_type=_pick(area_type, current.area_type),
            bearing=_pick(bearing, current.bearing),
            retention_days=_pick(retention_days, current.retention_days),
            latitude=_pick(latitude, current.latitude),
            longitude=_pick(longitude, current.longitude),
        )
        self.get_agency(updated.owner_agency_id)
        self._check_site_exists(updated.site_id)
        if updated != current:
            self._cameras[camera_id] = updated
            self._commit(Change(Operation.ASSIGN_CAMERA, cameras=frozenset({camera_id})))
        return updated

    def add_registry_camera(
        self,
        *,
        name: str,
        owner_agency_id: str,
        purpose: CameraPurpose,
        area_type: AreaType,
        site_id: str | None = None,
        bearing: int | None = None,
        retention_days: int | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        slug: str | None = None,
    ) -> CameraRecord:
        """Record a camera NCC has no feed for (id `registry/<slug>`, slug defaults to the name)."""
        if slug is None:
            base = slugify(name) or "camera"
            camera_id = unique_id(registry_camera_id(base), self._cameras, "-")
        else:
            camera_id = registry_camera_id(slug)
            if camera_id in self._cameras:
                raise ConflictError(ErrorKey.CAMERA_ID_TAKEN, camera=camera_id)
        camera = CameraRecord(
            id=camera_id,
            name=name,
            owner_agency_id=owner_agency_id,
            purpose=purpose,
            area_type=area_type,
            site_id=site_id,
            bearing=bearing,
            retention_days=retention_days,
            latitude=latitude,
            longitude=longitude,
            owner_assigned=True,
        )
        self.get_agency(owner_agency_id)
        self._check_site_exists(site_id)
        self._cameras[camera.id] = camera
        self._commit(Change(Operation.ADD_REGISTRY_CAMERA, cameras=frozenset({camera.id})))
        return camera

    def remove_camera(self, camera_id: str, *, open_work: Sequence[str] = ()) -> CameraRecord:
        """Remove a registry-only camera, or a Frigate camera its server no longer reports."""
        camera = self.get_camera(camera_id)
        if camera.present and not camera.is_registry_only:
            raise ConflictError(ErrorKey.CAMERA_STILL_REPORTED, camera=camera.name)
        now = self.now()
        grants = sum(
            1
            for g in self._grants.values()
            if g.scope is GrantScope.CAMERA and g.scope_id == camera_id and g.is_live(now)
        )
        if grants:
            raise ConflictError(ErrorKey.CAMERA_IN_USE, camera=camera.name, grants=grants)
        self._check_open_work(camera.name, open_work)
        del self._cameras[camera_id]
        self._commit(Change(Operation.REMOVE_CAMERA, cameras=frozenset({camera_id})))
        return camera

    # ------------------------------------------------------------------------------- operators

    def set_operator(self, user_id: str, *, agency_id: str, role: Role, name: str = "") -> Operator:
        """Give HA user `user_id` a role in one agency (replacing any previous one)."""
        operator = Operator(user_id=user_id, agency_id=agency_id, role=role, name=name)
        self.get_agency(agency_id)
        if self._operators.get(operator.user_id) != operator:
            self._operators[operator.user_id] = operator
            self._commit(Change(Operation.SET_OPERATOR, operators=frozenset({operator.user_id})))
        return operator

    def remove_operator(self, user_id: str) -> Operator:
        """Take away the user's role: afterwards they see nothing of NCC."""
        operator = self.get_operator(user_id)
        del self._operators[user_id]
        self._commit(Change(Operation.REMOVE_OPERATOR, operators=frozenset({user_id})))
        return operator

    # ---------------------------------------------------------------------------------- grants

    def create_grant(
        self,
        *,
        owner_agency_id: str,
        grantee_agency_id: str,
        privileges: Iterable[Privilege],
        scope: GrantScope,
        scope_id: str | None = None,
        until: datetime | None = None,
        emergency_only: bool = False,
        created_by: str,
        reason: str = "",
    ) -> Grant:
        """Share privileges on one camera, one site or all cameras of the owner."""
        now = self.now()
        grant = Grant(
            id=f"grant-{self._next_grant_number}",
            owner_agency_id=owner_agency_id,
            grantee_agency_id=grantee_agency_id,
            privileges=frozenset(privileges),
            scope=scope,
            scope_id=scope_id,
            until=until,
            emergency_only=emergency_only,
            created_by=created_by,
            created_at=now,
            reason=reason,
        )
        self.get_agency(owner_agency_id)
        self.get_agency(grantee_agency_id)
        if grant.until is not None and check_aware(grant.until, "until") <= now:
            raise ValidationError(ErrorKey.GRANT_UNTIL_PASSED, field="until", until=grant.until.isoformat())
        if grant.scope is GrantScope.CAMERA and grant.scope_id is not None:
            camera = self.get_camera(grant.scope_id)
            if camera.owner_agency_id != owner_agency_id:
                raise ValidationError(
                    ErrorKey.GRANT_CAMERA_NOT_OWNED,
                    field="scope_id",
                    camera=camera.name,
                    agency=self._agencies[owner_agency_id].code,
                )
        if grant.scope is GrantScope.SITE:
            self._check_site_exists(grant.scope_id)
        self._grants[grant.id] = grant
        self._next_grant_number += 1
        self._commit(Change(Operation.CREATE_GRANT, grants=frozenset({grant.id})))
        return grant

    def revoke_grant(self, grant_id: str, *, revoked_by: str, reason: str = "") -> Grant:
        """End a grant now; it stays in the registry, inactive, for history."""
        current = self.get_grant(grant_id)
        if current.is_revoked:
            raise ConflictError(ErrorKey.GRANT_ALREADY_REVOKED, grant=grant_id)
        revoked = replace(
            current,
            revoked_at=self.now(),
            revoked_by=check_text(revoked_by, "revoked_by"),
            revoke_reason=reason,
        )
        self._grants[grant_id] = revoked
        self._commit(Change(Operation.REVOKE_GRANT, grants=frozenset({grant_id})))
        return revoked

    # ------------------------------------------------------------------------------- emergency

    def set_emergency(self, active: bool, *, changed_by: str, reason: str = "") -> EmergencyState:
        """Switch the city's emergency mode (emergency-only grants apply while it is on)."""
        state = EmergencyState(
            active=active,
            changed_at=self.now(),
            changed_by=check_text(changed_by, "changed_by"),
            reason=check_optional_text(reason, "reason"),
        )
        if active != self._emergency.active:
            self._emergency = state
            self._commit(Change(Operation.SET_EMERGENCY, emergency=True))
        return self._emergency

    # ------------------------------------------------------------------------------- inventory

    def check_inventory(self, plan: InventoryPlan) -> tuple[RowError, ...]:
        """Every problem applying `plan` would hit (a dry run); empty when it would succeed."""
        return resolve_inventory(self, plan).errors

    def apply_inventory(self, plan: InventoryPlan) -> InventoryResult:
        """Create or update the plan's agencies, sites and cameras: all of them or none."""
        resolution = resolve_inventory(self, plan)
        if resolution.errors:
            raise InventoryError(resolution.errors)
        self._agencies.update(resolution.agencies)
        self._sites.update(resolution.sites)
        self._cameras.update(resolution.cameras)
        if resolution.agencies or resolution.sites or resolution.cameras:
            self._commit(
                Change(
                    Operation.IMPORT_INVENTORY,
                    agencies=frozenset(resolution.agencies),
                    sites=frozenset(resolution.sites),
                    cameras=frozenset(resolution.cameras),
                )
            )
        return resolution.result

    # --------------------------------------------------------------------------------- storage

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot of the current `STORAGE_VERSION` layout."""
        return {
            "agencies": [self._agencies[key].to_dict() for key in sorted(self._agencies)],
            "sites": [self._sites[key].to_dict() for key in sorted(self._sites)],
            "cameras": [self._cameras[key].to_dict() for key in sorted(self._cameras)],
            "operators": [self._operators[key].to_dict() for key in sorted(self._operators)],
            "grants": [self._grants[key].to_dict() for key in sorted(self._grants)],
            "emergency": self._emergency.to_dict(),
            "counters": {"next_grant_number": self._next_grant_number},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, clock: Callable[[], datetime] = _utc_now) -> Registry:
        """Rebuild a registry from `to_dict` output; ValidationError if the data is damaged."""
        registry = cls(clock=clock)
        try:
            registry._load(data)
        except _InconsistentData as err:
            raise ValidationError(ErrorKey.STORAGE_INVALID, detail=err.detail) from err
        except (KeyError, TypeError, ValueError, ValidationError) as err:
            raise ValidationError(ErrorKey.STORAGE_INVALID, detail=repr(err)) from err
        return registry

    def _load(self, data: Mapping[str, Any]) -> None:
        for agency in (Agency.from_dict(item) for item in data["agencies"]):
            self._agencies[agency.id] = agency
        for site in (Site.from_dict(item) for item in data["sites"]):
            self._sites[site.id] = site
        for camera in (CameraRecord.from_dict(item) for item in data["cameras"]):
            self._cameras[camera.id] = camera
        for operator in (Operator.from_dict(item) for item in data["operators"]):
            self._operators[operator.user_id] = operator
        for grant in (Grant.from_dict(item) for item in data["grants"]):
            self._grants[grant.id] = grant
        self._emergency = EmergencyState.from_dict(data["emergency"])
        self._next_grant_number = int(data["counters"]["next_grant_number"])
        # Grants may name deleted agencies or cameras (history); live records may not.
        codes = [agency.code for agency in self._agencies.values()]
        if len(set(codes)) != len(codes):
            raise _InconsistentData("duplicate agency code")
        for site in self._sites.values():
            if site.agency_id is not None and site.agency_id not in self._agencies:
                raise _InconsistentData(f"site {site.id} names unknown agency {site.agency_id}")
        for camera in self._cameras.values():
            if camera.owner_agency_id not in self._agencies:
                raise _InconsistentData(f"camera {camera.id} owner {camera.owner_agency_id} unknown")
            if camera.site_id is not None and camera.site_id not in self._sites:
                raise _InconsistentData(f"camera {camera.id} site {camera.site_id} unknown")
        for operator in self._operators.values():
            if operator.agency_id not in self._agencies:
                raise _InconsistentData(f"operator {operator.user_id} agency unknown")


_AREA_FOR_PURPOSE_V1: Final[Mapping[str, str]] = {
    CameraPurpose.TRAFFIC: AreaType.PUBLIC_ROAD,
    CameraPurpose.PUBLIC_SPACE: AreaType.PUBLIC_SPACE,
    CameraPurpose.GOVERNMENT_BUILDING: AreaType.GOVERNMENT_BUILDING,
    CameraPurpose.PRIVATE_PREMISES: AreaType.PRIVATE_FACING_PUBLIC,
}


def migrate(version: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return `data` stored under `version` in the `STORAGE_VERSION` layout (input untouched).

    Version 1 kept one optional `contact` per agency, called a camera's owner `agency`, knew no
    area types, presence or pinned owners, stored grant privileges as one comma-separated
    string without `emergency_only`, had a boolean `emergency_mode` and no counters.
    """
    if not 1 <= version <= STORAGE_VERSION:
        raise ValidationError(ErrorKey.STORAGE_VERSION_UNSUPPORTED, version=version)
    migrated = copy.deepcopy(dict(data))
    if version == 1:
        migrated = _migrate_1_to_2(migrated)
    return migrated


def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    try:
        for agency in data["agencies"]:
            contact = agency.pop("contact", None)
            agency["contacts"] = [] if contact is None else [contact]
            agency.setdefault("notify_targets", [])
        for camera in data["cameras"]:
            camera["owner_agency_id"] = camera.pop("agency")
            camera["area_type"] = _AREA_FOR_PURPOSE_V1.get(camera["purpose"])
            camera["present"] = True
            # Version 1 had no server sync: every owner was set by a person.
            camera["owner_assigned"] = True
        numbers = [0]
        for grant in data["grants"]:
            grant["privileges"] = [p for p in grant["privileges"].split(",") if p]
            grant["emergency_only"] = False
            number = grant["id"].removeprefix("grant-")
            if number.isdigit():
                numbers.append(int(number))
        data["emergency"] = {"active": bool(data.pop("emergency_mode", False))}
        data["counters"] = {"next_grant_number": max(numbers) + 1}
    except (KeyError, AttributeError, TypeError) as err:
        raise ValidationError(ErrorKey.STORAGE_INVALID, detail=repr(err)) from err
    return data
