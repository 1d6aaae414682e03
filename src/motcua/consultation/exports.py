"""A simplification plan as a workbook: one row per procedure with the model's parameters
before and after, the cost per year on each side and the saving, then the totals. Amounts are
numbers (integer VND) so the sheet adds them up; every text cell goes through
`core.sheets.sheet_text`."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from motcua.consultation.cost import CostParams
from motcua.consultation.models import SimplificationPlan
from motcua.consultation.selectors import plan_figures
from motcua.core.sheets import sheet_text

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)
MONEY = "#,##0"
SIDE = ("Số giờ", "Chi phí 1 giờ", "Phí, lệ phí", "Chi phí khác", "Số lần/năm", "Số đối tượng/năm")
HEADERS = (
    "Mã thủ tục",
    "Tên thủ tục",
    "Nội dung đơn giản hóa",
    *(f"Trước: {h}" for h in SIDE),
    "Chi phí/năm trước (đồng)",
    *(f"Sau: {h}" for h in SIDE),
    "Chi phí/năm sau (đồng)",
    "Tiết kiệm/năm (đồng)",
)


def _side(params: CostParams) -> list[Any]:
    return [
        float(params.hours),
        params.hourly_cost,
        params.fees,
        params.other_costs,
        float(params.frequency),
        params.subjects,
    ]


def _write(sheet, values: list[Any], *, bold: bool = False) -> None:
    row = sheet.max_row + 1 if sheet["A1"].value is not None else 1
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if value is None:
            continue
        if isinstance(value, str):
            sheet_text(cell, value)
        else:
            cell.value = value
            if isinstance(value, int):
                cell.number_format = MONEY
        if bold:
            cell.font = BOLD


def plan_xlsx(plan: SimplificationPlan) -> bytes:
    figures = plan_figures(plan)
    book = Workbook()
    sheet = book.active
    sheet.title = "Phuong an"
    _write(sheet, [plan.title], bold=True)
    _write(sheet, [plan.agency.name, plan.year])
    _write(sheet, list(HEADERS), bold=True)
    for line in figures.lines:
        _write(
            sheet,
            [
                line.code,
                line.name,
                line.measure,
                *_side(line.before),
                line.before.per_year,
                *_side(line.after),
                line.after.per_year,
                line.saving,
            ],
        )
    blank = [None] * len(SIDE)
    _write(
        sheet,
        ["Tổng cộng", None, None, *blank, figures.before, *blank, figures.after, figures.saving],
        bold=True,
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
