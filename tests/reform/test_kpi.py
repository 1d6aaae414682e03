"""KPIs of an agency and its subtree for the tasks due in a period, the ranking, and the
`reform-kpi` command — with the seeds' figures: 296 of 845 = 35.03 %, 1,384 of 3,003 =
46.09 %."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.core.worktime import TZ
from motcua.directory.models import Agency
from motcua.reform.models import ReformPlan, ReformTask
from motcua.reform.selectors import by_level, kpi_compute, kpi_result, ranking
from tests.reform.conftest import BUILDING, ELSEWHERE, JUSTICE, PROVINCE

TODAY = date(2026, 6, 20)  # a Saturday; ten working days later is Friday 3 July
START, END = date(2026, 1, 1), date(2026, 6, 30)


def _many(plan, agency, count: int, deadline: date, done_on: date | None, seq: int) -> int:
    done_at = datetime.combine(done_on, time(15), tzinfo=TZ) if done_on else None
    ReformTask.objects.bulk_create(
        ReformTask(
            plan=plan,
            seq=seq + n,
            title=f"Nhiệm vụ {seq + n}",
            lead_agency=agency,
            deadline=deadline,
            percent=100 if done_on else 40,
            done_at=done_at,
            done_on=done_on,
        )
        for n in range(count)
    )
    return seq + count


@pytest.fixture
def seeds(p):
    plan = ReformPlan.objects.create(
        agency=p.province, number="1/KH-UBND", issued_on=date(2026, 1, 5), title="KH", year=2026
    )
    other = ReformPlan.objects.create(
        agency=p.elsewhere, number="1/KH-UBND", issued_on=date(2026, 1, 5), title="KH", year=2026
    )
    seq = 0
    # Justice: 845 due 31 March, 200 done on time, 96 late, 549 still open (overdue).
    seq = _many(plan, p.justice, 200, date(2026, 3, 31), date(2026, 3, 30), seq)
    seq = _many(plan, p.justice, 96, date(2026, 3, 31), date(2026, 4, 10), seq)
    seq = _many(plan, p.justice, 549, date(2026, 3, 31), None, seq)
    # Building: 3,003 due 30 June, 1,384 done on time, 1,619 open (not due, due soon).
    seq = _many(plan, p.building, 1384, date(2026, 6, 30), date(2026, 6, 1), seq)
    seq = _many(plan, p.building, 1619, date(2026, 6, 30), None, seq)
    # Outside the period, and outside the province: never counted.
    seq = _many(plan, p.justice, 7, date(2026, 7, 31), None, seq)
    _many(other, p.elsewhere, 5, date(2026, 3, 31), None, 0)
    return p


def test_the_seeds_figures_per_agency_and_for_the_subtree(seeds):
    justice = kpi_compute(agency=seeds.justice, start=START, end=END, today=TODAY)
    building = kpi_compute(agency=seeds.building, start=START, end=END, today=TODAY)
    province = kpi_compute(agency=seeds.province, start=START, end=END, today=TODAY)

    assert justice.as_dict() == {
        "total": 845,
        "done": 296,
        "done_on_time": 200,
        "done_late": 96,
        "overdue": 549,
        "not_due": 0,
        "due_soon": 0,
        "percent_done": "35.03",
        "percent_on_time": "23.67",
    }
    assert (building.total, building.done, building.percent_done) == (
        3003,
        1384,
        Decimal("46.09"),
    )
    assert (building.not_due, building.due_soon, building.overdue) == (1619, 1619, 0)
    assert (province.total, province.done, province.done_on_time, province.percent_done) == (
        3848,
        1680,
        1584,
        Decimal("43.66"),
    )


def test_due_soon_ends_after_the_warning_days(seeds):
    # Read on 16 June (Tuesday), 30 June is the 10th working day: due soon; on 15 June it is
    # the 11th: not yet.
    assert (
        kpi_compute(agency=seeds.building, start=START, end=END, today=date(2026, 6, 16)).due_soon
        == 1619
    )
    assert (
        kpi_compute(agency=seeds.building, start=START, end=END, today=date(2026, 6, 15)).due_soon
        == 0
    )


def test_the_ranking_by_percent_done(seeds, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        lines = ranking(agency=seeds.province, start=START, end=END, today=TODAY)
    assert [
        (x.rank, x.agency.code, x.kpi.done, x.kpi.total, str(x.kpi.percent_done)) for x in lines
    ] == [
        (1, BUILDING, 1384, 3003, "46.09"),
        (2, JUSTICE, 296, 845, "35.03"),
    ]


def test_the_seeds_per_level_ministries_and_provinces(seeds):
    Agency.objects.filter(pk=seeds.justice.pk).update(level=Agency.Level.MINISTRY)
    Agency.objects.filter(pk=seeds.building.pk).update(level=Agency.Level.PROVINCE)

    lines = by_level(agency=seeds.province, start=START, end=END, today=TODAY)

    assert [
        (x.level, x.label, x.kpi.done, x.kpi.total, str(x.kpi.percent_done)) for x in lines
    ] == [
        ("ministry", "Bộ, ngành", 296, 845, "35.03"),
        ("province", "Cấp tỉnh", 1384, 3003, "46.09"),
    ]


def test_the_command_as_json_and_as_a_table(seeds, capsys, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    call_command(
        "reform_kpi",
        "--agency",
        PROVINCE,
        "--from",
        "01/01/2026",
        "--to",
        "30/06/2026",
        "--format",
        "json",
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed == kpi_result(agency=seeds.province, start=START, end=END, today=TODAY)
    assert (printed["total"], printed["done"], printed["percent_done"]) == (3848, 1680, "43.66")
    assert [(r["level"], r["done"], r["total"]) for r in printed["levels"]] == [
        ("department", 1680, 3848)
    ]
    assert [(r["agency"], r["percent_done"]) for r in printed["ranking"]] == [
        (BUILDING, "46.09"),
        (JUSTICE, "35.03"),
    ]

    call_command("reform_kpi", "--agency", JUSTICE, "--from", "01/01/2026", "--to", "30/06/2026")
    table = capsys.readouterr().out
    assert "Đã hoàn thành: 296/845 = 35,03 % (đúng hạn 200, quá hạn 96)" in table
    assert "Quá hạn, chưa hoàn thành: 549" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--agency", "000.00.99.H00", "--from", "01/01/2026", "--to", "30/06/2026"],
            "Không có cơ quan mã '000.00.99.H00'.",
        ),
        (
            ["--agency", ELSEWHERE, "--from", "2026-01-01", "--to", "30/06/2026"],
            "--from '2026-01-01' không hợp lệ: nhập ngày dạng dd/mm/yyyy.",
        ),
        (
            ["--agency", ELSEWHERE, "--from", "01/01/2026", "--to", "31/02/2026"],
            "--to '31/02/2026' không hợp lệ: nhập ngày dạng dd/mm/yyyy.",
        ),
        (
            ["--agency", ELSEWHERE, "--from", "01/07/2026", "--to", "30/06/2026"],
            "Ngày cuối kỳ trước ngày đầu kỳ.",
        ),
    ],
)
def test_the_command_exits_2_for_bad_input(p, capsys, args, message):
    with pytest.raises(SystemExit) as stopped:
        call_command("reform_kpi", *args)
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip() == message
