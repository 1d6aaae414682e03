"""Random petition histories — submissions at any hour, answers, rejections and ratings,
early and late — : the counters moved step by step equal a rebuild from the petitions, and
the index and KPIs computed from either are the same."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core.errors import MotcuaError
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.feedback.models import Petition
from motcua.feedback.services import petition_answer, petition_rate, petition_reject
from motcua.index.engine import Period, index_compute, kpi_compute
from tests.feedback.conftest import T0

# "at_deadline" answers at the very deadline (or one minute after it): the boundary that
# `answered_at <= due_at` must state the same way in Python and in SQL.
ACTIONS = ("submit", "answer", "at_deadline", "reject", "satisfied", "unsatisfied")
ANSWER = "Cơ quan đã tiếp thu và trả lời nội dung phản ánh, kiến nghị của ông/bà."

# Each step: which petition slot, which action, how many minutes later (up to ~6 days, so
# deadlines pass unanswered and answers fall on both sides of them).
steps = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(ACTIONS), st.integers(7, 60 * 24 * 6)),
    min_size=1,
    max_size=40,
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_incremental_counters_equal_a_rebuild(
    submit, agency, parent_agency, reception, citizen, history
):
    slots: dict[int, Petition] = {}
    moment = T0
    for slot, action, minutes in history:
        moment += timedelta(minutes=minutes)
        try:
            if action == "submit" or slot not in slots:
                slots[slot] = submit(at=moment)
            elif action == "at_deadline":
                due = slots[slot].due_at + timedelta(minutes=minutes % 2)
                moment = max(moment, due)
                petition_answer(actor=reception, petition=slots[slot], answer=ANSWER, at=moment)
            elif action == "answer":
                petition_answer(actor=reception, petition=slots[slot], answer=ANSWER, at=moment)
            elif action == "reject":
                petition_reject(
                    actor=reception,
                    petition=slots[slot],
                    reason="Không thuộc thẩm quyền.",
                    at=moment,
                )
            else:
                petition_rate(actor=citizen, petition=slots[slot], rating=action, at=moment)
        except MotcuaError:
            continue  # refused by a rule (replied twice, rated twice…): nothing written
    incremental = counters_snapshot()
    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    index_before = index_compute(agency=parent_agency, period=period)
    kpi_before = kpi_compute(agency=parent_agency, period=period)
    counters_rebuild()
    assert counters_snapshot() == incremental
    assert index_compute(agency=parent_agency, period=period) == index_before
    assert kpi_compute(agency=parent_agency, period=period) == kpi_before
    assert kpi_before["petitions_received"] == Petition.objects.count()
