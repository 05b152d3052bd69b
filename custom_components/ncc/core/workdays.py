"""Working days of an Indonesian city, and the answer deadlines counted in them.

A working day is Monday to Friday, except Indonesia's national public holidays (from the
`holidays` package) and any extra days off the city declares (cuti bersama, local holidays).
Under UU 14/2008 (public information), an information request is answered within 10 working
days of its receipt, extendable once by 7 working days; the day of receipt itself does not
count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

# the country's class itself: `holidays.country_holidays` imports its module on every call,
# which Home Assistant reports as a blocking call inside the event loop
from holidays.countries.indonesia import Indonesia

PUBLIC_INFORMATION_WORKING_DAYS: Final = 10
EXTENSION_WORKING_DAYS: Final = 7
# no run of holidays and weekends is this long; a guard against an endless loop on bad data
_MAX_DAYS_OFF_IN_A_ROW: Final = 60


class DueState(StrEnum):
    """Where an open request stands against its due date."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class WorkdayCalendar:
    """Which days are working days in the city."""

    def __init__(self, *, extra_days_off: Iterable[date] = ()) -> None:
        # expands itself year by year as dates are looked up
        self._holidays = Indonesia()
        self._extra_days_off = frozenset(extra_days_off)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._extra_days_off and day not in self._holidays

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on `day` (its Indonesian name), or None."""
        name = self._holidays.get(day)
        return None if name is None else str(name)

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`start` itself never counts)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day = start
        remaining = count
        idle = 0
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
                idle = 0
            else:
                idle += 1
                if idle > _MAX_DAYS_OFF_IN_A_ROW:
                    raise ValueError(f"no working day in {_MAX_DAYS_OFF_IN_A_ROW} days after {day}")
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )

    def due_date(self, received: date) -> date:
        """The last day to answer a public information request received on `received`."""
        return self.add_working_days(received, PUBLIC_INFORMATION_WORKING_DAYS)

    def extended_due_date(self, due: date) -> date:
        """The due date after the one extension the law allows."""
        return self.add_working_days(due, EXTENSION_WORKING_DAYS)

    def due_state(self, due: date, today: date, soon_working_days: int) -> DueState:
        """Overdue after the due date; due soon within `soon_working_days` working days of it."""
        if today > due:
            return DueState.OVERDUE
        if self.working_days_between(today, due) <= soon_working_days:
            return DueState.DUE_SOON
        return DueState.ON_TIME
