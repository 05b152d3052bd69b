"""Working days and the deadlines of public information requests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custom_components.ncc.core.workdays import DueState, WorkdayCalendar


def test_due_date_skips_weekends_and_public_holidays() -> None:
    calendar = WorkdayCalendar()
    # Monday 16 March 2026; Nyepi (Thursday 19th) and the Idul Fitri weekend fall inside
    assert calendar.holiday_name(date(2026, 3, 19)) is not None
    assert not calendar.is_working_day(date(2026, 3, 19))
    assert calendar.due_date(date(2026, 3, 16)) == date(2026, 3, 31)
    # one extension of 7 working days; Good Friday (3 April) does not count
    assert calendar.extended_due_date(date(2026, 3, 31)) == date(2026, 4, 10)


def test_extra_days_off_move_the_due_date() -> None:
    plain = WorkdayCalendar()
    with_leave = WorkdayCalendar(extra_days_off=[date(2026, 3, 20)])  # cuti bersama
    assert plain.is_working_day(date(2026, 3, 20))
    assert not with_leave.is_working_day(date(2026, 3, 20))
    assert with_leave.due_date(date(2026, 3, 16)) == date(2026, 4, 1)


def test_the_day_of_receipt_never_counts() -> None:
    calendar = WorkdayCalendar()
    friday = date(2025, 8, 1)
    assert calendar.add_working_days(friday, 1) == date(2025, 8, 4)
    saturday = date(2025, 8, 2)
    assert calendar.add_working_days(saturday, 1) == date(2025, 8, 4)


def test_counting_working_days_between_dates() -> None:
    calendar = WorkdayCalendar()
    monday, next_monday = date(2025, 8, 4), date(2025, 8, 11)
    assert calendar.working_days_between(monday, next_monday) == 5
    assert calendar.working_days_between(next_monday, monday) == -5
    assert calendar.working_days_between(monday, monday) == 0


def test_due_states() -> None:
    calendar = WorkdayCalendar()
    due = date(2025, 8, 8)  # Friday
    assert calendar.due_state(due, date(2025, 8, 1), 2) is DueState.ON_TIME
    assert calendar.due_state(due, date(2025, 8, 6), 2) is DueState.DUE_SOON
    assert calendar.due_state(due, due, 2) is DueState.DUE_SOON
    assert calendar.due_state(due, date(2025, 8, 9), 2) is DueState.OVERDUE
    assert calendar.due_state(due, date(2025, 8, 6), 0) is DueState.ON_TIME


def test_bad_counts_and_endless_holidays_are_refused() -> None:
    calendar = WorkdayCalendar()
    with pytest.raises(ValueError, match="at least 1"):
        calendar.add_working_days(date(2025, 8, 1), 0)
    start = date(2025, 8, 1)
    closed = WorkdayCalendar(extra_days_off=[start + timedelta(days=n) for n in range(1, 100)])
    with pytest.raises(ValueError, match="no working day"):
        closed.add_working_days(start, 1)
