"""Petitions make §7's `petitions_on_time` and `petitions_satisfied` applicable and give §8
its petition KPIs, from counters moved in the petitions' own transactions."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from motcua.core.worktime import TZ
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.feedback.services import petition_answer, petition_rate, petition_reject
from motcua.index.engine import Period, index_compute, kpi_compute

pytestmark = pytest.mark.django_db
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
ANSWER = "Sở đã tiếp thu ý kiến và chấn chỉnh việc hẹn trả kết quả tại bộ phận một cửa."


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def indicator(result: dict, key: str) -> dict:
    for group in result["groups"]:
        for item in group["indicators"]:
            if item["key"] == key:
                return item
    raise KeyError(key)


def group(result: dict, key: str) -> dict:
    return next(g for g in result["groups"] if g["key"] == key)


def test_without_petitions_both_indicators_are_not_applicable(agency):
    result = index_compute(agency=agency, period=MARCH)
    for key in ("petitions_on_time", "petitions_satisfied"):
        assert indicator(result, key) == {
            "key": key,
            "numerator": 0,
            "denominator": 0,
            "score": 6.0,
            "max": 6,
            "applicable": False,
        }
    kpi = kpi_compute(agency=agency, period=MARCH)
    assert (kpi["petitions_received"], kpi["petitions_resolved"]) == (0, 0)
    assert kpi["petitions_resolved_rate"] is None


@pytest.fixture
def march(submit, reception, citizen):
    """P1 answered on time and rated satisfied; P2 answered late and rated unsatisfied; P3
    never answered (due 17/03); P4 received on 20/03, due in April."""
    p1 = submit(at=at(2026, 3, 2, 9, 0))  # due 16/03 17:00
    p2 = submit(at=at(2026, 3, 2, 10, 0))  # due 16/03 17:00
    p3 = submit(at=at(2026, 3, 3, 9, 0))  # due 17/03 17:00
    p4 = submit(at=at(2026, 3, 20, 9, 0))  # due 03/04 17:00
    petition_answer(actor=reception, petition=p1, answer=ANSWER, at=at(2026, 3, 10, 9, 0))
    petition_rate(actor=citizen, petition=p1, rating="satisfied", at=at(2026, 3, 11, 8, 0))
    petition_answer(actor=reception, petition=p2, answer=ANSWER, at=at(2026, 3, 17, 10, 0))
    petition_rate(actor=citizen, petition=p2, rating="unsatisfied", at=at(2026, 3, 18, 8, 0))
    return p1, p2, p3, p4


def test_exact_scores_over_march(march, agency):
    result = index_compute(agency=agency, period=MARCH)
    assert indicator(result, "petitions_on_time") == {
        "key": "petitions_on_time",
        "numerator": 1,
        "denominator": 3,
        "score": pytest.approx(2.0),
        "max": 6,
        "applicable": True,
    }
    assert indicator(result, "petitions_satisfied") == {
        "key": "petitions_satisfied",
        "numerator": 1,
        "denominator": 2,
        "score": 3.0,
        "max": 6,
        "applicable": True,
    }
    # Dossier ratings stay not applicable (6) beside 2 + 3.
    assert group(result, "satisfaction")["score"] == pytest.approx(11.0)


def test_the_kpis(march, agency):
    kpi = kpi_compute(agency=agency, period=MARCH)
    assert kpi["petitions_received"] == 4
    assert kpi["petitions_resolved"] == 2
    assert kpi["petitions_resolved_rate"] == 0.5
    april = kpi_compute(agency=agency, period=Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert (april["petitions_received"], april["petitions_resolved"]) == (0, 0)
    assert april["petitions_resolved_rate"] is None


def test_a_reply_next_month_counts_as_resolved_in_the_month_of_receipt(submit, agency, reception):
    late = submit(at=at(2026, 3, 30, 9, 0))
    petition_answer(actor=reception, petition=late, answer=ANSWER, at=at(2026, 4, 6, 9, 0))
    march = kpi_compute(agency=agency, period=MARCH)
    april = kpi_compute(agency=agency, period=Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert (march["petitions_received"], march["petitions_resolved"]) == (1, 1)
    assert march["petitions_resolved_rate"] == 1.0
    assert (april["petitions_received"], april["petitions_resolved"]) == (0, 0)


def test_a_petition_due_unanswered_counts_on_its_due_day_with_nothing_happening(
    submit, agency, reception
):
    p3 = submit(at=at(2026, 3, 3, 9, 0))  # due Tuesday 17/03/2026 17:00
    due_day = Period(date(2026, 3, 17), date(2026, 3, 17))
    # Nothing happens on 17/03: the contribution keyed on the deadline exists from submission.
    assert indicator(index_compute(agency=agency, period=due_day), "petitions_on_time") == {
        "key": "petitions_on_time",
        "numerator": 0,
        "denominator": 1,
        "score": 0.0,
        "max": 6,
        "applicable": True,
    }
    # The day before holds nothing to judge.
    day_before = Period(date(2026, 3, 16), date(2026, 3, 16))
    assert not indicator(index_compute(agency=agency, period=day_before), "petitions_on_time")[
        "applicable"
    ]
    # A late answer two days later does not make the due day on time.
    petition_answer(actor=reception, petition=p3, answer=ANSWER, at=at(2026, 3, 19, 9, 0))
    late = indicator(index_compute(agency=agency, period=due_day), "petitions_on_time")
    assert (late["numerator"], late["denominator"]) == (0, 1)


def test_an_answer_at_the_deadline_is_on_time_one_minute_after_is_not(submit, agency, reception):
    on_time = submit(at=at(2026, 3, 2, 9, 0))
    late = submit(at=at(2026, 3, 2, 9, 30))
    petition_answer(actor=reception, petition=on_time, answer=ANSWER, at=at(2026, 3, 16, 17, 0))
    petition_answer(actor=reception, petition=late, answer=ANSWER, at=at(2026, 3, 16, 17, 1))
    item = indicator(index_compute(agency=agency, period=MARCH), "petitions_on_time")
    assert (item["numerator"], item["denominator"], item["score"]) == (1, 2, 3.0)


def test_a_timely_rejection_counts_as_handled_in_time(submit, agency, reception):
    # A rejection is a reasoned reply too: letting a petition lapse and rejecting it later
    # must not take it out of the denominator.
    quick = submit(at=at(2026, 3, 2, 9, 0))
    lapsed = submit(at=at(2026, 3, 2, 9, 30))
    petition_reject(
        actor=reception,
        petition=quick,
        reason="Không thuộc thẩm quyền của Sở.",
        at=at(2026, 3, 3, 9, 0),
    )
    petition_reject(
        actor=reception,
        petition=lapsed,
        reason="Không thuộc thẩm quyền của Sở.",
        at=at(2026, 3, 20, 9, 0),
    )
    item = indicator(index_compute(agency=agency, period=MARCH), "petitions_on_time")
    assert (item["numerator"], item["denominator"]) == (1, 2)
    assert kpi_compute(agency=agency, period=MARCH)["petitions_resolved"] == 2


def test_the_parent_agency_rolls_up_and_a_rebuild_agrees(march, agency, parent_agency):
    result = index_compute(agency=parent_agency, period=MARCH)
    assert indicator(result, "petitions_on_time")["denominator"] == 3
    incremental = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == incremental
    assert index_compute(agency=parent_agency, period=MARCH) == result
