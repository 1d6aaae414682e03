"""The citizen's e-form declaration for the officers: the "Tờ khai điện tử" section of the
counter's and the processing dossier pages, and its printable PDF (served by
`processing/declaration.py`)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from motcua.catalog.eform_answers import AnswerSection, eform_answers
from motcua.catalog.eforms import eform_of
from motcua.core.pdf import pdf_fonts
from motcua.dossiers.models import Dossier

TITLE = "TỜ KHAI ĐIỆN TỬ"


def declaration_title(dossier: Dossier) -> str:
    return str(eform_of(dossier.procedure).get("title") or "")


def declaration_sections(dossier: Dossier) -> list[AnswerSection]:
    """The answers in the procedure's current e-form; none for a dossier without any (walk-in
    and paper dossiers have no e-form answers)."""
    if not dossier.form_data:
        return []
    return eform_answers(eform_of(dossier.procedure), dossier.form_data)


def declaration_context(dossier: Dossier) -> dict[str, Any]:
    """What the dossier pages' "Tờ khai điện tử" section needs: no query beyond the dossier
    and its procedure, which every dossier page has already fetched."""
    sections = declaration_sections(dossier)
    return {
        "answer_sections": sections,
        "eform_title": declaration_title(dossier) if sections else "",
    }


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%H giờ %M, ngày %d/%m/%Y")


def _text(value: str) -> str:
    """Citizen-typed text for a reportlab Paragraph, which reads its input as markup."""
    return escape(value).replace("\n", "<br/>")


def declaration_pdf(dossier: Dossier, sections: list[AnswerSection]) -> bytes:
    regular, bold = pdf_fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=10, leading=13)
    strong = ParagraphStyle("strong", parent=text, fontName=bold)
    head = ParagraphStyle("head", parent=text, fontName=bold, fontSize=13, alignment=1, leading=18)
    center = ParagraphStyle("center", parent=text, alignment=1)
    section_head = ParagraphStyle("section", parent=strong, fontSize=11, leading=15)
    widths = [60 * mm, 110 * mm]
    style = TableStyle(
        [("GRID", (0, 0), (-1, -1), 0.5, "#999999"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )

    def table(rows: list[tuple[str, str]]) -> Table:
        result = Table(
            [[Paragraph(_text(a), text), Paragraph(_text(b), text)] for a, b in rows],
            colWidths=widths,
            # An answer of many lines may be taller than a page: it continues on the next.
            splitInRow=1,
        )
        result.setStyle(style)
        return result

    code_label = "Mã hồ sơ" if dossier.code else "Số tham chiếu"
    facts = [
        ("Thủ tục", f"{dossier.procedure.name} ({dossier.procedure.code})"),
        ("Cơ quan giải quyết", dossier.agency.name),
        (code_label, dossier.public_code),
        ("Nộp trực tuyến lúc", _when(dossier.submitted_at)),
    ]
    title = declaration_title(dossier)
    story: list[Any] = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", center),
        Paragraph("Độc lập - Tự do - Hạnh phúc", center),
        Spacer(1, 6 * mm),
        Paragraph(TITLE, head),
    ]
    if title:
        story.append(Paragraph(_text(title), center))
    story += [Spacer(1, 4 * mm), table(facts)]
    for section in sections:
        heading = Paragraph(_text(section.title), section_head) if section.title else None
        rows = table([(row.label, row.value) for row in section.rows])
        # A heading never ends a page without its first rows.
        story.append(Spacer(1, 4 * mm))
        story.append(KeepTogether([heading, Spacer(1, 1 * mm), rows]) if heading else rows)
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            _text(
                "Nội dung do người nộp kê khai trên Cổng dịch vụ công; bản in lúc "
                f"{_when(timezone.now())}."
            ),
            text,
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Tờ khai {dossier.public_code}",
    )
    document.build(story)
    return buffer.getvalue()
