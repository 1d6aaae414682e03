"""§7, ranking and trends: an agency with no dossier received and none finished in the period
is listed apart as "không phát sinh hồ sơ" and not ranked; a month with no dossier is a gap in
the trend, not a score. The index itself still scores a zero denominator at its full max."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from motcua.counters.services import counters_apply
from motcua.directory.models import Agency, Role
from motcua.index.charts import Column, column_chart
from motcua.index.engine import Period, index_compute
from motcua.index.exports import agency_scores, ranked, trend, without_dossiers
from tests.factories import AgencyFactory, staff

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def counters(agency: Agency, day: date, **values: int) -> None:
    counters_apply({(agency.pk, day, metric): value for metric, value in values.items()})


@pytest.fixture
def city(db):
    return build_city()


def build_city() -> Agency:
    """Three departments in March 2026:
    - Sở Tư pháp: 10 finished, 8 on time (−4) and no e-result (−8) → 88,00 (Tốt);
    - Sở Xây dựng: 10 received (none synced, digitised, reused, from the registry: −14) and
      4 finished on time with e-results → 86,00 (Tốt);
    - Sở Y tế: no dossier at all — its index is 100,00 by the zero-denominator rule, but it
      is not ranked."""
    city = AgencyFactory(
        code="000.00.00.H98", name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    justice = AgencyFactory(code="000.00.11.H98", name="Sở Tư pháp thử nghiệm", parent=city)
    building = AgencyFactory(code="000.00.12.H98", name="Sở Xây dựng thử nghiệm", parent=city)
    AgencyFactory(code="000.00.13.H98", name="Sở Y tế thử nghiệm", parent=city)
    counters(justice, date(2026, 3, 10), finished=10, finished_on_time=8)
    counters(
        building,
        date(2026, 3, 12),
        received=10,
        received_online=10,
        finished=4,
        finished_on_time=4,
        e_result=4,
        e_result_to_store=4,
    )
    return city


@pytest.fixture
def leader(city):
    return staff(Role.LEADER, city, username="lanhdao_xep_hang")


def test_an_agency_without_dossiers_is_listed_apart_not_ranked(city):
    period = Period(date(2026, 3, 1), date(2026, 3, 31))
    rows = agency_scores(Agency.objects.filter(parent=city).order_by("code"), period)

    assert [(r.agency.code, round(r.total, 2), r.has_dossiers) for r in rows] == [
        ("000.00.11.H98", 88.0, True),
        ("000.00.12.H98", 86.0, True),
        ("000.00.13.H98", 100.0, False),
    ]
    assert [
        (item.rank, item.row.agency.code) for item in ranked(rows, key="total", descending=True)
    ] == [
        (1, "000.00.11.H98"),
        (2, "000.00.12.H98"),
    ]
    assert [r.agency.code for r in without_dossiers(rows)] == ["000.00.13.H98"]
    # The index itself keeps the zero-denominator rule.
    health = Agency.objects.get(code="000.00.13.H98")
    assert index_compute(agency=health, period=period)["total"] == 100.0


def test_the_ranking_page_ranks_two_and_lists_the_idle_one_apart(client, city, leader):
    client.force_login(leader)
    response = client.get("/chi-so/xep-hang/", MARCH)

    assert response.status_code == 200
    assert [
        (r["rank"], r["agency"].code, r["total"], r["band"]) for r in response.context["rows"]
    ] == [
        (1, "000.00.11.H98", "88,00", "Tốt"),
        (2, "000.00.12.H98", "86,00", "Tốt"),
    ]
    assert [r["agency"].code for r in response.context["apart"]] == ["000.00.13.H98"]
    text = response.content.decode()
    assert "Không phát sinh hồ sơ trong kỳ" in text
    assert "Sở Y tế thử nghiệm" in text
    assert "100,00" not in text
    assert "Xuất sắc</span>" not in text


def test_ascending_order_still_ranks_only_the_active_agencies(client, city, leader):
    client.force_login(leader)
    response = client.get("/chi-so/xep-hang/", {**MARCH, "dir": "asc"})

    assert [(r["rank"], r["agency"].code) for r in response.context["rows"]] == [
        (2, "000.00.12.H98"),
        (1, "000.00.11.H98"),
    ]


def test_the_ranking_xlsx_keeps_the_idle_agency_on_its_own_sheet(client, city, leader):
    client.force_login(leader)
    response = client.get("/chi-so/xep-hang/", {**MARCH, "format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))

    ranking = [list(r) for r in book["Xếp hạng"].iter_rows(values_only=True)]
    assert [(r[0], r[1], round(r[3], 2), r[4]) for r in ranking[1:]] == [
        (1, "000.00.11.H98", 88.0, "Tốt"),
        (2, "000.00.12.H98", 86.0, "Tốt"),
    ]
    apart = [list(r) for r in book["Không phát sinh hồ sơ"].iter_rows(values_only=True)]
    assert apart == [
        ["Mã cơ quan", "Tên cơ quan", "Ghi chú"],
        [
            "000.00.13.H98",
            "Sở Y tế thử nghiệm",
            "Không có hồ sơ tiếp nhận, không có hồ sơ giải quyết trong kỳ: không xếp hạng",
        ],
    ]
    cover = {row[0]: row[1] for row in book["Thông tin"].iter_rows(min_row=3, values_only=True)}
    assert cover["Cơ quan được xếp hạng"] == 2
    assert cover["Không phát sinh hồ sơ (không xếp hạng)"] == 1


def test_the_public_page_ranks_the_active_agencies_and_lists_the_idle_one(client, city):
    response = client.get("/chi-so/cong-khai/", MARCH)

    assert [(r["rank"], r["agency"].code) for r in response.context["rows"]] == [
        (1, "000.00.11.H98"),
        (2, "000.00.12.H98"),
    ]
    assert [r["agency"].code for r in response.context["apart"]] == ["000.00.13.H98"]
    assert "Không phát sinh hồ sơ trong kỳ" in response.content.decode()


def test_an_empty_middle_month_is_a_gap_in_the_trend(city, leader, client):
    """January and March have dossiers, February none: February is a gap, not 100."""
    justice = Agency.objects.get(code="000.00.11.H98")
    counters(justice, date(2026, 1, 20), finished=4, finished_on_time=2)

    months = trend(agency=justice, end=date(2026, 3, 31), months=3)
    assert [
        (m.label, None if m.total is None else round(m.total, 2), m.band_label) for m in months
    ] == [
        ("01/2026", 82.0, "Tốt"),  # 2 of 4 on time (−10), no e-result (−8)
        ("02/2026", None, "Không phát sinh hồ sơ"),
        ("03/2026", 88.0, "Tốt"),
    ]

    client.force_login(leader)
    response = client.get("/chi-so/", {**MARCH, "agency": justice.code})
    table = response.context["months"]
    assert table[-3:] == [
        {"label": "01/2026", "total": "82,00", "band": "Tốt"},
        {"label": "02/2026", "total": "—", "band": "Không phát sinh hồ sơ"},
        {"label": "03/2026", "total": "88,00", "band": "Tốt"},
    ]
    text = response.content.decode()
    assert "<title>Tháng 02/2026: không phát sinh hồ sơ, không tính điểm</title>" in text
    assert text.count('class="chart-column chart-gap"') == 10  # 04/2025 … 12/2025 and 02/2026

    book = load_workbook(
        io.BytesIO(
            client.get("/chi-so/", {**MARCH, "agency": justice.code, "format": "xlsx"}).content
        )
    )
    sheet = [list(r) for r in book["Xu hướng theo tháng"].iter_rows(values_only=True)]
    assert [(r[0], r[3], r[4]) for r in sheet[-3:]] == [
        ("01/2026", 82.0, "Tốt"),
        ("02/2026", None, "Không phát sinh hồ sơ"),
        ("03/2026", 88.0, "Tốt"),
    ]


def test_a_gap_column_draws_no_bar():
    svg = column_chart(
        [
            Column("T1", "2026", 82.0, "82,0"),
            Column("T2", "", None, "—", "Tháng 02/2026: không phát sinh hồ sơ"),
            Column("T3", "", 88.0, "88,0"),
        ],
        chart_id="c",
        title="Xu hướng",
    )

    assert svg.count("<rect") == 2
    assert (
        '<g class="chart-column chart-gap"><title>Tháng 02/2026: không phát sinh hồ sơ</title>'
        in svg
    )
