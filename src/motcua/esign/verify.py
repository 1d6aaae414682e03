"""Is this PDF a valid result of this system? (the public verification page and the API)

A file passes only when all of these hold, checked in this order so the reason given is the
first thing that is wrong:
1. it is a PDF and carries a signature;
2. the signature matches the bytes it covers (nothing changed after signing);
3. it covers the whole file (nothing appended after signing);
4. the signing certificate chains to a root this system trusts (configured CAs; the demo CA
   only in DEBUG or when allowed, `esign.conf.trust_root_paths`), checked offline — with no
   root at all the verdict says so instead of blaming the signer;
5. the file's SHA-256 is that of a result this system signed and recorded.

Anyone may upload, and each check runs pyHanko over up to 10 MB: `verify_throttle` caps the
checks per client address.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.core.cache import cache
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from motcua.core.errors import MotcuaError
from motcua.esign.models import SignedResult
from motcua.esign.pki import trust_roots

VALID = "valid"
NO_TRUST_ROOTS = "no_trust_roots"
VERIFY_LIMIT = 20  # checks per client address ...
VERIFY_WINDOW = 600  # ... in this many seconds


class TooManyVerifications(MotcuaError):
    code = "rate_limited"
    status = 429


def verify_throttle(client: str) -> None:
    """Counts one check for `client` (an IP address) in a fixed window kept in Django's cache;
    raises once the window's limit is used up. The counter is shared by the page and the API,
    so switching between them gains nothing."""
    key = f"motcua:esign-verify:{client}"
    # add() only starts a window; incr() keeps the window's expiry on the backends we use.
    cache.add(key, 0, timeout=VERIFY_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=VERIFY_WINDOW)
        count = 1
    if count > VERIFY_LIMIT:
        raise TooManyVerifications(
            _(
                "Bạn đã gửi quá nhiều yêu cầu xác thực (tối đa %(limit)d lần trong %(minutes)d "
                "phút). Vui lòng thử lại sau ít phút."
            )
            % {"limit": VERIFY_LIMIT, "minutes": VERIFY_WINDOW // 60}
        )


@dataclass(frozen=True)
class SignatureFacts:
    subject: str
    common_name: str
    serial: str
    sha256: str
    signed_at: datetime | None


@dataclass(frozen=True)
class Verdict:
    code: str
    message: str
    facts: SignatureFacts | None = None
    record: SignedResult | None = None

    @property
    def valid(self) -> bool:
        return self.code == VALID


def _facts(cert: asn1_x509.Certificate, signed_at: datetime | None) -> SignatureFacts:
    native = cert.subject.native
    return SignatureFacts(
        subject=cert.subject.human_friendly,
        common_name=str(native.get("common_name", "")),
        serial=format(cert.serial_number, "x"),
        sha256=hashlib.sha256(cert.dump()).hexdigest(),
        signed_at=signed_at,
    )


def signature_facts(pdf: bytes) -> SignatureFacts:
    """Who signed this (just signed) PDF and when, as the signature itself says."""
    signature = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[-1]
    return _facts(signature.signer_cert, signature.self_reported_timestamp)


def _roots() -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        for cert in trust_roots()
    ]


def _context(roots: list[asn1_x509.Certificate]) -> ValidationContext:
    # No fetching: verification must work offline and must not call out on a citizen's upload.
    # An empty list trusts nothing (None would mean the operating system's roots).
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def result_verify(data: bytes, *, token: str | None = None) -> Verdict:
    """The verdict on an uploaded file; with `token` (the QR page) the file must also be
    that very result."""
    if b"%PDF" not in data[:1024]:
        return Verdict("not_pdf", _("Tệp tải lên không phải tệp PDF."))
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:  # a damaged file can fail in many ways inside pyHanko
        return Verdict("not_pdf", _("Tệp PDF bị hỏng, không đọc được."))
    if not signatures:
        return Verdict(
            "unsigned",
            _("Không hợp lệ: tệp PDF không có chữ ký số, không phải kết quả điện tử đã ký."),
        )
    signature = signatures[-1]
    roots = _roots()
    try:
        status = validate_pdf_signature(signature, _context(roots))
        facts = _facts(signature.signer_cert, status.signer_reported_dt)
    except Exception:  # a crafted upload must get a verdict, never a 500
        return Verdict(
            "tampered",
            _("Không hợp lệ: chữ ký số bị lỗi hoặc tệp đã bị sửa đổi sau khi ký."),
        )
    if not status.intact or not status.valid:
        return Verdict(
            "tampered",
            _(
                "Không hợp lệ: nội dung tệp đã bị sửa đổi sau khi ký, chữ ký số không còn "
                "khớp với tài liệu."
            ),
            facts,
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Verdict(
            "modified_after_signing",
            _(
                "Không hợp lệ: tệp đã bị thêm nội dung sau khi ký; chữ ký không bao trùm toàn "
                "bộ tệp."
            ),
            facts,
        )
    if not status.trusted and not roots:
        return Verdict(
            NO_TRUST_ROOTS,
            _(
                "Chưa thể xác thực: hệ thống chưa được cấu hình chứng thư số gốc tin cậy nên "
                "không kiểm tra được chứng thư của cơ quan ký. Vui lòng báo đơn vị quản lý hệ "
                "thống."
            ),
            facts,
        )
    if not status.trusted:
        return Verdict(
            "untrusted",
            _(
                "Không hợp lệ: chữ ký số không được tạo bằng chứng thư số của cơ quan nhà nước "
                "mà hệ thống tin cậy (người ký: %(subject)s)."
            )
            % {"subject": facts.common_name or facts.subject},
            facts,
        )
    digest = hashlib.sha256(data).hexdigest()
    records = SignedResult.objects.filter(sha256=digest).select_related(
        "agency", "signer", "document__dossier__procedure"
    )
    if token is not None:
        records = records.filter(token=token)
    record = records.first()
    if record is None:
        return Verdict(
            "unknown_result",
            _(
                "Không hợp lệ: chữ ký số đúng nhưng tệp không trùng với kết quả nào do hệ "
                "thống ghi nhận%(which)s."
            )
            % {"which": _(" cho mã xác thực này") if token else ""},
            facts,
        )
    return Verdict(
        VALID,
        _(
            "Hợp lệ: tài liệu là kết quả điện tử do hệ thống cấp, chữ ký số đúng và tệp còn "
            "nguyên vẹn."
        ),
        facts,
        record,
    )
