"""The index's tables, built once and shown three ways: on the page, as XLSX, as PDF.

`index_report`, `kpi_lines`, `trend`, `agency_scores` read through the engine (§7, §8) and
return plain rows with Vietnamese names; `*_xlsx` and `index_report_pdf` turn those rows
into files. The numbers stay numbers in the spreadsheet (formatted by number formats), so a
leader can compute with them.
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.directory.models import Agency
from motcua.index.charts import money_vi, number_vi, percent_vi
from motcua.index.engine import BAND_LABELS, Period, definition_for, index_compute, kpi_compute

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# ---------------------------------------------------------------- the rows


@dataclass(frozen=True)
class GroupLine:
    key: str
    name: str
    score: float
    max: float


@dataclass(frozen=True)
class IndicatorLine:
    group_key: str
    group_name: str
    key: str
    name: str
    numerator: int
    denominator: int
    score: float
    max: float
    applicable: bool

    @property
    def ratio(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class IndexReport:
    agency: Agency
    period: Period
    total: float
    band: str
    groups: list[GroupLine]
    indicators: list[IndicatorLine]

    @property
    def band_label(self) -> str:
        return band_label(self.band)


def band_label(band: str) -> str:
    return BAND_LABELS.get(band, band)


def names_of(spec: dict[str, Any]) -> dict[str, str]:
    """Group and indicator keys → their Vietnamese names in a definition of the index."""
    names: dict[str, str] = {}
    for group in spec["groups"]:
        names[group["key"]] = group.get("name", group["key"])
        for item in group["indicators"]:
            names[item["key"]] = item.get("name", item["key"])
    return names


def report_from(
    agency: Agency, period: Period, result: dict[str, Any], names: dict[str, str]
) -> IndexReport:
    groups, indicators = [], []
    for group in result["groups"]:
        group_name = names.get(group["key"], group["key"])
        groups.append(GroupLine(group["key"], group_name, group["score"], group["max"]))
        for item in group["indicators"]:
            indicators.append(
                IndicatorLine(
                    group_key=group["key"],
                    group_name=group_name,
                    key=item["key"],
                    name=names.get(item["key"], item["key"]),
                    numerator=item["numerator"],
                    denominator=item["denominator"],
                    score=item["score"],
                    max=item["max"],
                    applicable=item["applicable"],
                )
            )
    return IndexReport(agency, period, result["total"], result["band"], groups, indicators)


def index_report(*, agency: Agency, period: Period) -> IndexReport:
    result = index_compute(agency=agency, period=period)
    return report_from(agency, period, result, names_of(definition_for(period)))


# §8's keys in the order a leader reads them, with how each is shown.
KPI_ROWS: list[tuple[str, str, str]] = [
    ("procedures_total", "Số thủ tục hành chính thuộc thẩm quyền", "count"),
    ("procedures_online", "Số thủ tục cung cấp trực tuyến (toàn trình, một phần)", "count"),
    ("procedures_online_share", "Tỷ lệ thủ tục cung cấp trực tuyến", "rate"),
    ("procedures_with_dossiers", "Số thủ tục trực tuyến có phát sinh hồ sơ trực tuyến", "count"),
    ("procedures_with_dossiers_share", "Tỷ lệ thủ tục trực tuyến có phát sinh hồ sơ", "rate"),
    ("dossiers_received", "Số hồ sơ tiếp nhận trong kỳ", "count"),
    ("dossiers_online", "Số hồ sơ nộp trực tuyến", "count"),
    ("online_rate", "Tỷ lệ hồ sơ nộp trực tuyến", "rate"),
    ("dossiers_finished", "Số hồ sơ đã giải quyết trong kỳ", "count"),
    ("on_time_rate", "Tỷ lệ giải quyết đúng hạn", "rate"),
    ("overdue_rate", "Tỷ lệ giải quyết quá hạn", "rate"),
    ("open_overdue", "Số hồ sơ đang giải quyết đã quá hạn (cuối kỳ)", "count"),
    ("digitized_rate", "Tỷ lệ hồ sơ được số hóa", "rate"),
    ("e_result_rate", "Tỷ lệ hồ sơ có kết quả điện tử", "rate"),
    ("payments_online_count", "Số hồ sơ thanh toán trực tuyến", "count"),
    ("payments_online_amount", "Số tiền thanh toán trực tuyến", "money"),
    ("petitions_received", "Số phản ánh, kiến nghị tiếp nhận", "count"),
    ("petitions_resolved", "Số phản ánh, kiến nghị đã xử lý", "count"),
    ("petitions_resolved_rate", "Tỷ lệ phản ánh, kiến nghị đã xử lý", "rate"),
]


@dataclass(frozen=True)
class KpiLine:
    key: str
    label: str
    kind: str  # count | rate | money
    value: float | int | None

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return percent_vi(self.value)
        if self.kind == "money":
            return money_vi(int(self.value))
        return number_vi(self.value, 0)


def kpi_lines(*, agency: Agency, period: Period) -> list[KpiLine]:
    """§8's figures that the engine gives (petition figures appear once petitions exist)."""
    kpi = kpi_compute(agency=agency, period=period)
    return [KpiLine(key, label, kind, kpi[key]) for key, label, kind in KPI_ROWS if key in kpi]


@dataclass(frozen=True)
class MonthScore:
    period: Period
    total: float
    band: str

    @property
    def label(self) -> str:
        return f"{self.period.start:%m/%Y}"


def month_periods(end: date, count: int = 12) -> list[Period]:
    """The `count` calendar months up to the one holding `end`; the last stops at `end`."""
    year, month = end.year, end.month
    periods = []
    for _ in range(count):
        last = date(year, month, calendar.monthrange(year, month)[1])
        periods.append(Period(date(year, month, 1), min(last, end)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return periods[::-1]


def trend(*, agency: Agency, end: date, months: int = 12) -> list[MonthScore]:
    """The index total month by month (one `index_compute` per month)."""
    scores = []
    for period in month_periods(end, months):
        result = index_compute(agency=agency, period=period)
        scores.append(MonthScore(period, result["total"], result["band"]))
    return scores


@dataclass(frozen=True)
class AgencyScore:
    agency: Agency
    total: float
    band: str
    groups: dict[str, float] = field(default_factory=dict)

    @property
    def band_label(self) -> str:
        return band_label(self.band)

    def value(self, key: str) -> float:
        return self.total if key == "total" else self.groups.get(key, 0.0)


def agency_scores(agencies: Iterable[Agency], period: Period) -> list[AgencyScore]:
    """Each agency's index, rolled up over its own subtree (one `index_compute` each)."""
    rows = []
    for agency in agencies:
        result = index_compute(agency=agency, period=period)
        groups = {group["key"]: group["score"] for group in result["groups"]}
        rows.append(AgencyScore(agency, result["total"], result["band"], groups))
    return rows


@dataclass(frozen=True)
class Ranked:
    rank: int
    row: AgencyScore


def ranked(rows: Sequence[AgencyScore], *, key: str, descending: bool) -> list[Ranked]:
    """Rank by `key` (higher is better; equal scores at two decimals share a rank, as
    1, 2, 2, 4), listed in the asked direction; ties listed by agency code."""
    by_score = sorted(rows, key=lambda r: (-round(r.value(key), 2), r.agency.code))
    ranks: dict[int, int] = {}
    previous: float | None = None
    rank = 0
    for position, row in enumerate(by_score, start=1):
        score = round(row.value(key), 2)
        if score != previous:
            rank, previous = position, score
        ranks[row.agency.pk] = rank
    listed = (
        by_score
        if descending
        else sorted(rows, key=lambda r: (round(r.value(key), 2), r.agency.code))
    )
    return [Ranked(ranks[row.agency.pk], row) for row in listed]


def period_text(period: Period) -> str:
    return f"từ {period.start:%d/%m/%Y} đến {period.end:%d/%m/%Y}"


# ---------------------------------------------------------------- XLSX

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
    """One sheet: a bold, frozen, filterable header row, widths and number formats."""
    sheet = workbook.create_sheet(title)
    sheet.append([column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for values in rows:
        sheet.append(list(values))
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=sheet.max_row, column=index)
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
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    for row, (label, value, kind) in enumerate(lines, start=3):
        sheet.cell(row=row, column=1, value=label).font = HEADER_FONT
        cell = sheet.cell(row=row, column=2, value=value)
        if kind != "text":
            cell.number_format = FORMATS[kind]
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 60


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _now_text() -> str:
    return f"{timezone.localtime():%d/%m/%Y %H:%M}"


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
            ("Thời điểm xuất", _now_text(), "text"),
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
        [
            (
                m.label,
                m.period.start,
                m.period.end,
                m.total,
                band_label(m.band),
            )
            for m in months
        ],
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
) -> bytes:
    """The ranking (or the public table): one row per agency, its total, band and groups."""
    workbook = Workbook()
    _cover(
        workbook,
        title,
        [
            ("Cơ quan cấp trên", root.name, "text"),
            ("Mã cơ quan", root.code, "text"),
            ("Kỳ đánh giá", period_text(period), "text"),
            ("Thời điểm xuất", _now_text(), "text"),
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
    return _saved(workbook)


# ---------------------------------------------------------------- PDF

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


@cache
def _fonts() -> tuple[str, str]:
    """DejaVu Sans (Debian's fonts-dejavu-core) has every Vietnamese glyph."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
    return FONT, FONT_BOLD


def index_report_pdf(report: IndexReport, kpis: Sequence[KpiLine] = ()) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11)
    heading = ParagraphStyle(
        "h2", parent=body, fontName=bold, fontSize=12, spaceBefore=8, spaceAfter=4
    )
    title = ParagraphStyle(
        "title", parent=body, fontName=bold, fontSize=15, leading=19, alignment=1, spaceAfter=6
    )

    def p(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(
            text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style
        )

    grid = [
        ("FONTNAME", (0, 0), (-1, -1), regular),
        ("FONTNAME", (0, 0), (-1, 0), bold),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dce6f1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]

    story: list[Any] = [
        p("BÁO CÁO CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP", title),
        p(f"Cơ quan: {report.agency.name} ({report.agency.code})", body),
        p(f"Kỳ đánh giá: {period_text(report.period)}", body),
        p(f"Tổng điểm: {number_vi(report.total)} / 100 — Xếp loại: {report.band_label}", body),
        p(f"Thời điểm lập: {_now_text()}", body),
        Spacer(1, 4 * mm),
        p("Điểm theo nhóm chỉ số", heading),
    ]
    groups = Table(
        [["Nhóm chỉ số", "Điểm", "Điểm tối đa"]]
        + [[p(g.name), number_vi(g.score), number_vi(g.max)] for g in report.groups]
        + [["Tổng cộng", number_vi(report.total), "100,00"]],
        colWidths=[110 * mm, 28 * mm, 32 * mm],
        repeatRows=1,
    )
    groups.setStyle(TableStyle([*grid, ("FONTNAME", (0, -1), (-1, -1), bold)]))
    story += [groups, p("Điểm theo chỉ tiêu", heading)]

    rows: list[list[Any]] = [["Chỉ tiêu", "Tử số", "Mẫu số", "Tỷ lệ", "Điểm", "Tối đa"]]
    style = list(grid)
    current = None
    for item in report.indicators:
        if item.group_key != current:
            current = item.group_key
            group = next(g for g in report.groups if g.key == current)
            style += [
                ("SPAN", (0, len(rows)), (3, len(rows))),
                ("FONTNAME", (0, len(rows)), (-1, len(rows)), bold),
                ("BACKGROUND", (0, len(rows)), (-1, len(rows)), colors.HexColor("#f1f4f7")),
            ]
            rows.append([group.name, "", "", "", number_vi(group.score), number_vi(group.max)])
        rows.append(
            [
                p(item.name),
                number_vi(item.numerator, 0),
                number_vi(item.denominator, 0),
                percent_vi(item.ratio) if item.applicable else "không phát sinh",
                number_vi(item.score),
                number_vi(item.max),
            ]
        )
    indicators = Table(
        rows, colWidths=[66 * mm, 17 * mm, 17 * mm, 32 * mm, 18 * mm, 20 * mm], repeatRows=1
    )
    indicators.setStyle(TableStyle(style))
    story.append(indicators)

    if kpis:
        story.append(p("Số liệu điều hành", heading))
        table = Table(
            [["Chỉ tiêu", "Giá trị"]] + [[p(k.label), k.text] for k in kpis],
            colWidths=[120 * mm, 50 * mm],
            repeatRows=1,
        )
        table.setStyle(TableStyle(grid))
        story.append(table)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Chỉ số phục vụ — {report.agency.name}",
        author="motcua",
        subject=period_text(report.period),
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def attachment_name(prefix: str, agency: Agency, period: Period, extension: str) -> str:
    """ASCII file names: `chi-so_000.00.00.H46_2026-01-01_2026-03-31.xlsx`."""
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in ".-") else "-" for ch in agency.code
    )
    return f"{prefix}_{safe}_{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}.{extension}"
