"""Fonts for every PDF the system makes (letters, receipts, results, reports, forms)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]


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
