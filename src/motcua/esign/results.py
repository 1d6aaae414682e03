"""Result documents made from a template per procedure (decision / certificate layout).

A template is data: a title and a text with `{placeholders}` filled from the dossier and its
e-form answers; a missing answer prints as a dotted line for the specialist to fill in (the
processing page shows the text, editable, before the PDF is made). Procedures without their
own template use `GENERIC`.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from motcua.catalog.eform_answers import EMPTY, eform_answers
from motcua.core.pdf import pdf_fonts, plain
from motcua.dossiers.models import Dossier

BLANK = "…………………………"
MAX_TEXT = 4000


@dataclass(frozen=True)
class ResultTemplate:
    title: str
    text: str
    kind: str = "Giấy chứng nhận"  # what the document is, for its file name and heading


GENERIC = ResultTemplate(
    title="KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
    kind="Quyết định",
    text=(
        "Căn cứ hồ sơ số {code} của ông/bà/tổ chức {applicant} đề nghị giải quyết thủ tục "
        "“{procedure}”;\n"
        "Căn cứ kết quả thẩm định hồ sơ,\n"
        "{agency} chấp thuận đề nghị của ông/bà/tổ chức {applicant}, số định danh "
        "{id_number}, địa chỉ {address}.\n"
        "Nội dung: {summary}\n"
        "Văn bản này có giá trị kể từ ngày ký."
    ),
)

TEMPLATES: dict[str, ResultTemplate] = {
    # Đăng ký khai sinh → trích lục khai sinh.
    "1.001193": ResultTemplate(
        title="TRÍCH LỤC KHAI SINH",
        kind="Trích lục khai sinh",
        text=(
            "Họ, chữ đệm, tên: {child_full_name}\n"
            "Ngày, tháng, năm sinh: {child_birth_date}\n"
            "Giới tính: {child_sex}    Dân tộc: {child_ethnicity}    Quốc tịch: Việt Nam\n"
            "Nơi sinh: {child_birth_place}\n"
            "Họ, chữ đệm, tên người mẹ: {mother_full_name}\n"
            "Họ, chữ đệm, tên người cha: {father_full_name}\n"
            "Người đi đăng ký khai sinh: {applicant}\n"
            "Nơi đăng ký khai sinh: {agency}. Số hồ sơ: {code}."
        ),
    ),
    # Cấp Phiếu lý lịch tư pháp cho công dân.
    "2.000488": ResultTemplate(
        title="PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1",
        kind="Phiếu lý lịch tư pháp",
        text=(
            "Họ và tên: {applicant}\n"
            "Ngày, tháng, năm sinh: {applicant_birth_date}    Giới tính: {applicant_sex}\n"
            "Nơi cư trú: {address}\n"
            "Số định danh cá nhân: {id_number}\n"
            "TÌNH TRẠNG ÁN TÍCH: Không có án tích.\n"
            "THÔNG TIN VỀ VIỆC CẤM ĐẢM NHIỆM CHỨC VỤ, THÀNH LẬP, QUẢN LÝ DOANH NGHIỆP, HỢP TÁC "
            "XÃ: Không bị cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã."
        ),
    ),
    # Đăng ký thường trú / tạm trú → giấy xác nhận thông tin về cư trú.
    "1.004222": ResultTemplate(
        title="GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",
        kind="Giấy xác nhận cư trú",
        text=(
            "{agency} xác nhận:\n"
            "Ông/bà: {applicant}    Số định danh cá nhân: {id_number}\n"
            "Nơi thường trú: {address}\n"
            "đã được đăng ký thường trú và cập nhật vào Cơ sở dữ liệu về cư trú theo hồ sơ "
            "số {code}.\n"
            "Giấy xác nhận có giá trị 01 năm kể từ ngày cấp; trường hợp thông tin về cư trú "
            "thay đổi, giấy xác nhận hết giá trị từ thời điểm thay đổi."
        ),
    ),
    "1.004194": ResultTemplate(
        title="GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",
        kind="Giấy xác nhận cư trú",
        text=(
            "{agency} xác nhận:\n"
            "Ông/bà: {applicant}    Số định danh cá nhân: {id_number}\n"
            "Nơi tạm trú: {new_address}\n"
            "đã được đăng ký tạm trú và cập nhật vào Cơ sở dữ liệu về cư trú theo hồ sơ "
            "số {code}. Thời hạn tạm trú: {stay_until}."
        ),
    ),
    # Đăng ký thành lập hộ kinh doanh.
    "2.000720": ResultTemplate(
        title="GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
        kind="Giấy chứng nhận đăng ký hộ kinh doanh",
        text=(
            "Mã số hộ kinh doanh: {code}\n"
            "1. Tên hộ kinh doanh: {business_name}\n"
            "2. Địa điểm kinh doanh: {business_address}\n"
            "3. Ngành, nghề kinh doanh: {business_lines}\n"
            "4. Vốn kinh doanh: {capital}\n"
            "5. Chủ hộ kinh doanh: {applicant}, số định danh cá nhân {id_number}, nơi cư trú "
            "{address}."
        ),
    ),
    # Đăng ký kết hôn.
    "1.000894": ResultTemplate(
        title="TRÍCH LỤC KẾT HÔN",
        kind="Trích lục kết hôn",
        text=(
            "Họ, chữ đệm, tên người chồng: {husband_full_name}\n"
            "Họ, chữ đệm, tên người vợ: {wife_full_name}\n"
            "Đã đăng ký kết hôn tại {agency} theo hồ sơ số {code}."
        ),
    ),
}


def template_for(dossier: Dossier) -> ResultTemplate:
    return TEMPLATES.get(dossier.procedure.code, GENERIC)


class _Blanks(dict):
    def __missing__(self, key: str) -> str:
        return BLANK


def _answers(dossier: Dossier) -> dict[str, str]:
    """The e-form answers as the declaration reads them (dates dd/mm/yyyy, choices by their
    labels, grouped numbers): a result must not print `1985-04-12` or `150000000`."""
    form_data = dossier.form_data or {}
    if not form_data:
        return {}
    return {
        row.key: row.value
        for section in eform_answers(dossier.procedure.eform or {}, form_data)
        for row in section.rows
        if row.value != EMPTY
    }


def _values(dossier: Dossier) -> dict[str, str]:
    values = _Blanks(_answers(dossier))
    base = {
        "code": dossier.public_code,
        "applicant": dossier.applicant_name,
        "id_number": dossier.applicant_id_number,
        "address": dossier.applicant_address,
        "procedure": dossier.procedure.name,
        "agency": dossier.agency.name,
        "summary": dossier.summary,
    }
    values.update({key: value for key, value in base.items() if value})
    return values


def result_text_default(dossier: Dossier) -> str:
    """The template's text filled from the dossier: what the specialist starts from."""
    text = template_for(dossier).text
    try:
        return string.Formatter().vformat(text, (), _values(dossier))
    except (ValueError, IndexError, AttributeError):
        # A malformed template must not stop the work: show it unfilled.
        return text


@dataclass(frozen=True)
class PageStyles:
    body: ParagraphStyle
    center: ParagraphStyle
    head: ParagraphStyle


def page_styles() -> PageStyles:
    """The type of every document the agency signs (results, certified copies)."""
    regular, bold = pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=11.5, leading=16, spaceAfter=3)
    return PageStyles(
        body=body,
        center=ParagraphStyle("center", parent=body, alignment=1, spaceAfter=0),
        head=ParagraphStyle(
            "head", parent=body, fontName=bold, fontSize=14, leading=19, alignment=1
        ),
    )


def facts_table(rows: list[tuple[str, str]], styles: PageStyles, *, label_width: int) -> Table:
    """Label | value rows in a ruled table the width of the text block (170 mm)."""
    table = Table(
        [[plain(label, styles.body), plain(value, styles.body)] for label, value in rows],
        colWidths=[label_width * mm, (170 - label_width) * mm],
    )
    table.setStyle(
        TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.4, "#999999"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    return table


def signature_block(who: str, styles: PageStyles) -> Paragraph:
    return Paragraph(
        f"<b>{escape(who)}</b><br/><i>(Ký số — chữ ký số và mã QR xác thực ở cuối trang)</i>",
        ParagraphStyle("sign", parent=styles.center, leftIndent=85 * mm),
    )


def signable_pdf(story: list[Any], *, title: str = "", author: str = "") -> bytes:
    """A4 with the foot of the last page left free for the signature stamp
    (signing.STAMP_*)."""
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author=author,
        creator="motcua",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=50 * mm,
    ).build(story)
    return out.getvalue()


def result_pdf(dossier: Dossier, *, text: str, at: datetime | None = None) -> bytes:
    """The result as a PDF, its foot left free for the signature stamp."""
    template = template_for(dossier)
    _regular, bold = pdf_fonts()
    styles = page_styles()
    body, center, head = styles.body, styles.center, styles.head
    small = ParagraphStyle("small", parent=center, fontSize=9.5, leading=12)
    moment = timezone.localtime(at or timezone.now())
    division = dossier.agency.division
    place = division.name if division is not None else "………"
    header = Table(
        [
            [
                plain(
                    dossier.agency.name.upper(), ParagraphStyle("a", parent=small, fontName=bold)
                ),
                Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", small),
            ],
            [
                plain(f"Số: {dossier.public_code}", small),
                Paragraph("<b>Độc lập - Tự do - Hạnh phúc</b>", small),
            ],
            [
                "",
                Paragraph(
                    f"<i>{escape(place)}, ngày {moment:%d} tháng {moment:%m} năm {moment:%Y}</i>",
                    small,
                ),
            ],
        ],
        colWidths=[75 * mm, 95 * mm],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    facts = facts_table(
        [
            ("Thủ tục", f"{dossier.procedure.name} ({dossier.procedure.code})"),
            ("Mã hồ sơ", dossier.public_code),
            ("Người nộp", dossier.applicant_name),
        ],
        styles,
        label_width=35,
    )
    paragraphs = [plain(line, body) for line in text.splitlines() if line.strip()]
    story: list[Any] = [
        header,
        Spacer(1, 8 * mm),
        plain(template.title, head),
        Spacer(1, 5 * mm),
        *paragraphs,
        Spacer(1, 5 * mm),
        facts,
        Spacer(1, 6 * mm),
        signature_block("THỦ TRƯỞNG CƠ QUAN", styles),
    ]
    return signable_pdf(
        story, title=f"{template.title} {dossier.public_code}", author=dossier.agency.name
    )


def result_file_name(dossier: Dossier) -> str:
    return f"{template_for(dossier).kind} {dossier.public_code}.pdf"
