"""PDF text is never markup that reaches files or URLs: `plain` prints text as typed, and a
paragraph cannot open anything even if some text escaped its escaping; pictures built from
bytes (the QR codes) still render."""

from __future__ import annotations

import io

import pytest
import segno
from pypdf import PdfReader
from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import open_for_read
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate

from motcua.core.pdf import pdf_fonts, plain


def build(story) -> bytes:
    out = io.BytesIO()
    SimpleDocTemplate(out).build(story)
    return out.getvalue()


def qr_png() -> io.BytesIO:
    png = io.BytesIO()
    segno.make("http://127.0.0.1:8000/tra-cuu/X/", error="m").save(png, kind="png", scale=4)
    png.seek(0)
    return png


@pytest.fixture
def style() -> ParagraphStyle:
    return ParagraphStyle("text", fontName=pdf_fonts()[0], fontSize=11)


def test_plain_prints_markup_as_typed_beside_a_qr_image(style):
    pdf = build([plain('Cty <b>A&B <img src="/etc/passwd"/>', style), Image(qr_png(), 80, 80)])

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.extract_text().strip() == 'Cty <b>A&B <img src="/etc/passwd"/>'
    assert len(page.images) == 1


def test_no_url_scheme_or_host_is_trusted():
    assert (rl_config.trustedSchemes, rl_config.trustedHosts) == ([], [])
    # reportlab would answer a data: URL itself when trusted; now it opens no URL at all.
    with pytest.raises(OSError, match="Cannot open resource"):
        open_for_read("data:text/plain,secret")


def test_an_inline_image_is_refused_before_its_file_is_read(style, tmp_path):
    picture = tmp_path / "noi-bo.png"
    picture.write_bytes(qr_png().getvalue())  # a file reportlab would happily embed

    with pytest.raises(ValueError, match="<img> in a paragraph is disabled"):
        build([Paragraph(f'<img src="{picture}" width="20" height="20"/>', style)])
