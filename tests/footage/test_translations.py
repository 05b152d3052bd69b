"""Every footage error key, sensor and repair issue is translated into English and Indonesian."""

from __future__ import annotations

import json
from pathlib import Path
import re

import pytest

from custom_components.ncc.core.footage import FootageKey

COMPONENT = Path(__file__).parents[2] / "custom_components" / "ncc"
LANGUAGES = {
    "en": json.loads((COMPONENT / "translations" / "en.json").read_text(encoding="utf-8")),
    "id": json.loads((COMPONENT / "translations" / "id.json").read_text(encoding="utf-8")),
}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("key", list(FootageKey), ids=str)
def test_error_keys_are_translated_with_the_same_placeholders(key: FootageKey) -> None:
    english = LANGUAGES["en"]["exceptions"][key.value]["message"]
    indonesian = LANGUAGES["id"]["exceptions"][key.value]["message"]
    assert english != indonesian
    assert placeholders(english) == placeholders(indonesian)


def test_sensors_issue_and_actions_are_translated() -> None:
    keys = {"footage_requests_open", "footage_requests_due_soon", "footage_requests_overdue"}
    for strings in LANGUAGES.values():
        assert keys <= set(strings["entity"]["sensor"])
        issue = strings["issues"]["footage_preservation_failing"]
        assert placeholders(issue["description"]) == {"request", "camera", "attempts", "error"}
        for action in ("request_footage", "decide_footage_request", "extend_footage_deadline",
                       "release_footage", "set_legal_hold", "release_legal_hold",
                       "export_disclosure_register", "record_objection", "set_footage_policy"):
            assert strings["services"][action]["name"]
