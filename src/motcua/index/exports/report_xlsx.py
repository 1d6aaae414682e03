"""The periodic statistics report (§8.1) as an XLSX sheet in the reporting template's layout:
the title, the agency and the period, the two-row header, one row per sector and the total
(numbers kept as numbers, `#,##0`), then the signature block."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua.core.sheets import sheet_text
from motcua.index.exports.labels import now_text
from motcua.index.exports.xlsx import FORMATS, HEADER_FILL
from motcua.index.report import StatisticsReport

REPORT_TITLE = "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
# The header's first row (group, columns spanned) and second row, after STT and the sector.
REPORT_GROUPS = (
    ("Số hồ sơ nhận giải quyết", 4),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số hồ sơ đang giải quyết", 3),
)
REPORT_COLUMNS = (
    "Tổng số",
    "Trực tuyến",
    "Trực tiếp, bưu chính công ích",
    "Từ kỳ trước chuyển sang",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
)
FIRST_DATA_ROW = 7  # title, agency, period, unit, then the header on rows 5–6
LAST_COLUMN = 2 + len(REPORT_COLUMNS)

_THIN = Side(style="thin", color="808080")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def report_period_text(report: StatisticsReport) -> str:
    return _("Kỳ báo cáo: từ ngày %(start)s đến ngày %(end)s") % {
        "start": f"{report.period.start:%d/%m/%Y}",
        "end": f"{report.period.end:%d/%m/%Y}",
    }


def statistics_report_xlsx(report: StatisticsReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Báo cáo"
    last = get_column_letter(LAST_COLUMN)

    def banner(row: int, text: str, *, bold: bool = False, size: int = 11) -> None:
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell = sheet_text(sheet.cell(row=row, column=1), text)
        cell.font = Font(bold=bold, size=size)
        cell.alignment = Alignment(horizontal="center")

    banner(1, REPORT_TITLE, bold=True, size=14)
    banner(
        2,
        _("Cơ quan: %(name)s (%(code)s)")
        % {"name": report.agency.name, "code": report.agency.code},
    )
    banner(3, report_period_text(report))
    unit = sheet_text(sheet.cell(row=4, column=LAST_COLUMN), _("Đơn vị tính: hồ sơ"))
    unit.alignment = Alignment(horizontal="right")
    unit.font = Font(italic=True)

    header, sub = FIRST_DATA_ROW - 2, FIRST_DATA_ROW - 1
    for column, text in ((1, "STT"), (2, "Lĩnh vực")):
        sheet.merge_cells(start_row=header, start_column=column, end_row=sub, end_column=column)
        sheet_text(sheet.cell(row=header, column=column), text)
    column = 3
    for text, span in REPORT_GROUPS:
        sheet.merge_cells(
            start_row=header, start_column=column, end_row=header, end_column=column + span - 1
        )
        sheet_text(sheet.cell(row=header, column=column), text)
        column += span
    for offset, text in enumerate(REPORT_COLUMNS):
        sheet_text(sheet.cell(row=sub, column=3 + offset), text)
    for row in (header, sub):
        for column in range(1, LAST_COLUMN + 1):
            cell = sheet.cell(row=row, column=column)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = _CENTER
            cell.border = _GRID
    sheet.row_dimensions[sub].height = 45

    lines = [(str(number), row.sector, row.cells) for number, row in enumerate(report.rows, 1)]
    lines.append(("", _("Tổng cộng"), report.total.cells))
    for row, (number, sector, cells) in enumerate(lines, start=FIRST_DATA_ROW):
        sheet_text(sheet.cell(row=row, column=1), number).alignment = Alignment(horizontal="center")
        sheet_text(sheet.cell(row=row, column=2), sector)
        for offset, value in enumerate(cells):
            sheet.cell(row=row, column=3 + offset, value=value).number_format = FORMATS["count"]
        for column in range(1, LAST_COLUMN + 1):
            sheet.cell(row=row, column=column).border = _GRID
    total_row = FIRST_DATA_ROW + len(lines) - 1
    for column in range(1, LAST_COLUMN + 1):
        sheet.cell(row=total_row, column=column).font = Font(bold=True)

    _signature(sheet, total_row + 2)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 36
    for column in range(3, LAST_COLUMN + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 12
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _signature(sheet, row: int) -> None:
    """Who drew the table up (left) and the head of the agency (right), as the template signs."""
    right = f"{get_column_letter(LAST_COLUMN - 4)}{{row}}:{get_column_letter(LAST_COLUMN)}{{row}}"
    left = "A{row}:D{row}"
    lines = [
        ("", _("Lập ngày %(moment)s") % {"moment": now_text()}, Font(italic=True)),
        (_("NGƯỜI LẬP BIỂU"), _("THỦ TRƯỞNG CƠ QUAN"), Font(bold=True)),
        (_("(Ký, ghi rõ họ tên)"), _("(Ký tên, đóng dấu)"), Font(italic=True)),
    ]
    for offset, (left_text, right_text, font) in enumerate(lines):
        at = row + offset
        for span, text in ((left, left_text), (right, right_text)):
            if not text:
                continue
            sheet.merge_cells(span.format(row=at))
            first = span.split(":")[0].format(row=at)
            cell = sheet_text(sheet[first], text)
            cell.font = font
            cell.alignment = Alignment(horizontal="center")
