"""The monthly roll-up under random moves: several agencies, days either side of month and
year ends, moves in random batches (some cancelling, some through the set-based path of an
import). Moved step by step it equals the daily rows summed by month, and equals what a
rebuild from the same final numbers writes."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.counters import sources
from motcua.counters.keys import Key
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.counters.selectors import counters_snapshot, monthly_snapshot, months_of
from motcua.counters.services import counters_add_select, counters_apply, counters_rebuild
from tests.factories import AgencyFactory

# Days at the edges of months, of February in a leap year and of a year.
DAYS = [
    date(2023, 12, 31),
    date(2024, 1, 1),
    date(2024, 1, 31),
    date(2024, 2, 1),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2024, 3, 15),
    date(2024, 3, 31),
]
METRICS = ["received", "finished", "payments_online_amount"]

moves = st.lists(
    st.tuples(
        st.integers(0, 2),  # agency
        st.sampled_from(DAYS),
        st.sampled_from(METRICS),
        st.integers(-3, 5),
        st.booleans(),  # through the set-based path
    ),
    min_size=1,
    max_size=40,
)
batches = st.lists(moves, min_size=1, max_size=5)


def add_selected(delta: dict[Key, int]) -> None:
    """What an import does: the delta as a query over a temporary table."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS test_counter_rows")
        cursor.execute(
            "CREATE TEMP TABLE test_counter_rows "
            "(agency_id bigint, day date, metric varchar(32), value bigint)"
        )
        adapt = connection.ops.adapt_datefield_value
        cursor.executemany(
            "INSERT INTO test_counter_rows VALUES (%s, %s, %s, %s)",
            [(a, adapt(d), m, v) for (a, d, m), v in delta.items()],
        )
    counters_add_select(
        "SELECT agency_id, day, metric, value FROM test_counter_rows WHERE value <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE test_counter_rows")


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=batches)
def test_incremental_monthly_counters_equal_a_rebuild(monkeypatch, history):
    # The examples share the test's transaction: each starts from no counters.
    DailyCounter.objects.all().delete()
    MonthlyCounter.objects.all().delete()
    agencies = [AgencyFactory().pk for _ in range(3)]
    total: Counter[Key] = Counter()
    for batch in history:
        plain: Counter[Key] = Counter()
        selected: Counter[Key] = Counter()
        for agency, day, metric, value, set_based in batch:
            (selected if set_based else plain)[(agencies[agency], day, metric)] += value
        counters_apply(plain)
        add_selected({key: value for key, value in selected.items() if value})
        total.update(plain)
        total.update(selected)

    incremental = monthly_snapshot()
    expected = {key: value for key, value in total.items() if value}
    assert counters_snapshot() == expected
    assert incremental == months_of(expected)

    monkeypatch.setattr(sources, "_REBUILD_SOURCES", {"test": lambda: iter(expected.items())})
    counters_rebuild()
    assert monthly_snapshot() == incremental
    assert counters_snapshot() == expected
