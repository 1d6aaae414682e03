"""Working time (domain.md §5): office periods, the Vietnamese calendar, and due moments.

A time limit is a working duration: `N d` is N × 8 working hours, `N h` is N working hours.
The due moment is the instant at which that much working time has elapsed from the start,
counting only time inside the office periods of working days. Everything here is pure: the
database overrides are passed in, so the rules are testable without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from motcua.core.errors import ValidationFailed

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS_PER_DAY = 8
# A calendar with no working day at all must not loop for ever.
_MAX_DAYS_SCANNED = 366 * 20

_DURATION = re.compile(r"^\s*(\d{1,4})\s*([dh])\s*$", re.IGNORECASE)
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class WorkDuration:
    """A working duration in whole minutes, as written in a procedure's time limit."""

    minutes: int
    text: str

    @property
    def delta(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def working_days(self) -> float:
        return self.minutes / 60 / HOURS_PER_DAY

    def share(self, percent: int) -> timedelta:
        return timedelta(minutes=self.minutes * percent / 100)

    def __str__(self) -> str:
        return self.text


def parse_duration(text: str) -> WorkDuration:
    """`3d`, `3 d`, `4h` → a working duration. Anything else is refused in Vietnamese."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValidationFailed(
            f"Thời hạn giải quyết '{text}' không hợp lệ: phải có dạng 'N d' (ngày làm việc) "
            "hoặc 'N h' (giờ làm việc), ví dụ '3 d' hoặc '4 h'.",
            code="invalid_duration",
        )
    number, unit = int(match.group(1)), match.group(2).lower()
    if number <= 0:
        raise ValidationFailed(
            f"Thời hạn giải quyết '{text}' phải lớn hơn 0.", code="invalid_duration"
        )
    hours = number * HOURS_PER_DAY if unit == "d" else number
    return WorkDuration(minutes=hours * 60, text=f"{number} {unit}")


@dataclass(frozen=True)
class OfficeHours:
    """The working periods of one working day, the same on every working day."""

    periods: tuple[tuple[time, time], ...]

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """`07:30-11:30,13:00-17:00` → office hours; refuses overlaps and empty periods."""
        periods: list[tuple[time, time]] = []
        for chunk in (text or "").split(","):
            match = _PERIOD.match(chunk.strip())
            if not match:
                raise ValidationFailed(
                    f"Giờ làm việc '{text}' không hợp lệ: ghi dạng '07:30-11:30,13:00-17:00'.",
                    code="invalid_office_hours",
                )
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
                raise ValidationFailed(
                    f"Giờ làm việc '{text}' có giờ không tồn tại.", code="invalid_office_hours"
                )
            periods.append((time(h1, m1), time(h2, m2)))
        for (start, end), following in zip(periods, [*periods[1:], None], strict=True):
            if end <= start or (following is not None and following[0] < end):
                raise ValidationFailed(
                    f"Giờ làm việc '{text}': các buổi phải tăng dần và không chồng lên nhau.",
                    code="invalid_office_hours",
                )
        return cls(tuple(periods))

    def __str__(self) -> str:
        return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self.periods)


DEFAULT_HOURS = OfficeHours.parse("07:30-11:30,13:00-17:00")


@lru_cache(maxsize=64)
def vn_holidays(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Public holidays (with substituted days off) and make-up working Saturdays of a year."""
    calendar = holidays.country_holidays("VN", years=year)
    days_off = frozenset(d for d in calendar if d.year == year)
    make_up = frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)
    return days_off, make_up


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are worked and when. Deployment overrides beat the package's calendar."""

    hours: OfficeHours = DEFAULT_HOURS
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        days_off, make_up = vn_holidays(day.year)
        if day in make_up:
            return True
        return day.weekday() < 5 and day not in days_off

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, s, tzinfo=TZ), datetime.combine(day, e, tzinfo=TZ))
            for s, e in self.hours.periods
        ]

    def _periods_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for offset in range(_MAX_DAYS_SCANNED):
            yield from self.periods_on(day + timedelta(days=offset))
        raise ValidationFailed(
            "Lịch làm việc không có ngày làm việc nào trong 20 năm tới.", code="no_working_day"
        )

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of working time has elapsed since `start`.

        A start outside office hours counts from the next working period. When the count ends
        exactly at the end of a period, the answer is that end (17:00), not the next start.
        """
        cursor = _local(start)
        remaining = duration
        for period_start, period_end in self._periods_from(cursor.date()):
            if period_end <= cursor:
                continue
            begin = max(period_start, cursor)
            available = period_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods_from raises when it runs out")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end); zero when end is not after start."""
        start, end = _local(start), _local(end)
        total = timedelta(0)
        if end <= start:
            return total
        day = start.date()
        while day <= end.date():
            for period_start, period_end in self.periods_on(day):
                overlap = min(period_end, end) - max(period_start, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (used for publication deadlines, §7)."""
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        found = 0
        current = day
        for _ in range(_MAX_DAYS_SCANNED):
            current += timedelta(days=1)
            if self.is_working_day(current):
                found += 1
                if found == count:
                    return current
        raise ValidationFailed(
            "Lịch làm việc không có ngày làm việc nào trong 20 năm tới.", code="no_working_day"
        )

    def working_days_in(self, days: Iterable[date]) -> list[date]:
        return [d for d in days if self.is_working_day(d)]


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValidationFailed(
            "Thời điểm phải có múi giờ (ví dụ 2026-02-13T16:30:00+07:00).", code="naive_datetime"
        )
    return moment.astimezone(TZ)
