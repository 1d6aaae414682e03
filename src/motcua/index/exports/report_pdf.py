"""The periodic statistics report (§8.1) as a landscape A4 PDF in the template's layout, set
in DejaVu Sans for the Vietnamese letters, numbers written the Vietnamese way (1.234)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from motcua.core.pdf import numbered_pdf, pdf_fonts, plain
from motcua.index.charts import number_vi
from motcua.index.exports.labels import now_text
from motcua.index.exports.report_xlsx import (
    REPORT_COLUMNS,
    REPORT_GROUPS,
    REPORT_TITLE,
    report_period_text,
)
from motcua.index.report import StatisticsReport


def statistics_report_pdf(report: StatisticsReport) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13, alignment=1)
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=14, leading=18)
    head = ParagraphStyle("head", parent=body, fontName=bold, fontSize=8, leading=10)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, alignment=0)
    sign = ParagraphStyle("sign", parent=body, fontName=bold)
    note = ParagraphStyle("note", parent=body, fontSize=9, textColor=colors.HexColor("#444444"))

    groups: list[Any] = ["", ""]
    spans: list[tuple] = [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    column = 2
    for text, span in REPORT_GROUPS:
        groups += [plain(text, head)] + [""] * (span - 1)
        spans.append(("SPAN", (column, 0), (column + span - 1, 0)))
        column += span
    groups[0], groups[1] = plain("STT", head), plain(_("Lĩnh vực"), head)
    rows: list[list[Any]] = [groups, ["", ""] + [plain(text, head) for text in REPORT_COLUMNS]]
    for number, line in enumerate(report.rows, start=1):
        rows.append([str(number), plain(line.sector, cell)] + [number_vi(n, 0) for n in line.cells])
    rows.append(["", plain(_("Tổng cộng"), cell)] + [number_vi(n, 0) for n in report.total.cells])

    table = Table(
        rows,
        colWidths=[12 * mm, 58 * mm] + [18.4 * mm] * len(REPORT_COLUMNS),
        repeatRows=2,
    )
    table.setStyle(
        TableStyle(
            [
                *spans,
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTNAME", (0, -1), (-1, -1), bold),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#dce6f1")),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f1f4f7")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 2), (0, -1), "CENTER"),
                ("ALIGN", (2, 2), (-1, -1), "RIGHT"),
            ]
        )
    )
    signature = Table(
        [
            ["", plain(_("Lập ngày %(moment)s") % {"moment": now_text()}, note)],
            [plain(_("NGƯỜI LẬP BIỂU"), sign), plain(_("THỦ TRƯỞNG CƠ QUAN"), sign)],
            [plain(_("(Ký, ghi rõ họ tên)"), note), plain(_("(Ký tên, đóng dấu)"), note)],
        ],
        colWidths=[120 * mm, 120 * mm],
    )
    agency = _("Cơ quan: %(name)s (%(code)s)") % {
        "name": report.agency.name,
        "code": report.agency.code,
    }
    story: list[Any] = [
        plain(REPORT_TITLE, title),
        plain(agency, body),
        plain(report_period_text(report), body),
        Spacer(1, 2 * mm),
        plain(_("Đơn vị tính: hồ sơ"), ParagraphStyle("unit", parent=note, alignment=2)),
        table,
        Spacer(1, 8 * mm),
        signature,
    ]

    return numbered_pdf(
        story,
        title=f"{REPORT_TITLE} — {report.agency.name}",
        subject=report_period_text(report),
        pagesize=landscape(A4),
        margin=(12 * mm, 14 * mm),
    )
