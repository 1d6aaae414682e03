"""Reading the daily counters as a whole: a snapshot, and its distance from a rebuild."""

from __future__ import annotations

from motcua.counters.keys import Key
from motcua.counters.models import DailyCounter
from motcua.counters.sources import counters_expected


def counters_snapshot() -> dict[Key, int]:
    """Every non-zero counter (for comparing incremental and rebuilt numbers)."""
    return {
        (a, d, m): v
        for a, d, m, v in DailyCounter.objects.exclude(value=0).values_list(
            "agency_id", "day", "metric", "value"
        )
    }


def counters_drift() -> dict[str, int]:
    """How far the live counters are from a rebuild (`motcua counters_check`): the rows that
    differ, and the sum of the differences. Zero when every change moved its counters."""
    live = counters_snapshot()
    expected: dict[Key, int] = {}
    for key, value in counters_expected():
        if value:
            expected[key] = expected.get(key, 0) + value
    keys = live.keys() | expected.keys()
    differences = [abs(live.get(k, 0) - expected.get(k, 0)) for k in keys]
    return {
        "rows": len(keys),
        "drift_rows": sum(1 for d in differences if d),
        "drift_total": sum(differences),
    }
