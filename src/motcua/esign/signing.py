"""Signing a result PDF: the `Signer` interface and the default per-agency key signer.

A signature is PAdES baseline B-B (`ETSI.CAdES.detached`, SHA-256) made by pyHanko, with a
visible stamp on the last page: the agency, the signer, the time and a QR code to the public
verification page of this very result. No timestamp authority and no network are needed;
a deployment that has a TSA can add one in its own `Signer` (B-T).
"""

from __future__ import annotations

import binascii
import io
import uuid
from datetime import datetime
from typing import Protocol

import segno
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from motcua.core.errors import ValidationFailed
from motcua.core.pdf import pdf_fonts
from motcua.directory.models import Agency, User
from motcua.esign import conf
from motcua.esign.pki import agency_credentials

STAMP_WIDTH, STAMP_HEIGHT = 255.0, 92.0
STAMP_MARGIN = 15 * mm
STAMP_RED = (0.64, 0.09, 0.1)
REASON = "Phê duyệt kết quả giải quyết thủ tục hành chính"
A4 = (595.28, 841.89)


class Signer(Protocol):
    """Whatever holds the agency's key: files on disk (the default), a hardware token
    (PKCS#11) or a remote signing service. Returns the whole signed PDF."""

    def sign(self, pdf: bytes, *, agency: Agency, signer_user: User, verify_url: str) -> bytes: ...


def signer_get() -> Signer:
    return import_string(conf.signer_path())()


class AgencyKeySigner:
    """One key and certificate per agency, as PEM files under `MOTCUA_ESIGN_KEY_DIR`.

    A token or remote service usually only replaces `pyhanko_signer` (pyHanko ships
    `pkcs11.PKCS11Signer`, and `signers.ExternalSigner` for a remote one); the stamp and the
    PAdES profile stay the same."""

    def pyhanko_signer(self, agency: Agency) -> signers.Signer:
        paths = agency_credentials(agency)
        certs = x509.load_pem_x509_certificates(paths.cert_path.read_bytes())
        key = serialization.load_pem_private_key(
            paths.key_path.read_bytes(), password=conf.key_passphrase()
        )
        key_info = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        as_asn1 = [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs
        ]
        return signers.SimpleSigner(
            signing_cert=as_asn1[0],
            signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs(as_asn1[1:]),
        )

    def sign(self, pdf: bytes, *, agency: Agency, signer_user: User, verify_url: str) -> bytes:
        return pades_sign(
            pdf,
            signer=self.pyhanko_signer(agency),
            agency_name=agency.name,
            signer_name=signer_user.full_name or signer_user.username,
            verify_url=verify_url,
        )


class _PdfBytesPage(content.ImportedPdfPage):
    """pyHanko's imported page, from bytes in memory rather than a file name."""

    def __init__(self, data: bytes):
        super().__init__(None, page_ix=0)
        self.data = data

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.data)), page_ix=0)
        name = b"/Stamp" + binascii.hexlify(uuid.uuid4().bytes)
        self.resources.xobject[name.decode("ascii")] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name + b" Do"


def stamp_pdf(*, agency_name: str, signer_name: str, at: datetime, verify_url: str) -> bytes:
    """The visible stamp as a one-page PDF: DejaVu for the Vietnamese letters, the QR code
    drawn module by module from segno, so it stays sharp at any zoom."""
    regular, bold = pdf_fonts()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(STAMP_WIDTH, STAMP_HEIGHT))
    page.setFillColorRGB(1, 1, 1)
    page.rect(0, 0, STAMP_WIDTH, STAMP_HEIGHT, stroke=0, fill=1)
    page.setStrokeColorRGB(*STAMP_RED)
    page.setLineWidth(1.2)
    page.rect(1, 1, STAMP_WIDTH - 2, STAMP_HEIGHT - 2, stroke=1, fill=0)
    qr_size = STAMP_HEIGHT - 12
    qr = segno.make(verify_url, error="m")
    # Two light modules around the code: scanners need a quiet zone.
    matrix = [list(row) for row in qr.matrix_iter(border=2)]
    module = qr_size / len(matrix)
    left = STAMP_WIDTH - qr_size - 6
    page.setFillColorRGB(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                page.rect(
                    left + col * module,
                    6 + qr_size - (row + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    text_width = left - 14
    y = STAMP_HEIGHT - 16
    page.setFillColorRGB(*STAMP_RED)
    page.setFont(bold, 9)
    page.drawString(8, y, "ĐÃ KÝ SỐ")
    page.setFillColorRGB(0, 0, 0)
    lines = [
        *simpleSplit(f"Cơ quan: {agency_name}", regular, 7.5, text_width)[:3],
        *simpleSplit(f"Người ký: {signer_name}", regular, 7.5, text_width)[:2],
        f"Thời gian: {timezone.localtime(at):%H:%M:%S %d/%m/%Y}",
        "Quét mã QR để xác thực",
    ]
    page.setFont(regular, 7.5)
    for line in lines:
        y -= 10
        page.drawString(8, y, line)
    page.showPage()
    page.save()
    return out.getvalue()


def _last_page_size(writer: IncrementalPdfFileWriter) -> tuple[float, float]:
    page_ref, _resources = writer.find_page_for_modification(-1)
    page = page_ref.get_object()
    box = page.get("/MediaBox")
    if box is None:
        return A4
    x1, y1, x2, y2 = (float(v) for v in box)
    return abs(x2 - x1), abs(y2 - y1)


def pades_sign(
    pdf: bytes,
    *,
    signer: signers.Signer,
    agency_name: str,
    signer_name: str,
    verify_url: str,
    at: datetime | None = None,
) -> bytes:
    """Sign `pdf` with any pyHanko signer: PAdES B-B, visible stamp at the foot of the last
    page, the signature covering the whole file."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if writer.prev.encrypted:
            raise ValidationFailed(
                _("Tệp PDF kết quả đang được đặt mật khẩu nên không ký số được."),
                fields={"document": "encrypted"},
            )
        width, _height = _last_page_size(writer)
    except ValidationFailed:
        raise
    except Exception as error:  # pyHanko raises many kinds for a damaged file
        raise ValidationFailed(
            _("Tệp kết quả không phải PDF hợp lệ nên không ký số được."),
            fields={"document": "invalid"},
        ) from error
    field_name = f"KetQuaDienTu-{uuid.uuid4().hex[:8]}"
    stamp = stamp_pdf(
        agency_name=agency_name,
        signer_name=signer_name,
        at=at or timezone.now(),
        verify_url=verify_url,
    )
    box = (
        width - STAMP_MARGIN - STAMP_WIDTH,
        STAMP_MARGIN,
        width - STAMP_MARGIN,
        STAMP_MARGIN + STAMP_HEIGHT,
    )
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=field_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=REASON,
            location=agency_name,
            name=signer_name,
        ),
        signer=signer,
        stamp_style=StaticStampStyle(
            background=_PdfBytesPage(stamp),
            background_opacity=1.0,
            border_width=0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        ),
        new_field_spec=fields.SigFieldSpec(field_name, on_page=-1, box=box),
    )
    return pdf_signer.sign_pdf(writer).getvalue()
