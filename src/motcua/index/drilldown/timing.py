"""Working time and periods as a leader reads them: '1 ngày 2 giờ', the period asked for
(dd/mm/yyyy too), and one working calendar per set of office hours."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils.translation import gettext as _

from motcua.core.calendar import working_calendar
from motcua.core.errors import ValidationFailed
from motcua.core.text import working_duration_text
from motcua.core.worktime import WorkingCalendar
from motcua.directory.models import Agency
from motcua.index.engine import Period, period_from


def working_text(delta: timedelta | None) -> str:
    """Working time as a leader reads it: '1 ngày 2 giờ 30 phút' (a day is 8 working hours)."""
    if delta is None:
        return "—"
    if delta <= timedelta(0):
        return _("0 phút")
    return working_duration_text(delta)


_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def _iso(value: str | None) -> str | None:
    """Accept the form's dd/mm/yyyy as well as the links' yyyy-mm-dd."""
    match = _DMY.match(value or "")
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return value or None


def period_parse(start: str | None, end: str | None, *, today: date) -> Period:
    """`period_from` (with dd/mm/yyyy too) plus bounds that keep the moments computable."""
    period = period_from(_iso(start), _iso(end), today=today)
    if period.start.year < 2000 or period.end.year > 2100:
        raise ValidationFailed(
            _("Kỳ báo cáo phải nằm trong các năm 2000–2100."), fields={"from": "out_of_range"}
        )
    return period


class Calendars:
    """One working calendar per set of office hours, built once per request."""

    def __init__(self) -> None:
        self._cache: dict[str, WorkingCalendar] = {}

    def for_agency(self, agency: Agency) -> WorkingCalendar:
        key = agency.office_hours or ""
        if key not in self._cache:
            self._cache[key] = working_calendar(key)
        return self._cache[key]
