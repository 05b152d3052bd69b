"""Error keys, their translations, and the field checks that raise them."""

from __future__ import annotations

import json
from pathlib import Path
import re

import pytest

from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.errors import (
    ConflictError,
    ErrorKey,
    NccError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
    check_choice,
    check_optional_text,
    check_slug,
    check_text,
    slugify,
    unique_id,
)

from .factories import assert_error

COMPONENT = Path(__file__).parents[2] / "custom_components" / "ncc"
TRANSLATION_FILES = (
    COMPONENT / "strings.json",
    COMPONENT / "translations" / "en.json",
    COMPONENT / "translations" / "id.json",
)


def _placeholders(message: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", message))


def test_error_keys_are_snake_case_and_distinct() -> None:
    values = [key.value for key in ErrorKey]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", value) for value in values)


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=lambda path: path.name)
def test_every_error_key_is_translated(path: Path) -> None:
    exceptions = json.loads(path.read_text(encoding="utf-8"))["exceptions"]
    missing = sorted(key.value for key in ErrorKey if key.value not in exceptions)
    assert not missing, f"{path.name} lacks {missing}"


def test_english_and_indonesian_use_the_same_placeholders() -> None:
    english = json.loads(TRANSLATION_FILES[1].read_text(encoding="utf-8"))["exceptions"]
    indonesian = json.loads(TRANSLATION_FILES[2].read_text(encoding="utf-8"))["exceptions"]
    for key in ErrorKey:
        assert _placeholders(english[key]["message"]) == _placeholders(indonesian[key]["message"]), key
        assert english[key]["message"] != indonesian[key]["message"], key


def test_error_carries_key_and_string_placeholders() -> None:
    error = ValidationError(ErrorKey.INVALID_BEARING, field="bearing", value=400)
    assert error.key == "invalid_bearing"
    assert error.placeholders == {"field": "bearing", "value": "400"}
    assert error.field == "bearing"
    assert "invalid_bearing" in str(error)
    assert "value=400" in str(error)
    assert str(NccError(ErrorKey.NO_ROLE)) == "no_role"
    assert ValidationError(ErrorKey.INVENTORY_EMPTY).field == ""
    for cls in (ValidationError, NotFoundError, ConflictError, PermissionDenied):
        assert issubclass(cls, NccError)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Simpang Gajah Mada", "simpang-gajah-mada"),
        ("  Jl. Veteran No. 5 ", "jl-veteran-no-5"),
        ("Pasar Tanjung—Anyar", "pasar-tanjung-anyar"),
        ("Café Ñusa", "cafe-nusa"),
        ("!!!", ""),
        ("x" * 100, "x" * 64),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_check_slug() -> None:
    assert check_slug("dishub_2", "agency_id") == "dishub_2"
    with pytest.raises(ValidationError) as info:
        check_slug("", "agency_id")
    assert_error(info.value, ErrorKey.FIELD_REQUIRED)
    for bad in ("Dishub", "-lead", "a b", "x" * 65, "a/b"):
        with pytest.raises(ValidationError) as info:
            check_slug(bad, "agency_id")
        assert_error(info.value, ErrorKey.INVALID_ID)
        assert info.value.field == "agency_id"


def test_check_text() -> None:
    assert check_text("  Dishub ", "name") == "Dishub"
    with pytest.raises(ValidationError) as info:
        check_text("   ", "name")
    assert_error(info.value, ErrorKey.FIELD_REQUIRED)
    with pytest.raises(ValidationError) as info:
        check_text("x" * 201, "name")
    assert_error(info.value, ErrorKey.TEXT_TOO_LONG)
    assert info.value.placeholders["max_length"] == "200"
    assert check_optional_text("  ", "address") == ""


def test_check_choice_lists_allowed_values() -> None:
    assert check_choice(AgencyKind, "other", "kind") is AgencyKind.OTHER
    with pytest.raises(ValidationError) as info:
        check_choice(AgencyKind, "ministry", "kind")
    assert_error(info.value, ErrorKey.INVALID_CHOICE)
    assert info.value.placeholders["allowed"] == ("city_department, vertical_agency, private_owner, other")


def test_unique_id() -> None:
    assert unique_id("dishub", {"polres"}, "_") == "dishub"
    assert unique_id("dishub", {"dishub", "dishub_2"}, "_") == "dishub_3"
