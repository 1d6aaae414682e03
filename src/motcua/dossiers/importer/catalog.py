"""The catalog the rows refer to: procedures and agencies by code, and the working calendars
that date a dossier's due moment."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from motcua.catalog.models import Procedure
from motcua.core.calendar import working_calendar
from motcua.core.errors import ValidationFailed
from motcua.core.worktime import TZ, WorkingCalendar
from motcua.directory.models import Agency


@dataclass(frozen=True)
class _RememberingCalendar(WorkingCalendar):
    """A working calendar that remembers each day's periods: an import asks for the same few
    hundred days hundreds of thousands of times. The rules stay `WorkingCalendar`'s."""

    remembered: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        periods = self.remembered.get(day)
        if periods is None:
            periods = self.remembered[day] = super().periods_on(day)
        return periods


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Viet Nam has kept +07:00 since 13 June 1975: from 1976 a day begins at a fixed instant.
_FIXED_FROM = (datetime(1976, 1, 1, tzinfo=TZ) - EPOCH) // MICROSECOND
_OFFSET = timedelta(hours=7) // MICROSECOND
_DAY = timedelta(days=1) // MICROSECOND
_EPOCH_DAY = date(1970, 1, 1).toordinal()


def micros(moment: datetime) -> int:
    """An aware moment as microseconds since the epoch, exactly."""
    return (moment - EPOCH) // MICROSECOND


class DueClock:
    """`WorkingCalendar.add` for many starts: the working periods of a span of days laid out
    once with the working time elapsed before each, so a due moment is two binary searches
    instead of a walk over the days. Starts outside the span widen it; a duration that runs
    past its end is left to the calendar itself.

    The searches compare POSIX timestamps, not datetimes: a start read from a file carries a
    fixed offset and the periods the zone's, and comparing such datetimes converts both, which
    was a third of the due moments' time (a million rows: 1.36 s in `bisect_right` alone).
    Floats keep each microsecond of these years apart, and the same instant gives the same
    float, so the order is the datetimes' order.

    `add_micros` does the same on whole microseconds since the epoch, for the import's own
    pass over a plain file (`raw.Dues`), which writes the due moment as that number: integer
    sums and searches instead of `timedelta`s and a `datetime` formatted a row."""

    # Days laid out beyond the latest start: a year covers every published time limit.
    AHEAD = 400

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.first = self.last = date.min
        self.first_day = self.last_day = date.min.toordinal()
        self.starts: list[datetime] = []
        self.start_stamps: list[float] = []
        self.end_stamps: list[float] = []
        self.before: list[timedelta] = []  # working time from the span's start to each period
        self.through: list[timedelta] = []  # ... and to each period's end
        # The same four in microseconds (since the epoch, or of working time).
        self.start_us: list[int] = []
        self.end_us: list[int] = []
        self.before_us: list[int] = []
        self.through_us: list[int] = []

    def _lay_out(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        self.starts, self.before, self.through = [], [], []
        self.start_stamps, self.end_stamps = [], []
        self.start_us, self.end_us, self.before_us, self.through_us = [], [], [], []
        elapsed = timedelta(0)
        day = first
        while day <= last:
            for start, end in self.calendar.periods_on(day):
                self.starts.append(start)
                self.start_stamps.append(start.timestamp())
                self.end_stamps.append(end.timestamp())
                self.start_us.append(micros(start))
                self.end_us.append(micros(end))
                self.before.append(elapsed)
                self.before_us.append(elapsed // MICROSECOND)
                elapsed += end - start
                self.through.append(elapsed)
                self.through_us.append(elapsed // MICROSECOND)
            day += timedelta(days=1)
        self.first_day, self.last_day = first.toordinal(), last.toordinal()

    def _cover(self, day: date) -> None:
        """Lay the periods out again if `day` is not in the span with a year after it."""
        if day < self.first or day + timedelta(days=self.AHEAD) > self.last:
            first = day - timedelta(days=31) if day < self.first or not self.starts else self.first
            self._lay_out(first, max(self.last, day + timedelta(days=self.AHEAD + 31)))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        self._cover(start.astimezone(TZ).date())
        stamp = start.timestamp()
        index = bisect_right(self.end_stamps, stamp)
        if index == len(self.end_stamps):
            return self.calendar.add(start, duration)
        period_start = self.starts[index]
        begun = period_start if self.start_stamps[index] > stamp else start
        target = self.before[index] + (begun - period_start) + duration
        found = bisect_left(self.through, target, lo=index)
        if found == len(self.through):
            return self.calendar.add(start, duration)
        if found == index:
            return begun.astimezone(TZ) + duration
        return self.starts[found] + (target - self.before[found])

    def add_micros(self, start: int, duration: int) -> int:
        """`add` on microseconds: `start` since the epoch, `duration` of working time."""
        if start < _FIXED_FROM:
            moment = self.add(EPOCH + start * MICROSECOND, duration * MICROSECOND)
            return micros(moment)
        day = (start + _OFFSET) // _DAY + _EPOCH_DAY
        if day < self.first_day or day + self.AHEAD > self.last_day:
            self._cover(date.fromordinal(day))
        ends = self.end_us
        index = bisect_right(ends, start)
        if index == len(ends):
            return micros(self.add(EPOCH + start * MICROSECOND, duration * MICROSECOND))
        period_start = self.start_us[index]
        begun = period_start if period_start > start else start
        target = self.before_us[index] + (begun - period_start) + duration
        found = bisect_left(self.through_us, target, lo=index)
        if found == len(self.through_us):
            return micros(self.add(EPOCH + start * MICROSECOND, duration * MICROSECOND))
        if found == index:
            return begun + duration
        return self.start_us[found] + (target - self.before_us[found])


class Catalog:
    """Procedures and agencies by code, read once; a calendar per office hours, built once."""

    def __init__(self) -> None:
        self.procedures = {
            p.code: p for p in Procedure.objects.only("id", "code", "time_limit", "online")
        }
        self.agencies = {a.code: a for a in Agency.objects.only("id", "code", "office_hours")}
        self.offers_online: dict[int, bool] = {
            p.pk: p.offers_online for p in self.procedures.values()
        }
        self.durations: dict[int, timedelta | None] = {}
        for p in self.procedures.values():
            duration = p.duration
            self.durations[p.pk] = duration.delta if duration is not None else None
        self._calendars: dict[str, WorkingCalendar] = {}
        self._clocks: dict[str, DueClock] = {}
        # For the fast path: the due clock and time limit by the file's codes.
        self.agency_hours = {code: a.office_hours for code, a in self.agencies.items()}
        self.limits = {code: self.durations[p.pk] for code, p in self.procedures.items()}
        # Built now: the calendar reads its overrides from the database, which is busy
        # receiving the file (`COPY`) while due moments are computed.
        for hours in set(self.agency_hours.values()):
            try:
                self.clock(hours)
            except ValidationFailed:
                continue  # refused when a row needs it, as before

    def clock(self, office_hours: str) -> DueClock:
        clock = self._clocks.get(office_hours)
        if clock is None:
            clock = self._clocks[office_hours] = DueClock(self._calendar(office_hours))
        return clock

    def _calendar(self, office_hours: str) -> WorkingCalendar:
        calendar = self._calendars.get(office_hours)
        if calendar is None:
            base = working_calendar(office_hours)
            calendar = self._calendars[office_hours] = _RememberingCalendar(
                hours=base.hours,
                extra_days_off=base.extra_days_off,
                extra_working_days=base.extra_working_days,
            )
        return calendar

    def due(self, procedure: Procedure, agency: Agency, received_at: datetime) -> datetime | None:
        """§5: the procedure's time limit on the agency's working calendar from reception."""
        duration = self.durations[procedure.pk]
        if duration is None:
            return None
        return self.clock(agency.office_hours).add(received_at, duration)
