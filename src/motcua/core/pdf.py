"""Fonts for every PDF the system makes (letters, receipts, results, reports, forms), the
one safe way to put text into a reportlab paragraph, and the pieces the applicant's papers
share: the bordered table, the QR code to a page, the A4 page."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
    paraparser,
)

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]

# A Paragraph's text is markup, and `<img src=…>` in it makes reportlab read a file or fetch
# a URL while the PDF is built. Text is escaped (`plain`); these make a slip harmless too.
# No URL scheme and no host is trusted, so reportlab opens no URL at all.
rl_config.trustedSchemes = []
rl_config.trustedHosts = []


def _inline_image_refused(self: Any, attributes: Any) -> None:
    # The trusted lists above cover URLs only: reportlab opens a plain path as a file before
    # any URL check. No PDF here uses inline images (QR codes are `Image` flowables built from
    # bytes), so an `<img>` in a paragraph can only be text that escaped its escaping.
    raise ValueError("<img> in a paragraph is disabled; use an Image flowable.")


paraparser.ParaParser.start_img = _inline_image_refused  # type: ignore[method-assign]


def plain(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph that prints `text` as it is. A name like `Cty <b>A&B` would otherwise be
    parsed as markup: bold, a lost ampersand, or an error for the unbalanced tag."""
    return Paragraph(escape(str(text)), style)


@cache
def pdf_fonts() -> tuple[str, str]:
    """(regular, bold) font names. DejaVu Sans carries every Vietnamese letter; reportlab's
    built-in Helvetica does not."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DejaVu", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(bold)))
            pdfmetrics.registerFontFamily("DejaVu", normal="DejaVu", bold="DejaVu-Bold")
            return "DejaVu", "DejaVu-Bold"
    raise RuntimeError("Thiếu phông chữ DejaVu Sans (gói Debian fonts-dejavu-core).")


def grid(cells: Sequence[Sequence[Flowable]], widths: Sequence[float]) -> Table:
    """A bordered table, cells aligned to the top (the facts of a letter, a receipt's fees)."""
    table = Table([list(row) for row in cells], colWidths=list(widths))
    table.setStyle(
        TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.5, "#999999"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    return table


def qr_image(url: str) -> Image:
    """A 30 mm QR code of `url`, built from bytes (no file, no inline `<img>`)."""
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=4, border=2)
    png.seek(0)
    return Image(png, width=30 * mm, height=30 * mm)


def a4_pdf(story: list[Flowable], *, title: str) -> bytes:
    """The story on A4 pages with the margins of the applicant's papers."""
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author="motcua",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    ).build(story)
    return out.getvalue()


def numbered_pdf(
    story: list[Flowable],
    *,
    title: str,
    subject: str = "",
    pagesize: tuple[float, float] = A4,
    margin: tuple[float, float] = (20 * mm, 18 * mm),
) -> bytes:
    """The story on pages of `pagesize` with `margin` (sides, top and bottom) and "Trang N" at
    the foot of each page: the leaders' reports, which run to several pages."""
    regular, _bold = pdf_fonts()
    side, top = margin
    out = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawRightString(pagesize[0] - side, top / 2, f"Trang {doc.page}")
        canvas.restoreState()

    SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=side,
        rightMargin=side,
        topMargin=top,
        bottomMargin=top,
        title=title,
        author="motcua",
        subject=subject,
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
