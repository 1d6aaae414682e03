"""Working time and periods as a leader reads them: '1 ngày 2 giờ', the period asked for
(dd/mm/yyyy too), one working calendar per set of office hours, and a `WorkingClock` that
answers `between` in constant time for the pages that time thousands of steps."""

from __future__ import annotations

import re
from bisect import bisect_left
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _

from motcua.core.calendar import working_calendar
from motcua.core.errors import ValidationFailed
from motcua.core.text import working_duration_text
from motcua.core.worktime import TZ, WorkingCalendar
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


class WorkingClock:
    """`WorkingCalendar.between` as a difference of two readings of a clock that only runs in
    working time: the working time before a day is a running sum kept per day, so timing a
    step costs the same whether it lasted an hour or a year (the calendar walks day by day).
    Same answers as the calendar: the tests compare the two."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._first: date | None = None
        self._before: list[timedelta] = []  # working time from `_first` to each day's start
        self._periods: dict[date, list[tuple[datetime, datetime]]] = {}
        self._readings: dict[datetime, timedelta] = {}  # a step's end is the next one's start

    def _periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        if day not in self._periods:
            self._periods[day] = self.calendar.periods_on(day)
        return self._periods[day]

    def _day_total(self, day: date) -> timedelta:
        return sum(((end - start) for start, end in self._periods_on(day)), timedelta(0))

    def _before_day(self, day: date) -> timedelta:
        if self._first is None or day < self._first:
            # Start a month earlier, so a run of earlier moments does not rebuild each time.
            last = self._first + timedelta(days=len(self._before) - 1) if self._first else day
            self._first, self._before = day - timedelta(days=31), [timedelta(0)]
            self._readings.clear()  # they counted from the old first day
            self._extend(last)
        self._extend(day)
        assert self._first is not None
        return self._before[(day - self._first).days]

    def _extend(self, day: date) -> None:
        assert self._first is not None
        while (day - self._first).days >= len(self._before):
            previous = self._first + timedelta(days=len(self._before) - 1)
            self._before.append(self._before[-1] + self._day_total(previous))

    def reading(self, moment: datetime) -> timedelta:
        """Working time from the clock's first day to `moment`."""
        found = self._readings.get(moment)
        if found is None:
            local = moment.astimezone(TZ)
            day = local.date()
            found = self._before_day(day)
            for start, end in self._periods_on(day):
                if local > start:
                    found += (end if end < local else local) - start
            self._readings[moment] = found
        return found

    def moment_reaching(self, reading: timedelta) -> datetime:
        """The first moment at which the clock reads at least `reading` (of the current
        origin, as `reading` returns it), or its first day's start when it reads more there
        already: the bound the pages time open steps from — a step started then or later has
        worked at most `reading(now) - reading` by now, one started earlier more."""
        assert self._first is not None, "read a moment first"
        while self._before[-1] < reading:
            self._extend(self._first + timedelta(days=len(self._before)))
        index = bisect_left(self._before, reading)  # the first day whose start reads as much
        if index > 0:
            # Reached during the day before, inside one of its working periods.
            rest = reading - self._before[index - 1]
            for start, end in self._periods_on(self._first + timedelta(days=index - 1)):
                if rest <= end - start:
                    return start + rest
                rest -= end - start
        return datetime.combine(self._first + timedelta(days=index), time(0), tzinfo=TZ)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end); zero when end is not after start."""
        if end <= start:
            return timedelta(0)
        first = self.reading(start)  # first: an earlier moment may move the clock's origin
        return self.reading(end) - first


class Calendars:
    """One working calendar (and clock) per set of office hours, built once per request."""

    def __init__(self) -> None:
        self._cache: dict[str, WorkingCalendar] = {}
        self._clocks: dict[str, WorkingClock] = {}

    def for_hours(self, office_hours: str) -> WorkingCalendar:
        key = office_hours or ""
        if key not in self._cache:
            self._cache[key] = working_calendar(key)
        return self._cache[key]

    def for_agency(self, agency: Agency) -> WorkingCalendar:
        return self.for_hours(agency.office_hours)

    def clock_for_hours(self, office_hours: str) -> WorkingClock:
        key = office_hours or ""
        if key not in self._clocks:
            self._clocks[key] = WorkingClock(self.for_hours(key))
        return self._clocks[key]
