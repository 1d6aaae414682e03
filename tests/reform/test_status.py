"""A task's status and the KPI percentages, exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from motcua.core.worktime import WorkingCalendar
from motcua.reform.status import (
    Status,
    is_due_soon,
    percent,
    percent_vi,
    task_status,
    warning_end,
)

DEADLINE = date(2026, 6, 30)


def test_status_on_the_deadline_day_and_around_it():
    assert task_status(deadline=DEADLINE, done_on=date(2026, 6, 30), today=date(2026, 8, 1)) == (
        Status.DONE_ON_TIME
    )
    assert task_status(deadline=DEADLINE, done_on=date(2026, 7, 1), today=date(2026, 7, 1)) == (
        Status.DONE_LATE
    )
    assert task_status(deadline=DEADLINE, done_on=None, today=date(2026, 6, 30)) == Status.NOT_DUE
    assert task_status(deadline=DEADLINE, done_on=None, today=date(2026, 7, 1)) == Status.OVERDUE


def test_the_seeds_percentages():
    assert percent(296, 845) == Decimal("35.03")
    assert percent(1384, 3003) == Decimal("46.09")
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 200) == Decimal("0.50")
    assert percent(0, 0) is None
    assert percent_vi(percent(296, 845)) == "35,03 %"
    assert percent_vi(None) == "—"


def test_due_soon_counts_working_days_over_a_holiday():
    calendar = WorkingCalendar()
    # Monday 2 March 2026: ten working days later is Monday 16 March.
    assert warning_end(today=date(2026, 3, 2), calendar=calendar, days=10) == date(2026, 3, 16)
    # Tuesday 28 April 2026: 30 April and 1 May are days off; ten working days end 14 May.
    assert warning_end(today=date(2026, 4, 28), calendar=calendar, days=10) == date(2026, 5, 14)
    until = date(2026, 3, 16)
    today = date(2026, 3, 2)
    assert is_due_soon(deadline=date(2026, 3, 16), done_on=None, today=today, until=until)
    assert is_due_soon(deadline=today, done_on=None, today=today, until=until)
    assert not is_due_soon(deadline=date(2026, 3, 17), done_on=None, today=today, until=until)
    assert not is_due_soon(deadline=date(2026, 3, 1), done_on=None, today=today, until=until)
    assert not is_due_soon(
        deadline=date(2026, 3, 10), done_on=date(2026, 3, 2), today=today, until=until
    )


@given(st.integers(min_value=1, max_value=10**6), st.data())
def test_percent_is_the_half_up_rounding_of_the_exact_fraction(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=whole))
    value = percent(part, whole)
    assert value is not None
    assert Decimal(0) <= value <= Decimal(100)
    # |value − 100·part/whole| ≤ 0.005, in integers: |value·100·whole − 10000·part| ≤ 50·whole
    assert abs(int(value * 100) * whole - 10000 * part) <= 50 * whole
