"""The blank, printable declaration of a procedure, drawn from its e-form: for a citizen who
applies on paper, the same questions in the same order as online, each with a dotted line to
write on. The paper form is public (it is what the catalog publishes), so no personal data
goes in and anyone may download it.

The legal form code (“Mẫu số 01/…”) is printed when the e-form's hints carry one as
`ui.form_code`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from motcua.catalog.eforms import Field, eform_fields
from motcua.core.pdf import pdf_fonts, plain

MARGIN = 20 * mm
SIZE = 11
LEADING = 17
DOT = "."
# Below this much room left on a label's line, the dotted line starts on the next one.
MIN_BLANK = 30 * mm


def form_code_of(eform: dict[str, Any]) -> str:
    code = eform.get("ui", {}).get("form_code")
    return code.strip() if isinstance(code, str) else ""


@dataclass
class _Line:
    text: str
    dots: int


class _Blank(Flowable):
    """A label followed by dots to the end of the line, wrapped at words; `extra` more full
    dotted lines for long answers."""

    def __init__(self, label: str, *, font: str, extra: int = 0) -> None:
        super().__init__()
        self.label, self.font, self.extra = label, font, extra
        self.lines: list[_Line] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        dot = stringWidth(DOT, self.font, SIZE)
        full = int(available_width // dot)
        words = simpleSplit(self.label, self.font, SIZE, available_width)
        lines = [_Line(text, 0) for text in words] or [_Line("", 0)]
        room = available_width - stringWidth(lines[-1].text + " ", self.font, SIZE)
        if room >= MIN_BLANK:
            lines[-1].dots = int(room // dot)
        else:
            lines.append(_Line("", full))
        lines += [_Line("", full) for _ in range(self.extra)]
        self.lines, self.width = lines, available_width
        return available_width, len(lines) * LEADING

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFont(self.font, SIZE)
        y = len(self.lines) * LEADING - SIZE
        for line in self.lines:
            text = f"{line.text} {DOT * line.dots}" if line.text and line.dots else line.text
            canvas.drawString(0, y, text or DOT * line.dots)
            y -= LEADING


def _choices(field: Field) -> str:
    if field.widget in ("radio", "select") and field.choices:
        return "    ".join(f"☐ {label}" for _value, label in field.choices)
    return ""


def blank_declaration_pdf(eform: dict[str, Any], *, procedure_name: str) -> bytes:
    regular, bold = pdf_fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=SIZE, leading=LEADING)
    center = ParagraphStyle("center", parent=text, alignment=1)
    head = ParagraphStyle("head", parent=center, fontName=bold, fontSize=13, leading=19)
    section = ParagraphStyle("section", parent=text, fontName=bold, spaceBefore=6)
    small = ParagraphStyle("small", parent=center, fontSize=9, leading=12)

    story: list[Any] = []
    code = form_code_of(eform)
    if code:
        story.append(plain(code, ParagraphStyle("code", parent=text, alignment=2)))
    story += [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", head),
        Paragraph("Độc lập - Tự do - Hạnh phúc", center),
        Spacer(1, 6 * mm),
        plain((eform.get("title") or procedure_name).upper(), head),
        plain(f"(Thủ tục: {procedure_name})", small),
        Spacer(1, 4 * mm),
        _Blank("Kính gửi:", font=regular),
    ]
    current = None
    for field in eform_fields(eform):
        if field.section and field.section != current:
            story.append(plain(field.section, section))
        current = field.section
        if field.widget == "checkbox":
            story.append(plain(f"☐ {field.label}", text))
            continue
        story.append(
            _Blank(f"{field.label}:", font=regular, extra=2 if field.widget == "textarea" else 0)
        )
        choices = _choices(field)
        if choices:
            story.append(plain(choices, ParagraphStyle("c", parent=text, leftIndent=8 * mm)))
    signature = Table(
        [
            ["", Paragraph("……, ngày …… tháng …… năm ……", center)],
            ["", Paragraph("NGƯỜI KHAI", ParagraphStyle("s", parent=center, fontName=bold))],
            ["", Paragraph("(Ký, ghi rõ họ, chữ đệm và tên)", small)],
        ],
        colWidths=["45%", "55%"],
    )
    signature.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 8 * mm), signature]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=eform.get("title") or procedure_name,
        author="motcua",
    )
    document.build(story)
    return buffer.getvalue()
