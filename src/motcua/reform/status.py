"""A task's status, derived from its deadline, the day it was completed and the day it is read
on — never stored, so it cannot go stale.

- done on time: completed on or before the deadline day;
- done late: completed after the deadline day;
- overdue: not completed and the deadline day has passed;
- not due: not completed and the deadline is today or later.

The early warning ("due soon") is a not-due task whose deadline falls within the next
`MOTCUA_REFORM_WARNING_DAYS` working days (default 10) of the deployment's calendar
(`core.calendar.working_calendar`: weekends, the Vietnamese holidays and the stored
overrides); a deadline today is due soon too.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.text import number_vi
from motcua.core.worktime import WorkingCalendar

DEFAULT_WARNING_DAYS = 10
HUNDREDTH = Decimal("0.01")


class Status(models.TextChoices):
    DONE_ON_TIME = "done_on_time", _("Hoàn thành đúng hạn")
    DONE_LATE = "done_late", _("Hoàn thành quá hạn")
    OVERDUE = "overdue", _("Quá hạn, chưa hoàn thành")
    NOT_DUE = "not_due", _("Chưa đến hạn")


def task_status(*, deadline: date, done_on: date | None, today: date) -> Status:
    if done_on is not None:
        return Status.DONE_ON_TIME if done_on <= deadline else Status.DONE_LATE
    return Status.OVERDUE if deadline < today else Status.NOT_DUE


def warning_days() -> int:
    days = int(getattr(settings, "MOTCUA_REFORM_WARNING_DAYS", DEFAULT_WARNING_DAYS))
    if days < 1:
        raise ValueError(f"MOTCUA_REFORM_WARNING_DAYS must be at least 1, not {days}")
    return days


def warning_end(*, today: date, calendar: WorkingCalendar, days: int | None = None) -> date:
    """The last deadline that is "due soon" read on `today`: the N-th working day after it."""
    return calendar.add_working_days(today, days or warning_days())


def is_due_soon(*, deadline: date, done_on: date | None, today: date, until: date) -> bool:
    return done_on is None and today <= deadline <= until


def percent(part: int, whole: int) -> Decimal | None:
    """296 of 845 → Decimal('35.03') (half up, two decimals); None when there is nothing."""
    if whole <= 0:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def percent_vi(value: Decimal | None) -> str:
    """Decimal('35.03') → '35,03 %' (Vietnamese decimal comma); None → '—'."""
    return "—" if value is None else f"{number_vi(value)} %"
