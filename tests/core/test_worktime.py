"""Working time (domain.md §5): durations, office hours, the VN calendar and due moments.

Default office hours are 07:30–11:30 and 13:00–17:00 (8 h a day). Each expected due moment
is worked out by hand in the comment next to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from motcua.core.calendar import working_calendar
from motcua.core.errors import ValidationFailed
from motcua.core.models import CalendarOverride
from motcua.core.worktime import (
    DEFAULT_HOURS,
    TZ,
    OfficeHours,
    WorkDuration,
    WorkingCalendar,
    parse_duration,
)

CAL = WorkingCalendar()
PLUS_7 = timedelta(hours=7)


def vn(text: str) -> datetime:
    """`2026-02-13 16:30` → that wall-clock moment in Asia/Ho_Chi_Minh."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def d(days: int) -> timedelta:
    return timedelta(hours=8 * days)


# --- parse_duration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes", "normalised"),
    [
        ("3d", 3 * 8 * 60, "3 d"),
        ("3 d", 3 * 8 * 60, "3 d"),
        ("  3 d  ", 3 * 8 * 60, "3 d"),
        ("3D", 3 * 8 * 60, "3 d"),
        ("4h", 4 * 60, "4 h"),
        ("4 H", 4 * 60, "4 h"),
        ("1h", 60, "1 h"),
        ("15d", 15 * 8 * 60, "15 d"),
        ("9999h", 9999 * 60, "9999 h"),
    ],
)
def test_parse_duration_accepts_days_and_hours(text, minutes, normalised):
    duration = parse_duration(text)

    assert duration == WorkDuration(minutes=minutes, text=normalised)
    assert duration.delta == timedelta(minutes=minutes)
    assert str(duration) == normalised


@pytest.mark.parametrize(
    "text", ["0d", "0h", "00d", "3", "3x", "-1d", "", "   ", "1.5d", "d", "3 days", "3dh", "10000h"]
)
def test_parse_duration_refuses_anything_else(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_duration(text)

    assert caught.value.code == "invalid_duration"
    assert "Thời hạn giải quyết" in caught.value.message


def test_parse_duration_refuses_none():
    with pytest.raises(ValidationFailed) as caught:
        parse_duration(None)  # type: ignore[arg-type]

    assert caught.value.code == "invalid_duration"


def test_work_duration_derived_values():
    duration = parse_duration("3d")

    assert duration.working_days == 3.0
    assert parse_duration("4h").working_days == 0.5
    # 70 % of 24 h = 16 h 48 min.
    assert duration.share(70) == timedelta(hours=16, minutes=48)


# --- OfficeHours ----------------------------------------------------------------------------


def test_office_hours_parse_default_and_round_trip():
    hours = OfficeHours.parse("07:30-11:30,13:00-17:00")

    assert hours.periods == ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    assert hours == DEFAULT_HOURS
    assert str(hours) == "07:30-11:30,13:00-17:00"


def test_office_hours_parse_tolerates_spaces_and_single_digit_hours():
    hours = OfficeHours.parse(" 7:30 - 11:30 , 13:00-17:00 ")

    assert hours == DEFAULT_HOURS


def test_office_hours_single_period():
    assert OfficeHours.parse("08:00-16:00").periods == ((time(8), time(16)),)


@pytest.mark.parametrize(
    "text",
    [
        "07:30-11:30,11:00-17:00",  # overlap
        "13:00-17:00,07:30-11:30",  # not in order
        "17:00-13:00",  # reversed
        "08:00-08:00",  # empty
        "25:00-26:00",  # no such hour
        "24:00-24:30",
        "07:60-08:00",  # no such minute
        "",
        "7-11",
        "07:30-11:30,",  # trailing empty chunk
        "07:30-11:30;13:00-17:00",
        "sáng",
    ],
)
def test_office_hours_refuses_bad_text(text):
    with pytest.raises(ValidationFailed) as caught:
        OfficeHours.parse(text)

    assert caught.value.code == "invalid_office_hours"
    assert "Giờ làm việc" in caught.value.message


# --- is_working_day -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 10), True),  # Tuesday
        (date(2026, 3, 14), False),  # Saturday
        (date(2026, 3, 15), False),  # Sunday
        (date(2026, 1, 1), False),  # New Year's Day (Thursday)
        (date(2026, 2, 13), True),  # Friday before Tết
        (date(2026, 2, 16), False),  # Tết 2026: Mon 16 – Fri 20 Feb
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),  # first Monday after Tết
        (date(2026, 4, 27), False),  # Hùng Kings observed (the day itself was a Sunday)
        (date(2026, 8, 22), True),  # make-up working Saturday
        (date(2026, 8, 31), False),  # substituted day off (Monday)
        (date(2026, 9, 1), False),  # National Day
        (date(2026, 9, 2), False),
        (date(2026, 11, 24), False),  # Vietnam Cultural Day (Tuesday)
        (date(2025, 4, 26), True),  # make-up working Saturday
        (date(2025, 5, 2), False),  # the day off it pays for (Friday)
    ],
)
def test_is_working_day_follows_the_vn_calendar(day, working):
    assert CAL.is_working_day(day) is working


def test_overrides_beat_the_package_calendar():
    calendar = WorkingCalendar(
        extra_days_off=frozenset({date(2026, 3, 10), date(2026, 8, 22)}),
        extra_working_days=frozenset({date(2026, 3, 14), date(2026, 11, 24)}),
    )

    assert calendar.is_working_day(date(2026, 3, 10)) is False  # a Tuesday made a day off
    assert calendar.is_working_day(date(2026, 8, 22)) is False  # a make-up Saturday cancelled
    assert calendar.is_working_day(date(2026, 3, 14)) is True  # a Saturday made a working day
    assert calendar.is_working_day(date(2026, 11, 24)) is True  # a holiday made a working day


def test_periods_on_a_working_day_and_a_day_off():
    assert CAL.periods_on(date(2026, 3, 10)) == [
        (vn("2026-03-10 07:30"), vn("2026-03-10 11:30")),
        (vn("2026-03-10 13:00"), vn("2026-03-10 17:00")),
    ]
    assert CAL.periods_on(date(2026, 3, 14)) == []


# --- add ------------------------------------------------------------------------------------


def test_spec_example_over_tet():
    # Fri 13 Feb 16:30–17:00 = 0h30, 23h30 left; 14–22 Feb: weekend + Tết 16–20 + weekend.
    # Mon 23: 8h → 15h30 left; Tue 24: 8h → 7h30 left; Wed 25: 4h morning → 3h30 left,
    # 13:00 + 3h30 = 16:30.
    due = CAL.add(vn("2026-02-13 16:30"), d(3))

    assert due == vn("2026-02-25 16:30")
    assert due.isoformat() == "2026-02-25T16:30:00+07:00"


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # Before opening: the clock starts at 07:30; 07:30 + 2h = 09:30.
        ("2026-03-10 06:00", h(2), "2026-03-10 09:30"),
        # Exactly at opening counts the same way.
        ("2026-03-10 07:30", h(2), "2026-03-10 09:30"),
        # Mid-morning, no boundary crossed: 08:15 + 1h = 09:15.
        ("2026-03-10 08:15", h(1), "2026-03-10 09:15"),
        # Crossing lunch: 10:30–11:30 = 1h, then 13:00 + 1h = 14:00.
        ("2026-03-10 10:30", h(2), "2026-03-10 14:00"),
        # During lunch: the clock starts at 13:00; 13:00 + 1h = 14:00.
        ("2026-03-10 12:00", h(1), "2026-03-10 14:00"),
        # Received at 11:30 sharp (end of the morning) = received at lunch.
        ("2026-03-10 11:30", h(1), "2026-03-10 14:00"),
        # During lunch, 5h: 13:00–17:00 = 4h, 1h left → Wed 07:30 + 1h = 08:30.
        ("2026-03-10 12:15", h(5), "2026-03-11 08:30"),
        # After closing: Wed 07:30 + 1h = 08:30.
        ("2026-03-10 18:00", h(1), "2026-03-11 08:30"),
        # At 17:00 sharp = after closing.
        ("2026-03-10 17:00", h(1), "2026-03-11 08:30"),
        # Just before midnight, still the next morning.
        ("2026-03-10 23:59", h(1), "2026-03-11 08:30"),
        # Friday after closing: weekend skipped, Mon 07:30 + 1h = 08:30.
        ("2026-03-13 17:30", h(1), "2026-03-16 08:30"),
        # Saturday: Mon 16 07:30–11:30 = 4h, 13:00–17:00 = 4h → ends exactly at 17:00.
        ("2026-03-14 10:00", d(1), "2026-03-16 17:00"),
        # Sunday: Mon 07:30 + 3h = 10:30.
        ("2026-03-15 09:00", h(3), "2026-03-16 10:30"),
        # Holiday (Vietnam Cultural Day, Tue 24 Nov 2026): Wed 25 07:30 + 2h = 09:30.
        ("2026-11-24 09:00", h(2), "2026-11-25 09:30"),
        # New Year's Day (Thu 1 Jan 2026): Fri 2 07:30 + 8h = 17:00.
        ("2026-01-01 10:00", d(1), "2026-01-02 17:00"),
    ],
)
def test_add_outside_and_inside_office_hours(start, duration, due):
    assert CAL.add(vn(start), duration) == vn(due)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # 07:30 + 4h = 11:30 exactly: due at 11:30, not 13:00.
        ("2026-03-10 07:30", h(4), "2026-03-10 11:30"),
        # 09:30 + 2h = 11:30 exactly.
        ("2026-03-10 09:30", h(2), "2026-03-10 11:30"),
        # A whole day from opening: 4h + 4h → 17:00, not Wed 07:30.
        ("2026-03-10 07:30", d(1), "2026-03-10 17:00"),
        # 10:30–11:30 = 1h, 13:00 + 4h = 17:00 exactly.
        ("2026-03-10 10:30", h(5), "2026-03-10 17:00"),
        # Friday 17:00 + 3d from Mon 07:30: Mon, Tue, Wed → Wed 17:00, not Thu 07:30.
        ("2026-03-13 17:00", d(3), "2026-03-18 17:00"),
        # Across lunch then ends at 11:30 the next day: Tue 16:00–17:00 = 1h, Wed 4h → 11:30.
        ("2026-03-10 16:00", h(5), "2026-03-11 11:30"),
    ],
)
def test_add_ending_exactly_at_the_end_of_a_period_is_that_end(start, duration, due):
    assert CAL.add(vn(start), duration) == vn(due)


def test_make_up_saturday_is_counted():
    # Fri 21 Aug 2026 16:00–17:00 = 1h, 1h left; Sat 22 is a make-up working day:
    # 07:30 + 1h = 08:30 on the Saturday.
    assert CAL.add(vn("2026-08-21 16:00"), h(2)) == vn("2026-08-22 08:30")


def test_make_up_saturday_2025_is_counted():
    # Fri 25 Apr 2025 16:00–17:00 = 1h; Sat 26 (make-up) 07:30 + 1h = 08:30.
    assert CAL.add(vn("2025-04-25 16:00"), h(2)) == vn("2025-04-26 08:30")


def test_substituted_day_off_is_skipped():
    # Fri 28 Aug 2026 16:00–17:00 = 1h, 7h left. Sat 29, Sun 30 weekend; Mon 31 substituted
    # day off; Tue 1 and Wed 2 Sep National Day. Thu 3: 4h morning → 3h left, 13:00 + 3h = 16:00.
    assert CAL.add(vn("2026-08-28 16:00"), d(1)) == vn("2026-09-03 16:00")


def test_reception_on_a_make_up_saturday_starts_at_once():
    # Sat 22 Aug 2026 is a working day: 09:00 + 2h = 11:00.
    assert CAL.add(vn("2026-08-22 09:00"), h(2)) == vn("2026-08-22 11:00")


def test_custom_office_hours():
    calendar = WorkingCalendar(hours=OfficeHours.parse("08:00-12:00,13:30-17:30"))

    # 07:45 is before opening: 08:00–12:00 = 4h, 13:30 + 4h = 17:30 exactly.
    assert calendar.add(vn("2026-03-10 07:45"), d(1)) == vn("2026-03-10 17:30")
    # 12:00 is this agency's lunch (default hours would start at 13:00): 13:30 + 1h = 14:30.
    assert calendar.add(vn("2026-03-10 12:00"), h(1)) == vn("2026-03-10 14:30")
    # 17:00 is still open here: 17:00–17:30 = 0h30, Wed 08:00 + 0h30 = 08:30.
    assert calendar.add(vn("2026-03-10 17:00"), h(1)) == vn("2026-03-11 08:30")


def test_single_period_office_hours():
    calendar = WorkingCalendar(hours=OfficeHours.parse("07:00-15:00"))

    # 12:00–15:00 = 3h, 1h left → Wed 07:00 + 1h = 08:00.
    assert calendar.add(vn("2026-03-10 12:00"), h(4)) == vn("2026-03-11 08:00")


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 2, 13, 9, 30, tzinfo=UTC),  # 09:30Z = 16:30 +07
        datetime(2026, 2, 13, 4, 30, tzinfo=timezone(timedelta(hours=-5))),  # 04:30-05 = 09:30Z
        datetime(2026, 2, 13, 18, 30, tzinfo=timezone(timedelta(hours=9))),  # 18:30+09 = 09:30Z
        datetime(2026, 2, 13, 16, 30, tzinfo=timezone(PLUS_7)),  # fixed +07, not the zone
    ],
)
def test_add_accepts_any_offset_and_answers_in_vietnam_time(start):
    # The same instant as the spec example → the same due moment, expressed in +07:00.
    due = CAL.add(start, d(3))

    assert due == datetime(2026, 2, 25, 9, 30, tzinfo=UTC)
    assert due.utcoffset() == PLUS_7
    assert due.tzinfo is TZ
    assert due.isoformat() == "2026-02-25T16:30:00+07:00"


def test_add_converts_to_local_date_before_looking_at_the_calendar():
    # Mon 9 Mar 23:00Z is Tue 10 Mar 06:00 in Hà Nội: before opening → 07:30 + 2h = 09:30 Tue.
    assert CAL.add(datetime(2026, 3, 9, 23, 0, tzinfo=UTC), h(2)) == vn("2026-03-10 09:30")
    # Fri 13 Mar 20:00Z is Sat 14 Mar 03:00 in Hà Nội → Mon 16 07:30 + 1h = 08:30.
    assert CAL.add(datetime(2026, 3, 13, 20, 0, tzinfo=UTC), h(1)) == vn("2026-03-16 08:30")
    # Fri 13 Mar 02:00Z is Fri 09:00 local (inside office hours): 09:00 + 1h = 10:00.
    assert CAL.add(datetime(2026, 3, 13, 2, 0, tzinfo=UTC), h(1)) == vn("2026-03-13 10:00")


def test_add_keeps_seconds():
    # 08:00:30 + 1h = 09:00:30.
    assert CAL.add(vn("2026-03-10 08:00:30"), h(1)) == vn("2026-03-10 09:00:30")


def test_add_refuses_a_naive_datetime():
    with pytest.raises(ValidationFailed) as caught:
        CAL.add(datetime(2026, 2, 13, 16, 30), d(3))

    assert caught.value.code == "naive_datetime"
    assert "múi giờ" in caught.value.message


def test_a_week_of_override_days_off_is_skipped():
    calendar = WorkingCalendar(
        extra_days_off=frozenset(date(2026, 3, 10) + timedelta(days=i) for i in range(7))
    )
    # Tue 10 → Mon 16 are all off; Tue 17 07:30 + 1h = 08:30.
    assert calendar.add(vn("2026-03-10 08:00"), h(1)) == vn("2026-03-17 08:30")


def test_a_calendar_without_working_days_refuses_instead_of_looping():
    everything_off = frozenset(date(2026, 3, 10) + timedelta(days=i) for i in range(366 * 20))
    calendar = WorkingCalendar(extra_days_off=everything_off)

    with pytest.raises(ValidationFailed) as on_add:
        calendar.add(vn("2026-03-10 08:00"), h(1))
    with pytest.raises(ValidationFailed) as on_days:
        calendar.add_working_days(date(2026, 3, 9), 1)

    assert on_add.value.code == "no_working_day"
    assert on_days.value.code == "no_working_day"


# --- between --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Same period: 08:00 → 10:15 = 2h15.
        ("2026-03-10 08:00", "2026-03-10 10:15", timedelta(hours=2, minutes=15)),
        # Across lunch: 11:00–11:30 + 13:00–13:30 = 1h.
        ("2026-03-10 11:00", "2026-03-10 13:30", h(1)),
        # Lunch only.
        ("2026-03-10 11:30", "2026-03-10 13:00", timedelta(0)),
        # Across the night: 16:00–17:00 + 07:30–08:00 = 1h30.
        ("2026-03-10 16:00", "2026-03-11 08:00", h(1.5)),
        # Night only.
        ("2026-03-10 17:00", "2026-03-11 07:30", timedelta(0)),
        # Across the weekend: Fri 16:00–17:00 + Mon 07:30–08:00 = 1h30.
        ("2026-03-13 16:00", "2026-03-16 08:00", h(1.5)),
        # A whole working day, boundaries outside office hours.
        ("2026-03-10 00:00", "2026-03-11 00:00", h(8)),
        # Mon 9 to Mon 16 00:00: five working days.
        ("2026-03-09 00:00", "2026-03-16 00:00", h(40)),
        # The spec example back again: 0h30 + 8h + 8h + 7h30 = 24h.
        ("2026-02-13 16:30", "2026-02-25 16:30", h(24)),
        # Make-up Saturday counts: Fri 21 Aug 16:00–17:00 + Sat 22 07:30–08:30 = 2h.
        ("2026-08-21 16:00", "2026-08-22 08:30", h(2)),
        # Substituted day off and National Day: Fri 28 Aug 16:00 → Thu 3 Sep 16:00 = 1h + 7h.
        ("2026-08-28 16:00", "2026-09-03 16:00", h(8)),
        # Empty and reversed intervals.
        ("2026-03-10 09:00", "2026-03-10 09:00", timedelta(0)),
        ("2026-03-10 10:00", "2026-03-10 09:00", timedelta(0)),
    ],
)
def test_between(start, end, expected):
    assert CAL.between(vn(start), vn(end)) == expected


def test_between_accepts_mixed_offsets():
    # 01:00Z = 08:00 +07, 03:15Z = 10:15 +07 → 2h15.
    start = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    end = datetime(2026, 3, 10, 10, 15, tzinfo=timezone(timedelta(hours=7)))

    assert CAL.between(start, end) == timedelta(hours=2, minutes=15)


def test_between_refuses_naive_datetimes():
    with pytest.raises(ValidationFailed) as caught:
        CAL.between(vn("2026-03-10 08:00"), datetime(2026, 3, 10, 9, 0))

    assert caught.value.code == "naive_datetime"


# --- add_working_days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 3, 10), 1, date(2026, 3, 11)),  # Tue → Wed
        (date(2026, 3, 13), 1, date(2026, 3, 16)),  # Fri → Mon
        (date(2026, 3, 14), 1, date(2026, 3, 16)),  # Sat → Mon
        (date(2026, 3, 9), 5, date(2026, 3, 16)),  # Mon + 5 → next Mon
        (date(2026, 2, 13), 1, date(2026, 2, 23)),  # over Tết 16–20 Feb
        (date(2026, 2, 13), 3, date(2026, 2, 25)),  # Mon 23, Tue 24, Wed 25
        (date(2026, 8, 20), 2, date(2026, 8, 22)),  # Fri 21, make-up Sat 22
        (date(2026, 8, 28), 1, date(2026, 9, 3)),  # Mon 31 substituted, 1–2 Sep National Day
        (date(2026, 11, 23), 1, date(2026, 11, 25)),  # Tue 24 Nov Cultural Day
        (date(2025, 4, 29), 1, date(2025, 5, 5)),  # Wed 30 Apr, Thu 1 May, Fri 2 (substituted)
    ],
)
def test_add_working_days(day, count, expected):
    assert CAL.add_working_days(day, count) == expected


@pytest.mark.parametrize("count", [0, -1])
def test_add_working_days_refuses_a_count_below_one(count):
    with pytest.raises(ValueError, match="at least 1"):
        CAL.add_working_days(date(2026, 3, 10), count)


def test_working_days_in():
    days = [date(2026, 8, 21) + timedelta(days=i) for i in range(11)]  # Fri 21 → Mon 31 Aug

    assert CAL.working_days_in(days) == [
        date(2026, 8, 21),
        date(2026, 8, 22),  # make-up Saturday
        date(2026, 8, 24),
        date(2026, 8, 25),
        date(2026, 8, 26),
        date(2026, 8, 27),
        date(2026, 8, 28),
    ]


# --- the deployment calendar (database overrides) -------------------------------------------


@pytest.mark.django_db
def test_working_calendar_without_overrides_is_the_default():
    calendar = working_calendar()

    assert calendar == WorkingCalendar()


@pytest.mark.django_db
def test_override_day_off_is_skipped():
    CalendarOverride.objects.create(
        day=date(2026, 3, 11), kind=CalendarOverride.Kind.DAY_OFF, reason="Bão"
    )

    calendar = working_calendar()

    assert calendar.extra_days_off == frozenset({date(2026, 3, 11)})
    assert calendar.extra_working_days == frozenset()
    # Tue 10 16:00–17:00 = 1h, Wed 11 off, Thu 12 07:30 + 1h = 08:30
    # (without the override: Wed 11 08:30).
    assert calendar.add(vn("2026-03-10 16:00"), h(2)) == vn("2026-03-12 08:30")
    assert WorkingCalendar().add(vn("2026-03-10 16:00"), h(2)) == vn("2026-03-11 08:30")


@pytest.mark.django_db
def test_override_working_day_is_counted():
    CalendarOverride.objects.create(
        day=date(2026, 3, 14), kind=CalendarOverride.Kind.WORKING_DAY, reason="Làm bù"
    )

    calendar = working_calendar()

    assert calendar.extra_working_days == frozenset({date(2026, 3, 14)})
    # Fri 13 16:00–17:00 = 1h, Sat 14 (override) 07:30 + 1h = 08:30.
    assert calendar.add(vn("2026-03-13 16:00"), h(2)) == vn("2026-03-14 08:30")


@pytest.mark.django_db
def test_override_day_off_cancels_a_make_up_saturday():
    CalendarOverride.objects.create(
        day=date(2026, 8, 22), kind=CalendarOverride.Kind.DAY_OFF, reason="Hủy làm bù"
    )

    # Fri 21 Aug 16:00–17:00 = 1h; Sat 22 now off, Sun 23 off; Mon 24 07:30 + 1h = 08:30.
    assert working_calendar().add(vn("2026-08-21 16:00"), h(2)) == vn("2026-08-24 08:30")


@pytest.mark.django_db
def test_working_calendar_uses_the_given_office_hours_with_the_overrides():
    CalendarOverride.objects.create(
        day=date(2026, 3, 14), kind=CalendarOverride.Kind.WORKING_DAY, reason="Làm bù"
    )

    calendar = working_calendar("08:00-12:00,13:30-17:30")

    assert str(calendar.hours) == "08:00-12:00,13:30-17:30"
    # Fri 13 17:00–17:30 = 0h30, Sat 14 (override) 08:00 + 0h30 = 08:30.
    assert calendar.add(vn("2026-03-13 17:00"), h(1)) == vn("2026-03-14 08:30")


@pytest.mark.django_db
def test_working_calendar_refuses_bad_office_hours():
    with pytest.raises(ValidationFailed) as caught:
        working_calendar("25:00-26:00")

    assert caught.value.code == "invalid_office_hours"
