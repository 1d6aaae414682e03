"""The service index (§7) on hand-computed cases: every rule, cap, band and period edge."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest

from motcua.catalog.models import Publication
from motcua.core.worktime import TZ
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.dossiers.models import Dossier
from motcua.index.definition import DEFAULT_SPEC, definition_problems
from motcua.index.engine import (
    Period,
    band_of,
    catalog_metrics,
    evaluate,
    index_compute,
    kpi_compute,
)
from motcua.index.models import IndexDefinition
from tests.factories import AgencyFactory, ProcedureFactory, RequiredDocumentFactory

BANDS = DEFAULT_SPEC["bands"]


def indicator(result: dict, key: str) -> dict:
    return next(i for g in result["groups"] for i in g["indicators"] if i["key"] == key)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "yeu"),
        (49.99, "yeu"),
        (50, "trung_binh"),
        (69.99, "trung_binh"),
        (70, "kha"),
        (79.99, "kha"),
        (80, "tot"),
        (89.99, "tot"),
        (90, "xuat_sac"),
        (100, "xuat_sac"),
    ],
)
def test_band_boundaries(total, band):
    assert band_of(total, BANDS) == band


def test_a_zero_denominator_scores_full_and_is_not_applicable():
    result = evaluate(DEFAULT_SPEC, {})
    assert result["total"] == 100.0
    assert result["band"] == "xuat_sac"
    assert indicator(result, "on_time") == {
        "key": "on_time",
        "numerator": 0,
        "denominator": 0,
        "score": 20.0,
        "max": 20,
        "applicable": False,
    }


def test_full_at_caps_the_satisfaction_ratio():
    # satisfied: max 6, full at 0.9. 81 of 100 → 6 × 0.81 / 0.9 = 5.4; 95 of 100 → capped at 6.
    assert indicator(evaluate(DEFAULT_SPEC, {"rated": 100, "rated_satisfied": 81}), "satisfied")[
        "score"
    ] == pytest.approx(5.4)
    assert (
        indicator(evaluate(DEFAULT_SPEC, {"rated": 100, "rated_satisfied": 95}), "satisfied")[
            "score"
        ]
        == 6.0
    )
    # reused: max 2, full at 0.8. 40 of 100 → 2 × 0.5 = 1.0; 80 of 100 → 2.
    assert indicator(evaluate(DEFAULT_SPEC, {"received": 100, "reused": 40}), "reused")[
        "score"
    ] == pytest.approx(1.0)
    assert (
        indicator(evaluate(DEFAULT_SPEC, {"received": 100, "reused": 80}), "reused")["score"] == 2.0
    )


def test_each_indicator_on_a_hand_computed_case():
    metrics = {
        "publications_new": 4,
        "publications_new_on_time": 3,  # 6 × 0.75 = 4.5
        "publications_amended": 2,
        "publications_amended_on_time": 1,  # 4 × 0.5 = 2
        "procedures": 10,
        "procedures_complete": 9,  # 2 × 0.9 = 1.8
        "received": 200,
        "synced": 150,  # 6 × 0.75 = 4.5
        "finished": 100,
        "finished_on_time": 97,  # 20 × 0.97 = 19.4
        "procedures_online": 8,  # 4 × 0.8 = 3.2
        "received_online_offer": 160,
        "received_online_offer_online": 40,  # 8 × 0.25 = 2
        "with_fee": 50,
        "with_fee_paid_online": 10,  # 10 × 0.2 = 2
        "rated": 10,
        "rated_satisfied": 9,  # 6 (0.9 is full)
        "e_result": 60,  # 8 × 0.6 = 4.8
        "digitized": 100,  # 4 × 0.5 = 2
        "reused": 16,  # 2 × 0.08/0.8 = 0.2
        "e_result_to_store": 30,  # 4 × 0.5 = 2
        "registry_used": 50,  # 2 × 0.25 = 0.5
        "procedures_registry": 5,  # 2 × 0.5 = 1
    }
    result = evaluate(DEFAULT_SPEC, metrics)
    scores = {g["key"]: round(g["score"], 6) for g in result["groups"]}
    assert scores == {
        "transparency": 12.8,
        "progress": 19.4,
        "online": 5.2,
        "payment": 2.0,
        "satisfaction": 18.0,
        "digitization": 10.5,
    }
    assert result["total"] == pytest.approx(67.9)
    assert result["band"] == "trung_binh"


def test_the_default_definition_is_sound_and_sums_to_100():
    assert definition_problems(DEFAULT_SPEC) == []
    assert sum(g["max"] for g in DEFAULT_SPEC["groups"]) == 100


def test_a_broken_definition_is_described():
    spec = copy.deepcopy(DEFAULT_SPEC)
    spec["groups"][0]["indicators"][0]["numerator"] = "khong_co"
    spec["groups"][1]["max"] = 25
    spec["bands"] = [["yeu", 0], ["tot", 80]]
    assert definition_problems(spec) == [
        "Các ngưỡng xếp loại phải giảm dần.",
        "Chỉ tiêu 'publish_on_time': 'khong_co' không phải số liệu nguồn hợp lệ.",
        "Nhóm 'progress': điểm tối đa 25 khác tổng các chỉ tiêu 20.",
    ]


@pytest.mark.django_db
def test_publication_deadline_counts_working_days_over_tet(agency):
    procedure = ProcedureFactory(agencies=[agency])
    # Decided Fri 13/02/2026; Tết 16–20/02 → working days 23, 24, 25, 26, 27/02: 5th is 27/02.
    for public in (date(2026, 2, 27), date(2026, 3, 2)):
        Publication.objects.create(
            procedure=procedure,
            kind="new",
            decision="QĐ",
            decided_on=date(2026, 2, 13),
            public_on=public,
        )
    Publication.objects.create(
        procedure=procedure,
        kind="amended",
        decision="QĐ",
        decided_on=date(2026, 2, 13),
        public_on=None,
    )
    metrics = catalog_metrics({agency.pk}, Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert (metrics["publications_new"], metrics["publications_new_on_time"]) == (2, 1)
    assert (metrics["publications_amended"], metrics["publications_amended_on_time"]) == (1, 0)


@pytest.mark.django_db
def test_content_full_needs_time_limit_documents_and_legal_basis(agency):
    complete = ProcedureFactory(agencies=[agency])
    RequiredDocumentFactory(procedure=complete)
    ProcedureFactory(agencies=[agency])  # no documents
    no_limit = ProcedureFactory(agencies=[agency], time_limit=None)
    RequiredDocumentFactory(procedure=no_limit)
    no_basis = ProcedureFactory(agencies=[agency], legal_basis="", online="none")
    RequiredDocumentFactory(procedure=no_basis)
    metrics = catalog_metrics({agency.pk}, Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert (
        metrics["procedures"],
        metrics["procedures_complete"],
        metrics["procedures_online"],
    ) == (4, 1, 3)


def _received(walker, when: datetime) -> Dossier:
    dossier = walker.create(at=when)
    dossier = walker.act(dossier, "submit", at=when)
    return walker.act(dossier, "receive", at=when)


@pytest.mark.django_db
def test_period_edges_are_local_days_and_the_last_day_is_inclusive(walker, agency):
    _received(walker, datetime(2026, 3, 31, 23, 59, 59, tzinfo=TZ))
    # 17:30 UTC on 31 March is 00:30 on 1 April in Hà Nội.
    _received(walker, datetime.fromisoformat("2026-03-31T17:30:00+00:00"))
    march = index_compute(agency=agency, period=Period(date(2026, 3, 1), date(2026, 3, 31)))
    april = index_compute(agency=agency, period=Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert indicator(march, "synced")["denominator"] == 1
    assert indicator(april, "synced")["denominator"] == 1


@pytest.mark.django_db
def test_the_index_rolls_up_to_the_parent_and_moves_with_each_transition(walker, agency):
    city = AgencyFactory(code="000.00.00.H99", name="UBND thử nghiệm", level="province")
    agency.parent = city
    agency.save()
    period = Period(date(2026, 3, 1), date(2026, 3, 31))
    dossier = _received(walker, datetime(2026, 3, 2, 9, 0, tzinfo=TZ))  # due Thu 05/03 09:00
    assert indicator(index_compute(agency=city, period=period), "synced")["denominator"] == 1
    for action in ("forward", "forward", "forward"):
        dossier = walker.act(dossier, action, at=datetime(2026, 3, 3, 9, tzinfo=TZ))
    walker.act(dossier, "approve", at=datetime(2026, 3, 6, 9, 0, tzinfo=TZ))  # a day late
    on_time = indicator(index_compute(agency=city, period=period), "on_time")
    assert (on_time["numerator"], on_time["denominator"], on_time["score"]) == (0, 1, 0.0)
    kpi = kpi_compute(agency=city, period=period)
    assert (
        kpi["dossiers_received"],
        kpi["dossiers_finished"],
        kpi["on_time_rate"],
        kpi["overdue_rate"],
        kpi["online_rate"],
    ) == (1, 1, 0.0, 1.0, 1.0)
    assert counters_snapshot() == _rebuilt()


def _rebuilt() -> dict:
    counters_rebuild()
    return counters_snapshot()


@pytest.mark.django_db
def test_a_second_supplement_makes_an_early_dossier_late(walker, agency):
    at = lambda d, h: datetime(2026, 3, d, h, 0, tzinfo=TZ)  # noqa: E731
    dossier = _received(walker, at(2, 8))
    dossier = walker.act(dossier, "forward", at=at(2, 9))
    for day in (2, 3):
        dossier = walker.act(dossier, "request_supplement", at=at(day, 10))
        dossier = walker.act(dossier, "provide_supplement", at=at(day, 11))
    for _ in range(2):
        dossier = walker.act(dossier, "forward", at=at(3, 14))
    dossier = walker.act(dossier, "approve", at=at(3, 15))
    assert dossier.finished_at < dossier.due_at
    on_time = indicator(
        index_compute(agency=agency, period=Period(date(2026, 3, 1), date(2026, 3, 31))), "on_time"
    )
    assert (on_time["numerator"], on_time["denominator"]) == (0, 1)


@pytest.mark.django_db
def test_kpi_rates_are_null_without_a_denominator(agency):
    kpi = kpi_compute(agency=agency, period=Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert (kpi["online_rate"], kpi["on_time_rate"], kpi["procedures_online_share"]) == (
        None,
        None,
        None,
    )


@pytest.mark.django_db
def test_a_new_definition_version_applies_from_its_period(agency):
    spec = copy.deepcopy(DEFAULT_SPEC)
    spec["bands"] = [["xuat_sac", 101], ["yeu", 0]]
    IndexDefinition.objects.create(
        version="2027", valid_from=date(2027, 1, 1), title="Thử nghiệm", spec=spec
    )
    before = index_compute(agency=agency, period=Period(date(2026, 12, 1), date(2026, 12, 31)))
    after = index_compute(agency=agency, period=Period(date(2027, 1, 1), date(2027, 1, 31)))
    assert (before["band"], after["band"]) == ("xuat_sac", "yeu")
