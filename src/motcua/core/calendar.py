"""The deployment's working calendar: the pure engine plus the overrides stored in the database."""

from __future__ import annotations

from motcua.core.models import CalendarOverride
from motcua.core.worktime import DEFAULT_HOURS, OfficeHours, WorkingCalendar


def working_calendar(office_hours: str = "") -> WorkingCalendar:
    """The calendar for office hours written as `07:30-11:30,13:00-17:00` (default if empty)."""
    days_off: set = set()
    working: set = set()
    for day, kind in CalendarOverride.objects.values_list("day", "kind"):
        (days_off if kind == CalendarOverride.Kind.DAY_OFF else working).add(day)
    hours = OfficeHours.parse(office_hours) if office_hours else DEFAULT_HOURS
    return WorkingCalendar(
        hours=hours, extra_days_off=frozenset(days_off), extra_working_days=frozenset(working)
    )
