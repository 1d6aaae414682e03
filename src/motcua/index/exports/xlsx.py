"""The rows as XLSX workbooks. The numbers stay numbers (formatted by number formats), so a
leader can compute with them."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.core.sheets import sheet_text
from motcua.directory.models import Agency
from motcua.index.engine import Period
from motcua.index.exports.labels import now_text, period_text
from motcua.index.exports.rows import (
    NO_DOSSIERS,
    AgencyScore,
    IndexReport,
    KpiLine,
    MonthScore,
    Ranked,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
FORMATS = {
    "text": "@",
    "count": "#,##0",
    "score": "0.00",
    "rate": "0.00%",
    "money": "#,##0",
    "date": "DD/MM/YYYY",
}


@dataclass(frozen=True)
class XlsxColumn:
    header: str
    width: int
    kind: str = "text"  # text | count | score | rate | money | date


def _table(
    workbook: Workbook, title: str, columns: Sequence[XlsxColumn], rows: Iterable[Sequence]
) -> Worksheet:
    """One sheet: a bold, frozen, filterable header row, widths and number formats. Every
    cell is written through `sheet_text`, so a name typed as `=…` stays text."""
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        cell = sheet_text(sheet.cell(row=1, column=index), column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row, values in enumerate(rows, start=2):
        for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = sheet_text(sheet.cell(row=row, column=index), value)
            if column.kind != "text" and isinstance(cell.value, int | float | date):
                cell.number_format = FORMATS[column.kind]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    return sheet


def _cover(workbook: Workbook, title: str, lines: Sequence[tuple[str, Any, str]]) -> None:
    """The first sheet: what the file is, for which agency and period."""
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Thông tin"
    sheet_text(sheet["A1"], title).font = Font(bold=True, size=14)
    for row, (label, value, kind) in enumerate(lines, start=3):
        sheet_text(sheet.cell(row=row, column=1), label).font = HEADER_FONT
        cell = sheet_text(sheet.cell(row=row, column=2), value)
        if kind != "text":
            cell.number_format = FORMATS[kind]
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 60


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


INDICATOR_COLUMNS = [
    XlsxColumn("Nhóm chỉ số", 26),
    XlsxColumn("Mã chỉ tiêu", 20),
    XlsxColumn("Chỉ tiêu", 44),
    XlsxColumn("Tử số", 10, "count"),
    XlsxColumn("Mẫu số", 10, "count"),
    XlsxColumn("Tỷ lệ", 10, "rate"),
    XlsxColumn("Điểm", 10, "score"),
    XlsxColumn("Điểm tối đa", 12, "score"),
    XlsxColumn("Ghi chú", 18),
]


def index_report_xlsx(
    report: IndexReport, kpis: Sequence[KpiLine], months: Sequence[MonthScore]
) -> bytes:
    workbook = Workbook()
    _cover(
        workbook,
        "Chỉ số phục vụ người dân, doanh nghiệp",
        [
            ("Cơ quan", report.agency.name, "text"),
            ("Mã cơ quan", report.agency.code, "text"),
            ("Kỳ đánh giá", period_text(report.period), "text"),
            ("Tổng điểm", report.total, "score"),
            ("Xếp loại", report.band_label, "text"),
            ("Thời điểm xuất", now_text(), "text"),
        ],
    )
    _table(
        workbook,
        "Nhóm chỉ số",
        [
            XlsxColumn("Nhóm chỉ số", 30),
            XlsxColumn("Điểm", 10, "score"),
            XlsxColumn("Điểm tối đa", 12, "score"),
        ],
        [(g.name, g.score, g.max) for g in report.groups],
    )
    _table(
        workbook,
        "Chỉ tiêu",
        INDICATOR_COLUMNS,
        [
            (
                i.group_name,
                i.key,
                i.name,
                i.numerator,
                i.denominator,
                i.ratio,
                i.score,
                i.max,
                "" if i.applicable else "Không phát sinh",
            )
            for i in report.indicators
        ],
    )
    _table(
        workbook,
        "Xu hướng theo tháng",
        [
            XlsxColumn("Tháng", 10),
            XlsxColumn("Từ ngày", 12, "date"),
            XlsxColumn("Đến ngày", 12, "date"),
            XlsxColumn("Tổng điểm", 12, "score"),
            XlsxColumn("Xếp loại", 14),
        ],
        # A month with no dossier leaves its total empty: a gap, not a score (§7).
        [(m.label, m.period.start, m.period.end, m.total, m.band_label) for m in months],
    )
    kpi_sheet = _table(
        workbook,
        "Số liệu điều hành",
        [XlsxColumn("Chỉ tiêu", 56), XlsxColumn("Giá trị", 18)],
        [(k.label, k.value) for k in kpis],
    )
    for row, kpi in enumerate(kpis, start=2):
        if kpi.value is not None:
            kpi_sheet.cell(row=row, column=2).number_format = FORMATS[kpi.kind]
    return _saved(workbook)


def scores_xlsx(
    *,
    title: str,
    root: Agency,
    period: Period,
    rows: Sequence[Ranked],
    groups: Sequence[tuple[str, str]],
    apart: Sequence[AgencyScore] = (),
) -> bytes:
    """The ranking (or the public table): one row per agency, its total, band and groups;
    the agencies with no dossier in the period on a sheet of their own, unranked (§7)."""
    workbook = Workbook()
    _cover(
        workbook,
        title,
        [
            ("Cơ quan cấp trên", root.name, "text"),
            ("Mã cơ quan", root.code, "text"),
            ("Kỳ đánh giá", period_text(period), "text"),
            ("Thời điểm xuất", now_text(), "text"),
            ("Cơ quan được xếp hạng", sum(1 for item in rows if item.rank), "count"),
            (f"{NO_DOSSIERS} (không xếp hạng)", len(apart), "count"),
        ],
    )
    columns = [
        XlsxColumn("Hạng", 8, "count"),
        XlsxColumn("Mã cơ quan", 18),
        XlsxColumn("Tên cơ quan", 48),
        XlsxColumn("Tổng điểm", 12, "score"),
        XlsxColumn("Xếp loại", 14),
        *[XlsxColumn(name, 16, "score") for _, name in groups],
    ]
    _table(
        workbook,
        "Xếp hạng",
        columns,
        [
            (
                item.rank,
                item.row.agency.code,
                item.row.agency.name,
                item.row.total,
                item.row.band_label,
                *[item.row.groups.get(key, 0.0) for key, _ in groups],
            )
            for item in rows
        ],
    )
    _table(
        workbook,
        NO_DOSSIERS,
        [XlsxColumn("Mã cơ quan", 18), XlsxColumn("Tên cơ quan", 48), XlsxColumn("Ghi chú", 48)],
        [
            (
                row.agency.code,
                row.agency.name,
                "Không có hồ sơ tiếp nhận, không có hồ sơ giải quyết trong kỳ: không xếp hạng",
            )
            for row in apart
        ],
    )
    return _saved(workbook)
