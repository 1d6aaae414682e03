"""The counters' own machinery, independent of what feeds it: deltas, the rebuild from the
registered sources, drift, and the model's move from the index without touching its table."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from motcua.counters import sources
from motcua.counters.keys import Key
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.counters.selectors import counters_drift, counters_snapshot, monthly_snapshot
from motcua.counters.services import counters_apply, counters_move, counters_rebuild

pytestmark = pytest.mark.django_db
MON, TUE = date(2026, 3, 2), date(2026, 3, 3)
MARCH = date(2026, 3, 1)


@pytest.fixture
def only_source(monkeypatch):
    """Replace every registered source with one the test controls."""
    rows: dict[Key, int] = {}
    monkeypatch.setattr(sources, "_REBUILD_SOURCES", {"test": lambda: iter(rows.items())})
    return rows


def test_a_move_applies_after_minus_before(agency, other_agency):
    a, b = agency.pk, other_agency.pk
    before = Counter({(a, MON, "received"): 1, (a, MON, "digitized"): 1})
    counters_apply(before + Counter({(b, MON, "received"): 1}))

    counters_move(before, Counter({(a, MON, "received"): 1, (a, TUE, "finished"): 1}))

    assert counters_snapshot() == {
        (a, MON, "received"): 1,
        (b, MON, "received"): 1,
        (a, TUE, "finished"): 1,
    }
    # Back to zero, the row stays (a later change may count on that day again).
    assert DailyCounter.objects.get(agency=agency, day=MON, metric="digitized").value == 0


def test_a_move_with_no_difference_writes_no_row(agency):
    same = Counter({(agency.pk, MON, "received"): 1})

    counters_move(same, Counter(same))

    assert DailyCounter.objects.count() == 0


def test_the_rebuild_writes_what_the_sources_say_and_nothing_else(agency, only_source):
    a = agency.pk
    counters_apply({(a, MON, "received"): 5, (a, TUE, "stale"): 3})
    only_source.update({(a, MON, "received"): 4, (a, TUE, "finished"): 2})

    assert counters_drift() == {
        "rows": 3,
        "drift_rows": 3,
        "drift_total": 1 + 3 + 2,
        "monthly_drift_rows": 0,
    }
    assert counters_rebuild() == 2

    assert counters_snapshot() == {(a, MON, "received"): 4, (a, TUE, "finished"): 2}
    assert monthly_snapshot() == {(a, MARCH, "received"): 4, (a, MARCH, "finished"): 2}
    assert counters_drift() == {
        "rows": 2,
        "drift_rows": 0,
        "drift_total": 0,
        "monthly_drift_rows": 0,
    }


def test_the_dossiers_and_the_petitions_register_their_sources_when_their_apps_load():
    assert {"dossiers", "petitions"} <= set(sources._REBUILD_SOURCES)


def test_the_model_moved_from_the_index_without_moving_its_table():
    loader = MigrationLoader(connection)
    during = loader.project_state(("counters", "0001_dailycounter_from_index")).models
    after = loader.project_state(("index", "0004_dailycounter_to_counters")).models

    assert during[("index", "dailycounter")].options.get("db_table") is None  # index_dailycounter
    assert during[("counters", "dailycounter")].options["db_table"] == "index_dailycounter"
    assert ("index", "dailycounter") not in after
    assert DailyCounter._meta.db_table == "index_dailycounter"


def test_a_move_adds_to_the_month_of_each_day(agency, other_agency):
    a, b = agency.pk, other_agency.pk
    counters_apply(
        {
            (a, date(2026, 1, 31), "received"): 2,
            (a, date(2026, 2, 1), "received"): 3,
            (a, date(2026, 2, 28), "received"): 4,
            (b, date(2026, 2, 28), "received"): 5,
        }
    )

    # One day leaves February for March: February's row keeps the rest.
    counters_move(
        Counter({(a, date(2026, 2, 28), "received"): 4}),
        Counter({(a, date(2026, 3, 1), "received"): 4, (a, date(2026, 3, 1), "finished"): 1}),
    )

    assert monthly_snapshot() == {
        (a, date(2026, 1, 1), "received"): 2,
        (a, date(2026, 2, 1), "received"): 3,
        (a, date(2026, 3, 1), "received"): 4,
        (a, date(2026, 3, 1), "finished"): 1,
        (b, date(2026, 2, 1), "received"): 5,
    }


def test_a_changed_monthly_row_is_drift(agency):
    counters_apply({(agency.pk, MON, "received"): 2, (agency.pk, TUE, "received"): 1})
    MonthlyCounter.objects.filter(agency=agency, month=MARCH).update(value=4)

    assert counters_drift()["monthly_drift_rows"] == 1
