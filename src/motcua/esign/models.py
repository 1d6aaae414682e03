from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.directory.models import Agency
from motcua.dossiers.models import DossierDocument


class SignedResult(models.Model):
    """A result document signed by an agency (kết quả điện tử có chữ ký số).

    `token` is what the QR code in the stamp carries: unguessable, so the public verification
    page cannot be walked to enumerate results. `sha256` is the hash of the signed file, the
    one a verifier's upload must match."""

    document = models.OneToOneField(
        DossierDocument,
        on_delete=models.PROTECT,
        related_name="signature",
        verbose_name=_("tài liệu kết quả"),
    )
    token = models.CharField(_("mã xác thực"), max_length=32, unique=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan ký")
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ký"),
    )
    signed_at = models.DateTimeField(_("ký lúc"))
    sha256 = models.CharField(_("mã băm tệp đã ký"), max_length=64, db_index=True)
    unsigned_sha256 = models.CharField(_("mã băm tệp trước khi ký"), max_length=64)
    certificate_subject = models.CharField(_("chủ thể chứng thư"), max_length=500)
    certificate_serial = models.CharField(_("số hiệu chứng thư"), max_length=64)
    certificate_sha256 = models.CharField(_("dấu vân tay chứng thư"), max_length=64)

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("kết quả đã ký số")
        verbose_name_plural = _("kết quả đã ký số")

    def __str__(self) -> str:
        return f"{self.document_id} ({self.signed_at:%d/%m/%Y %H:%M})"
