"""Grants: an owner agency sharing privileges on some of its cameras with another agency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .cameras import CameraRecord
from .errors import (
    ErrorKey,
    ValidationError,
    check_choice,
    check_optional_text,
    check_slug,
    check_text,
)


class Privilege(StrEnum):
    """What a grant may share; each is also the name of the camera action it allows."""

    VIEW_LIVE = "view_live"
    VIEW_RECORDINGS = "view_recordings"
    REQUEST_EXPORT = "request_export"
    RECEIVE_ALERTS = "receive_alerts"


class GrantScope(StrEnum):
    """Which of the owner's cameras a grant covers."""

    CAMERA = "camera"
    SITE = "site"
    ALL = "all"


def check_aware(value: datetime, field: str) -> datetime:
    """Return `value` if it carries a timezone; naive datetimes are ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(ErrorKey.DATETIME_NOT_AWARE, field=field)
    return value


def check_privileges(privileges: Iterable[str]) -> frozenset[Privilege]:
    """Return the privileges as a non-empty frozenset of `Privilege`."""
    result = frozenset(check_choice(Privilege, item, "privileges") for item in privileges)
    if not result:
        raise ValidationError(ErrorKey.GRANT_PRIVILEGES_REQUIRED, field="privileges")
    return result


@dataclass(frozen=True, slots=True)
class Grant:
    """Privileges `owner_agency_id` gives `grantee_agency_id` on a camera, a site or all cameras.

    `scope_id` is the camera id (scope camera), the site id (scope site) or None (scope all).
    A grant only ever covers cameras its owner currently owns. Revoked grants stay for history.
    """

    id: str
    owner_agency_id: str
    grantee_agency_id: str
    privileges: frozenset[Privilege]
    scope: GrantScope
    scope_id: str | None
    created_by: str
    created_at: datetime
    reason: str = ""
    until: datetime | None = None
    emergency_only: bool = False
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str = ""

    def __post_init__(self) -> None:
        check_slug(self.id, "grant_id")
        check_slug(self.owner_agency_id, "owner_agency_id")
        check_slug(self.grantee_agency_id, "grantee_agency_id")
        if self.owner_agency_id == self.grantee_agency_id:
            raise ValidationError(
                ErrorKey.GRANT_TO_OWN_AGENCY,
                field="grantee_agency_id",
                agency=self.grantee_agency_id,
            )
        object.__setattr__(self, "privileges", check_privileges(self.privileges))
        scope = check_choice(GrantScope, self.scope, "scope")
        object.__setattr__(self, "scope", scope)
        if scope is GrantScope.ALL and self.scope_id is not None:
            raise ValidationError(ErrorKey.GRANT_SCOPE_TARGET_UNEXPECTED, field="scope_id", scope=scope)
        if scope is not GrantScope.ALL and not self.scope_id:
            raise ValidationError(ErrorKey.GRANT_SCOPE_TARGET_REQUIRED, field="scope_id", scope=scope)
        object.__setattr__(self, "created_by", check_text(self.created_by, "created_by"))
        check_aware(self.created_at, "created_at")
        object.__setattr__(self, "reason", check_optional_text(self.reason, "reason"))
        if self.until is not None:
            check_aware(self.until, "until")
        if self.revoked_at is not None:
            check_aware(self.revoked_at, "revoked_at")
        object.__setattr__(self, "revoke_reason", check_optional_text(self.revoke_reason, "revoke_reason"))

    @property
    def is_revoked(self) -> bool:
        """True once the grant was revoked."""
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        """True when `until` has passed at `now`."""
        return self.until is not None and now >= self.until

    def is_live(self, now: datetime) -> bool:
        """Neither revoked nor expired (an emergency-only grant counts: it may apply any time)."""
        return not self.is_revoked and not self.is_expired(now)

    def applies(self, now: datetime, emergency_active: bool) -> bool:
        """True when the grant gives its privileges at `now` in the given emergency state."""
        return self.is_live(now) and (emergency_active or not self.emergency_only)

    def covers(self, camera: CameraRecord) -> bool:
        """True when `camera` falls under this grant's scope and its owner owns it now."""
        if camera.owner_agency_id != self.owner_agency_id:
            return False
        if self.scope is GrantScope.CAMERA:
            return camera.id == self.scope_id
        if self.scope is GrantScope.SITE:
            return camera.site_id == self.scope_id
        return True

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "owner_agency_id": self.owner_agency_id,
            "grantee_agency_id": self.grantee_agency_id,
            "privileges": sorted(privilege.value for privilege in self.privileges),
            "scope": self.scope.value,
            "scope_id": self.scope_id,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "reason": self.reason,
            "until": None if self.until is None else self.until.isoformat(),
            "emergency_only": self.emergency_only,
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
            "revoked_by": self.revoked_by,
            "revoke_reason": self.revoke_reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Grant:
        """Inverse of `to_dict`."""
        scope_id = data.get("scope_id")
        revoked_by = data.get("revoked_by")
        return cls(
            id=str(data["id"]),
            owner_agency_id=str(data["owner_agency_id"]),
            grantee_agency_id=str(data["grantee_agency_id"]),
            privileges=frozenset(Privilege(item) for item in data["privileges"]),
            scope=GrantScope(data["scope"]),
            scope_id=None if scope_id is None else str(scope_id),
            created_by=str(data["created_by"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            reason=str(data.get("reason", "")),
            until=_optional_datetime(data.get("until")),
            emergency_only=bool(data.get("emergency_only", False)),
            revoked_at=_optional_datetime(data.get("revoked_at")),
            revoked_by=None if revoked_by is None else str(revoked_by),
            revoke_reason=str(data.get("revoke_reason", "")),
        )


def _optional_datetime(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))
