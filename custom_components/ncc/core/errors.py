"""Errors the command-center domain raises, and the small field checks that raise them.

Every error carries a translation key (one `ErrorKey` member, also the key in strings.json's
`exceptions` section) and string placeholders, so the Home Assistant layer can show a
translated message without parsing text.
"""

from __future__ import annotations

from collections.abc import Container
from enum import StrEnum
import re
import unicodedata


class ErrorKey(StrEnum):
    """Every translation key the domain uses; one entry per distinct message."""

    # Field checks
    FIELD_REQUIRED = "field_required"
    TEXT_TOO_LONG = "text_too_long"
    INVALID_ID = "invalid_id"
    INVALID_CHOICE = "invalid_choice"
    INVALID_NUMBER = "invalid_number"
    INVALID_AGENCY_CODE = "invalid_agency_code"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    INVALID_NOTIFY_TARGET = "invalid_notify_target"
    INVALID_LATITUDE = "invalid_latitude"
    INVALID_LONGITUDE = "invalid_longitude"
    COORDINATES_INCOMPLETE = "coordinates_incomplete"
    INVALID_RADIUS = "invalid_radius"
    INVALID_BEARING = "invalid_bearing"
    INVALID_RETENTION_DAYS = "invalid_retention_days"
    INVALID_CAMERA_ID = "invalid_camera_id"
    INVALID_SERVER_ID = "invalid_server_id"
    INVALID_CAMERA_NAME = "invalid_camera_name"
    DATETIME_NOT_AWARE = "datetime_not_aware"
    # Grants
    GRANT_PRIVILEGES_REQUIRED = "grant_privileges_required"
    GRANT_SCOPE_TARGET_REQUIRED = "grant_scope_target_required"
    GRANT_SCOPE_TARGET_UNEXPECTED = "grant_scope_target_unexpected"
    GRANT_TO_OWN_AGENCY = "grant_to_own_agency"
    GRANT_UNTIL_PASSED = "grant_until_passed"
    GRANT_CAMERA_NOT_OWNED = "grant_camera_not_owned"
    GRANT_ALREADY_REVOKED = "grant_already_revoked"
    # Not found
    AGENCY_NOT_FOUND = "agency_not_found"
    SITE_NOT_FOUND = "site_not_found"
    CAMERA_NOT_FOUND = "camera_not_found"
    OPERATOR_NOT_FOUND = "operator_not_found"
    GRANT_NOT_FOUND = "grant_not_found"
    # Conflicts
    AGENCY_CODE_TAKEN = "agency_code_taken"
    AGENCY_ID_TAKEN = "agency_id_taken"
    SITE_ID_TAKEN = "site_id_taken"
    CAMERA_ID_TAKEN = "camera_id_taken"
    AGENCY_IN_USE = "agency_in_use"
    SITE_IN_USE = "site_in_use"
    CAMERA_IN_USE = "camera_in_use"
    CAMERA_STILL_REPORTED = "camera_still_reported"
    OPEN_WORK = "open_work"
    # Permissions
    PERMISSION_DENIED_CAMERA = "permission_denied_camera"
    PERMISSION_DENIED_AGENCY = "permission_denied_agency"
    PERMISSION_DENIED_CITY = "permission_denied_city"
    NO_ROLE = "no_role"
    CAMERA_HAS_NO_FEED = "camera_has_no_feed"
    # Stored data
    STORAGE_INVALID = "storage_invalid"
    STORAGE_VERSION_UNSUPPORTED = "storage_version_unsupported"
    # Inventory files
    INVENTORY_INVALID = "inventory_invalid"
    INVENTORY_UNKNOWN_FORMAT = "inventory_unknown_format"
    INVENTORY_SYNTAX = "inventory_syntax"
    INVENTORY_EMPTY = "inventory_empty"
    INVENTORY_MISSING_COLUMNS = "inventory_missing_columns"
    INVENTORY_UNKNOWN_FIELD = "inventory_unknown_field"
    INVENTORY_WRONG_TYPE = "inventory_wrong_type"
    INVENTORY_EXTRA_CELLS = "inventory_extra_cells"
    INVENTORY_NOT_A_LIST = "inventory_not_a_list"
    INVENTORY_NOT_A_MAPPING = "inventory_not_a_mapping"
    INVENTORY_DUPLICATE = "inventory_duplicate"
    INVENTORY_CONFLICTING_VALUES = "inventory_conflicting_values"
    INVENTORY_UNKNOWN_AGENCY = "inventory_unknown_agency"
    INVENTORY_UNKNOWN_SITE = "inventory_unknown_site"
    INVENTORY_AGENCY_ID_MISMATCH = "inventory_agency_id_mismatch"


class NccError(Exception):
    """Base of every domain error: a translation key plus its placeholders."""

    def __init__(self, key: StrEnum, **placeholders: object) -> None:
        # any StrEnum of translation keys: the model's `ErrorKey` or a workflow's own keys
        self.key: StrEnum = key
        self.placeholders: dict[str, str] = {name: str(value) for name, value in placeholders.items()}
        details = ", ".join(f"{name}={value}" for name, value in self.placeholders.items())
        super().__init__(f"{key} ({details})" if details else str(key))


class ValidationError(NccError):
    """The input is malformed or out of range; nothing was changed."""

    @property
    def field(self) -> str:
        """The input field at fault, or "" when the error concerns no single field."""
        return self.placeholders.get("field", "")


class NotFoundError(NccError):
    """A referenced agency, site, camera, operator or grant does not exist."""


class ConflictError(NccError):
    """The request clashes with the current state (a taken id, an agency still in use)."""


class PermissionDenied(NccError):
    """The acting user may not do this."""


_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 2000


def slugify(text: str) -> str:
    """Lower-case ASCII slug of free text ("Simpang Gajah Mada" -> "simpang-gajah-mada")."""
    # Drop accents (é -> e) but keep every other character as a word break.
    letters = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    slug = re.sub(r"[^a-z0-9]+", "-", letters.lower()).strip("-")
    return slug[:MAX_ID_LENGTH].rstrip("-")


def unique_id(base: str, taken: Container[str], separator: str) -> str:
    """`base`, or `base` plus the first free number ("dishub_2", "simpang-lima-3")."""
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}{separator}{number}"
        number += 1
    return candidate


def check_slug(value: str, field: str) -> str:
    """Return `value` if it is a valid identifier slug, else raise ValidationError."""
    if not value:
        raise ValidationError(ErrorKey.FIELD_REQUIRED, field=field)
    if len(value) > MAX_ID_LENGTH or not _SLUG.match(value):
        raise ValidationError(ErrorKey.INVALID_ID, field=field, value=value)
    return value


def check_choice[E: StrEnum](choices: type[E], value: object, field: str) -> E:
    """Return `value` as a member of `choices`; raise ValidationError listing the allowed values."""
    try:
        return choices(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in choices)
        raise ValidationError(ErrorKey.INVALID_CHOICE, field=field, value=value, allowed=allowed) from None


def check_text(value: str, field: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """Return `value` stripped; raise if it is empty or longer than `max_length`."""
    text = value.strip()
    if not text:
        raise ValidationError(ErrorKey.FIELD_REQUIRED, field=field)
    return check_optional_text(text, field, max_length=max_length)


def check_optional_text(value: str, field: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Return `value` stripped (may be empty); raise if longer than `max_length`."""
    text = value.strip()
    if len(text) > max_length:
        raise ValidationError(ErrorKey.TEXT_TOO_LONG, field=field, max_length=max_length)
    return text
