"""Random streams of versions — out of order, repeated, across agencies and days — applied
batch by batch: the national counters moved incrementally equal a rebuild from the snapshots,
and the ranking computed from either is the same."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core.worktime import TZ
from motcua.index.engine import Period
from motcua.national.contract import Batch
from motcua.national.counters import national_counters_long, national_counters_rebuild
from motcua.national.ingest import batch_apply
from motcua.national.selectors import ranking
from tests.national.conftest import dossier

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=TZ)


def _moment(hours: int | None) -> str | None:
    if hours is None:
        return None
    return (T0 + timedelta(hours=hours)).strftime("%Y%m%d%H%M%S")


hours = st.one_of(st.none(), st.integers(0, 24 * 20))
versions = st.fixed_dictionaries(
    {
        "code": st.sampled_from(["A1", "A2", "A3", "B1"]),
        "province": st.sampled_from(["46", "01"]),
        "version": st.integers(1, 6),
        "agency_code": st.sampled_from(["AG.1", "AG.2"]),
        "channel": st.integers(1, 3),
        "status": st.integers(1, 10),
        "received_at": hours,
        "due_at": hours,
        "finished_at": hours,
        "rated_at": hours,
        "rating": st.sampled_from([None, "satisfied", "unsatisfied", "very_satisfied"]),
        "supplements": st.integers(0, 2),
        "digitized": st.booleans(),
        "e_result": st.booleans(),
        "result_to_store": st.booleans(),
        "fee_amount": st.sampled_from([0, 50_000]),
        "paid_online": st.booleans(),
        "reused_data": st.booleans(),
        "registry_used": st.booleans(),
        "procedure_code": st.sampled_from(["P.ONLINE", "P.OFFLINE"]),
    }
)
streams = st.lists(st.lists(versions, min_size=1, max_size=6), min_size=1, max_size=6)


def _counters() -> tuple[Counter, Counter]:
    return national_counters_long()


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=streams)
def test_incremental_counters_equal_a_rebuild(stream, catalog_online_procedure):
    for batch in stream:
        for province in ("46", "01"):
            messages = []
            for item in batch:
                if item["province"] != province:
                    continue
                fields = {k: v for k, v in item.items() if k not in ("code", "version", "province")}
                for key in ("received_at", "due_at", "finished_at", "rated_at"):
                    fields[key] = _moment(fields[key])
                code = f"{province}.{item['code']}"
                messages.append(
                    {
                        "id": str(uuid.uuid4()),
                        "dossier": dossier(code, item["version"], **fields),
                        "progress": [],
                    }
                )
            batch_apply(Batch(province=province, batch_id=uuid.uuid4(), messages=messages))
    period = Period(date(2025, 3, 1), date(2025, 3, 31))
    incremental = _counters()
    ranked = ranking(period)

    national_counters_rebuild()

    assert _counters() == incremental
    assert ranking(period) == ranked
