"""Electronic certified copies (chứng thực bản sao điện tử từ bản chính, Nghị định 23/2015 and
45/2020): the person brings the original to the counter, it is scanned into the dossier, and
the officer holding the step makes the copy — the scan's pages followed by the certification
statement (lời chứng) — as the dossier's result. The approver then signs it with the agency's
key like any e-result (`result_sign_and_approve`), which puts the QR code to
`/ket-qua/xac-thuc/` on it and hands it to the citizen's data store.

Which procedures certify copies is configuration (`MOTCUA_CERTIFIED_COPY_PROCEDURES`, the
national catalog's codes), not a flag in the catalog's import format (§9).
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import Spacer

from motcua.catalog.models import Procedure
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.pdf import pdf_fonts, plain
from motcua.directory.models import User
from motcua.dossiers.lifecycle import holds_current_step
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.esign.results import facts_table, page_styles, signable_pdf, signature_block
from motcua.esign.services import result_attach

PDF = "application/pdf"
IMAGES = ("image/jpeg", "image/png")
MAX_NAME = 300
# A copy is of one paper; a scan longer than this is not one original.
MAX_PAGES = 50
STATEMENT = "Chứng thực bản sao này đúng với bản chính."


def certified_copy_procedures() -> frozenset[str]:
    # A list, parsed once in settings.py; dossiers.store reads the same list.
    return frozenset(settings.MOTCUA_CERTIFIED_COPY_PROCEDURES)


def certifies_copies(procedure: Procedure) -> bool:
    return procedure.code in certified_copy_procedures()


def copy_sources(dossier: Dossier) -> list[DossierDocument]:
    """The files an original may have been scanned into: the counter's scans and what the
    applicant sent, PDF or image, oldest first."""
    return list(
        DossierDocument.objects.filter(
            dossier=dossier,
            kind__in=(DossierDocument.Kind.SCAN, DossierDocument.Kind.SUBMITTED),
            content_type__in=(PDF, *IMAGES),
            reused_from__isnull=True,
        ).order_by("created_at", "id")
    )


def certification_number(dossier: Dossier) -> str:
    # The dossier's code is unique in the province, so the copy needs no second sequence.
    return f"{dossier.public_code}/SCT/BS-ĐT"


def _image_page(data: bytes) -> bytes:
    """One A4 page with the scanned image fitted inside the margins, the foot left free for
    the signature stamp on the last page."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as error:
        raise ValidationFailed(
            _("Không đọc được ảnh quét; hãy quét lại bản chính."), fields={"document": "unreadable"}
        ) from error
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    box_w, box_h = A4[0] - 30 * mm, A4[1] - 30 * mm
    scale = min(box_w / width, box_h / height)
    w, h = width * scale, height * scale
    page.drawImage(
        ImageReader(io.BytesIO(data)), (A4[0] - w) / 2, A4[1] - 15 * mm - h, width=w, height=h
    )
    page.showPage()
    page.save()
    return out.getvalue()


def _statement_page(
    *, dossier: Dossier, original_name: str, pages: int, source_sha256: str, at: datetime
) -> bytes:
    _regular, bold = pdf_fonts()
    styles = page_styles()
    moment = timezone.localtime(at)
    division = dossier.agency.division
    place = f" ({division.name})" if division is not None else ""
    facts = facts_table(
        [
            ("Bản chính", original_name),
            ("Số trang bản sao", str(pages)),
            ("Người yêu cầu chứng thực", dossier.applicant_name),
            ("Số chứng thực", certification_number(dossier)),
            ("Mã hồ sơ", dossier.public_code),
            ("Mã băm bản quét (SHA-256)", source_sha256),
        ],
        styles,
        label_width=50,
    )
    story: list[Any] = [
        plain(
            dossier.agency.name.upper(), ParagraphStyle("a", parent=styles.center, fontName=bold)
        ),
        Spacer(1, 6 * mm),
        plain("LỜI CHỨNG CHỨNG THỰC BẢN SAO ĐIỆN TỬ TỪ BẢN CHÍNH", styles.head),
        Spacer(1, 5 * mm),
        plain(STATEMENT, styles.body),
        plain(
            f"Ngày {moment:%d} tháng {moment:%m} năm {moment:%Y}, tại {dossier.agency.name}"
            f"{place}.",
            styles.body,
        ),
        Spacer(1, 4 * mm),
        facts,
        Spacer(1, 6 * mm),
        signature_block("NGƯỜI THỰC HIỆN CHỨNG THỰC", styles),
    ]
    return signable_pdf(story)


def certified_copy_pdf(
    *,
    dossier: Dossier,
    source: bytes,
    content_type: str,
    original_name: str,
    at: datetime,
) -> tuple[bytes, int]:
    """The copy (the scan's pages, then the statement) and the number of pages copied."""
    writer = PdfWriter()
    if content_type == PDF:
        try:
            reader = PdfReader(io.BytesIO(source))
            if reader.is_encrypted:
                raise ValidationFailed(
                    _("Bản quét PDF có mật khẩu; hãy quét lại bản chính không đặt mật khẩu."),
                    fields={"document": "encrypted"},
                )
            scanned = list(reader.pages)
        except PyPdfError as error:
            raise ValidationFailed(
                _("Không đọc được bản quét PDF; hãy quét lại bản chính."),
                fields={"document": "unreadable"},
            ) from error
    else:
        scanned = list(PdfReader(io.BytesIO(_image_page(source))).pages)
    if not scanned or len(scanned) > MAX_PAGES:
        raise ValidationFailed(
            _("Bản quét phải có từ 1 đến %(n)d trang.") % {"n": MAX_PAGES},
            fields={"document": "pages"},
        )
    for page in scanned:
        writer.add_page(page)
    statement = _statement_page(
        dossier=dossier,
        original_name=original_name,
        pages=len(scanned),
        source_sha256=hashlib.sha256(source).hexdigest(),
        at=at,
    )
    for page in PdfReader(io.BytesIO(statement)).pages:
        writer.add_page(page)
    writer.add_metadata(
        {
            "/Title": f"Bản sao điện tử chứng thực {dossier.public_code}",
            "/Author": dossier.agency.name,
            "/Creator": "motcua",
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(scanned)


def certified_copy_prepare(
    *,
    actor: User,
    dossier: Dossier,
    source: DossierDocument,
    original_name: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> DossierDocument:
    """Make the certified copy of a scanned original as the dossier's (unsigned) result."""
    if not certifies_copies(dossier.procedure):
        raise ValidationFailed(
            _("Thủ tục của hồ sơ này không cấp bản sao điện tử chứng thực."),
            fields={"document": "procedure"},
        )
    if not holds_current_step(actor, dossier):
        raise PermissionDenied(
            _("Chỉ cán bộ được giao bước xử lý hiện tại được chứng thực bản sao cho hồ sơ này.")
        )
    if source.pk not in {d.pk for d in copy_sources(dossier)}:
        raise ValidationFailed(
            _("Chỉ chứng thực từ bản quét (PDF, JPEG, PNG) của chính hồ sơ này."),
            fields={"document": "invalid"},
        )
    name = " ".join((original_name or "").split())
    if not name:
        raise ValidationFailed(
            _("Phải ghi tên giấy tờ bản chính (ví dụ: Bằng tốt nghiệp đại học)."),
            fields={"original_name": "required"},
        )
    if len(name) > MAX_NAME:
        raise ValidationFailed(
            _("Tên giấy tờ bản chính quá dài (tối đa %(n)d ký tự).") % {"n": MAX_NAME},
            fields={"original_name": "too_long"},
        )
    with source.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != source.sha256:
        raise ValidationFailed(
            _("Tệp bản quét trên máy chủ không khớp với bản đã đính kèm; hãy quét lại."),
            fields={"document": "changed"},
        )
    moment = at or timezone.now()
    pdf, pages = certified_copy_pdf(
        dossier=dossier,
        source=data,
        content_type=source.content_type,
        original_name=name,
        at=moment,
    )
    return result_attach(
        actor=actor,
        dossier=dossier,
        pdf=pdf,
        file_name=f"Bản sao chứng thực {dossier.public_code}.pdf",
        at=at,
        expected_version=expected_version,
        action="esign.certified_copy",
        data={
            "dossier": dossier.public_code,
            "source_document_id": source.pk,
            "pages": pages,
            "number": certification_number(dossier),
        },
    )
