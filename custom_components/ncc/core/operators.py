"""Operators: Home Assistant users with a role in one agency."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import check_choice, check_optional_text, check_slug, check_text


class Role(StrEnum):
    """What an operator may do; each role includes everything of the ones below it."""

    CITY_ADMIN = "city_admin"
    AGENCY_ADMIN = "agency_admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class Operator:
    """An HA user (by id) working for one agency in one role."""

    user_id: str
    agency_id: str
    role: Role
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_id", check_text(self.user_id, "user_id"))
        check_slug(self.agency_id, "agency_id")
        object.__setattr__(self, "role", check_choice(Role, self.role, "role"))
        object.__setattr__(self, "name", check_optional_text(self.name, "name", max_length=200))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "user_id": self.user_id,
            "agency_id": self.agency_id,
            "role": self.role.value,
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Operator:
        """Inverse of `to_dict`."""
        return cls(
            user_id=str(data["user_id"]),
            agency_id=str(data["agency_id"]),
            role=Role(data["role"]),
            name=str(data.get("name", "")),
        )
