"""Deadlines as an officer reads them: working time on the agency's calendar (kept cheap over
long spans), the time left on a dossier, and its status — overdue, due soon, on track or
paused (§5)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.calendar import working_calendar
from motcua.core.text import working_duration_text
from motcua.core.worktime import HOURS_PER_DAY, TZ, OfficeHours, WorkingCalendar
from motcua.directory.models import Agency

DUE_SOON = timedelta(hours=HOURS_PER_DAY)


class DeadlineStatus:
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    PAUSED = "paused"

    LABELS = {
        OVERDUE: gettext_lazy("Quá hạn"),
        DUE_SOON: gettext_lazy("Đến hạn trong 1 ngày làm việc"),
        ON_TRACK: gettext_lazy("Trong hạn"),
        PAUSED: gettext_lazy("Tạm dừng"),
    }


class WorkClock(Protocol):
    """What the pages need of a working calendar."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


class FastCalendar:
    """A working calendar whose `between` stays cheap over long spans.

    `WorkingCalendar.between` walks every day's periods; a dossier overdue by months costs
    milliseconds, and a page of fifty of them a large part of a second. Here the first and
    the last day are counted by the calendar itself and the whole days between them as
    working days × the length of a working day, from a prefix count built once per request.
    The result is identical (`tests/office/test_processing.py` checks it with hypothesis).
    """

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.day_length = sum(
            (
                datetime.combine(date.min, end) - datetime.combine(date.min, start)
                for start, end in calendar.hours.periods
            ),
            timedelta(0),
        )
        self._first: date | None = None
        self._prefix: list[int] = [0]  # working days in [_first, _first + i)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return self.calendar.add(start, duration)

    def _count(self, since: date, until: date) -> int:
        """Working days in [since, until)."""
        if until <= since:
            return 0
        if self._first is None or since < self._first:
            # Start a year earlier than asked, so that the rows of a page rarely restart it.
            self._first, self._prefix = since - timedelta(days=366), [0]
        needed = (until - self._first).days
        while len(self._prefix) <= needed:
            day = self._first + timedelta(days=len(self._prefix) - 1)
            self._prefix.append(self._prefix[-1] + self.calendar.is_working_day(day))
        return self._prefix[needed] - self._prefix[(since - self._first).days]

    def between(self, start: datetime, end: datetime) -> timedelta:
        start, end = start.astimezone(TZ), end.astimezone(TZ)
        if (end.date() - start.date()).days < 3:
            return self.calendar.between(start, end)
        after_first = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=TZ)
        last_midnight = datetime.combine(end.date(), time(0), tzinfo=TZ)
        whole = self._count(after_first.date(), end.date())
        return (
            self.calendar.between(start, after_first)
            + whole * self.day_length
            + self.calendar.between(last_midnight, end)
        )


class Calendars:
    """Working calendars per set of office hours; the database overrides are read once."""

    def __init__(self) -> None:
        self._base: WorkingCalendar | None = None
        self._by_hours: dict[str, FastCalendar] = {}

    def for_hours(self, office_hours: str) -> FastCalendar:
        key = office_hours or ""
        if key not in self._by_hours:
            if self._base is None:
                self._base = working_calendar()
            self._by_hours[key] = FastCalendar(
                dataclasses.replace(self._base, hours=OfficeHours.parse(key)) if key else self._base
            )
        return self._by_hours[key]

    def for_agency(self, agency: Agency) -> FastCalendar:
        return self.for_hours(agency.office_hours)


def format_working(delta: timedelta) -> str:
    """A working duration as an officer reads it (the sign dropped)."""
    return working_duration_text(delta)


@dataclass(frozen=True)
class TimeLeft:
    """Working time from `at` to the due moment; negative when overdue."""

    delta: timedelta
    status: str
    due: datetime

    @property
    def overdue(self) -> bool:
        return self.delta < timedelta(0)

    @property
    def text(self) -> str:
        if self.overdue:
            return _("quá hạn %(time)s làm việc") % {"time": format_working(self.delta)}
        return _("còn %(time)s làm việc") % {"time": format_working(self.delta)}

    @property
    def label(self) -> str:
        return str(DeadlineStatus.LABELS[self.status])


def time_left(calendar: WorkClock, at: datetime, due: datetime) -> TimeLeft:
    """Overdue once `at` is past `due` (by the working time between them); due soon when at
    most one working day (8 working hours) is left; else on track."""
    if due < at:
        return TimeLeft(-calendar.between(due, at), DeadlineStatus.OVERDUE, due)
    left = calendar.between(at, due)
    status = DeadlineStatus.DUE_SOON if left <= DUE_SOON else DeadlineStatus.ON_TRACK
    return TimeLeft(left, status, due)


class Deadlines(Protocol):
    """What the time left is read from: a dossier, or one of the queue's narrow rows."""

    @property
    def step_due_at(self) -> datetime | None: ...

    @property
    def due_at(self) -> datetime | None: ...

    @property
    def finished_at(self) -> datetime | None: ...

    @property
    def closed_at(self) -> datetime | None: ...

    @property
    def paused_at(self) -> datetime | None: ...


def effective_due(dossier: Deadlines) -> datetime | None:
    """The nearer of the step's and the dossier's due moments: the one the officer can miss."""
    dues = [d for d in (dossier.step_due_at, dossier.due_at) if d is not None]
    return min(dues) if dues else None


def dossier_time_left(dossier: Deadlines, calendar: WorkClock, now: datetime) -> TimeLeft | None:
    """The time left on a dossier: frozen at `paused_at` while suspended or awaiting a
    supplement (§5), counted to `now` otherwise. None when it has no due moment or is done."""
    due = effective_due(dossier)
    if due is None or dossier.finished_at is not None or dossier.closed_at is not None:
        return None
    if dossier.paused_at is not None:
        frozen = time_left(calendar, dossier.paused_at, due)
        return TimeLeft(frozen.delta, DeadlineStatus.PAUSED, due)
    return time_left(calendar, now, due)
