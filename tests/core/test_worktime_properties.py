"""Properties of the working-time arithmetic (domain.md §5) over random starts in 2024–2027."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.core.worktime import TZ, OfficeHours, WorkingCalendar

CALENDARS = [
    WorkingCalendar(),
    WorkingCalendar(hours=OfficeHours.parse("08:00-12:00,13:30-17:30")),
    WorkingCalendar(hours=OfficeHours.parse("07:00-15:00")),
]

# Asia/Ho_Chi_Minh has no daylight saving since 1975, so every local time exists once; the
# fixed offsets check that the engine converts before it reads the date.
ZONES = st.sampled_from(
    [TZ, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
)
starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31, 23, 59), timezones=ZONES
)
# Up to 40 working days (the longest common time limits), in whole minutes, never zero:
# parse_duration refuses a zero time limit.
durations = st.integers(min_value=1, max_value=40 * 8 * 60).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from(CALENDARS)

FEW = settings(max_examples=150, deadline=None)


@FEW
@given(calendar=calendars, start=starts, duration=durations)
def test_between_start_and_due_is_the_duration(calendar, start, duration):
    assert calendar.between(start, calendar.add(start, duration)) == duration


@FEW
@given(calendar=calendars, start=starts, a=durations, b=durations)
def test_add_is_monotonic_in_the_duration(calendar, start, a, b):
    shorter, longer = sorted((a, b))

    assert calendar.add(start, shorter) <= calendar.add(start, longer)
    if shorter < longer:
        assert calendar.add(start, shorter) < calendar.add(start, longer)


@FEW
@given(calendar=calendars, start=starts, duration=durations)
def test_due_is_inside_a_working_period_or_at_its_end(calendar, start, duration):
    due = calendar.add(start, duration)

    assert due.tzinfo is TZ
    assert due.utcoffset() == timedelta(hours=7)
    assert any(begin < due <= end for begin, end in calendar.periods_on(due.date()))


@FEW
@given(calendar=calendars, start=starts, a=durations, b=durations)
def test_adding_in_two_steps_is_adding_the_sum(calendar, start, a, b):
    assert calendar.add(calendar.add(start, a), b) == calendar.add(start, a + b)


@FEW
@given(calendar=calendars, start=starts, duration=durations)
def test_due_is_never_before_the_start(calendar, start, duration):
    due = calendar.add(start, duration)

    assert due > start
    # No more working time can have passed than the wall-clock time between them.
    assert due - start >= duration


@FEW
@given(calendar=calendars, start=starts, end=starts)
def test_between_is_additive_and_bounded(calendar, start, end):
    middle = start + (end - start) / 2

    total = calendar.between(start, end)

    assert total >= timedelta(0)
    assert total <= max(end - start, timedelta(0))
    if start <= end:
        assert total == calendar.between(start, middle) + calendar.between(middle, end)
