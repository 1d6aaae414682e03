"""The index report as an A4 PDF, set in DejaVu Sans for the Vietnamese glyphs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from motcua.core.pdf import numbered_pdf, pdf_fonts, plain
from motcua.index.charts import number_vi, percent_vi
from motcua.index.exports.labels import now_text, period_text
from motcua.index.exports.rows import IndexReport, KpiLine

PDF_CONTENT_TYPE = "application/pdf"


def index_report_pdf(report: IndexReport, kpis: Sequence[KpiLine] = ()) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11)
    heading = ParagraphStyle(
        "h2", parent=body, fontName=bold, fontSize=12, spaceBefore=8, spaceAfter=4
    )
    title = ParagraphStyle(
        "title", parent=body, fontName=bold, fontSize=15, leading=19, alignment=1, spaceAfter=6
    )

    def p(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return plain(text, style)

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
        p(f"Thời điểm lập: {now_text()}", body),
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

    return numbered_pdf(
        story,
        title=f"Chỉ số phục vụ — {report.agency.name}",
        subject=period_text(report.period),
    )
