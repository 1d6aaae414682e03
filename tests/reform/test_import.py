"""Importing a plan from XLSX: a good file makes the plan and every task; a bad one is rejected
whole with every bad cell reported by row and column, and nothing is written; an export of the
KPI page imports back as the same tasks."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from motcua.core.errors import PermissionDenied
from motcua.core.models import AuditEvent
from motcua.reform.exports import kpi_xlsx
from motcua.reform.models import ReformPlan, ReformTask
from motcua.reform.services import plan_create, task_add
from motcua.reform.xlsx_import import ImportRejected, plan_import_xlsx
from tests.reform.conftest import BUILDING, HEADERS, JUSTICE, PROVINCE, good_rows, workbook


def _import(p, upload, *, number: str = "45/KH-UBND", actor=None):
    return plan_import_xlsx(
        actor=actor or p.leader,
        agency=p.province,
        number=number,
        issued_on=date(2026, 1, 20),
        title="Kế hoạch cải cách hành chính năm 2026",
        upload=upload,
    )


def _tasks(plan: ReformPlan) -> list[tuple]:
    return [
        (
            t.seq,
            t.title,
            t.lead_agency.code,
            sorted(a.code for a in t.partners.all()),
            t.deadline,
            t.product,
        )
        for t in plan.tasks.select_related("lead_agency").prefetch_related("partners")
    ]


def _nothing() -> tuple[int, int, int]:
    return ReformPlan.objects.count(), ReformTask.objects.count(), AuditEvent.objects.count()


def test_a_good_file_makes_the_plan_and_every_task(p):
    plan = _import(p, workbook(good_rows()))

    assert (plan.number, plan.year) == ("45/KH-UBND", 2026)
    assert _tasks(plan) == [
        (1, "Rà soát thủ tục hộ tịch", JUSTICE, [BUILDING], date(2026, 6, 30), "Báo cáo rà soát"),
        (2, "Số hóa kết quả giải quyết", BUILDING, [], date(2026, 9, 15), "Kho dữ liệu"),
        (3, "Công khai chỉ số phục vụ", PROVINCE, [JUSTICE, BUILDING], date(2026, 12, 31), ""),
    ]
    assert list(AuditEvent.objects.values_list("action", "data")) == [
        ("reform.plan_import", {"number": "45/KH-UBND", "agency": PROVINCE, "tasks": 3})
    ]


def _rejected(p, upload) -> list[tuple[int, str, str]]:
    before = _nothing()
    with pytest.raises(ImportRejected) as rejected:
        _import(p, upload)
    assert _nothing() == before
    return [(x.row, x.column, x.message) for x in rejected.value.problems]


def test_wrong_columns_are_reported_by_column(p):
    headers = ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Cơ quan phối hợp", "Sản phẩm"]
    assert _rejected(p, workbook(good_rows(), headers)) == [
        (1, "B", "tiêu đề phải là “Tên nhiệm vụ”, tệp ghi “Nhiệm vụ”."),
        (1, "D", "tiêu đề phải là “Cơ quan phối hợp”, tệp ghi “Thời hạn”."),
        (1, "E", "tiêu đề phải là “Thời hạn”, tệp ghi “Cơ quan phối hợp”."),
    ]


def test_every_bad_row_is_reported_and_nothing_written(p):
    rows = [
        [1, "Nhiệm vụ tốt", JUSTICE, "", date(2026, 6, 30), ""],
        [2, "Ngày sai", JUSTICE, "", "31/02/2026", ""],
        [3, "Ngày là chữ", JUSTICE, "", "cuối quý II", ""],
        [4, "Không có thời hạn", JUSTICE, "", None, ""],
        [5, "Cơ quan lạ", "000.99.99.H00", f"{BUILDING}; 000.88.88.H00", date(2026, 6, 30), ""],
        [6, "", JUSTICE, "", date(2026, 6, 30), ""],
        [7, "   ", "", "", "", ""],
        [None, None, None, None, None, None],
        [9, "Trước ngày ban hành", BUILDING, "", date(2025, 12, 31), ""],
        [10, "Nhiệm vụ tốt nữa", BUILDING, "", "01/10/2026", ""],
    ]
    assert _rejected(p, workbook(rows)) == [
        (3, "E", "thời hạn “31/02/2026” không phải ngày (dd/mm/yyyy)."),
        (4, "E", "thời hạn “cuối quý II” không phải ngày (dd/mm/yyyy)."),
        (5, "E", "chưa ghi thời hạn."),
        (6, "C", "không có cơ quan mã “000.99.99.H00”."),
        (6, "D", "không có cơ quan mã “000.88.88.H00”."),
        (7, "B", "Tên nhiệm vụ không được để trống."),
        (8, "B", "Tên nhiệm vụ không được để trống."),
        (8, "C", "chưa ghi mã cơ quan chủ trì."),
        (8, "E", "chưa ghi thời hạn."),
        (10, "E", "Thời hạn 31/12/2025 trước ngày ban hành kế hoạch 20/01/2026."),
    ]


def test_a_file_that_is_not_a_workbook_or_has_no_tasks(p):
    junk = BytesIO(b"STT;Ten nhiem vu\n1;abc\n")
    assert _rejected(p, junk) == [(0, "", "Tệp không phải bảng tính Excel (.xlsx) đọc được.")]
    assert _rejected(p, workbook([])) == [(2, "", "Tệp không có dòng nhiệm vụ nào (từ dòng 2).")]


def test_the_plan_number_is_checked_before_the_file_and_the_right_to_import(p):
    before = _nothing()
    with pytest.raises(PermissionDenied):
        _import(p, workbook(good_rows()), actor=p.outsider)
    with pytest.raises(PermissionDenied):
        _import(p, workbook(good_rows()), actor=p.reception)
    assert _nothing() == before


def test_the_kpi_export_imports_back_as_the_same_tasks(p):
    plan = _import(p, workbook(good_rows()))
    exported = kpi_xlsx(
        agency=p.province, start=date(2026, 1, 1), end=date(2026, 12, 31), today=date(2026, 3, 1)
    )

    again = _import(p, BytesIO(exported), number="46/KH-UBND")

    assert _tasks(again) == _tasks(plan)


def test_export_cells(p):
    plan = plan_create(
        actor=p.leader,
        agency=p.province,
        number="7/QĐ-UBND",
        issued_on=date(2026, 1, 2),
        title="Kế hoạch",
    )
    task_add(
        actor=p.leader,
        plan=plan,
        title='=HYPERLINK("http://x")',
        lead_agency=p.justice,
        deadline=date(2026, 2, 27),
        product="+1",
    )
    task_add(
        actor=p.leader, plan=plan, title="Khác", lead_agency=p.building, deadline=date(2026, 5, 29)
    )

    book = load_workbook(
        BytesIO(
            kpi_xlsx(
                agency=p.province,
                start=date(2026, 1, 1),
                end=date(2026, 12, 31),
                today=date(2026, 3, 2),
            )
        )
    )

    tasks = [[c.value for c in row] for row in book["Nhiệm vụ"].iter_rows()]
    assert tasks[0] == [*HEADERS, "Trạng thái", "Tiến độ (%)", "Ngày hoàn thành", "Kế hoạch"]
    assert tasks[1][:9] == [
        1,
        '=HYPERLINK("http://x")',
        JUSTICE,
        None,
        tasks[1][4],
        "+1",
        "Quá hạn, chưa hoàn thành",
        0,
        None,
    ]
    assert tasks[1][4].date() == date(2026, 2, 27)
    cell = book["Nhiệm vụ"]["B2"]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    figures = [[c.value for c in row] for row in book["Chỉ số"].iter_rows()]
    assert figures[3] == [2, 0, 0, 0, 1, 1, 0, "0,00 %", "0,00 %"]
    ranks = [[c.value for c in row] for row in book["Xếp hạng"].iter_rows()]
    assert ranks[1:] == [
        [1, JUSTICE, "Sở Tư pháp thử nghiệm", 1, 0, 0, 1, "0,00 %"],
        [1, BUILDING, "Sở Xây dựng thử nghiệm", 1, 0, 0, 0, "0,00 %"],
    ]
