"""The working-day calendar is made inside Home Assistant's event loop: it must not import.

Home Assistant reports `importlib.import_module` in the loop as a blocking call ("Detected
blocking call to import_module ... by custom integration 'ncc'"), but not under tests, so this
watches the call itself.
"""

from __future__ import annotations

from datetime import date
import importlib
from types import ModuleType

import pytest

from custom_components.ncc.core.workdays import WorkdayCalendar


def test_making_and_asking_a_calendar_imports_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    imported: list[str] = []
    original = importlib.import_module

    def watched(name: str, package: str | None = None) -> ModuleType:
        imported.append(name)
        return original(name, package)

    monkeypatch.setattr(importlib, "import_module", watched)
    calendar = WorkdayCalendar()
    # a year nobody looked up yet: the calendar expands itself
    assert calendar.holiday_name(date(2041, 8, 17)) is not None
    assert not calendar.is_working_day(date(2041, 8, 17))
    assert calendar.due_date(date(2041, 12, 22)) > date(2041, 12, 31)
    assert imported == []
