"""What a counter is keyed by: an agency, a local day and a metric name."""

from __future__ import annotations

from datetime import date, datetime

from motcua.core.worktime import TZ

# (agency id, local day in Asia/Ho_Chi_Minh, metric name).
Key = tuple[int, date, str]


def local_day(moment: datetime) -> date:
    """The day `moment` falls on in Viet Nam: the day a counter is dated by."""
    return moment.astimezone(TZ).date()


def month_of(day: date) -> date:
    """The first day of `day`'s month: what a monthly counter is dated by."""
    return day.replace(day=1)
