"""Agencies: the departments, vertical agencies and private owners that own cameras."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
import re
from typing import Any

from .errors import (
    ErrorKey,
    ValidationError,
    check_choice,
    check_optional_text,
    check_slug,
    check_text,
    slugify,
)


class AgencyKind(StrEnum):
    """What sort of body an agency is."""

    CITY_DEPARTMENT = "city_department"
    VERTICAL_AGENCY = "vertical_agency"
    PRIVATE_OWNER = "private_owner"
    OTHER = "other"


_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,23}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$")
# A notify action (notify.mobile_app_x) or any other domain.object target HA can call.
_NOTIFY_TARGET = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


def check_agency_code(code: str) -> str:
    """Return the agency code, upper-cased; raise ValidationError if it is not a short code."""
    normalized = code.strip().upper()
    if not normalized:
        raise ValidationError(ErrorKey.FIELD_REQUIRED, field="code")
    if not _CODE.match(normalized):
        raise ValidationError(ErrorKey.INVALID_AGENCY_CODE, field="code", value=code)
    return normalized


def agency_id_for_code(code: str) -> str:
    """The id an agency gets by default: its code as a slug (DISHUB -> dishub)."""
    return slugify(code).replace("-", "_") or "agency"


@dataclass(frozen=True, slots=True)
class Contact:
    """A person to call at an agency."""

    name: str
    role: str = ""
    phone: str = ""
    email: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_text(self.name, "contact_name"))
        object.__setattr__(self, "role", check_optional_text(self.role, "contact_role"))
        phone = check_optional_text(self.phone, "contact_phone")
        if phone and not _PHONE.match(phone):
            raise ValidationError(ErrorKey.INVALID_PHONE, field="contact_phone", value=phone)
        object.__setattr__(self, "phone", phone)
        email = check_optional_text(self.email, "contact_email")
        if email and not _EMAIL.match(email):
            raise ValidationError(ErrorKey.INVALID_EMAIL, field="contact_email", value=email)
        object.__setattr__(self, "email", email)

    def to_dict(self) -> dict[str, str]:
        """JSON-safe form."""
        return {"name": self.name, "role": self.role, "phone": self.phone, "email": self.email}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contact:
        """Inverse of `to_dict`."""
        return cls(
            name=str(data["name"]),
            role=str(data.get("role", "")),
            phone=str(data.get("phone", "")),
            email=str(data.get("email", "")),
        )


def check_notify_targets(targets: Iterable[str]) -> tuple[str, ...]:
    """Return the targets stripped and de-duplicated in order; raise on a malformed one."""
    result: list[str] = []
    for target in targets:
        cleaned = target.strip()
        if not _NOTIFY_TARGET.match(cleaned):
            raise ValidationError(ErrorKey.INVALID_NOTIFY_TARGET, field="notify_targets", value=target)
        if cleaned not in result:
            result.append(cleaned)
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Agency:
    """An organisation that owns cameras and has operators."""

    id: str
    name: str
    code: str
    kind: AgencyKind
    contacts: tuple[Contact, ...] = field(default=())
    notify_targets: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        check_slug(self.id, "agency_id")
        object.__setattr__(self, "name", check_text(self.name, "name"))
        object.__setattr__(self, "code", check_agency_code(self.code))
        object.__setattr__(self, "kind", check_choice(AgencyKind, self.kind, "kind"))
        object.__setattr__(self, "contacts", tuple(self.contacts))
        object.__setattr__(self, "notify_targets", check_notify_targets(self.notify_targets))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "name": self.name,
            "code": self.code,
            "kind": self.kind.value,
            "contacts": [contact.to_dict() for contact in self.contacts],
            "notify_targets": list(self.notify_targets),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Agency:
        """Inverse of `to_dict`."""
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            code=str(data["code"]),
            kind=AgencyKind(data["kind"]),
            contacts=tuple(Contact.from_dict(item) for item in data.get("contacts", [])),
            notify_targets=tuple(str(item) for item in data.get("notify_targets", [])),
        )
