"""What each user may do, re-derived from the records with plain loops.

Shares no code with `core/permissions.py`: it reads the registry's facts (who works where in
which role, who owns which camera, which grants exist) and applies the rules as the README and
the issue state them. The permission fuzzing tests hold the real actions and websocket
commands to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from custom_components.ncc.core.cameras import CameraRecord
from custom_components.ncc.core.registry import Registry

CAMERA_ACTIONS = frozenset({
    "view_camera", "view_live", "view_recordings", "request_export", "receive_alerts",
    "decide_footage", "assign_camera", "transfer_camera", "acknowledge_incident",
})
OWNER_ALLOWS = {
    "agency_admin": {"view_camera", "view_live", "view_recordings", "request_export",
                     "receive_alerts", "decide_footage", "assign_camera", "acknowledge_incident"},
    "operator": {"view_camera", "view_live", "view_recordings", "request_export",
                 "receive_alerts", "acknowledge_incident"},
    "viewer": {"view_camera", "view_live", "receive_alerts"},
}
FEED = {"view_live", "view_recordings"}
# actions only a city administrator may take, whatever their input
CITY_ONLY = frozenset({
    "create_agency", "delete_agency", "list_agencies", "create_site", "update_site",
    "delete_site", "set_emergency", "import_inventory", "export_inventory", "verify_audit_log",
    "export_audit_log",
})


class Oracle:
    """Decisions for one user over one registry, at one moment."""

    def __init__(self, registry: Registry, user_id: str, is_ha_admin: bool, now: datetime) -> None:
        self.registry = registry
        self.now = now
        operator = registry.operators.get(user_id)
        self.agency = None if operator is None else operator.agency_id
        if is_ha_admin:
            self.role: str | None = "city_admin"
        else:
            self.role = None if operator is None else operator.role.value

    @property
    def city_admin(self) -> bool:
        return self.role == "city_admin"

    # ------------------------------------------------------------------------- cameras

    def _granted(self, camera: CameraRecord) -> set[str] | None:
        """Privileges shared with the user's agency on `camera` (None: no grant applies)."""
        shared: set[str] | None = None
        for grant in self.registry.grants.values():
            if grant.grantee_agency_id != self.agency or grant.owner_agency_id != camera.owner_agency_id:
                continue
            if grant.revoked_at is not None or (grant.until is not None and self.now >= grant.until):
                continue
            if grant.emergency_only and not self.registry.emergency.active:
                continue
            if grant.scope.value == "camera" and grant.scope_id != camera.id:
                continue
            if grant.scope.value == "site" and grant.scope_id != camera.site_id:
                continue
            shared = (shared or set()) | {privilege.value for privilege in grant.privileges}
        return shared

    def camera_privileges(self, camera: CameraRecord) -> set[str]:
        if self.role is None:
            return set()
        if self.city_admin:
            allowed = set(CAMERA_ACTIONS)
        elif camera.owner_agency_id == self.agency:
            allowed = set(OWNER_ALLOWS[self.role])
        else:
            shared = self._granted(camera)
            if shared is None:
                return set()
            allowed = {"view_camera"}
            usable = {"view_live", "receive_alerts"} if self.role == "viewer" else shared
            allowed |= shared & usable
            if "receive_alerts" in shared and self.role != "viewer":
                allowed.add("acknowledge_incident")
        if camera.id.startswith("registry/"):
            allowed -= FEED
        return allowed

    def may_on_camera(self, action: str, camera_id: str) -> bool:
        camera = self.registry.cameras.get(camera_id)
        if camera is None:
            return self.city_admin  # only city administrators learn it does not exist
        return action in self.camera_privileges(camera)

    def visible_cameras(self) -> set[str]:
        return {camera.id for camera in self.registry.cameras.values()
                if "view_camera" in self.camera_privileges(camera)}

    # ------------------------------------------------------------------------ agencies

    def manages(self, agency_id: str) -> bool:
        """manage_agency / manage_operators / manage_grants / view_audit on an agency."""
        if self.city_admin:
            return True
        return (self.role == "agency_admin" and agency_id == self.agency
                and agency_id in self.registry.agencies)

    def views_agency(self, agency_id: str) -> bool:
        if self.city_admin:
            return True
        return self.role is not None and agency_id == self.agency and agency_id in self.registry.agencies

    def submits_registrations(self, agency_id: str) -> bool:
        """Filing private camera registrations at an agency's front desk: its operators and
        administrators (viewers only look), and city administrators."""
        if self.city_admin:
            return True
        return (self.role in ("agency_admin", "operator") and agency_id == self.agency
                and agency_id in self.registry.agencies)

    # ------------------------------------------------------------------------- actions

    def may_call(self, service: str, data: Mapping[str, Any]) -> bool | None:
        """Whether the permission check lets the call through (None: no rule for it here)."""
        if self.role is None:
            return False
        if service in CITY_ONLY:
            return self.city_admin
        rules = {
            "update_agency": lambda: self.manages(str(data["agency_id"])),
            "add_registry_camera": lambda: self.manages(str(data["owner_agency_id"])),
            "grant_access": lambda: self.manages(str(data["owner_agency_id"])),
            "revoke_access": lambda: self._may_revoke(str(data["grant_id"])),
            "assign_camera": lambda: self._may_assign(data),
            "remove_camera": lambda: self.may_on_camera("transfer_camera", str(data["camera_id"])),
            "set_operator": lambda: self._may_set_operator(
                str(data["user_id"]), str(data["agency_id"]), str(data["role"])),
            "remove_operator": lambda: self._may_remove_operator(str(data["user_id"])),
            "submit_registration": lambda: self._may_submit_registration(data),
        }
        rule = rules.get(service)
        return None if rule is None else bool(rule())

    def _may_submit_registration(self, data: Mapping[str, Any]) -> bool:
        desk = data.get("received_by_agency_id")
        return self.submits_registrations(str(desk)) if desk else self.city_admin

    def _may_revoke(self, grant_id: str) -> bool:
        grant = self.registry.grants.get(grant_id)
        return self.city_admin if grant is None else self.manages(grant.owner_agency_id)

    def _may_assign(self, data: Mapping[str, Any]) -> bool:
        camera_id = str(data["camera_id"])
        if not self.may_on_camera("assign_camera", camera_id):
            return False
        camera = self.registry.cameras.get(camera_id)
        new_owner = data.get("owner_agency_id")
        moves = camera is not None and new_owner is not None and new_owner != camera.owner_agency_id
        return not moves or self.may_on_camera("transfer_camera", camera_id)

    def _may_set_operator(self, user_id: str, agency_id: str, role: str) -> bool:
        if not self.manages(agency_id):
            return False
        if role == "city_admin" and not self.city_admin:
            return False
        current = self.registry.operators.get(user_id)
        if current is not None:
            if current.agency_id != agency_id and not self.manages(current.agency_id):
                return False
            if current.role.value == "city_admin" and role != "city_admin" and not self.city_admin:
                return False
        return True

    def _may_remove_operator(self, user_id: str) -> bool:
        current = self.registry.operators.get(user_id)
        if current is None:
            return self.city_admin
        if not self.manages(current.agency_id):
            return False
        return current.role.value != "city_admin" or self.city_admin

    # ----------------------------------------------------------------- websocket lists

    def grants(self) -> set[str]:
        if self.role is None:
            return set()
        return {grant.id for grant in self.registry.grants.values()
                if self.city_admin or self.agency in (grant.owner_agency_id, grant.grantee_agency_id)}

    def operators(self) -> set[str]:
        if self.role is None:
            return set()
        return {operator.user_id for operator in self.registry.operators.values()
                if self.manages(operator.agency_id)}

    def sites(self) -> set[str]:
        if self.city_admin:
            return set(self.registry.sites)
        seen = {self.registry.cameras[camera_id].site_id for camera_id in self.visible_cameras()}
        return {site_id for site_id in self.registry.sites if site_id in seen}

    def reads_audit(self) -> bool:
        return self.city_admin or self.role == "agency_admin"
