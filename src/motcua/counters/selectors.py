"""Reading the counters as a whole: a snapshot, and its distance from a rebuild."""

from __future__ import annotations

from collections import Counter
from datetime import date

from motcua.counters.keys import Key, month_of
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.counters.sources import counters_expected


def counters_snapshot() -> dict[Key, int]:
    """Every non-zero counter (for comparing incremental and rebuilt numbers)."""
    return {
        (a, d, m): v
        for a, d, m, v in DailyCounter.objects.exclude(value=0).values_list(
            "agency_id", "day", "metric", "value"
        )
    }


def monthly_snapshot() -> dict[tuple[int, date, str], int]:
    """Every non-zero monthly counter, keyed by the month's first day."""
    return {
        (a, d, m): v
        for a, d, m, v in MonthlyCounter.objects.exclude(value=0).values_list(
            "agency_id", "month", "metric", "value"
        )
    }


def months_of(daily: dict[Key, int]) -> dict[tuple[int, date, str], int]:
    """Daily counters summed by month: what the monthly roll-up must hold."""
    months: Counter[tuple[int, date, str]] = Counter()
    for (agency, day, metric), value in daily.items():
        months[(agency, month_of(day), metric)] += value
    return {key: value for key, value in months.items() if value}


def counters_drift() -> dict[str, int]:
    """How far the live counters are from a rebuild (`motcua counters_check`): the rows that
    differ, and the sum of the differences; and the monthly rows that differ from the live
    daily rows of their month. Zero when every change moved its counters."""
    live = counters_snapshot()
    expected: dict[Key, int] = {}
    for key, value in counters_expected():
        if value:
            expected[key] = expected.get(key, 0) + value
    keys = live.keys() | expected.keys()
    differences = [abs(live.get(k, 0) - expected.get(k, 0)) for k in keys]
    months, rolled = months_of(live), monthly_snapshot()
    return {
        "rows": len(keys),
        "drift_rows": sum(1 for d in differences if d),
        "drift_total": sum(differences),
        "monthly_drift_rows": sum(
            1 for k in months.keys() | rolled.keys() if months.get(k, 0) != rolled.get(k, 0)
        ),
    }
