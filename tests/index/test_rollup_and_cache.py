"""The index reads whole months from the monthly roll-up and the edges from the daily rows,
and keeps the catalog's metrics until a catalog write changes the catalog's stamp.

- Any period gives exactly what the daily rows alone give (hand-computed edges, then
  random counters and periods).
- The dashboard's 12-month trend is one pass with the numbers of 12 separate computations.
- The stamp moves with every write to the tables the catalog metrics read (its triggers are
  in place), and the index's catalog numbers follow `import-catalog` and an admin edit.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.catalog.models import Procedure, Publication, RequiredDocument
from motcua.catalog.services import catalog_import
from motcua.core.models import CalendarOverride
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.counters.services import counters_apply
from motcua.directory.models import Agency
from motcua.index.definition import DEFAULT_SPEC
from motcua.index.engine import (
    Period,
    catalog_metrics,
    catalog_token,
    dossier_metrics,
    evaluate,
    index_compute,
    index_evaluate,
    month_split,
)
from motcua.index.exports import trend
from motcua.index.models import IndexDefinition
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory

pytestmark = pytest.mark.django_db


def daily_only(agency_ids: set[int], period: Period) -> dict[str, int]:
    """The metrics as the index computed them before the roll-up: daily rows only."""
    rows = (
        DailyCounter.objects.filter(
            agency_id__in=agency_ids, day__gte=period.start, day__lte=period.end
        )
        .values_list("metric")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {metric: total for metric, total in rows if total}


def nonzero(metrics: dict[str, int]) -> dict[str, int]:
    return {metric: value for metric, value in metrics.items() if value}


# ---------------------------------------------------------------- months and edges


@pytest.mark.parametrize(
    ("start", "end", "months", "edges"),
    [
        # Whole months only.
        (date(2026, 1, 1), date(2026, 3, 31), [1, 2, 3], []),
        # A leap February whole.
        (date(2024, 2, 1), date(2024, 2, 29), [2], []),
        # Both edges partial around one whole month.
        (
            date(2026, 1, 15),
            date(2026, 3, 10),
            [2],
            [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 10))],
        ),
        # Inside one month: days only.
        (date(2026, 5, 2), date(2026, 5, 30), [], [(date(2026, 5, 2), date(2026, 5, 30))]),
        # Two partial months, no whole one between: days only.
        (date(2026, 5, 20), date(2026, 6, 10), [], [(date(2026, 5, 20), date(2026, 6, 10))]),
        # Across a year end, the year so far style (whole months, then today's month).
        (
            date(2025, 12, 1),
            date(2026, 2, 3),
            [12, 1],
            [(date(2026, 2, 1), date(2026, 2, 3))],
        ),
    ],
)
def test_a_period_splits_into_whole_months_and_edge_days(start, end, months, edges):
    found_months, found_edges = month_split(Period(start, end))

    assert [m.month for m in found_months] == months
    assert all(m.day == 1 for m in found_months)
    assert found_edges == edges


def test_a_period_across_months_reads_the_roll_up_and_the_edges(agency, other_agency):
    a, b = agency.pk, other_agency.pk
    counters_apply(
        {
            (a, date(2026, 1, 14), "received"): 100,  # before the period
            (a, date(2026, 1, 15), "received"): 1,
            (a, date(2026, 1, 31), "received"): 2,
            (a, date(2026, 2, 1), "received"): 4,
            (a, date(2026, 2, 28), "finished"): 8,
            (a, date(2026, 3, 10), "finished"): 16,
            (a, date(2026, 3, 11), "finished"): 200,  # after it
            (b, date(2026, 2, 10), "received"): 32,  # another agency
        }
    )
    period = Period(date(2026, 1, 15), date(2026, 3, 10))

    assert dossier_metrics({a}, period) == {"received": 1 + 2 + 4, "finished": 8 + 16}
    assert dossier_metrics({a, b}, period) == {"received": 1 + 2 + 4 + 32, "finished": 24}
    assert dossier_metrics({a}, Period(date(2026, 1, 1), date(2026, 3, 31))) == {
        "received": 107,
        "finished": 224,
    }


# Days from mid-November 2025 to mid-April 2026: month ends, February, a year end.
FIRST_DAY = date(2025, 11, 15)
SPAN = 150
counters = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(0, SPAN),
        st.sampled_from(["received", "finished", "finished_on_time", "rated"]),
        st.integers(1, 9),
    ),
    max_size=60,
)
periods = st.tuples(st.integers(0, SPAN), st.integers(0, SPAN)).map(sorted)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=counters, bounds=st.lists(periods, min_size=1, max_size=4))
def test_any_period_equals_the_daily_rows_alone(rows, bounds):
    DailyCounter.objects.all().delete()
    MonthlyCounter.objects.all().delete()
    agencies = [AgencyFactory(code=f"000.00.{n}.H97").pk for n in range(3)]
    delta: Counter = Counter()
    for agency, offset, metric, value in rows:
        delta[(agencies[agency], FIRST_DAY + timedelta(days=offset), metric)] += value
    counters_apply(delta)

    for first, last in bounds:
        period = Period(FIRST_DAY + timedelta(days=first), FIRST_DAY + timedelta(days=last))
        for ids in ({agencies[0]}, set(agencies)):
            assert nonzero(dossier_metrics(ids, period)) == daily_only(ids, period)


def test_the_index_of_a_period_equals_one_from_daily_rows(agency, procedure):
    a = agency.pk
    counters_apply(
        {
            (a, date(2026, 1, 20), "received"): 10,
            (a, date(2026, 2, 5), "received"): 30,
            (a, date(2026, 2, 5), "synced"): 27,
            (a, date(2026, 2, 27), "finished"): 20,
            (a, date(2026, 2, 27), "finished_on_time"): 15,
            (a, date(2026, 3, 3), "finished"): 4,
            (a, date(2026, 3, 3), "finished_on_time"): 4,
        }
    )
    period = Period(date(2026, 1, 25), date(2026, 3, 3))

    result = index_compute(agency=agency, period=period)

    metrics = {**daily_only({a}, period), **catalog_metrics({a}, period)}
    assert metrics["received"] == 30 and metrics["finished"] == 24
    assert result["total"] == evaluate(DEFAULT_SPEC, metrics)["total"]
    on_time = next(i for g in result["groups"] for i in g["indicators"] if i["key"] == "on_time")
    # 19 of 24 on time → 20 × 19 / 24.
    assert (on_time["numerator"], on_time["denominator"]) == (19, 24)
    assert on_time["score"] == pytest.approx(20 * 19 / 24)


def test_the_trend_is_one_pass_with_the_numbers_of_twelve(
    agency, procedure, django_assert_max_num_queries
):
    a = agency.pk
    delta: Counter = Counter()
    for month in range(1, 13):
        day = date(2025, month, 10)
        delta[(a, day, "received")] += 10 * month
        delta[(a, day, "finished")] += 10
        delta[(a, day, "finished_on_time")] += month % 10
    counters_apply(delta)
    IndexDefinition.objects.create(
        version="2025-06", valid_from=date(2025, 6, 1), title="Từ tháng 6", spec=_halved_bands()
    )
    end = date(2025, 12, 20)

    with django_assert_max_num_queries(9):
        months = trend(agency=agency, end=end)

    separately = [index_evaluate(agency=agency, period=m.period) for m in months]
    assert [m.total for m in months] == [r["total"] for r, _active in separately]
    assert [m.band for m in months] == [r["band"] for r, _active in separately]
    assert [m.period.start.month for m in months] == list(range(1, 13))
    assert months[-1].period.end == end


def _halved_bands() -> dict:
    spec = copy.deepcopy(DEFAULT_SPEC)
    spec["bands"] = [[name, threshold / 2] for name, threshold in spec["bands"]]
    return spec


# ---------------------------------------------------------------- the catalog's stamp


def _token_moves(write) -> bool:
    before = catalog_token()
    write()
    return catalog_token() != before


def test_every_write_the_catalog_metrics_read_moves_the_stamp(agency):
    procedure = ProcedureFactory(agencies=[agency])
    other = AgencyFactory(code="000.00.13.H99")

    assert _token_moves(lambda: ProcedureFactory())
    assert _token_moves(lambda: Procedure.objects.filter(pk=procedure.pk).update(online="none"))
    assert _token_moves(lambda: procedure.agencies.add(other))
    assert _token_moves(lambda: procedure.agencies.remove(other))
    assert _token_moves(
        lambda: RequiredDocument.objects.create(procedure=procedure, name="Tờ khai", position=1)
    )
    assert _token_moves(lambda: RequiredDocument.objects.filter(procedure=procedure).delete())
    assert _token_moves(
        lambda: Publication.objects.create(
            procedure=procedure,
            kind=Publication.Kind.NEW,
            decision="Quyết định số 1/QĐ-UBND",
            decided_on=date(2026, 3, 2),
        )
    )
    assert _token_moves(
        lambda: CalendarOverride.objects.create(
            day=date(2026, 3, 3), kind=CalendarOverride.Kind.DAY_OFF, reason="Nghỉ bù"
        )
    )
    assert _token_moves(lambda: Procedure.objects.filter(pk=procedure.pk).delete())
    # A write elsewhere leaves the cached numbers in place.
    assert not _token_moves(lambda: AgencyFactory(code="000.00.14.H99"))


def test_cached_catalog_metrics_are_read_without_the_catalog(
    agency, procedure, django_assert_num_queries
):
    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    first = catalog_metrics({agency.pk}, period)

    with django_assert_num_queries(1):  # the stamp
        assert catalog_metrics({agency.pk}, period) == first


CATALOG = {
    "agencies": [
        {"code": "000.00.11.H46", "name": "Sở Tư pháp", "level": "department", "parent": None}
    ],
    "procedures": [
        {
            "code": "5.000001",
            "name": "Cấp Phiếu lý lịch tư pháp",
            "sector": "Lý lịch tư pháp",
            "level": "province",
            "time_limit": "10 d",
            "online": "full",
            "registry_connected": True,
            "agencies": ["000.00.11.H46"],
            "required_documents": [{"name": "Tờ khai", "optional": False}],
            "legal_basis": "Luật Lý lịch tư pháp số 28/2009/QH12",
            "publications": [
                {
                    "kind": "new",
                    "decision": "Quyết định số 10/QĐ-UBND",
                    "decided_on": "2026-03-02",
                    "public_on": "2026-03-04",
                }
            ],
        },
        {
            "code": "5.000002",
            "name": "Chứng thực bản sao từ bản chính",
            "sector": "Chứng thực",
            "level": "province",
            "time_limit": "1 d",
            "online": "none",
            "agencies": ["000.00.11.H46"],
        },
    ],
}
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def _catalog_numbers(agency: Agency) -> dict[str, int]:
    result = index_compute(agency=agency, period=MARCH)
    keys = {
        "content_full": "procedures_complete",
        "online_procedures": "procedures_online",
        "registry_procedures": "procedures_registry",
        "publish_on_time": "publications_new_on_time",
    }
    found = {}
    for group in result["groups"]:
        for item in group["indicators"]:
            if item["key"] in keys:
                found[keys[item["key"]]] = (item["numerator"], item["denominator"])
    return found


def test_the_index_follows_import_catalog():
    actor = UserFactory(is_superuser=True)
    catalog_import(actor=actor, data=CATALOG)
    agency = Agency.objects.get(code="000.00.11.H46")
    assert _catalog_numbers(agency) == {
        "procedures_complete": (1, 2),
        "procedures_online": (1, 2),
        "procedures_registry": (1, 2),
        "publications_new_on_time": (1, 1),
    }

    changed = json.loads(json.dumps(CATALOG))
    second = changed["procedures"][1]
    second.update(
        online="partial",
        registry_connected=True,
        legal_basis="Nghị định số 23/2015/NĐ-CP",
        required_documents=[{"name": "Bản chính", "optional": False}],
        publications=[
            {
                "kind": "new",
                "decision": "Quyết định số 11/QĐ-UBND",
                "decided_on": "2026-03-02",
                "public_on": "2026-03-20",  # past 5 working days
            }
        ],
    )
    catalog_import(actor=actor, data=changed)

    assert _catalog_numbers(agency) == {
        "procedures_complete": (2, 2),
        "procedures_online": (2, 2),
        "procedures_registry": (2, 2),
        "publications_new_on_time": (1, 2),
    }


def test_the_index_follows_an_admin_edit(admin_client):
    from tests.catalog.test_admin import change_form_data

    catalog_import(actor=UserFactory(is_superuser=True), data=CATALOG)
    agency = Agency.objects.get(code="000.00.11.H46")
    assert _catalog_numbers(agency)["procedures_online"] == (1, 2)
    procedure = Procedure.objects.get(code="5.000002")
    url = f"/admin/catalog/procedure/{procedure.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["online"] = "full"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert _catalog_numbers(agency)["procedures_online"] == (2, 2)
