"""The KPI page as a workbook: the figures, the ranking, and the tasks due in the period — the
tasks sheet in the import's columns A–F (`xlsx_import.COLUMNS`) followed by their status, so an
export imports back as a plan. Every text cell goes through `core.sheets.sheet_text`."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from motcua.core.sheets import sheet_text
from motcua.directory.models import Agency
from motcua.reform.selectors import by_level, kpi_compute, ranking, task_lines, tasks_due_in
from motcua.reform.status import percent_vi
from motcua.reform.xlsx_import import COLUMNS

BOLD = Font(bold=True)
DATE_FORMAT = "DD/MM/YYYY"
KPI_HEADERS = (
    "Tổng số nhiệm vụ",
    "Đã hoàn thành",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Quá hạn, chưa hoàn thành",
    "Chưa đến hạn",
    "Sắp đến hạn",
    "Tỷ lệ hoàn thành",
    "Tỷ lệ đúng hạn",
)
TASK_EXTRA = ("Trạng thái", "Tiến độ (%)", "Ngày hoàn thành", "Kế hoạch")
RANK_HEADERS = (
    "Hạng",
    "Mã cơ quan",
    "Tên cơ quan",
    "Tổng số",
    "Đã hoàn thành",
    "Đúng hạn",
    "Quá hạn",
    "Tỷ lệ hoàn thành",
)


def _row(sheet, values, *, bold: bool = False) -> None:
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet["A1"].value is not None else 1
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            sheet_text(cell, value)
        else:
            cell.value = value
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
        if bold:
            cell.font = BOLD


def kpi_xlsx(*, agency: Agency, start: date, end: date, today: date) -> bytes:
    book = Workbook()
    tasks = book.active
    tasks.title = "Nhiệm vụ"
    _row(tasks, [header for _letter, header in COLUMNS] + list(TASK_EXTRA), bold=True)
    lines = task_lines(
        tasks_due_in(agency, start, end).order_by("deadline", "plan_id", "seq"), today=today
    )
    for number, line in enumerate(lines, start=1):
        task = line.task
        _row(
            tasks,
            [
                number,
                task.title,
                task.lead_agency.code,
                "; ".join(sorted(p.code for p in task.partners.all())),
                task.deadline,
                task.product,
                str(line.status.label),
                task.percent,
                task.done_on,
                task.plan.number,
            ],
        )
    figures = book.create_sheet("Chỉ số")
    _row(figures, [f"Kết quả thực hiện nhiệm vụ cải cách hành chính — {agency.name}"], bold=True)
    _row(
        figures,
        [
            f"Nhiệm vụ có thời hạn từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}, "
            f"tính đến ngày {today:%d/%m/%Y}"
        ],
    )
    _row(figures, list(KPI_HEADERS), bold=True)
    kpi = kpi_compute(agency=agency, start=start, end=end, today=today)
    _row(
        figures,
        [
            kpi.total,
            kpi.done,
            kpi.done_on_time,
            kpi.done_late,
            kpi.overdue,
            kpi.not_due,
            kpi.due_soon,
            percent_vi(kpi.percent_done),
            percent_vi(kpi.percent_on_time),
        ],
    )
    levels = by_level(agency=agency, start=start, end=end, today=today)
    if levels:
        _row(
            figures,
            ["Cấp của cơ quan chủ trì", "Tổng số", "Đã hoàn thành", "Tỷ lệ hoàn thành"],
            bold=True,
        )
        for level in levels:
            _row(
                figures,
                [level.label, level.kpi.total, level.kpi.done, percent_vi(level.kpi.percent_done)],
            )
    ranks = book.create_sheet("Xếp hạng")
    _row(ranks, list(RANK_HEADERS), bold=True)
    for place in ranking(agency=agency, start=start, end=end, today=today):
        _row(
            ranks,
            [
                place.rank,
                place.agency.code,
                place.agency.name,
                place.kpi.total,
                place.kpi.done,
                place.kpi.done_on_time,
                place.kpi.overdue,
                percent_vi(place.kpi.percent_done),
            ],
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """An empty plan to fill in: the headers of row 1 and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Nhiệm vụ"
    _row(sheet, [header for _letter, header in COLUMNS], bold=True)
    _row(
        sheet,
        [
            1,
            "Rà soát, đơn giản hóa thủ tục hành chính lĩnh vực tư pháp",
            "000.00.11.H46",
            "000.00.01.H46",
            date(date.today().year, 12, 31),
            "Báo cáo kết quả rà soát",
        ],
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
