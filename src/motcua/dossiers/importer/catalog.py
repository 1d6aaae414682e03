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

    The searches and sums are on whole microseconds — since the epoch for the periods' ends,
    of working time for the elapsed — not on datetimes and timedeltas: a start read from a
    file carries a fixed offset and the periods the zone's, and comparing such datetimes
    converts both (a million rows: 1.36 s in `bisect_right` alone, when it did). The import's
    own pass over a plain file (`raw.Dues`) asks in microseconds (`add_micros`) and writes
    the due moment as that number, which SQL turns into the moment."""

    # Days laid out beyond the latest start: a year covers every published time limit.
    AHEAD = 400

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        # The span laid out, as day ordinals (none yet).
        self.first_day = self.last_day = date.min.toordinal()
        # Each period's start and end (since the epoch), and the working time from the
        # span's start to the period's start and to its end.
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        self.through: list[int] = []

    def _lay_out(self, first: date, last: date) -> None:
        self.starts, self.ends, self.before, self.through = [], [], [], []
        elapsed = 0
        day = first
        while day <= last:
            for start, end in self.calendar.periods_on(day):
                self.starts.append(micros(start))
                self.ends.append(micros(end))
                self.before.append(elapsed)
                elapsed += (end - start) // MICROSECOND
                self.through.append(elapsed)
            day += timedelta(days=1)
        self.first_day, self.last_day = first.toordinal(), last.toordinal()

    def add(self, start: datetime, duration: timedelta) -> datetime:
        due = self.add_micros(micros(start), duration // MICROSECOND)
        return (EPOCH + due * MICROSECOND).astimezone(TZ)

    def add_micros(self, start: int, duration: int) -> int:
        """`add` on microseconds: `start` since the epoch, `duration` of working time."""
        if start < _FIXED_FROM:
            return self._by_calendar(start, duration)
        day = (start + _OFFSET) // _DAY + _EPOCH_DAY
        if day < self.first_day or day + self.AHEAD > self.last_day:
            # Lay the periods out again, the start's day in the span with a year after it.
            first = day - 31 if day < self.first_day or not self.starts else self.first_day
            last = max(self.last_day, day + self.AHEAD + 31)
            self._lay_out(date.fromordinal(first), date.fromordinal(last))
        index = bisect_right(self.ends, start)
        if index == len(self.ends):
            return self._by_calendar(start, duration)
        period_start = self.starts[index]
        begun = period_start if period_start > start else start
        target = self.before[index] + (begun - period_start) + duration
        found = bisect_left(self.through, target, lo=index)
        if found == len(self.through):
            return self._by_calendar(start, duration)
        if found == index:
            return begun + duration
        return self.starts[found] + (target - self.before[found])

    def _by_calendar(self, start: int, duration: int) -> int:
        """The calendar's own walk: a start before 1976 (when Viet Nam's offset last changed,
        so a day's bounds are not a fixed number of microseconds), or a due moment past the
        laid-out span."""
        return micros(self.calendar.add(EPOCH + start * MICROSECOND, duration * MICROSECOND))


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
